"""Requests mitmproxy refuses before any flow exists still reach the audit trail.

mitmproxy's HTTP/1 server answers a request head it cannot read (`GARBAGE`, a malformed header line) with its
own 400 and closes the connection without creating a flow, so no addon hook runs and the call would leave no
record; the same for a client that sends part of a request head and goes away. This patch wraps
`Http1Server.read_headers` and, in exactly those two cases, emits one non-blocking hook,
`govshare_request_refused(refusal: RefusedRequest)`, which the audit stage answers with one record. Nothing of
what the client sent is passed on: only its address, the status mitmproxy answered and a reason code.

Installed once, explicitly, by the wiring (after addons.errorpatch and addons.limits, whose head reader it
wraps), never from an addon hook; idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass

from mitmproxy.proxy import commands, events
from mitmproxy.proxy.layers.http._http1 import Http1Server


@dataclass(frozen=True)
class RefusedRequest:
    """A request mitmproxy refused (or that never completed) before a flow existed."""

    peer: tuple | None  # the client's address
    status: int | None  # what mitmproxy answered: 400, or None when the client left first
    reason: str  # "bad_request" | "incomplete_request"


@dataclass
class GovshareRequestRefusedHook(commands.StartHook):
    """mitmproxy refused a request before creating a flow (see module docstring)."""

    refusal: RefusedRequest
    name = "govshare_request_refused"
    blocking = False  # nothing waits for it: the connection is already answered and closing


# The reader this patch wraps: whatever is installed when `install()` runs (addons.limits' reader, which
# replaces mitmproxy's, is installed first by the wiring), so the limits stay in force underneath.
_inner = Http1Server.read_headers


def _read_headers(self: Http1Server, event: events.ConnectionEvent):
    partial = isinstance(event, events.ConnectionClosed) and bool(bytes(self.buf).strip())
    refused = False
    gen = _inner(self, event)
    try:
        command = next(gen)
        while True:
            if (not refused and self.request is None and isinstance(command, commands.SendData)
                    and command.connection is self.conn and command.data.startswith(b"HTTP/1.1 400 ")):
                refused = True
            sent = yield command
            command = gen.send(sent)
    except StopIteration as stop:
        result = stop.value
    if refused:
        yield GovshareRequestRefusedHook(RefusedRequest(self.conn.peername, 400, "bad_request"))
    elif partial:
        yield GovshareRequestRefusedHook(RefusedRequest(self.conn.peername, None, "incomplete_request"))
    return result


def install() -> None:
    """Idempotently wrap the HTTP/1 server's current head reader (install after addons.limits)."""
    global _inner
    if Http1Server.read_headers is not _read_headers:
        _inner = Http1Server.read_headers
        Http1Server.read_headers = _read_headers
