"""`govshare audit …`: the audit administrator's commands (tail, query, verify, export, report, archive).

`register(subparsers)` adds the commands to the main CLI; each handler takes the parsed args (with
`config` and `data_dir`) and returns the process exit code. verify/head/export/report/archive are themselves
recorded in the trail as administrator actions (actor = --by, else $GOVSHARE_ADMIN, else the OS user; role
audit_admin). Exit codes: 0 success (verify: chain intact), 1 failure (verify: tampering found; no data
directory), 2 bad arguments or configuration. None of them creates a data directory.

`verify --key-fingerprint FP --expected-head FILE` pins the checkpoint key and a head kept off the machine
(docs/AUDIT.md); `head --out FILE` exports the newest signed checkpoint; `key` shows what to pin.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from dataclasses import replace
from pathlib import Path

from ..audit.checkpoint import checkpoint_path, last_checkpoint
from ..audit.clean import Cleaner
from ..audit.custody import keyring, signing_key_path
from ..audit.errors import AuditError, AuditRejected, AuditUnavailable
from ..audit.export import CSV_FIELDS, FORMATS, _csv_cell, export
from ..audit.query import Filters, iter_rows, parse_time, table_header, table_line, tail
from ..audit.report import report
from ..audit.retention import archive
from ..audit.verify import verify
from ..audit.writer import AuditTrail
from ..store import make_engine
from ..yamlsrc import SourceError
from .common import Refused, actor, add_by, load

ROLE = "audit_admin"


def register(subparsers) -> None:
    audit = subparsers.add_parser("audit", help="read, verify, export and archive the audit trail",
                                  description="Audit administrator commands.")
    sub = audit.add_subparsers(dest="audit_command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("tail", help="show the newest records")
    p.add_argument("-n", type=int, default=20, help="how many records (default 20)")
    p.add_argument("--follow", "-f", action="store_true", help="keep printing new records")
    p.add_argument("--json", action="store_true", help="one JSON object per line (seq, hash, record)")
    p.set_defaults(func=cmd_tail)

    p = sub.add_parser("query", aliases=["search"], help="find records (live and archived)")
    _time_args(p)
    for name in ("dept", "app", "resource", "request-id"):
        p.add_argument(f"--{name}")
    p.add_argument("--reason", help="a request's decision reason, e.g. no_grant, purpose_mismatch")
    p.add_argument("--purpose", help="the purpose a call stated (exactly)")
    p.add_argument("--grant", dest="grant_id", metavar="ID",
                   help="a grant: the calls it allowed and the administrator actions on it")
    p.add_argument("--actor", help="acting officer: administrator records of that account")
    p.add_argument("--decision", choices=("allow", "deny"))
    p.add_argument("--status", type=int)
    p.add_argument("--event", choices=("request", "admin"))
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="one JSON object per line (seq, hash, record)")
    out.add_argument("--csv", action="store_true", help="CSV with one column per field")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("verify", help="check the hash chain and every signed checkpoint")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.add_argument("--key-fingerprint", action="append", default=[], metavar="sha256:HEX",
                   help="pin the checkpoint signing key (repeat for keys of a rotation); see `audit key`")
    p.add_argument("--expected-head", type=Path, metavar="FILE",
                   help="checkpoint lines kept elsewhere (`audit head --out`, or a file sink)")
    add_by(p, "this verify")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("head", help="export the newest signed checkpoint, to pin with verify --expected-head")
    p.add_argument("--out", required=True, type=Path)
    add_by(p, "this export of the head")
    p.set_defaults(func=cmd_head)

    p = sub.add_parser("key", help="show the checkpoint signing key's path and fingerprint (to pin)")
    p.set_defaults(func=cmd_key)

    p = sub.add_parser("export", help="export records with a manifest")
    p.add_argument("--format", choices=FORMATS, default="jsonl")
    p.add_argument("--out", required=True, type=Path)
    _time_args(p)
    add_by(p, "this export")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("report", help="the period report: Chinese text, CSV or PDF (UTC+08:00), or HTML with charts",
                       description="text, csv and pdf read bare dates in local time (UTC+08:00) and print local "
                                   "times; html keeps UTC. Without --out, text/csv/html go to stdout.")
    _time_args(p)
    p.add_argument("--format", choices=REPORT_FORMATS, help="default: from --out's suffix, else text")
    p.add_argument("--out", type=Path, help="write the report to this file (required for pdf)")
    add_by(p, "this report")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("archive", help="move records older than retention_days to archive segments")
    add_by(p, "this archive")
    p.set_defaults(func=cmd_archive)


def _time_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="from_", metavar="FROM", help="start (UTC): YYYY-MM-DD or ISO time")
    p.add_argument("--to", metavar="TO", help="end (UTC, exclusive; a bare date includes that day)")


def _config(args):
    return load(args)


def _err(message: str) -> None:
    print(f"govshare audit: {message}", file=sys.stderr)


def _times(args) -> tuple[str | None, str | None]:
    return parse_time(getattr(args, "from_", None)), parse_time(getattr(args, "to", None), end=True)


def _guard(handler):
    def run(args) -> int:
        try:
            return handler(args)
        except (SourceError, ValueError) as e:
            _err(str(e))
            return 2
        except (Refused, AuditError, AuditUnavailable, OSError) as e:
            _err(str(e))
            return 1
    run.__name__ = handler.__name__
    run.__doc__ = handler.__doc__
    return run


def _record_action(config, args, action: str, **fields) -> bool:
    """Append the administrator record for this command; False (and a message) when it cannot."""
    try:
        with AuditTrail.open(config) as trail:
            trail.append_admin(actor(args), ROLE, action, **fields)
        return True
    except (AuditError, AuditUnavailable, AuditRejected) as e:
        _err(f"this action could not be recorded in the audit trail: {e}")
        return False


@_guard
def cmd_tail(args) -> int:
    config = _config(args)
    engine = make_engine(config.db_url)
    try:
        last = 0
        line = (lambda row: row.to_json_line()) if args.json else table_line
        if not args.json:
            print(table_header())
        for row in tail(engine, args.n):
            print(line(row))
            last = row.seq
        while args.follow:
            time.sleep(1.0)
            for row in tail(engine, after_seq=last):
                print(line(row), flush=True)
                last = row.seq
    except KeyboardInterrupt:
        pass
    finally:
        engine.dispose()
    return 0


@_guard
def cmd_query(args) -> int:
    config = _config(args)
    from_ts, to_ts = _times(args)
    base = Filters(from_ts=from_ts, to_ts=to_ts, dept=args.dept, app=args.app, resource=args.resource,
                   decision=args.decision, status=args.status, request_id=args.request_id, event=args.event,
                   reason=args.reason, purpose=args.purpose, grant_id=args.grant_id, actor=args.actor)
    # The caller's own request id is recorded as a keyed hash in correlation_id (gateway.audit.clean): an id
    # given here is looked for as the gateway's request id, then as a caller's.
    searches = [base]
    if args.request_id:
        searches.append(replace(base, request_id=None, correlation_id=_caller_id(config, args.request_id)))
    engine = make_engine(config.db_url)
    try:
        writer = csv.writer(sys.stdout, lineterminator="\n") if args.csv else None
        if writer:
            writer.writerow(CSV_FIELDS)
        elif not args.json:
            print(table_header())
        for row in (row for filters in searches for row in iter_rows(engine, Path(config.data_dir), filters)):
            if writer:
                values = {"seq": row.seq, "hash": row.hash, **row.record}
                writer.writerow([_csv_cell(values.get(name)) for name in CSV_FIELDS])
            elif args.json:
                print(row.to_json_line())
            else:
                print(table_line(row))
    finally:
        engine.dispose()
    return 0


def _caller_id(config, request_id: str) -> str:
    from ..masking.pseudonym import PseudonymKeys

    return Cleaner(PseudonymKeys(config.data_dir).key_for("audit-record")).request_id(request_id, True)


@_guard
def cmd_verify(args) -> int:
    config = _config(args)
    result = verify(config, pins=args.key_fingerprint, expected=args.expected_head)
    if args.json:
        import dataclasses
        import json

        print(json.dumps(dataclasses.asdict(result), ensure_ascii=False))
    else:
        _print_verify(result)
    recorded = _record_action(config, args, "audit.verify", target="audit_trail",
                              outcome="success" if result.ok else "failure", digest_after=result.head_hash,
                              detail={"records": result.records, "kind": result.kind,
                                      "first_bad_seq": result.first_bad_seq, "checkpoints": result.checkpoints})
    return 0 if result.ok and recorded else 1


def _print_verify(result) -> None:
    for fingerprint in result.signers:
        print(f"checkpoint key: {fingerprint}" + (" (pinned)" if result.pinned else ""))
    if not result.pinned:
        print("note: the signing key is not pinned; pass --key-fingerprint (and --expected-head) so a key or "
              "checkpoint file replaced in the data directory cannot pass")
    if result.ok:
        print(f"INTACT: {result.detail}")
        if result.head_hash:
            print(f"head: seq {result.head_seq} hash {result.head_hash}")
        if result.unanchored:
            print(f"note: the newest {result.unanchored} record(s) are not yet covered by a signed checkpoint "
                  "(the gateway writes one every checkpoint_every records, checkpoint_seconds, and at shutdown)")
    else:
        print(f"NOT INTACT: {result.kind} at seq {result.first_bad_seq}")
        print(f"  {result.detail}")
        if result.bad_record:
            print(f"  first bad record: {result.bad_record}")


@_guard
def cmd_head(args) -> int:
    config = _config(args)
    result = verify(config)
    if not result.ok:
        _err(f"the audit chain does not verify ({result.kind} at seq {result.first_bad_seq}); no head exported")
        return 1
    newest = last_checkpoint(checkpoint_path(config.data_dir))
    if newest is None:
        _err("there is no signed checkpoint yet")
        return 1
    tmp = args.out.with_name(f".{args.out.name}.tmp")
    tmp.write_bytes(newest.to_line())
    tmp.replace(args.out)
    if not _record_action(config, args, "audit.head", target=args.out.name, digest_after=newest.hash,
                          detail={"seq": newest.seq}):
        return 1
    print(f"checkpoint seq {newest.seq} hash {newest.hash} written to {args.out}; keep it off this machine")
    return 0


@_guard
def cmd_key(args) -> int:
    config = _config(args)
    path = signing_key_path(config)
    print(f"signing key: {path} ({'present' if path.exists() else 'not on this machine'})")
    known, problems = keyring(config.data_dir)
    for key_id, verifier in sorted(known.items()):
        print(f"keyring: {key_id} fingerprint {verifier.fingerprint}")
    for problem in problems:
        print(f"keyring problem: {problem}")
    return 0


@_guard
def cmd_export(args) -> int:
    config = _config(args)
    from_ts, to_ts = _times(args)
    actor_name = actor(args)
    with AuditTrail.open(config) as trail:
        def audited(manifest: dict) -> None:
            trail.append_admin(actor_name, ROLE, "audit.export", target=args.out.name, digest_after=manifest["sha256"],
                               detail={"format": manifest["format"], "records": manifest["records"],
                                       "first_seq": manifest["first_seq"], "last_seq": manifest["last_seq"],
                                       "from": from_ts, "to": to_ts})
        manifest = export(config, args.out, args.format, from_ts, to_ts, engine=trail.engine,
                          before_publish=audited)
    print(f"exported {manifest['records']} record(s) to {args.out} (sha256 {manifest['sha256']}); "
          f"manifest {args.out.name}.manifest.json")
    return 0


REPORT_FORMATS = ("text", "csv", "pdf", "html")


def _report_format(args) -> str:
    if args.format:
        return args.format
    suffix = args.out.suffix.lower().lstrip(".") if args.out else ""
    return {"htm": "html", "txt": "text"}.get(suffix, suffix if suffix in REPORT_FORMATS else "text")


@_guard
def cmd_report(args) -> int:
    from ..audit.report import LOCAL, collect, render_csv, render_pdf, render_text

    config = _config(args)
    fmt = _report_format(args)
    if fmt == "pdf" and args.out is None:
        raise ValueError("a PDF report needs --out FILE")
    if fmt == "html":
        from_ts, to_ts = _times(args)
        body: str | bytes = report(config, from_ts, to_ts)
    else:
        from_ts = parse_time(getattr(args, "from_", None), tz=LOCAL)
        to_ts = parse_time(getattr(args, "to", None), end=True, tz=LOCAL)
        data = collect(config, from_ts, to_ts)
        body = {"text": render_text, "csv": render_csv, "pdf": render_pdf}[fmt](data)
    target = args.out.name if args.out else "stdout"
    if not _record_action(config, args, "audit.report", target=target,
                          detail={"from": from_ts, "to": to_ts, "format": fmt}):
        return 1
    if args.out is None:
        sys.stdout.write(body)
        return 0
    tmp = args.out.with_name(f".{args.out.name}.tmp")
    if isinstance(body, bytes):
        tmp.write_bytes(body)
    else:
        tmp.write_text(body, encoding="utf-8", newline="")
    tmp.replace(args.out)
    print(f"report ({fmt}) written to {args.out}")
    return 0


@_guard
def cmd_archive(args) -> int:
    config = _config(args)
    with AuditTrail.open(config) as trail:
        result = archive(trail, actor=actor(args))
    if not result.records:
        print(f"nothing to archive (records older than {result.cutoff} are already archived or none exist)")
    else:
        print(f"archived {result.records} record(s), seq {result.first_seq}..{result.last_seq}, "
              f"into {len(result.segments)} segment(s) under {Path(config.data_dir) / 'audit' / 'archive'}")
    return 0
