"""The gate: the last word before the upstream and before the caller.

Request side: a flow goes upstream only if route, authenticate and authorize all ran and authorize allowed
it — so an addon that crashed, was skipped or was removed can never let a request through. Response side:
an upstream response is released only if the mask stage released it (FlowState verdict `released`). `Gate`
is both sides as the one addon the pipeline registers after every stage.
"""

from __future__ import annotations

from mitmproxy import http

from gateway.errors import BadGateway, Forbidden

from .failclosed import deny, guarded
from .state import Verdict, state


class RequestGate:
    @guarded("gate")
    def request(self, flow: http.HTTPFlow) -> None:
        st = state(flow)
        if st.denied:
            return
        if not (st.verdict is Verdict.ALLOWED and st.route is not None and st.principal is not None
                and st.decision is not None and flow.response is None):
            deny(flow, Forbidden("not_authorized", "the request was not authorised by every stage"), "gate")


class ResponseGate:
    @guarded("gate")
    def response(self, flow: http.HTTPFlow) -> None:
        st = state(flow)
        if st.denied:
            return
        if st.verdict is not Verdict.RELEASED:
            deny(flow, BadGateway("not_masked", "the response was not released by the masking stage"), "gate")


class Gate(RequestGate, ResponseGate):
    """Both sides of the gate as one addon: after every stage on the request and on the response."""
