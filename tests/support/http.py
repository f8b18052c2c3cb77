"""Raw HTTP over a socket for tests that must send what no client library would: read a whole response."""

from __future__ import annotations

import socket


def read_response(sock: socket.socket, limit: int = 1 << 20) -> bytes:
    """The complete HTTP/1.1 response on `sock`: the head, then Content-Length bytes of body (or up to the
    close when there is none). One `recv` may return only part of it, so read until it is all there."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
        if len(data) > limit:
            raise AssertionError("response head larger than the limit")
    head, _, body = data.partition(b"\r\n\r\n")
    length = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while length is None or len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
        if len(body) > limit:
            raise AssertionError("response body larger than the limit")
    return head + b"\r\n\r\n" + body
