"""How mitmproxy 12 reads a provider's HTTP/1 answer, made safe for a gateway.

Three gaps in mitmproxy's HTTP/1 client layer, each closed here by a small patch (installed by
`addons.errorpatch.install`, which the wiring calls once):

- Interim responses: mitmproxy takes a `103 Early Hints` (or a spontaneous `100 Continue`) as *the*
  response — it reaches the response hooks, and the real answer that follows is dropped while the caller
  hangs. Interim 1xx heads (everything from 100 to 199 but 101) are discarded here, unread, and the final
  response that follows is read as usual. A 101 goes on to the response hooks, where it is refused.
- Trailers: a chunked body ending in trailer fields raises NotImplementedError inside mitmproxy's reader.
  The gateway never relays trailers, so they are dropped while the body is read (requests and responses).
- Head size: mitmproxy buffers a response head of any size ("FIXME: protect against header size DoS").
  A head still incomplete after MAX_HEAD_BYTES is a protocol error: the connection to the provider is
  closed and the error hook answers the caller (502), audited. Heads below that size but over the
  relayable limit are refused by gateway.response_policy in the mask stage.
"""

from __future__ import annotations

import re

import h11
from mitmproxy.proxy import commands, events
from mitmproxy.proxy.layers.http import _http1
from mitmproxy.proxy.layers.http._base import ReceiveHttp
from mitmproxy.proxy.layers.http._events import ErrorCode, ResponseProtocolError

MAX_HEAD_BYTES = 1024 * 1024
_INTERIM = re.compile(rb"\s*HTTP/\d\.\d[ \t]+1(\d\d)(?!\d)")

_original_read_headers = _http1.Http1Client.read_headers
_original_make_body_reader = _http1.make_body_reader


def _read_headers(self: _http1.Http1Client, event: events.ConnectionEvent):
    if isinstance(event, events.DataReceived) and self.request is not None:
        while True:
            m = _INTERIM.match(_peek(self.buf))
            if m is None or m.group(1) == b"01":
                break
            if self.buf.maybe_extract_lines() is None:
                if len(self.buf) > MAX_HEAD_BYTES:
                    break  # let the size check below refuse it
                return  # the rest of the interim head is still on its way
    yield from _original_read_headers(self, event)
    if (isinstance(event, events.DataReceived) and self.state == self.read_headers and self.stream_id is not None
            and len(self.buf) > MAX_HEAD_BYTES):
        yield commands.CloseConnection(self.conn)
        self.state = self.done
        yield ReceiveHttp(ResponseProtocolError(self.stream_id, "response head too large",
                                                ErrorCode.GENERIC_SERVER_ERROR))


def _peek(buf) -> bytes:
    """The first bytes of h11's receive buffer, without copying all of it (a head may trickle in byte by byte)."""
    data = getattr(buf, "_data", None)
    return bytes(data[:32]) if isinstance(data, bytearray) else bytes(buf)[:32]


class _NoTrailers:
    """A body reader that drops the trailer fields of the chunked body it reads."""

    __slots__ = ("inner",)

    def __init__(self, inner):
        self.inner = inner

    def __call__(self, buf):
        event = self.inner(buf)
        if isinstance(event, h11.EndOfMessage) and event.headers:
            return h11.EndOfMessage()
        return event

    def read_eof(self):
        return self.inner.read_eof()


def _make_body_reader(expected_size):
    return _NoTrailers(_original_make_body_reader(expected_size))


def install() -> None:
    """Idempotently install the patches."""
    if _http1.Http1Client.read_headers is not _read_headers:
        _http1.Http1Client.read_headers = _read_headers
    if _http1.make_body_reader is not _make_body_reader:
        _http1.make_body_reader = _make_body_reader
