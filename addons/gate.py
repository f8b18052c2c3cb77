"""The gate: the last word before the upstream and before the caller.

Request side: a flow goes upstream only if route, authenticate and authorize all ran and authorize allowed
it — so an addon that crashed, was skipped or was removed can never let a request through. Response side:
an upstream response is released only if the mask stage released it (FlowState verdict `released`), and
only with the head the mask stage builds: allowlisted header names (gateway.response_policy.OUTGOING), a
Content-Length that is the body's, no trailers, no 1xx or 206 — a second line behind the mask stage. `Gate`
is both sides as the one addon the pipeline registers after every stage.
"""

from __future__ import annotations

from mitmproxy import http

from gateway.errors import BadGateway, Forbidden
from gateway.response_policy import OUTGOING

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
            return
        resp = flow.response
        names = {name.decode("latin-1").lower() for name, _ in resp.headers.fields}
        length = resp.headers.get("Content-Length")
        if (not names <= OUTGOING or resp.trailers or 100 <= resp.status_code <= 199 or resp.status_code == 206
                or (length is not None and length != str(len(resp.raw_content or b"")))):
            deny(flow, BadGateway("not_masked", "the response head was not the masking stage's"), "gate")


class Gate(RequestGate, ResponseGate):
    """Both sides of the gate as one addon: after every stage on the request and on the response."""
