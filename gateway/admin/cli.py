"""`govshare admin create-user|list-users|serve`: administrator accounts and the officers' console.

    govshare admin create-user NAME --role system|security|audit [--dept GA] [--password-stdin] [--by NAME]
    govshare admin disable-user NAME [--by NAME]
    govshare admin list-users [--json]
    govshare admin serve [--admin-listen 127.0.0.1:8081]

Mounted by gateway.cli (`register(subparsers)`), with its conventions (gateway/cli/common.py): exit 0 done,
1 refused (invalid account, name taken, missing data directory, busy port), 2 usage error. Creating an
account is a system administrator action, recorded in the audit trail with the acting officer (`--by`).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from ..cli.common import EXIT_OK, Refused, actor, add_by, add_json, load


def register(subparsers) -> argparse.ArgumentParser:
    admin = subparsers.add_parser("admin", help="administrator accounts and the officers' console")
    cmds = admin.add_subparsers(dest="admin_command", required=True, metavar="ACTION")
    create = cmds.add_parser("create-user", help="create an administrator account with exactly one role")
    create.add_argument("name", help="account name (lowercase letters, digits, . _ -)")
    create.add_argument("--role", required=True, choices=("system", "security", "audit"))
    create.add_argument("--dept", help="the department a security officer acts for (default: every one)")
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add_by(create, "the account")
    create.set_defaults(func=cmd_create_user)
    disable = cmds.add_parser("disable-user", help="disable an account (kept in the trail) and end its sessions")
    disable.add_argument("name")
    add_by(disable, "the change")
    disable.set_defaults(func=cmd_disable_user)
    lst = cmds.add_parser("list-users", help="list administrator accounts")
    add_json(lst, "accounts")
    lst.set_defaults(func=cmd_list_users)
    serve = cmds.add_parser("serve", help="serve the officers' console")
    serve.add_argument("--admin-listen", help="HOST:PORT (default 127.0.0.1:8081; never the data port)")
    serve.set_defaults(func=cmd_serve)
    return admin


def _password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise Refused("the two passwords differ")
    return first


def cmd_create_user(args) -> int:
    from .accounts import AccountError
    from .context import AdminContext

    config = load(args)
    password = _password(args)
    by = actor(args)
    ctx = AdminContext.open(config)
    try:
        try:
            user = ctx.accounts.create_user(args.name, args.role, password, by, dept=args.dept)
        except AccountError as e:
            ctx.record(by, "admin.create_user", args.name[:64], role="system_admin", outcome="failure",
                       detail={"problem": str(e)[:200], "role": args.role})
            raise Refused(str(e)) from None
        ctx.record(by, "admin.create_user", user.name, role="system_admin",
                   detail={"account": user.name, "role": user.role, "dept": user.dept})
    finally:
        ctx.close()
    print(f"created {user.name} ({user.role}{', ' + user.dept if user.dept else ''})")
    return EXIT_OK


def cmd_disable_user(args) -> int:
    from .accounts import AccountError
    from .context import AdminContext

    by = actor(args)
    ctx = AdminContext.open(load(args))
    try:
        try:
            user = ctx.accounts.disable(args.name)
        except AccountError as e:
            ctx.record(by, "admin.disable_user", args.name[:64], role="system_admin", outcome="failure",
                       detail={"problem": str(e)[:200]})
            raise Refused(str(e)) from None
        ctx.record(by, "admin.disable_user", user.name, role="system_admin", detail={"role": user.role})
    finally:
        ctx.close()
    print(f"disabled {user.name}")
    return EXIT_OK


def cmd_list_users(args) -> int:
    from .context import AdminContext

    ctx = AdminContext.open(load(args))
    try:
        users = ctx.accounts.list()
    finally:
        ctx.close()
    if args.json:
        print(json.dumps([{"name": u.name, "role": u.role, "dept": u.dept} for u in users], ensure_ascii=False))
        return EXIT_OK
    for u in users:
        print(f"{u.name:<24} {u.role:<9} {u.dept or '-'}")
    return EXIT_OK


def cmd_serve(args) -> int:
    from .context import AdminContext
    from .serve import ConsoleAddressError, ConsoleServer, parse_listen

    config = load(args)
    ctx = AdminContext.open(config)
    try:
        host, port = parse_listen(args.admin_listen)
        server = ConsoleServer(ctx, host, port)
        print(f"govshare console on {server.url}/ (Ctrl-C to stop)", flush=True)
        server.run()
    except ConsoleAddressError as e:
        raise Refused(str(e)) from None
    finally:
        ctx.close()
    return EXIT_OK
