"""`govshare policy check` and `govshare grant add|list|revoke`: the policy and the grant register by hand.

`policy check` runs the very decision the gateway runs: it builds the gateway's own services
(`common.build_services`: same model, base rules, catalog and grants). Exit codes: 0 allowed / done,
1 refused (a denied check, an invalid or unknown grant, a missing data directory, an action the audit trail
could not record), 2 a broken configuration, catalog or policy file.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

from ..policy import UNKNOWN_RESOURCE, Caller, GrantStore, parse_instant
from ..yamlsrc import SourceError
from . import grant_ops, policy_ops
from .common import EXIT_OK, EXIT_REFUSED, actor, add_by, add_json, build_services, load
from .grant_support import _audit_admin, _Broken, _context, _error, _grant_detail, _run, _why


def register(subparsers) -> None:
    """Add the `policy` and `grant` commands to the top-level CLI (handlers are set as `func`)."""
    policy = subparsers.add_parser("policy", help="inspect the share policy")
    policy_cmds = policy.add_subparsers(dest="policy_command", required=True)
    check = policy_cmds.add_parser("check", help="decide one request as the gateway would")
    check.add_argument("--dept", required=True, help="calling department code, e.g. MZ")
    check.add_argument("--app", help="calling application")
    check.add_argument("--purpose", help="the call's stated purpose")
    check.add_argument("--at", help="decide at this ISO-8601 time instead of now")
    add_json(check, "decision")
    check.add_argument("method", help="HTTP method, e.g. GET")
    check.add_argument("path", help="request path on the gateway, e.g. /ga/rk/123")
    check.set_defaults(func=cmd_policy_check)
    policy_ops.register(policy_cmds)

    grant = subparsers.add_parser("grant", help="manage grants (approved applications for conditional data)")
    grant_cmds = grant.add_subparsers(dest="grant_command", required=True)
    add = grant_cmds.add_parser("add", help="record an approved application; prints the grant id")
    add.add_argument("--dept", required=True, help="department granted access")
    add.add_argument("--app", help="limit the grant to one application of the department")
    add.add_argument("--resource", required=True, help="resource code, e.g. GA-RK-0001")
    add.add_argument("--fields", default="", help="protected fields revealed, comma-separated")
    add.add_argument("--pseudonym-fields", default="", help="fields replaced by keyed pseudonyms, comma-separated")
    add.add_argument("--purpose", required=True, help="the approved purpose; calls must state it")
    add.add_argument("--until", required=True, help="expiry, ISO-8601 with time zone")
    add_by(add, "the grant")
    add_json(add, "new grant and any warnings")
    add.set_defaults(func=cmd_grant_add)
    lst = grant_cmds.add_parser("list", help="list grants")
    lst.add_argument("--all", action="store_true", help="include revoked grants")
    lst.add_argument("--expiring", type=int, metavar="DAYS",
                     help="only grants in force that expire within DAYS days")
    add_json(lst, "grants")
    lst.set_defaults(func=cmd_grant_list)
    revoke = grant_cmds.add_parser("revoke", help="revoke a grant")
    revoke.add_argument("id", help="grant id")
    add_by(revoke, "the revocation")
    revoke.set_defaults(func=cmd_grant_revoke)
    grant_ops.register(grant_cmds)


@_run
def cmd_policy_check(args) -> int:
    """Decide one request; exit 0 when allowed, 1 when refused."""
    now = parse_instant(args.at) if args.at else datetime.now(UTC)
    caller = Caller(dept=args.dept, app=args.app, purpose=args.purpose)
    try:
        services = build_services(load(args), with_audit=False, with_identity=False)
    except SourceError as e:
        raise _Broken(str(e)) from None
    try:
        catalog, policy = services.catalog.current, services.policy.current
        route = catalog.route(args.path)
        doc = {"method": args.method.upper(), "path": args.path, "dept": args.dept, "app": args.app,
               "purpose": args.purpose}
        if route is None:
            doc |= {"allowed": False, "reason": UNKNOWN_RESOURCE, "rule": "default-deny", "resource": None,
                    "policy_version": policy.version, "grant_id": None, "legal_basis": None}
        else:
            decision = policy.decide(caller, args.method.upper(), route.resource, now=now)
            doc |= decision.to_json() | {"resource": route.resource.code}
            if decision.grant is not None:
                doc |= {"fields": list(decision.grant.fields),
                        "pseudonym_fields": list(decision.grant.pseudonym_fields)}
    finally:
        services.close()
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        verdict = "ALLOW" if doc["allowed"] else "DENY"
        print(f"{verdict} {doc['method']} {doc['path']} resource={doc['resource'] or '-'} "
              f"reason={doc['reason']} rule={doc['rule']} policy={doc['policy_version']}")
        if doc.get("grant_id"):
            print(f"grant {doc['grant_id']}: reveals {', '.join(doc['fields']) or '-'}; "
                  f"pseudonymises {', '.join(doc['pseudonym_fields']) or '-'}")
        if doc.get("legal_basis"):
            print(f"legal basis: {doc['legal_basis']}")
    return EXIT_OK if doc["allowed"] else EXIT_REFUSED


@_run
def cmd_grant_add(args) -> int:
    """Record a grant (and its audit record) and print its id."""
    actor_name = actor(args)
    with _context(args) as (config, catalog, engine):
        store = GrantStore(engine, catalog)
        before = store.digest()
        existing = store.list()
        grant = store.add(args.dept, args.app, args.resource, args.fields.split(","),
                          args.pseudonym_fields.split(","), args.purpose, args.until, actor_name)
        try:
            _audit_admin(config, engine, actor_name, "grant.add", grant.resource, before, store.digest(),
                         _grant_detail(grant))
        except Exception as exc:  # noqa: BLE001 - an unaudited grant must not stay in force
            store.revoke(grant.id, "govshare:audit-unavailable")
            _error(f"the audit trail could not record this change ({_why(exc)}); grant withdrawn")
            return EXIT_REFUSED
    warnings = grant_ops.overlap_warnings(grant, existing)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps(grant.to_json() | {"warnings": warnings}, ensure_ascii=False, indent=2))
    else:
        print(grant.id)
    return EXIT_OK


@_run
def cmd_grant_list(args) -> int:
    """List grants (active and expired; revoked ones with --all)."""
    now = datetime.now(UTC)
    with _context(args, with_catalog=False) as (_config, _catalog, engine):
        grants = GrantStore(engine).list(include_revoked=args.all)
    if args.expiring is not None:
        grants = grant_ops.expiring(grants, args.expiring, now)
    if args.json:
        print(json.dumps([g.to_json() | {"status": g.status(now)} for g in grants], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not grants:
        print("no grants" if args.expiring is None else f"no grant expires within {args.expiring} day(s)")
        return EXIT_OK
    for g in grants:
        who = f"{g.dept}/{g.app}" if g.app else g.dept
        print(f"{g.id}  {g.status(now):<7}  {who:<20}  {g.resource:<16}  until {g.until}  "
              f"purpose {g.purpose!r}  reveals {','.join(g.fields) or '-'}  "
              f"pseudonymises {','.join(g.pseudonym_fields) or '-'}")
    return EXIT_OK


@_run
def cmd_grant_revoke(args) -> int:
    """Revoke a grant."""
    actor_name = actor(args)
    with _context(args, with_catalog=False) as (config, _catalog, engine):
        store = GrantStore(engine)
        before = store.digest()
        grant = store.revoke(args.id, actor_name)
        try:
            _audit_admin(config, engine, actor_name, "grant.revoke", grant.resource, before, store.digest(),
                         _grant_detail(grant))
        except Exception as exc:  # noqa: BLE001 - the revocation stays (the safe direction); say so
            _error(f"grant revoked, but the audit trail could not record it ({_why(exc)})")
            return EXIT_REFUSED
    print(f"revoked {grant.id} at {grant.revoked_at}")
    return EXIT_OK
