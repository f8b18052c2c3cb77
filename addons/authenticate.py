"""Stage 2, authenticate: verify the caller's JWT and name the principal (department, app, purpose).

The token is removed before the request goes upstream; the provider instead receives X-Govshare-Dept,
X-Govshare-App, X-Govshare-Purpose and X-Request-Id, set here and overwriting anything the caller sent.
The purpose is percent-encoded (UTF-8) because HTTP header values are Latin-1.
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from mitmproxy import http

from gateway.identity import bearer_token

from .context import Context
from .failclosed import answered, guarded
from .state import state

STRIPPED = ("Authorization", "Proxy-Authorization", "Cookie")
# Dropped from the caller's request: the credentials, and the request id we set again (X-Govshare-* too).
_REPLACED = frozenset(name.lower().encode() for name in STRIPPED) | {b"x-request-id"}


class Authenticate:
    def __init__(self, context: Context):
        self.context = context

    @guarded("authenticate")
    async def request(self, flow: http.HTTPFlow) -> None:
        if answered(flow):
            return
        verifier = self.context.services.verifier
        # An IdentityError is a GatewayError (401, or 503 for key_unavailable): the guard answers it as is.
        token = bearer_token(flow.request.headers.get("Authorization"))
        if verifier.settings.mode == "jwks_url":
            # A key refresh may block on the network: keep it off the event loop.
            principal = await asyncio.to_thread(verifier.verify, token)
        else:
            principal = verifier.verify(token)
        st = state(flow)
        st.principal = principal
        headers = flow.request.headers
        # One pass over the header fields: credentials and anything claiming to be ours go, ours are set.
        fields = [field for field in headers.fields
                  if (name := field[0].lower()) not in _REPLACED and not name.startswith(b"x-govshare-")]
        fields += [(b"X-Govshare-Dept", principal.dept.encode()),
                   (b"X-Govshare-App", (principal.app or "").encode("utf-8", "surrogateescape")),
                   (b"X-Govshare-Purpose", quote(principal.purpose or "", safe="").encode()),
                   (b"X-Request-Id", st.request_id.encode())]
        headers.fields = tuple(fields)
