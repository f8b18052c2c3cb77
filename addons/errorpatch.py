"""Let the `error` hook answer an upstream failure with our own response.

mitmproxy 12 answers a failed upstream (connection refused, reset, timed out, body over the size limit) with
its own HTML page, and an addon cannot replace it (upstream PR mitmproxy#7999 proposes exactly this). A
gateway must answer with its JSON deny and request id, so this patch wraps `HttpStream.handle_protocol_error`:
when an addon stored a response in the flow state (`FlowState.error_response`) during the error hook, that
response is sent (through the normal response hook, so it is audited) instead of mitmproxy's page.
An over-limit response body, which mitmproxy answers outside that method (`check_body_size`), gets the same
treatment, and so does a provider head mitmproxy refuses as invalid (`check_invalid`: Content-Length with
Transfer-Encoding, two lengths), answered 502 `invalid_framing`. Everything else keeps mitmproxy's own
behaviour. `install()` also installs addons.http1patch (interim 1xx, trailers, head size).

Installed once, explicitly, by the wiring (`addons.runner.gateway_master` for `govshare run`, and
`addons/govshare.py` for `mitmdump -s`) — never from an addon hook. `install()` is idempotent.
"""

from __future__ import annotations

import time

from mitmproxy import flow as mflow
from mitmproxy.proxy import commands
from mitmproxy.proxy.layers import http as http_layers
from mitmproxy.proxy.layers.http import HttpStream
from mitmproxy.net.http.http1 import expected_http_body_size
from mitmproxy.proxy.layers.http._events import ErrorCode, RequestProtocolError, ResponseProtocolError
from mitmproxy.proxy.layers.http._hooks import HttpErrorHook, HttpResponseHeadersHook
from mitmproxy.net.http.validate import validate_headers

from gateway.response_policy import ResponseRefused

from . import http1patch
from .failclosed import deny_response
from .optsnap import snapshot
from .state import state

_original = HttpStream.handle_protocol_error
UNPARSABLE = "Cannot parse HTTP response"  # mitmproxy's message for a head it cannot read (two lengths, ...)


def _handle_protocol_error(self: HttpStream, event):
    need_error_hook = not (
        self.client_state == self.state_errored or self.server_state in (self.state_done, self.state_errored)
    )
    if not (isinstance(event, ResponseProtocolError) and need_error_hook):
        yield from _original(self, event)
        return

    self.flow.error = mflow.Error(event.message)
    yield HttpErrorHook(self.flow)
    replacement = state(self.flow).take_error_response()
    if replacement is not None and event.message.startswith(UNPARSABLE):
        err = ResponseRefused("invalid_response", "the providing department's answer is not valid HTTP")
        replacement = deny_response(self.flow, err)
        state(self.flow).deny(err, "upstream")
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


_original_check_body_size = HttpStream.check_body_size
TOO_LARGE = "Response body exceeds mitmproxy's body_size_limit."


def _expected_response_size(self: HttpStream) -> int | None:
    """The response body size check_body_size judges: what is buffered so far, else the head's framing."""
    if self.response_body_buf:
        return len(self.response_body_buf)
    try:
        return expected_http_body_size(self.flow.request, self.flow.response)
    except ValueError:  # as mitmproxy: a malformed length is neither streamed nor refused here
        return None


def _check_body_size(self: HttpStream, request: bool):
    """mitmproxy answers an over-limit response body itself, outside handle_protocol_error; give the error
    hook the same chance to answer (502 `upstream_too_large`, audited) there too.

    A response under both limits is judged here alone: mitmproxy's own check would read the two options again
    (a deep copy each) and compute the expected size a second time, for every response head and body."""
    snap = snapshot(self.context.options)
    if request or not snap.body_size_limit:
        return (yield from _original_check_body_size(self, request))
    expected = _expected_response_size(self)
    if expected is None or expected <= 0:
        return False
    if snap.body_size_bytes is None or expected <= snap.body_size_bytes:
        if snap.stream_large_bytes is not None and expected > snap.stream_large_bytes:
            return (yield from _original_check_body_size(self, request))  # mitmproxy starts streaming it
        return False
    if not self.response_body_buf:
        yield HttpResponseHeadersHook(self.flow)
    self.flow.error = mflow.Error(TOO_LARGE)
    yield HttpErrorHook(self.flow)
    replacement = state(self.flow).take_error_response()
    yield http_layers.SendHttp(RequestProtocolError(self.stream_id, TOO_LARGE, ErrorCode.RESPONSE_TOO_LARGE),
                               self.context.server)
    if replacement is not None and self.client_state != self.state_errored:
        self.response_body_buf.clear()
        replacement.timestamp_start = time.time()
        self.flow.response = replacement
        yield from self.send_response()
        self.server_state = self.state_errored  # swallow whatever the provider still sends
        return True
    yield http_layers.SendHttp(ResponseProtocolError(self.stream_id, TOO_LARGE, ErrorCode.RESPONSE_TOO_LARGE),
                               self.context.client)
    self.client_state = self.server_state = self.state_errored
    self.flow.live = False
    return True


_original_check_invalid = HttpStream.check_invalid
INVALID_FRAMING = "the provider's response head is invalid (framing)"


def _check_invalid(self: HttpStream, request: bool):
    """mitmproxy refuses a provider head with ambiguous framing (Content-Length and Transfer-Encoding, two
    lengths, an unknown coding) with its own page, unaudited; answer it with our JSON 502 `invalid_framing`
    through the response hooks instead, and drop the provider connection."""
    snap = snapshot(self.context.options)
    if request:
        # mitmproxy's check of the request head, with the option from the snapshot (mitmproxy's own read
        # deep-copies it for every request); a head it refuses still goes to mitmproxy's answer as before.
        if http_layers.validate_request(self.mode, self.flow.request, snap.validate_inbound_headers) is None:
            return False
        return (yield from _original_check_invalid(self, request))
    if not snap.validate_inbound_headers:
        return (yield from _original_check_invalid(self, request))
    try:
        validate_headers(self.flow.response)
    except ValueError:
        pass
    else:
        return False
    self.flow.error = mflow.Error(INVALID_FRAMING)
    yield commands.CloseConnection(self.flow.server_conn)
    yield HttpErrorHook(self.flow)
    st = state(self.flow)
    st.take_error_response()  # the upstream stage's generic answer: this one says what went wrong
    killed = self.flow.error and self.flow.error.msg == mflow.Error.KILLED_MESSAGE
    if not killed and self.client_state != self.state_errored:
        err = ResponseRefused("invalid_framing", "the providing department's answer has ambiguous framing")
        self.flow.response = deny_response(self.flow, err)
        st.deny(err, "upstream")
        self.flow.response.timestamp_start = time.time()
        yield from self.send_response()
        self.server_state = self.state_errored  # swallow whatever the provider still sends
        return True
    yield from _original_send_error(self)
    return True


def _original_send_error(self: HttpStream):
    yield http_layers.SendHttp(ResponseProtocolError(self.stream_id, INVALID_FRAMING,
                                                     ErrorCode.RESPONSE_VALIDATION_FAILED), self.context.client)
    self.flow.live = False
    self.client_state = self.server_state = self.state_errored


def install() -> None:
    """Idempotently install the patches (and those of addons.http1patch)."""
    http1patch.install()
    if HttpStream.check_invalid is not _check_invalid:
        HttpStream.check_invalid = _check_invalid
    if HttpStream.handle_protocol_error is not _handle_protocol_error:
        HttpStream.handle_protocol_error = _handle_protocol_error
    if HttpStream.check_body_size is not _check_body_size:
        HttpStream.check_body_size = _check_body_size
