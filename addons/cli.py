"""The installed `govshare` command: the proxy's own commands (`run`, `demo`), then the core CLI.

The core's command line (gateway/cli/) never imports the proxy side; this module, on the proxy side,
registers the two commands that start mitmproxy (each serves the officers' console beside the gateway) and hands everything else to `gateway.cli.main`. Both
commands stay thin: they load the configuration (they may create the data directory), check the listen port,
build the gateway's services with the core's one builder and call the runner's `serve`/`Gateway`.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from dataclasses import replace

from gateway.cli import main as core_main
from gateway.cli.common import Refused, build_services, ensure_port_free, load


def _runner():
    """The proxy runner (`serve`, `Gateway`), imported only by the commands that start mitmproxy."""
    return importlib.import_module("addons.runner")


def register(subparsers) -> None:
    run = subparsers.add_parser("run", help="run the gateway")
    run.add_argument("--listen", metavar="HOST:PORT", help="address to listen on (overrides the config)")
    run.add_argument("--port", type=int, help="port to listen on, on the configured host (overrides the config)")
    run.add_argument("--admin-listen", metavar="HOST:PORT",
                     help="the officers' console's address (default [admin] listen, 127.0.0.1:8081)")
    run.set_defaults(func=cmd_run)

    demo = subparsers.add_parser("demo", help="run the demo departments and the gateway, print ready-made calls")
    demo.add_argument("--port", type=int, default=8080, help="gateway port (default 8080; `make run PORT=8081`)")
    demo.add_argument("--admin-listen", metavar="HOST:PORT",
                      help="the officers' console's address (default: the gateway port + 1, or a free one)")
    demo.set_defaults(func=cmd_demo)


def cmd_run(args) -> int:
    config = load(args, create=True)
    gw = config.gateway
    if args.listen:
        host, _, port = args.listen.rpartition(":")
        if not port.isdigit():
            raise Refused(f"--listen {args.listen!r}: expected HOST:PORT")
        gw = replace(gw, listen_host=host or "127.0.0.1", listen_port=int(port))
    if args.port is not None:
        gw = replace(gw, listen_port=args.port)
    config = replace(config, gateway=gw)
    ensure_port_free(gw.listen_host, gw.listen_port, "--port (or --listen HOST:PORT, or [gateway] listen_port)")
    host, port = admin_address(args.admin_listen or config.admin.listen)
    if port != 0 and port == gw.listen_port:
        raise Refused(f"the console must not share the data port {port}; choose another with --admin-listen "
                      f"HOST:PORT (or [admin] listen)")
    ensure_port_free(host, port, "--admin-listen HOST:PORT (or [admin] listen)")  # before the slow build
    services = build_services(config)
    try:
        console = start_console_or_refuse(config, services, host, port, gw.listen_port, demo=False)
        try:
            asyncio.run(_runner().serve(config, services))
        finally:
            console.stop()
    finally:
        services.close()
    return 0


def admin_address(text: str) -> tuple[str, int]:
    from gateway.admin.serve import ConsoleAddressError, parse_listen

    try:
        return parse_listen(text)
    except ConsoleAddressError as e:
        raise Refused(str(e)) from None


def start_console_or_refuse(config, services, host: str, port: int, data_port: int, *, demo: bool):
    """The console beside the gateway, its address (and demo accounts) printed; a busy or forbidden
    address is one line naming --admin-listen (exit 1)."""
    from gateway.admin.serve import ConsoleAddressError, console_beside_gateway

    try:
        console, text = console_beside_gateway(config, services, host, port, data_port=data_port, demo=demo)
    except ConsoleAddressError as e:
        raise Refused(str(e)) from None
    print(text, flush=True)
    return console


def cmd_demo(args) -> int:
    from gateway.demo.run import run_demo

    config = load(args, create=True)
    ensure_port_free(config.gateway.listen_host, args.port, "--port (make run PORT=8081)")
    admin = admin_address(args.admin_listen) if args.admin_listen else None
    if admin is not None:
        if admin[1] != 0 and admin[1] == args.port:
            raise Refused(f"the console must not share the data port {args.port}; choose another with "
                          f"--admin-listen HOST:PORT")
        ensure_port_free(admin[0], admin[1], "--admin-listen HOST:PORT")
    try:
        return run_demo(config, args.port, start_gateway=lambda c, s: _runner().Gateway(c, s).start(),
                        admin=admin)
    except ValueError as e:  # gateway.admin.serve.ConsoleAddressError: the console's address was taken meanwhile
        raise Refused(str(e)) from None
    except RuntimeError as e:  # the port was taken between the check and the bind, or the proxy would not start
        raise Refused(f"the gateway did not start on port {args.port}: {e}; choose another port with --port") from None


def main(argv: list[str] | None = None) -> int:
    return core_main(argv, extra=[register])


if __name__ == "__main__":
    sys.exit(main())
