"""`govshare init`: create a data directory with its database, keys and audit trail — explicitly.

Every other command except `run` and `demo` refuses a missing data directory; this is the one way to make
a new one without starting the gateway. The creation is the trail's first administrator record.
"""

from __future__ import annotations

from .common import EXIT_OK, Refused, actor, add_by, build_services, load


def register(subparsers) -> None:
    p = subparsers.add_parser("init", help="create a new data directory (database, pilot keys, audit trail)",
                              description="Create the data directory named by --data-dir/--config (refuses "
                                          "one that already exists).")
    add_by(p, "the data directory")
    p.set_defaults(func=cmd_init)


def cmd_init(args) -> int:
    config = load(args, create=True)
    if config.data_dir.exists():
        raise Refused(f"{config.data_dir} already exists; `govshare init` only creates new data directories")
    services = build_services(config)
    try:
        services.audit.append_admin(actor(args), "system_admin", "data_dir.init", str(config.data_dir))
        if config.identity.mode == "pilot":
            from ..identity import PilotKeys

            PilotKeys(config.data_dir).ensure()  # the pilot signing key exists from now on
    finally:
        services.close()
    print(f"created {config.data_dir}")
    return EXIT_OK
