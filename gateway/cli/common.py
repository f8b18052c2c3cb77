"""The conventions every `govshare` command shares: options, the acting officer, exit codes, the services.

Exit codes (the same for every command):

    0  done (a check passed, a record was written, a body was masked)
    1  refused or a failed check (a denied decision, a broken chain, an unknown grant, a missing data
       directory, a busy port, an action the audit trail could not record)
    2  usage error: bad arguments (argparse's own errors are 2 too) or a broken configuration, catalog or
       policy file

Options: `--config FILE` and `--data-dir DIR` on every command (before or after the command name); `--by NAME`
on every command that changes something, naming the acting officer in the audit trail (default
$GOVSHARE_ADMIN, else the OS user); `--json` on every command that prints records.

Data directories: only `run`, `demo` and `init` create one (`load(args, create=True)`); every other command
refuses a missing one, so a mistyped `--data-dir` never invents a new database with new keys.

Services: `build_services` is the one builder, the same `Services.open` the gateway runs, so `govshare mask`
and `govshare policy check` decide and mask with exactly the gateway's code and files.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


class Refused(Exception):
    """The command cannot do what was asked (exit 1); the message is printed as one line."""


class Usage(Exception):
    """The command was called wrongly or its configuration is broken (exit 2)."""


def add_common(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    """--config and --data-dir; on the top parser they default to None, below it they never override it."""
    known = {o for a in parser._actions for o in a.option_strings}
    default = None if top else argparse.SUPPRESS
    if "--config" not in known:
        parser.add_argument("--config", default=default, metavar="FILE",
                            help="configuration file (TOML, see govshare.example.toml); default: built-in settings")
    if "--data-dir" not in known:
        parser.add_argument("--data-dir", dest="data_dir", default=default, metavar="DIR",
                            help="data directory (default: $GOVSHARE_DATA_DIR, the config's data_dir, or ./var)")


def add_by(parser: argparse.ArgumentParser, what: str = "the change") -> None:
    parser.add_argument("--by", metavar="NAME",
                        help=f"officer making {what}, recorded in the audit trail (default: $GOVSHARE_ADMIN, "
                             "else the OS user)")


def add_json(parser: argparse.ArgumentParser, what: str = "records") -> None:
    parser.add_argument("--json", action="store_true", help=f"print the {what} as JSON")


def actor(args: argparse.Namespace) -> str:
    """The acting officer: --by, else $GOVSHARE_ADMIN, else the OS user."""
    by = getattr(args, "by", None)
    if by:
        return by
    try:
        return os.environ.get("GOVSHARE_ADMIN") or getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def load(args: argparse.Namespace, *, create: bool = False):
    """The configuration for this command; refuses (exit 1) a data directory that does not exist, unless
    the command is one of those that create it."""
    from ..config import load_config

    config = load_config(getattr(args, "config", None), getattr(args, "data_dir", None))
    if not create and not config.data_dir.is_dir():
        raise Refused(f"no data directory {config.data_dir} (run `govshare init --data-dir {config.data_dir}` "
                      "to create one, or point --data-dir/--config at the gateway's)")
    return config


def build_services(config, *, with_audit: bool = True, with_identity: bool = True):
    """The gateway's own services (catalog, policy, masker, pseudonym keys, audit trail): the one builder."""
    from ..services import Services

    return Services.open(config, with_audit=with_audit, with_identity=with_identity)


def err(command: str, message: str) -> None:
    print(f"govshare {command}: {message}" if command else f"govshare: {message}", file=sys.stderr)


def ensure_port_free(host: str, port: int, option: str) -> None:
    """Refuse (one line, exit 1) a listen port another process holds, naming the option that changes it.
    Port 0 (any free port) always passes. Binds like the proxy does (SO_REUSEADDR), then lets go."""
    import socket

    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            raise Refused(f"cannot listen on {host}:{port} ({e.strerror or e}): choose another port with "
                          f"{option}") from None
