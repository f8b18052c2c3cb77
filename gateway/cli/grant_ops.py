"""`govshare grant show|extend` and the grant helpers of `grant add|list`: overlap warnings, expiring grants.

`extend ID --until DATE --reason … --by …` moves a grant's expiry later in one transaction (the grant row,
its Casbin rule and the policy revision together, as GrantStore does for add/revoke, so every gateway
picks the new policy version up at its next poll), then records `grant.extend` in the audit trail with the
reason; a change the trail cannot record is undone. Overlaps: a new grant to the same department and
resource whose application, fields and period overlap one in force is reported (stderr and `--json`), not
refused — an officer may mean it, but usually it is a second application for the same thing.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from ..policy import GrantError, GrantStore, grant_rule, parse_instant
from ..policy.grants import GRANT_ID_RE, RULE_NAME_COLUMN, Grant, _to_grant, check_purpose, utc_stamp
from ..policy.seals import seal_grant
from ..policy.tables import GrantRow, PolicyAdapter, _bump_revision
from .common import EXIT_OK, EXIT_REFUSED, actor, add_by, add_json
from .grant_support import _audit_admin, _context, _error, _grant_detail, _run, _why


def register(grant_cmds) -> None:
    """Add show/extend under `govshare grant` (wrapped in the grant commands' exit-code handling)."""
    show = grant_cmds.add_parser("show", help="show one grant")
    show.add_argument("id", help="grant id")
    add_json(show, "grant")
    show.set_defaults(func=_run(cmd_grant_show))
    ext = grant_cmds.add_parser("extend", help="move a grant's expiry later (audited, with a reason)")
    ext.add_argument("id", help="grant id")
    ext.add_argument("--until", required=True, help="new expiry, ISO-8601 with time zone, later than the current")
    ext.add_argument("--reason", required=True, help="why the grant is extended (recorded in the audit trail)")
    add_by(ext, "the extension")
    add_json(ext, "extended grant")
    ext.set_defaults(func=_run(cmd_grant_extend))


# ------------------------------------------------------------------------------------------------- helpers
def _reach(g: Grant) -> frozenset[str]:
    return frozenset(g.fields) | frozenset(g.pseudonym_fields)


def overlap_warnings(new: Grant, existing: list[Grant]) -> list[str]:
    """One line per grant in `existing` (not revoked) that the new grant duplicates or overlaps."""
    out = []
    for g in existing:
        if g.id == new.id or g.revoked_at or g.dept != new.dept or g.resource != new.resource:
            continue
        if not (g.app is None or new.app is None or g.app == new.app):
            continue
        if not (g.until > new.created_at and new.until > g.created_at):
            continue
        same = (g.app, g.fields, g.pseudonym_fields, g.purpose) == (new.app, new.fields, new.pseudonym_fields,
                                                                     new.purpose)
        shared = _reach(g) & _reach(new)
        if not same and not shared and (_reach(g) or _reach(new)):
            continue
        who = f"{g.dept}/{g.app}" if g.app else g.dept
        kind = "duplicates" if same else "overlaps"
        fields = f"fields {','.join(sorted(shared))}" if shared else "no protected fields"
        out.append(f"grant {new.id} {kind} grant {g.id} ({who} on {g.resource}, {fields}, "
                   f"purpose {g.purpose!r}, until {g.until})")
    return out


def expiring(grants: list[Grant], days: int, now: datetime) -> list[Grant]:
    """Grants in force that expire within `days` days of `now`, soonest first."""
    horizon = utc_stamp(now + timedelta(days=max(0, days)))
    return sorted((g for g in grants if g.status(now) == "active" and g.until <= horizon), key=lambda g: g.until)


def extend_grant(engine, grant_id: str, until: str, *, now: datetime | None = None) -> tuple[Grant, Grant]:
    """Set a grant's expiry to `until` (later than its current one and in the future): (before, after)."""
    now = now or datetime.now(UTC)
    if not GRANT_ID_RE.match(grant_id or ""):
        raise GrantError(f"no grant {grant_id!r} (grant ids look like g-0123456789abcdef)")
    moment = parse_instant(until)
    if moment.tzinfo is None:
        raise GrantError("'until' has no time zone")
    stamp = utc_stamp(moment)
    adapter = PolicyAdapter(engine)
    with Session(engine) as session, session.begin():
        _bump_revision(session)  # write first: takes SQLite's write lock before reading the grant
        row = session.get(GrantRow, grant_id)
        if row is None:
            raise GrantError(f"no grant {grant_id!r}")
        before = _to_grant(row)
        if row.revoked_at:
            raise GrantError(f"grant {grant_id} was revoked at {row.revoked_at}; a revoked grant is not extended")
        if not stamp > row.until:
            raise GrantError(f"'until' {stamp} is not later than the grant's expiry {row.until} "
                             "(shorten a grant by revoking it and adding a new one)")
        if not utc_stamp(now) < stamp:
            raise GrantError(f"'until' {stamp} is not in the future")
        session.execute(update(GrantRow).where(GrantRow.id == grant_id).values(until=stamp))
        seal_grant(session, grant_id)  # the grant store's own edit: resealed, or the next reload raises a tamper alarm
        adapter.remove_named_rule_in(session, "p", f"grant:{grant_id}", RULE_NAME_COLUMN)
        after = replace(before, until=stamp)
        adapter.add_policy_in(session, "p", grant_rule(after))
    return before, after


def _undo_extension(engine, before: Grant) -> None:
    adapter = PolicyAdapter(engine)
    with Session(engine) as session, session.begin():
        _bump_revision(session)
        session.execute(update(GrantRow).where(GrantRow.id == before.id).values(until=before.until))
        seal_grant(session, before.id)
        adapter.remove_named_rule_in(session, "p", before.rule_name, RULE_NAME_COLUMN)
        adapter.add_policy_in(session, "p", grant_rule(before))


def _print_grant(g: Grant, now: datetime) -> None:
    who = f"{g.dept}/{g.app}" if g.app else g.dept
    print(f"grant {g.id} ({g.status(now)})")
    for label, value in (("to", who), ("resource", g.resource), ("purpose", g.purpose),
                         ("reveals", ", ".join(g.fields) or "-"),
                         ("pseudonymises", ", ".join(g.pseudonym_fields) or "-"), ("until", g.until),
                         ("created", f"{g.created_at} by {g.created_by}"), ("revoked", g.revoked_at or "-")):
        print(f"  {label:<14}{value}")


# ------------------------------------------------------------------------------------------------ commands
def cmd_grant_show(args) -> int:
    now = datetime.now(UTC)
    with _context(args, with_catalog=False) as (_config, _catalog, engine):
        grant = GrantStore(engine).get(args.id) if GRANT_ID_RE.match(args.id) else None
    if grant is None:
        raise GrantError(f"no grant {args.id!r}")
    if args.json:
        print(json.dumps(grant.to_json() | {"status": grant.status(now)}, ensure_ascii=False, indent=2))
    else:
        _print_grant(grant, now)
    return EXIT_OK


def cmd_grant_extend(args) -> int:
    reason = check_purpose(args.reason, required=True)  # same shape rules as a purpose: one printable line
    actor_name = actor(args)
    with _context(args, with_catalog=False) as (config, _catalog, engine):
        store = GrantStore(engine)
        digest_before = store.digest()
        before, after = extend_grant(engine, args.id, args.until)
        try:
            _audit_admin(config, engine, actor_name, "grant.extend", after.resource, digest_before, store.digest(),
                         _grant_detail(after) | {"previous_until": before.until, "reason": reason})
        except Exception as exc:  # noqa: BLE001 - an unaudited extension must not stay in force
            _undo_extension(engine, before)
            _error(f"the audit trail could not record this change ({_why(exc)}); extension withdrawn")
            return EXIT_REFUSED
    if args.json:
        print(json.dumps(after.to_json() | {"previous_until": before.until}, ensure_ascii=False, indent=2))
    else:
        print(f"extended {after.id} from {before.until} to {after.until}")
    return EXIT_OK
