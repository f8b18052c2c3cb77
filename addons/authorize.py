"""Stage 3, authorize: ask the share policy (Casbin) whether this principal may make this call.

A refusal is a 403 naming the reason code and, for a not-shared resource, its legal basis. Only a request
this stage allows is marked allowed; the gate refuses everything else.
"""

from __future__ import annotations

from mitmproxy import http

from gateway.errors import Forbidden

from . import keys
from .context import Context
from .failclosed import answered, guarded

MESSAGES = {
    "not_shared": "this resource is not shared",
    "no_grant": "this resource is shared on condition: an approved share application is required",
    "grant_expired": "the share application for this resource has expired",
    "purpose_mismatch": "the stated purpose does not match the approved share application",
    "method_not_allowed": "this method is not allowed on shared resources",
}


class Authorize:
    def __init__(self, context: Context):
        self.context = context

    @guarded("authorize")
    def request(self, flow: http.HTTPFlow) -> None:
        if answered(flow):
            return
        route = flow.metadata[keys.ROUTE]
        principal = flow.metadata[keys.PRINCIPAL]
        decision = self.context.services.policy.current.decide(principal, flow.request.method, route.resource)
        flow.metadata[keys.DECISION] = decision
        if not decision.allowed:
            extra = {"resource": route.resource.code}
            if decision.legal_basis:
                extra["legal_basis"] = decision.legal_basis
            raise Forbidden(decision.reason, MESSAGES.get(decision.reason, "not allowed"), extra=extra)
        flow.metadata[keys.ALLOWED] = True
