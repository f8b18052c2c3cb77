"""Let the `error` hook answer an upstream failure with our own response.

mitmproxy 12 answers a failed upstream (connection refused, reset, timed out, body over the size limit) with
its own HTML page, and an addon cannot replace it (upstream PR mitmproxy#7999 proposes exactly this). A
gateway must answer with its JSON deny and request id, so this patch wraps `HttpStream.handle_protocol_error`:
when an addon stored a response under `flow.metadata[keys.ERROR_RESPONSE]` during the error hook, that
response is sent (through the normal response hook, so it is audited) instead of mitmproxy's page.
Everything else keeps mitmproxy's own behaviour. Installed once by the upstream addon's `load`.
"""

from __future__ import annotations

import time

from mitmproxy import flow as mflow
from mitmproxy.proxy import commands
from mitmproxy.proxy.layers import http as http_layers
from mitmproxy.proxy.layers.http import HttpStream
from mitmproxy.proxy.layers.http._events import ResponseProtocolError
from mitmproxy.proxy.layers.http._hooks import HttpErrorHook

from . import keys

_original = HttpStream.handle_protocol_error


def _handle_protocol_error(self: HttpStream, event):
    need_error_hook = not (
        self.client_state == self.state_errored or self.server_state in (self.state_done, self.state_errored)
    )
    if not (isinstance(event, ResponseProtocolError) and need_error_hook):
        yield from _original(self, event)
        return

    self.flow.error = mflow.Error(event.message)
    yield HttpErrorHook(self.flow)
    replacement = self.flow.metadata.pop(keys.ERROR_RESPONSE, None)
    killed = self.flow.error and self.flow.error.msg == mflow.Error.KILLED_MESSAGE
    if replacement is not None and not killed and self.client_state != self.state_errored:
        server = self.flow.server_conn
        if server is not None and server.connected:
            yield commands.CloseConnection(server)
        replacement.timestamp_start = time.time()
        self.flow.response = replacement
        yield from self.send_response()
        return

    # mitmproxy's own path, minus the error hook we already ran.
    if (yield from self.check_killed(False)):
        return
    if self.client_state != self.state_errored:
        yield http_layers.SendHttp(event, self.context.client)
    self.server_state = self.state_errored
    self.flow.live = False
    yield http_layers.DropStream(self.stream_id)


def install() -> None:
    """Idempotently install the patch."""
    if HttpStream.handle_protocol_error is not _handle_protocol_error:
        HttpStream.handle_protocol_error = _handle_protocol_error
