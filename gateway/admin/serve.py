"""Serving the console with uvicorn: in the foreground (`govshare admin serve`) or on a background thread
(`start_console`, for `govshare run` to serve it on its second address, and for tests).

The console never shares the data port: `check_address` refuses the gateway's own listen address.
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from .app import build_app
from .context import AdminContext

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8081


class ConsoleAddressError(ValueError):
    """The console was asked to listen where it must not (the data port) or where it cannot."""


def parse_listen(text: str | None) -> tuple[str, int]:
    if not text:
        return DEFAULT_HOST, DEFAULT_PORT
    host, _, port = text.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        raise ConsoleAddressError(f"--admin-listen {text!r} is not HOST:PORT") from None
    if not 0 <= number <= 65535:
        raise ConsoleAddressError(f"--admin-listen port {number} is not 0..65535")
    return host or DEFAULT_HOST, number


def check_address(ctx: AdminContext, host: str, port: int, data_port: int | None = None) -> None:
    """Refuse the data port: the configured one, or `data_port` (where the running gateway really listens)."""
    if port != 0 and port in {ctx.config.gateway.listen_port, data_port}:
        raise ConsoleAddressError(f"the console must not share the data port {port}; "
                                  f"choose another with --admin-listen HOST:PORT")


class ConsoleServer:
    """A uvicorn server on its own thread; `url` once started, `stop()` to end it."""

    def __init__(self, ctx: AdminContext, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *,
                 data_port: int | None = None):
        check_address(ctx, host, port, data_port)
        self.ctx = ctx
        self.sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.sock.bind((host, port))
        except OSError as e:
            self.sock.close()
            raise ConsoleAddressError(f"the console cannot listen on {host}:{port} ({e.strerror}); "
                                      f"choose another with --admin-listen HOST:PORT") from None
        self.host, self.port = self.sock.getsockname()[:2]
        config = uvicorn.Config(build_app(ctx), log_level="warning", access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> "ConsoleServer":
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       name="govshare-console", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the console did not start")
            time.sleep(0.01)
        return self

    def run(self) -> None:
        """Serve in the foreground until interrupted."""
        self.server.run(sockets=[self.sock])

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=10)
        self.sock.close()


def start_console(ctx: AdminContext, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *,
                  data_port: int | None = None) -> ConsoleServer:
    return ConsoleServer(ctx, host, port, data_port=data_port).start()


def console_beside_gateway(config, services, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *,
                           data_port: int | None = None, demo: bool = False) -> tuple[ConsoleServer, str]:
    """For `govshare run` / the demo: the console on its own address, sharing the gateway's database and
    audit trail. Returns the running server (stop it before closing the services) and the lines to print
    (with one fresh account per role when `demo`)."""
    from .demo import banner, demo_accounts

    ctx = AdminContext(config, engine=services.engine, audit=services.audit)
    server = start_console(ctx, host, port, data_port=data_port)
    accounts = demo_accounts(ctx) if demo else []
    return server, banner(server.url, accounts)
