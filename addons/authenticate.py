"""Stage 2, authenticate: verify the caller's JWT and name the principal (department, app, purpose).

The token is removed before the request goes upstream; the provider instead receives X-Govshare-Dept,
X-Govshare-App, X-Govshare-Purpose and X-Request-Id, set here and overwriting anything the caller sent.
The purpose is percent-encoded (UTF-8) because HTTP header values are Latin-1.
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from mitmproxy import http

from gateway.errors import Unauthenticated
from gateway.identity import IdentityError, bearer_token

from . import keys
from .context import Context
from .failclosed import answered, guarded, request_id

STRIPPED = ("Authorization", "Proxy-Authorization", "Cookie")


class Authenticate:
    def __init__(self, context: Context):
        self.context = context

    @guarded("authenticate")
    async def request(self, flow: http.HTTPFlow) -> None:
        if answered(flow):
            return
        verifier = self.context.services.verifier
        try:
            token = bearer_token(flow.request.headers.get("Authorization"))
            if verifier.settings.mode == "jwks_url":
                # A key refresh may block on the network: keep it off the event loop.
                principal = await asyncio.to_thread(verifier.verify, token)
            else:
                principal = verifier.verify(token)
        except IdentityError as e:
            raise Unauthenticated(e.reason, e.message, status=getattr(e, "status", 401)) from None
        flow.metadata[keys.PRINCIPAL] = principal
        headers = flow.request.headers
        for name in STRIPPED:
            headers.pop(name, None)
        for name in [n for n in headers.keys() if n.lower().startswith("x-govshare-")]:
            headers.pop(name, None)
        headers["X-Govshare-Dept"] = principal.dept
        headers["X-Govshare-App"] = principal.app or ""
        headers["X-Govshare-Purpose"] = quote(principal.purpose or "", safe="")
        headers["X-Request-Id"] = request_id(flow)
