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

_OUTGOING = frozenset(name.encode() for name in OUTGOING)


class RequestGate:
    @guarded("gate")
    def request(self, flow: http.HTTPFlow) -> None:
        st = state(flow)
        if st.denied or (st.answered_own and flow.response is not None):
            return
        if not (st.verdict is Verdict.ALLOWED and st.route is not None and st.principal is not None
                and st.decision is not None and flow.response is None):
            deny(flow, Forbidden("not_authorized", "the request was not authorised by every stage"), "gate")


class ResponseGate:
    @guarded("gate")
    def response(self, flow: http.HTTPFlow) -> None:
        st = state(flow)
        if st.denied or st.answered_own:  # the gateway's own answer: nothing from a provider in it
            return
        if st.verdict is not Verdict.RELEASED:
            deny(flow, BadGateway("not_masked", "the response was not released by the masking stage"), "gate")
            return
        resp = flow.response
        # One pass over the head: every name allowlisted (ASCII-lowered bytes; no Latin-1 letter lowers into
        # ASCII, so this is the same judgement as on decoded names), and the Content-Length values folded as
        # mitmproxy's Headers.get folds them.
        names_ok = True
        lengths = []
        for name, value in resp.headers.fields:
            lname = name.lower()
            if lname not in _OUTGOING:
                names_ok = False
                break
            if lname == b"content-length":
                lengths.append(value.decode("utf-8", "surrogateescape"))
        length = ", ".join(lengths) if lengths else None
        if (not names_ok or resp.trailers or 100 <= resp.status_code <= 199 or resp.status_code == 206
                or (length is not None and length != str(len(resp.raw_content or b"")))):
            deny(flow, BadGateway("not_masked", "the response head was not the masking stage's"), "gate")


class Gate(RequestGate, ResponseGate):
    """Both sides of the gate as one addon: after every stage on the request and on the response."""
