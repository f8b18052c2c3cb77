"""The benchmark's upstream: fixed JSON bodies over HTTP/1.1 keep-alive, fast enough never to be the bottleneck.

An asyncio Protocol-level server with pre-built responses (headers and body in one bytes object):
`GET /a`, `/b`, `/c` return the bodies of bench.bodies, `/r/<code>` each demo resource's page
(bench.resources); anything else is a small JSON 404. Requests are
parsed just enough to find their end (request line, headers, Content-Length body); pipelined requests are
answered in order; `Connection: close` and HTTP/1.0 close after the response.

`python -m bench.upstream [--host H] [--port P]` runs it and prints one JSON line
`{"ready": true, "host": ..., "port": ...}` once it listens (port 0 picks a free port).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import socket
import sys

from .bodies import CONTENT_TYPE, bench_bodies

MAX_HEAD_BYTES = 64 * 1024


def response_bytes(status: str, body: bytes, content_type: str = CONTENT_TYPE) -> bytes:
    head = (f"HTTP/1.1 {status}\r\nServer: govshare-bench\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode("ascii") + body


def build_routes() -> dict[bytes, bytes]:
    from .resources import routes as resource_routes

    routes = {f"/{name}".encode(): response_bytes("200 OK", body.data) for name, body in bench_bodies().items()}
    routes.update({path: response_bytes("200 OK", body) for path, body in resource_routes().items()})
    return routes


NOT_FOUND = response_bytes("404 Not Found", b'{"code":404,"message":"no such resource","data":null}')
BAD_REQUEST = response_bytes("400 Bad Request", b'{"code":400,"message":"bad request","data":null}')


class FixedBodyProtocol(asyncio.Protocol):
    """One client connection: answer each complete request with its pre-built response."""

    def __init__(self, routes: dict[bytes, bytes]):
        self.routes = routes
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        buf = self.buffer
        buf += data
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                if len(buf) > MAX_HEAD_BYTES:
                    self._reply(BAD_REQUEST, close=True)
                return
            head = bytes(buf[:end])
            lines = head.split(b"\r\n")
            parts = lines[0].split(b" ")
            if len(parts) != 3:
                self._reply(BAD_REQUEST, close=True)
                return
            length, close = 0, parts[2] == b"HTTP/1.0"
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    try:
                        length = int(value.strip())
                    except ValueError:
                        self._reply(BAD_REQUEST, close=True)
                        return
                elif name == b"connection":
                    close = value.strip().lower() == b"close"
            if len(buf) < end + 4 + length:
                return  # the request body has not fully arrived
            del buf[:end + 4 + length]
            target = parts[1].partition(b"?")[0]
            self._reply(self.routes.get(target, NOT_FOUND), close=close)
            if close:
                return

    def _reply(self, response: bytes, close: bool) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        self.transport.write(response)
        if close:
            self.buffer.clear()
            self.transport.close()


async def start_server(host: str = "127.0.0.1", port: int = 0) -> asyncio.Server:
    routes = build_routes()
    loop = asyncio.get_running_loop()
    return await loop.create_server(lambda: FixedBodyProtocol(routes), host, port, backlog=1024)


async def _serve(host: str, port: int) -> None:
    server = await start_server(host, port)
    bound = server.sockets[0].getsockname()
    print(json.dumps({"ready": True, "host": bound[0], "port": bound[1]}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.upstream", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    asyncio.run(_serve(args.host, args.port))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
