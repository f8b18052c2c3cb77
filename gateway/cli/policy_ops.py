"""`govshare policy validate|show|diff`: the base policy checked, shown and compared the way the gateway reads it.

`validate [FILE…]` reads every line of every file and reports every error at once (file, line, field) —
`read_policy_csv`, which the gateway runs, stops at the first. A `.csv` is checked as base rules against
the configured catalog, a `.conf` as the Casbin model, a `.yaml` as a catalog (its first error: the
catalog parser stops there); with no file, the configured model and policy.
`show` prints the policy in force (engine version, stored version, file digest, rules, grants summary);
`diff V1 V2` compares two stored versions (numbers from the versions store) or a version and a file.
Exit codes: 0 valid / done, 1 invalid or unknown version, 2 usage (a broken configuration or catalog).
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from ..policy.model import _Where, PolicyError, check_group_rule, check_policy_rule, load_model
from ..yamlsrc import SourceError
from .common import EXIT_OK, EXIT_REFUSED, Refused, Usage, add_json, build_services, load


def register(policy_cmds) -> None:
    """Add validate/show/diff under `govshare policy`."""
    p = policy_cmds.add_parser("validate", help="check policy files; reports every error at once")
    p.add_argument("files", nargs="*", metavar="FILE",
                   help="policy.csv files (base rules), .conf models or .yaml catalogs; default: the configured "
                        "model and policy")
    add_json(p, "errors")
    p.set_defaults(func=cmd_policy_validate)
    p = policy_cmds.add_parser("show", help="the policy in force: version, digest, rules, grants")
    add_json(p, "policy")
    p.set_defaults(func=cmd_policy_show)
    p = policy_cmds.add_parser("diff", help="unified diff of two stored policy versions, or a version and a file")
    p.add_argument("old", metavar="V1", help="stored version number (see the console's versions page)")
    p.add_argument("new", metavar="V2", help="stored version number or a policy.csv file")
    p.set_defaults(func=cmd_policy_diff)


# ------------------------------------------------------------------------------------------------ validate
def validate_policy_text(path: str, text: str, catalog) -> list[SourceError]:
    """Every problem in a policy.csv text (one per bad line, plus duplicate rule names), in line order."""
    problems: list[SourceError] = []
    names: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = _Where(path, number, "")
        try:
            try:
                row = next(csv.reader([line], skipinitialspace=True, strict=True))
            except csv.Error as e:
                raise PolicyError(path, number, "", f"CSV syntax: {e}") from None
            row = [v.strip() for v in row]
            ptype, values = row[0], row[1:]
            if ptype == "p":
                rule = check_policy_rule(values, where, catalog)
                if rule.name in names:
                    raise PolicyError(path, number, "field 'rule'",
                                      f"{rule.name!r} already named the rule on line {names[rule.name]}")
                names[rule.name] = number
            elif ptype in ("g", "g2"):
                check_group_rule(ptype, values, where)
            else:
                raise PolicyError(path, number, "field 'ptype'", f"{ptype!r} must be p or g")
        except SourceError as e:
            problems.append(e)
    return problems


def validate_files(files: list[Path], catalog) -> list[SourceError]:
    problems: list[SourceError] = []
    for path in files:
        if path.suffix in (".conf", ".yaml", ".yml"):
            from ..catalog import load_catalog

            try:
                load_model(path) if path.suffix == ".conf" else load_catalog(path)
            except SourceError as e:
                problems.append(e)
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            problems.append(PolicyError(path, None, "", f"cannot read: {e.strerror or e}"))
            continue
        except UnicodeDecodeError:
            problems.append(PolicyError(path, None, "", "not valid UTF-8"))
            continue
        problems.extend(validate_policy_text(str(path), text, catalog))
    return problems


def _catalog(config):
    from ..catalog import load_catalog

    try:
        return load_catalog(config.catalog)
    except SourceError as e:
        raise Usage(f"the catalog the rules are checked against is broken: {e}") from None


def cmd_policy_validate(args) -> int:
    config = load(args, create=True)  # checking files needs no data directory
    files = [Path(f) for f in args.files] or [Path(config.model), Path(config.policy)]
    problems = validate_files(files, _catalog(config))
    if args.json:
        print(json.dumps({"files": [str(f) for f in files], "valid": not problems,
                          "errors": [{"file": e.path, "line": e.line, "entry": e.entry, "problem": e.problem}
                                     for e in problems]}, ensure_ascii=False, indent=2))
    else:
        for e in problems:
            print(str(e))
        names = ", ".join(str(f) for f in files)
        print(f"{names}: OK" if not problems else f"{len(problems)} error(s) in {names}")
    return EXIT_OK if not problems else EXIT_REFUSED


# ---------------------------------------------------------------------------------------------------- show
def _versions(config):
    """The versions store on the gateway's database (the console's store of record)."""
    from ..admin.versions import VersionStore
    from ..store import make_engine

    engine = make_engine(config.db_url)
    return engine, VersionStore(engine, config)


def policy_summary(config) -> dict:
    try:
        services = build_services(config, with_audit=False, with_identity=False)
    except SourceError as e:
        raise Usage(str(e)) from None
    try:
        policy = services.policy.current
        now = datetime.now(UTC)
        rules = [{"values": list(r.values), "source": r.source} for r in policy.rules
                 if not r.name.startswith("grant:")]
        grants = list(policy.grants.values())
        by_resource = Counter(g.resource for g in grants if not g.expired(now))
        doc = {"version": policy.version, "revision": policy.revision, "catalog_digest": policy.catalog_digest,
               "rules": rules, "groups": [list(g) for g in policy.groups],
               "grants": {"active": sum(by_resource.values()),
                          "expired": sum(1 for g in grants if g.expired(now)),
                          "by_resource": dict(sorted(by_resource.items()))}}
    finally:
        services.close()
    path = Path(config.policy)
    doc["file"] = str(path)
    doc["digest"] = hashlib.sha256(path.read_bytes()).hexdigest()
    engine, store = _versions(config)
    try:
        head = store.head("policy")
        doc["stored_version"] = None if head is None else {
            "version": head.version, "digest": head.digest, "author": head.author, "at": head.at,
            "comment": head.comment, "matches_file": head.digest == doc["digest"]}
    finally:
        engine.dispose()
    return doc


def cmd_policy_show(args) -> int:
    doc = policy_summary(load(args))
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"policy in force: {doc['version']} (revision {doc['revision']})")
    print(f"file: {doc['file']} sha256 {doc['digest']}")
    stored = doc["stored_version"]
    if stored is None:
        print("stored version: none yet (the file seeds version 1 at the first change)")
    else:
        print(f"stored version: {stored['version']} by {stored['author']} at {stored['at']}: {stored['comment']}"
              + ("" if stored["matches_file"] else "  [the file differs from this version]"))
    print(f"catalog digest: {doc['catalog_digest']}")
    print(f"rules ({len(doc['rules'])}):")
    for r in doc["rules"]:
        print("  " + ", ".join(r["values"]) + f"    # {r['source']}")
    if doc["groups"]:
        print(f"groups ({len(doc['groups'])}): " + "; ".join(f"{m} in {g}" for m, g in doc["groups"]))
    g = doc["grants"]
    print(f"grants: {g['active']} active, {g['expired']} expired (not yet revoked)")
    for code, n in g["by_resource"].items():
        print(f"  {code}: {n}")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------------- diff
def _side(store, spec: str) -> tuple[str, str]:
    """(label, text) for a version number or a file."""
    if spec.isdigit():
        version = store.get("policy", int(spec))
        if version is None:
            raise Refused(f"no stored policy version {spec}")
        return f"policy v{spec}", version.content
    path = Path(spec)
    if not path.is_file():
        raise Usage(f"{spec!r} is neither a stored version number nor a file")
    return str(path), path.read_text(encoding="utf-8")


def cmd_policy_diff(args) -> int:
    config = load(args)
    engine, store = _versions(config)
    try:
        (a_label, a_text), (b_label, b_text) = _side(store, args.old), _side(store, args.new)
    finally:
        engine.dispose()
    lines = list(difflib.unified_diff(a_text.splitlines(), b_text.splitlines(), a_label, b_label, lineterm=""))
    print("\n".join(lines) if lines else f"no difference between {a_label} and {b_label}")
    return EXIT_OK
