"""Limits on the proxy side: request heads and bodies too big to read, and the per-department cap.

mitmproxy 12 has no limit on a request head (its HTTP/1 reader buffers header lines until the blank line:
"FIXME: protect against header size DoS"), and it reads a request body whole, up to `body_size_limit`,
before any hook can refuse it. `install()` wraps the HTTP/1 readers (installed once by the wiring, like
addons.errorpatch):

- a request head over `govshare_max_header_bytes`, or with more than `govshare_max_headers` fields, is cut
  off at the limit: the flow goes on as a bodiless request made of the request line alone (so it is
  answered and audited like any other) and what the caller still sends is dropped, never buffered;
- a request announcing a body over `govshare_max_request_body` (or a chunked one) goes on without it; the
  body is dropped as it arrives;
- a provider's response head over the same byte limit ends the provider call (502, through the error hook).

`Limits` (the last stage of the chain entry, so its `request` hook runs after authorize) answers such a
flow 431 / 413 (gateway.limits), and holds the calling department's slot (`[gateway]
max_concurrent_per_dept`, 429 over it) from then until the response is masked or the flow fails.
"""

from __future__ import annotations

import logging
import weakref

from h11._receivebuffer import ReceiveBuffer
from mitmproxy import ctx, http
from mitmproxy.net.http import http1
from mitmproxy.proxy import commands, events
from mitmproxy.proxy.layers.http import _http1
from mitmproxy.proxy.layers.http._base import ReceiveHttp
from mitmproxy.proxy.layers.http._events import (ErrorCode, RequestEndOfMessage, RequestHeaders,
                                                 ResponseProtocolError)

from gateway.limits import DepartmentSlots, HeadersTooLarge, RequestTooLarge, TooManyRequests

from .context import Context
from .failclosed import guarded
from .optsnap import snapshot
from .state import Verdict, state

log = logging.getLogger("govshare.limits")

# Set on a request the HTTP/1 reader cut short: "headers" (431) or "body" (413).
REFUSED_ATTR = "govshare_refused"
_STUB_LINE = b"GET / HTTP/1.1"
RESPONSE_HEAD_TOO_LARGE = "provider response head over the size limit"

_original_server_read_headers = _http1.Http1Server.read_headers
_original_client_read_headers = _http1.Http1Client.read_headers


def _limits(layer) -> tuple[int | None, int | None, int | None]:
    snap = snapshot(layer.context.options)  # read once per options change, not per head (addons.optsnap)
    return snap.max_header_bytes, snap.max_headers, snap.max_request_body


def _discard(self, event: events.Event):
    """Drop whatever the caller still sends after a refused head or body; end like `wait` on close."""
    if isinstance(event, events.DataReceived):
        self.buf = ReceiveBuffer()
        return
    yield from self.wait(event)


def _drop(self, event: events.Event):
    """Drop a refused provider's bytes until its connection is closed."""
    if isinstance(event, events.DataReceived):
        self.buf = ReceiveBuffer()
    yield from ()


def _stub(first_line: bytes | None) -> http.Request:
    """A bodiless request made of the caller's request line alone (a fixed one if even that is unreadable)."""
    for line in (first_line, _STUB_LINE):
        if line:
            try:
                request = http1.read_request_head([line])
                if request.method and request.path:
                    return request
            except ValueError:
                continue
    return http1.read_request_head([_STUB_LINE])


def _cut_short(self, request: http.Request, why: str):
    """Hand `request` on as complete and bodiless, marked `why`, then drop the rest of the connection."""
    setattr(request, REFUSED_ATTR, why)
    request.headers["Connection"] = "close"
    self.request = request
    self.buf = ReceiveBuffer()
    yield ReceiveHttp(RequestHeaders(self.stream_id, request, True))
    yield ReceiveHttp(RequestEndOfMessage(self.stream_id))
    yield from self.mark_done(request=True)
    if self.state == self.wait:
        self.state = self._govshare_discard


def _server_read_headers(self, event: events.ConnectionEvent):
    max_bytes, max_headers, max_body = _limits(self)
    if not isinstance(event, events.DataReceived) or max_bytes is None:
        return (yield from _original_server_read_headers(self, event))
    head = self.buf.maybe_extract_lines()
    if not head:
        if len(self.buf) > max_bytes:  # an unfinished head already over the limit: stop reading it
            first = bytes(self.buf)[:max_bytes].partition(b"\r\n")
            yield from _cut_short(self, _stub(first[0] if first[1] else None), "headers")
        return
    lines = [bytes(x) for x in head]
    if len(lines) - 1 > (max_headers or len(lines)) or sum(len(x) + 2 for x in lines) > max_bytes:
        yield from _cut_short(self, _stub(lines[0]), "headers")
        return
    try:
        self.request = http1.read_request_head(lines)
        expected_body_size = http1.expected_http_body_size(self.request)
    except ValueError as e:  # mitmproxy's own answer to a head it cannot parse
        yield commands.SendData(self.conn, _http1.make_error_response(400, str(e)))
        yield commands.CloseConnection(self.conn)
        if self.request:
            yield ReceiveHttp(RequestHeaders(self.stream_id, self.request, False))
            yield ReceiveHttp(_http1.RequestProtocolError(self.stream_id, str(e), ErrorCode.GENERIC_CLIENT_ERROR))
        else:
            yield commands.Log(f"request head not parsed: {type(e).__name__}")
        self.state = self.done
        return
    if max_body is not None and (expected_body_size is None or expected_body_size < 0
                                 or expected_body_size > max_body):
        yield from _cut_short(self, self.request, "body")
        return
    yield ReceiveHttp(RequestHeaders(self.stream_id, self.request, expected_body_size == 0))
    self.body_reader = _http1.make_body_reader(expected_body_size)
    self.state = self.read_body
    yield from self.state(event)


def _client_read_headers(self, event: events.ConnectionEvent):
    max_bytes, _, _ = _limits(self)
    if (isinstance(event, events.DataReceived) and max_bytes is not None and self.request is not None
            and self.stream_id is not None and len(self.buf) > max_bytes
            and b"\r\n\r\n" not in bytes(self.buf)[:max_bytes + 4]):
        # Drop what the provider still sends; Limits.error closes the socket. (A CloseConnection cancels the
        # task reading this provider, and a reader busy with a flood can take that cancellation where
        # mitmproxy skips closing its socket: the provider would stay connected.)
        self.buf = ReceiveBuffer()
        self.state = self._govshare_drop
        yield ReceiveHttp(ResponseProtocolError(self.stream_id, RESPONSE_HEAD_TOO_LARGE,
                                                ErrorCode.GENERIC_SERVER_ERROR))
        return
    yield from _inner_client_read_headers(self, event)


# What the limits wrap on the provider side: the reader installed before them (addons.http1patch, which drops
# interim 1xx heads), so the two patches compose instead of the later one silently replacing the earlier.
_inner_client_read_headers = _original_client_read_headers


def install() -> None:
    """Idempotently wrap mitmproxy's HTTP/1 head readers with the limits."""
    if _http1.Http1Server.read_headers is not _server_read_headers:
        _http1.Http1Server.read_headers = _server_read_headers
        _http1.Http1Server._govshare_discard = _discard
    global _inner_client_read_headers
    if _http1.Http1Client.read_headers is not _client_read_headers:
        _inner_client_read_headers = _http1.Http1Client.read_headers
        _http1.Http1Client.read_headers = _client_read_headers
        _http1.Http1Client._govshare_drop = _drop


class Limits:
    """431/413 for requests the reader cut short; the per-department cap (429) while a call is in flight."""

    def __init__(self, context: Context):
        self.context = context
        self._slots: DepartmentSlots | None = None
        self._held: dict[str, str] = {}  # flow id -> department holding a slot

    def _cap(self) -> DepartmentSlots:
        # A method, not a property: mitmproxy reads every attribute of an addon when it registers it.
        if self._slots is None:
            self._slots = DepartmentSlots(self.context.services.config.gateway.max_concurrent_per_dept)
        return self._slots

    @guarded("route")
    def request(self, flow: http.HTTPFlow) -> None:
        why = getattr(flow.request, REFUSED_ATTR, None)
        if why is not None:  # replaces whatever an earlier stage made of the cut-short request
            raise HeadersTooLarge() if why == "headers" else RequestTooLarge()
        st = state(flow)
        if st.verdict is not Verdict.ALLOWED or flow.response is not None or st.principal is None:
            return
        dept = st.principal.dept
        if not self._cap().acquire(dept):
            raise TooManyRequests()
        self._held[flow.id] = dept
        weakref.finalize(flow, self._release_id, flow.id)  # a flow that vanishes unanswered frees its slot

    def _release_id(self, flow_id: str) -> None:
        dept = self._held.pop(flow_id, None)
        if dept is not None:
            self._cap().release(dept)

    def response(self, flow: http.HTTPFlow) -> None:
        self._release_id(flow.id)  # after the mask stage: the slot covers the provider call and masking

    def error(self, flow: http.HTTPFlow) -> None:
        self._release_id(flow.id)
        if flow.error is not None and flow.error.msg == RESPONSE_HEAD_TOO_LARGE:
            close_provider_socket(flow)


def close_provider_socket(flow: http.HTTPFlow) -> None:
    """Close the socket of the flow's provider connection now (see _client_read_headers)."""
    try:
        handler = ctx.master.addons.get("proxyserver").connections.get(flow.client_conn.id)
        io = handler.transports.get(flow.server_conn) if handler else None
        if io is not None and io.writer is not None:
            io.writer.close()
    except Exception as exc:  # noqa: BLE001 - the hook must not raise; the provider call is refused anyway
        log.error("govshare could not close a refused provider connection (%s)", type(exc).__name__)
