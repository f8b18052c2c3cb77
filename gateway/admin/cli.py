"""`govshare admin create-user|list-users|serve`: administrator accounts and the officers' console.

    govshare admin create-user NAME --role system|security|audit [--dept GA] [--password-stdin]
    govshare admin serve [--admin-listen 127.0.0.1:8081]

Mount with `register(subparsers)`. Exit codes: 0 done, 1 refused (invalid account, name taken), 2 usage or
configuration error. Creating an account is a system administrator action, recorded in the audit trail
with the acting officer (`--by`, else $GOVSHARE_ADMIN, else the login name).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

EXIT_OK, EXIT_REFUSED, EXIT_BROKEN = 0, 1, 2


def register(subparsers) -> argparse.ArgumentParser:
    admin = subparsers.add_parser("admin", help="administrator accounts and the officers' console")
    cmds = admin.add_subparsers(dest="admin_command", required=True, metavar="ACTION")
    create = cmds.add_parser("create-user", help="create an administrator account with exactly one role")
    create.add_argument("name", help="account name (lowercase letters, digits, . _ -)")
    create.add_argument("--role", required=True, choices=("system", "security", "audit"))
    create.add_argument("--dept", help="the department a security officer acts for (default: every one)")
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    create.add_argument("--by", help="acting administrator (default: $GOVSHARE_ADMIN or login name)")
    create.set_defaults(func=cmd_create_user)
    lst = cmds.add_parser("list-users", help="list administrator accounts")
    lst.set_defaults(func=cmd_list_users)
    serve = cmds.add_parser("serve", help="serve the officers' console")
    serve.add_argument("--admin-listen", help="HOST:PORT (default 127.0.0.1:8081; never the data port)")
    serve.set_defaults(func=cmd_serve)
    for leaf in (create, lst, serve):
        leaf.add_argument("--config", default=argparse.SUPPRESS, help="configuration file (TOML)")
        leaf.add_argument("--data-dir", dest="data_dir", default=argparse.SUPPRESS, help="data directory")
    return admin


def _config(args):
    from ..config import load_config

    return load_config(getattr(args, "config", None), getattr(args, "data_dir", None))


def _actor(args) -> str:
    if getattr(args, "by", None):
        return args.by
    try:
        return os.environ.get("GOVSHARE_ADMIN") or getpass.getuser()
    except OSError:
        return "unknown"


def _password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def cmd_create_user(args) -> int:
    from ..yamlsrc import SourceError
    from .accounts import AccountError
    from .context import AdminContext

    try:
        config = _config(args)
    except SourceError as e:
        print(f"govshare admin: {e}", file=sys.stderr)
        return EXIT_BROKEN
    try:
        password = _password(args)
    except ValueError as e:
        print(f"govshare admin: {e}", file=sys.stderr)
        return EXIT_REFUSED
    actor = _actor(args)
    ctx = AdminContext.open(config)
    try:
        try:
            user = ctx.accounts.create_user(args.name, args.role, password, actor, dept=args.dept)
        except AccountError as e:
            ctx.record(actor, "admin.create_user", args.name[:64], role="system_admin", outcome="failure",
                       detail={"problem": str(e)[:200], "role": args.role})
            print(f"govshare admin: {e}", file=sys.stderr)
            return EXIT_REFUSED
        ctx.record(actor, "admin.create_user", user.name, role="system_admin",
                   detail={"account": user.name, "role": user.role, "dept": user.dept})
    finally:
        ctx.close()
    print(f"created {user.name} ({user.role}{', ' + user.dept if user.dept else ''})")
    return EXIT_OK


def cmd_list_users(args) -> int:
    from .context import AdminContext

    ctx = AdminContext.open(_config(args))
    try:
        for u in ctx.accounts.list():
            print(f"{u.name:<24} {u.role:<9} {u.dept or '-'}")
    finally:
        ctx.close()
    return EXIT_OK


def cmd_serve(args) -> int:
    from .context import AdminContext
    from .serve import ConsoleAddressError, ConsoleServer, parse_listen

    config = _config(args)
    ctx = AdminContext.open(config)
    try:
        host, port = parse_listen(args.admin_listen)
        server = ConsoleServer(ctx, host, port)
        print(f"govshare console on {server.url}/ (Ctrl-C to stop)", flush=True)
        server.run()
    except ConsoleAddressError as e:
        print(f"govshare admin: {e}", file=sys.stderr)
        return EXIT_BROKEN
    finally:
        ctx.close()
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="govshare")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
