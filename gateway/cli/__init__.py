"""`govshare`: the command line of the gateway, for department engineers, security officers and auditors.

One module per command group — `catalog`, `policy` (policy check, grants), `identity` (token, keys), `mask`,
`audit`, `admin` (init), `bench` — sharing the conventions of `common` (options, acting officer, exit codes,
the one services builder). The commands that run the proxy (`run`, `demo`) live on the proxy side, in
addons/cli.py, which registers them and then calls `main` here: the core never imports the proxy.

    0 done · 1 refused or failed check · 2 usage error (see gateway/cli/common.py)
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Iterable

from .common import EXIT_REFUSED, EXIT_USAGE, Refused, Usage, add_common, err

Register = Callable[[argparse._SubParsersAction], None]


def _walk(parser: argparse.ArgumentParser):
    """Every parser below `parser` (subcommands of subcommands included)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield sub
                yield from _walk(sub)


def core_commands() -> list[Register]:
    from ..admin import cli as console
    from . import admin, audit, bench, catalog, identity, mask, policy

    return [catalog.register, policy.register, identity.register, mask.register, audit.register,
            admin.register, console.register, bench.register]


def build_parser(extra: Iterable[Register] = ()) -> argparse.ArgumentParser:
    """The whole command line; `extra` adds command groups from outside the core (the proxy's run/demo)."""
    parser = argparse.ArgumentParser(prog="govshare", description=__doc__.splitlines()[0],
                                     epilog="exit codes: 0 done, 1 refused or failed check, 2 usage error")
    add_common(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in [*extra, *core_commands()]:
        register(sub)
    for p in _walk(parser):
        add_common(p)
    return parser


def main(argv: list[str] | None = None, extra: Iterable[Register] = ()) -> int:
    from ..yamlsrc import SourceError

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(extra)
    args, rest = parser.parse_known_args(argv)
    if args.command == "bench":  # `bench` hands everything after its name to the benchmark's own parser
        args.bench_args = argv[argv.index("bench") + 1:]
    elif rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    try:
        return int(args.func(args) or 0)
    except Refused as e:
        err("", str(e))
        return EXIT_REFUSED
    except (Usage, SourceError) as e:
        from ..config import ConfigError

        err("", f"configuration error: {e}" if isinstance(e, ConfigError) else str(e))
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
