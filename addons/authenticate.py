"""Stage 2, authenticate: verify the caller's JWT, check the caller is registered, set the provider's headers.

The token must name a catalog department and, when it names an application, one that department registers
(403 `unknown_caller` otherwise). The provider then receives exactly `gateway.request_policy.forward_headers`:
the allowlisted caller headers, and X-Govshare-Dept/-App/-Purpose, X-Request-Id, X-Forwarded-For/-Proto/-Host
set by the gateway. Everything else the caller sent (credentials, cookies, overrides, rewrites, forwarding
and identity headers in any spelling, Range) goes.
"""

from __future__ import annotations

import asyncio

from mitmproxy import http

from gateway.identity import bearer_token
from gateway.request_policy import forward_headers

from .context import Context
from .failclosed import answered, guarded
from .state import state


def _latin1(pairs: list[tuple[str, str]]) -> tuple[tuple[bytes, bytes], ...]:
    return tuple([(name.encode("latin-1"), value.encode("latin-1")) for name, value in pairs])  # a list: no generator


def _local_address(client) -> str:
    """The gateway address the caller connected to (X-Forwarded-Host): ours, never the caller's Host header."""
    local = client.sockname
    if not local or len(local) < 2:
        return ""
    host = str(local[0])
    return f"[{host}]:{local[1]}" if ":" in host else f"{host}:{local[1]}"


class Authenticate:
    def __init__(self, context: Context):
        self.context = context

    @guarded("authenticate")
    async def request(self, flow: http.HTTPFlow) -> None:
        if answered(flow):
            return
        services = self.context.services
        verifier = services.verifier
        # An IdentityError is a GatewayError (401, or 503 for key_unavailable): the guard answers it as is.
        token = bearer_token(flow.request.headers.get("Authorization"))
        if verifier.settings.mode == "jwks_url":
            # A key refresh may block on the network: keep it off the event loop.
            principal = await asyncio.to_thread(verifier.verify, token)
        else:
            principal = verifier.verify(token)
        st = state(flow)
        st.principal = principal
        services.catalog.current.require_caller(principal.dept, principal.app)
        client = flow.client_conn
        headers = forward_headers(
            flow.request.headers.fields, principal, st.route, st.request_id,
            client.peername[0] if client.peername else "",
            proto="https" if client.tls_established else "http", gateway_host=_local_address(client),
            correlation=st.correlation_id)
        flow.request.headers.fields = _latin1(headers)
