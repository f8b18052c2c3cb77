"""Stage 3, authorize: ask the share policy (Casbin) whether this principal may make this call.

A refusal is a 403 naming the reason code and, for a not-shared resource, its legal basis; a method the
catalog does not serve is a 405 with `Allow`. Only a request this stage allows is marked allowed
(FlowState.allow); the gate refuses everything else.
"""

from __future__ import annotations

from mitmproxy import http

from gateway.errors import Forbidden, MethodNotAllowed
from gateway.policy import READ_METHODS

from .context import Context
from .failclosed import answered, guarded
from .state import state

# What the caller can do about each refusal.
MESSAGES = {
    "not_shared": "this resource is not shared with other departments (see legal_basis); it cannot be "
                  "requested through the gateway",
    "no_grant": "this resource is shared on condition: your department needs an approved share application "
                "for it; apply to the providing department, then call again",
    "grant_expired": "the share application for this resource has expired; renew it with the providing "
                     "department, then call again",
    "purpose_mismatch": "the purpose in your token is not the one your share application was approved for; "
                        "send the approved purpose in the token's purpose claim",
    "purpose_required": "your share application binds a purpose: send the purpose claim in the token (the "
                        "purpose the application was approved for) and call again",
    "explicit_deny": "a policy rule refuses this call to your department or application; ask the gateway's "
                     "administrators which rule applies",
    "unknown_resource": "the resource is not in the policy's catalog yet; retry after the next reload",
    "invalid_principal": "the token names a department or application code of an impossible form; ask for a "
                         "token with valid codes",
}
DEFAULT_MESSAGE = "the share policy refuses this call; ask the gateway's administrators for the reason code"


class Authorize:
    def __init__(self, context: Context):
        self.context = context

    @guarded("authorize")
    def request(self, flow: http.HTTPFlow) -> None:
        if answered(flow):
            return
        st = state(flow)
        route = st.route
        # The admitted method (route stage), not the request line's spelling: what is judged is what is sent.
        decision = self.context.services.policy.current.decide(st.principal, st.method, route.resource)
        if not decision.allowed:
            st.decision = decision
            extra = {"resource": route.resource.code}
            if decision.reason == "method_not_allowed":
                raise MethodNotAllowed(READ_METHODS, extra=extra)
            if decision.legal_basis:
                extra["legal_basis"] = decision.legal_basis
            raise Forbidden(decision.reason, MESSAGES.get(decision.reason, DEFAULT_MESSAGE), extra=extra)
        st.allow(decision)
