"""The gate: the last word before the upstream and before the caller.

Request side: a flow goes upstream only if route, authenticate and authorize all ran and authorize allowed
it — so an addon that crashed, was skipped or was removed can never let a request through. Response side:
an upstream response is released only if the mask stage marked it masked. `Gate` is both sides as the one
addon the pipeline registers after every stage.
"""

from __future__ import annotations

from mitmproxy import http

from gateway.errors import BadGateway, Forbidden

from . import keys
from .failclosed import deny, guarded


class RequestGate:
    @guarded("gate")
    def request(self, flow: http.HTTPFlow) -> None:
        if keys.DENIED in flow.metadata:
            return
        md = flow.metadata
        if not (md.get(keys.ALLOWED) is True and keys.ROUTE in md and keys.PRINCIPAL in md and keys.DECISION in md
                and flow.response is None):
            deny(flow, Forbidden("not_authorized", "the request was not authorised by every stage"), "gate")


class ResponseGate:
    @guarded("gate")
    def response(self, flow: http.HTTPFlow) -> None:
        if keys.DENIED in flow.metadata:
            return
        if flow.metadata.get(keys.MASKED) is not True or flow.metadata.get(keys.ALLOWED) is not True:
            deny(flow, BadGateway("not_masked", "the response was not released by the masking stage"), "gate")


class Gate(RequestGate, ResponseGate):
    """Both sides of the gate as one addon: after every stage on the request and on the response."""
