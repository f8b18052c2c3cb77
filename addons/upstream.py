"""Stage 4, upstream: watch the provider call and turn its failures into our JSON answers.

Refused or reset connections become 502 `upstream_unavailable`; a provider that has not answered within
`[gateway] upstream_timeout` seconds is cut off and becomes 504 `upstream_timeout`; a response over the body
size limit becomes 502 `upstream_too_large`. The answer goes through the normal response hooks (see
errorpatch), so it is audited like any other.
"""

from __future__ import annotations

import asyncio
import logging

from mitmproxy import ctx, http

from gateway.errors import BadGateway, GatewayTimeout

from . import errorpatch, keys
from .context import Context
from .failclosed import deny_response, guarded

log = logging.getLogger("govshare.upstream")

TIMER = "govshare.upstream_timer"


class Upstream:
    def __init__(self, context: Context):
        self.context = context

    def load(self, loader) -> None:
        errorpatch.install()

    @guarded("upstream")
    def request(self, flow: http.HTTPFlow) -> None:
        if flow.response is not None or flow.metadata.get(keys.ALLOWED) is not True:
            return
        timeout = self.context.services.config.gateway.upstream_timeout
        loop = asyncio.get_running_loop()
        flow.metadata[TIMER] = loop.call_later(timeout, self._expire, flow)

    def _expire(self, flow: http.HTTPFlow) -> None:
        """Cut off a provider that is too slow: cancel its connection so the error path answers 504."""
        if not flow.live or (flow.response is not None and flow.response.timestamp_end):
            return
        flow.metadata[keys.UPSTREAM_TIMED_OUT] = True
        try:
            server = ctx.master.addons.get("proxyserver")
            handler = server.connections.get(flow.client_conn.id)
            io = handler.transports.get(flow.server_conn) if handler else None
            if io is not None and io.handler is not None:
                io.handler.cancel("upstream timeout")
        except Exception as exc:  # noqa: BLE001 - the watchdog must never raise into the loop
            log.error("govshare upstream watchdog could not cancel the provider call (%s)", type(exc).__name__)

    def _disarm(self, flow: http.HTTPFlow) -> None:
        timer = flow.metadata.pop(TIMER, None)
        if timer is not None:
            timer.cancel()

    def response(self, flow: http.HTTPFlow) -> None:
        self._disarm(flow)

    def error(self, flow: http.HTTPFlow) -> None:
        self._disarm(flow)
        try:
            if keys.DENIED in flow.metadata and flow.response is not None:
                return
            message = (flow.error.msg if flow.error else "") or ""
            if flow.metadata.get(keys.UPSTREAM_TIMED_OUT):
                err = GatewayTimeout("upstream_timeout", "the providing department did not answer in time")
            elif "body_size_limit" in message:
                err = BadGateway("upstream_too_large", "the provider's response exceeds the size limit")
            else:
                err = BadGateway("upstream_unavailable", "the providing department could not be reached")
            flow.metadata[keys.ERROR] = flow.metadata.get(keys.ERROR) or err.reason
            flow.metadata[keys.DENIED] = {"status": err.status, "reason": err.reason, "stage": "upstream"}
            flow.metadata[keys.ALLOWED] = False
            flow.metadata[keys.ERROR_RESPONSE] = deny_response(flow, err)
        except Exception as exc:  # noqa: BLE001 - with no replacement, mitmproxy sends its own error page
            log.error("govshare upstream error hook failed (%s)", type(exc).__name__)
