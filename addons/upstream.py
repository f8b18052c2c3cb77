"""Stage 4, upstream: watch the provider call and turn its failures into our JSON answers.

Refused or reset connections become 502 `upstream_unavailable`; a provider that has not answered within
`[gateway] upstream_timeout` seconds (read once, when the services are in place) is cut off and becomes 504
`upstream_timeout`; a response over the body size limit becomes 502 `upstream_too_large`. Before the call it
points the request once more at exactly the admitted route's provider URL (origin form, canonical path), so
no hook between the route stage and the provider can change what the policy judged. The answer goes
through the normal response hooks (see addons.errorpatch, installed by the wiring: addons.runner and
addons.govshare), so it is audited like any other.
"""

from __future__ import annotations

import asyncio
import logging

from mitmproxy import ctx, http

from gateway.errors import BadGateway, GatewayTimeout
from gateway.response_policy import ResponseRefused

from .context import Context
from .errorpatch import INVALID_FRAMING, UNPARSABLE
from .failclosed import deny_response, guarded
from .route import point_at_provider, points_at_provider
from .state import Verdict, state

log = logging.getLogger("govshare.upstream")


class Upstream:
    def __init__(self, context: Context):
        self.context = context
        self.timeout: float | None = None

    def configure(self, updated) -> None:
        if self.context.ready:  # under `govshare run` the services exist before the options are set
            self.timeout = self.context.services.config.gateway.upstream_timeout

    def running(self) -> None:
        # Under mitmdump the bootstrap (an earlier addon of the same chain entry) has just built the services.
        if self.context.ready:
            self.timeout = self.context.services.config.gateway.upstream_timeout

    @guarded("upstream")
    def request(self, flow: http.HTTPFlow) -> None:
        st = state(flow)
        if flow.response is not None or st.verdict is not Verdict.ALLOWED:
            return
        if not points_at_provider(flow, st.route, st.method):  # exactly the method and URL the policy judged
            point_at_provider(flow, st.route, st.method)
        if self.timeout is None:
            self.running()
        loop = asyncio.get_running_loop()
        st.upstream_timer = loop.call_later(self.timeout, self._expire, flow)

    def _expire(self, flow: http.HTTPFlow) -> None:
        """Cut off a provider that is too slow: cancel its connection so the error path answers 504."""
        if not flow.live or (flow.response is not None and flow.response.timestamp_end):
            return
        state(flow).upstream_timed_out = True
        try:
            server = ctx.master.addons.get("proxyserver")
            handler = server.connections.get(flow.client_conn.id)
            io = handler.transports.get(flow.server_conn) if handler else None
            if io is not None and io.handler is not None:
                io.handler.cancel("upstream timeout")
        except Exception as exc:  # noqa: BLE001 - the watchdog must never raise into the loop
            log.error("govshare upstream watchdog could not cancel the provider call (%s)", type(exc).__name__)

    def _disarm(self, flow: http.HTTPFlow) -> None:
        st = state(flow)
        timer, st.upstream_timer = st.upstream_timer, None
        if timer is not None:
            timer.cancel()

    def response(self, flow: http.HTTPFlow) -> None:
        self._disarm(flow)

    def error(self, flow: http.HTTPFlow) -> None:
        try:
            self._disarm(flow)
            st = state(flow)
            if st.denied and flow.response is not None:
                return
            if st.verdict is not Verdict.ALLOWED:
                # Not a provider failure: the flow never went upstream (mitmproxy refused it before the hooks,
                # e.g. CONNECT in reverse mode, or the client went away). The audit stage records it as it is.
                return
            message = (flow.error.msg if flow.error else "") or ""
            if st.upstream_timed_out:
                err = GatewayTimeout("upstream_timeout", "the providing department did not answer in time; "
                                                         "retry later or ask for a smaller page")
            elif message == INVALID_FRAMING:  # named here, before the audit stage records the failed flow
                err = ResponseRefused("invalid_framing", "the providing department's answer has ambiguous framing")
            elif message.startswith(UNPARSABLE):
                err = ResponseRefused("invalid_response", "the providing department's answer is not valid HTTP")
            elif "body_size_limit" in message:
                err = BadGateway("upstream_too_large", "the provider's response exceeds the size limit; ask "
                                                       "for a smaller page")
            else:
                err = BadGateway("upstream_unavailable", "the providing department could not be reached; "
                                                         "retry later")
            st.error_response = deny_response(flow, err)
            st.deny(err, "upstream")
        except Exception as exc:  # noqa: BLE001 - with no replacement, mitmproxy sends its own error page
            log.error("govshare upstream error hook failed (%s)", type(exc).__name__)
