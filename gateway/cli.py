"""`govshare`: the command line of the gateway, for department engineers, security officers and auditors.

Every command runs the same core code as the gateway (catalog, identity, policy, masking, audit). Each area
registers its own subcommands; this module adds the common options (--config, --data-dir) to all of them,
and owns `run`, `demo` and `catalog`.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

from .yamlsrc import SourceError


def _common(parser: argparse.ArgumentParser) -> None:
    known = {o for a in parser._actions for o in a.option_strings}
    if "--config" not in known:
        parser.add_argument("--config", default=argparse.SUPPRESS,
                            help="configuration file (TOML); default: built-in settings")
    if "--data-dir" not in known:
        parser.add_argument("--data-dir", dest="data_dir", default=argparse.SUPPRESS,
                            help="data directory (default: $GOVSHARE_DATA_DIR or ./var)")


def _walk(parser: argparse.ArgumentParser):
    """Every parser below `parser` (subcommands of subcommands included)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield sub
                yield from _walk(sub)


def build_parser() -> argparse.ArgumentParser:
    from .audit.cli import register as register_audit
    from .bench_cli import register as register_bench
    from .identity_cli import register as register_identity
    from .masking.cli import register as register_mask
    from .policy_cli import register as register_policy

    parser = argparse.ArgumentParser(prog="govshare", description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", dest="data_dir", default=None, help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run the gateway")
    run.add_argument("--listen", help="HOST:PORT to listen on (overrides the config)")
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser("demo", help="run the demo departments and the gateway, print ready-made calls")
    demo.add_argument("--port", type=int, default=8080, help="gateway port (default 8080)")
    demo.set_defaults(func=cmd_demo)

    catalog = sub.add_parser("catalog", help="the resource catalog")
    csub = catalog.add_subparsers(dest="catalog_command", required=True, metavar="ACTION")
    csub.add_parser("validate", help="validate the catalog file").set_defaults(func=cmd_catalog_validate)
    lst = csub.add_parser("list", help="list resources")
    lst.add_argument("--json", action="store_true", help="JSON array")
    lst.set_defaults(func=cmd_catalog_list)
    show = csub.add_parser("show", help="show one resource")
    show.add_argument("code")
    show.set_defaults(func=cmd_catalog_show)

    common = argparse.ArgumentParser(add_help=False)
    _common(common)
    register_identity(sub, common)
    register_policy(sub)
    register_mask(sub)
    register_audit(sub)
    register_bench(sub)

    for p in _walk(parser):
        _common(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SourceError as e:
        print(f"govshare: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _config(args):
    from .config import load_config

    return load_config(getattr(args, "config", None), getattr(args, "data_dir", None))


# -- catalog ---------------------------------------------------------------------------------------------

def cmd_catalog_validate(args) -> int:
    from .catalog import load_catalog

    config = _config(args)
    catalog = load_catalog(config.catalog)
    print(f"{config.catalog}: OK — {len(catalog.departments)} departments, {len(catalog.resources)} resources, "
          f"digest {catalog.digest[:16]}")
    return 0


def cmd_catalog_list(args) -> int:
    from .catalog import load_catalog

    catalog = load_catalog(_config(args).catalog)
    rows = catalog.summary()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    print(f"{'CODE':<16} {'SHARE':<14} {'PROVIDER':<9} {'PATH':<24} NAME")
    for r in rows:
        print(f"{r['code']:<16} {r['share']:<14} {r['provider']:<9} {r['path']:<24} {r['name']}")
    return 0


def cmd_catalog_show(args) -> int:
    from .catalog import load_catalog

    catalog = load_catalog(_config(args).catalog)
    for r in catalog.summary():
        if r["code"] == args.code:
            print(json.dumps(r, ensure_ascii=False, indent=2))
            return 0
    print(f"govshare: no resource {args.code!r} in the catalog", file=sys.stderr)
    return 1


# -- run / demo ------------------------------------------------------------------------------------------

def cmd_run(args) -> int:
    from dataclasses import replace

    from .proxy_side import proxy_entry

    config = _config(args)
    if args.listen:
        host, _, port = args.listen.rpartition(":")
        config = replace(config, gateway=replace(config.gateway, listen_host=host or "127.0.0.1",
                                                 listen_port=int(port)))
    return proxy_entry("run")(config)


def cmd_demo(args) -> int:
    from .demo.run import run_demo

    return run_demo(_config(args), args.port)


if __name__ == "__main__":
    sys.exit(main())
