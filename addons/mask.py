"""Stage 5, mask: nothing leaves the gateway unmasked.

Bodies are always buffered (streaming would skip masking), then masked by gateway.masking for this caller's
view (catalog labels, grant reveals, Presidio detection). A body that cannot be parsed or masked is replaced
by a 502 with the reason code (504 `masking_timeout` when masking ran out of time: MaskingRefused carries
its own status and is answered as it is); the findings (paths, entity types, operators, counts) go to the audit stage.
"""

from __future__ import annotations

from mitmproxy import http

from gateway.errors import BadGateway

from .context import Context
from .failclosed import guarded
from .state import Verdict, state

# Headers that describe the upstream's bytes, not the masked body we send; and Alt-Svc, which would point
# callers at another way to the provider, around the gateway.
STALE_HEADERS = ("ETag", "Content-MD5", "Digest", "Content-Range", "Accept-Ranges", "Alt-Svc")
_REWRITTEN = frozenset(name.lower().encode() for name in STALE_HEADERS + ("Content-Encoding", "Content-Length"))
_CONTENT_TYPE = b"content-type"


def replace_headers(resp: http.Response, result) -> None:
    """The upstream's headers minus the stale ones, with the masked body's coding, type and length — in one
    pass over the header fields (one pop per name rescans them all, many times over)."""
    dropped = _REWRITTEN | {_CONTENT_TYPE} if result.content_type else _REWRITTEN
    fields = [field for field in resp.headers.fields if field[0].lower() not in dropped]
    if result.content_encoding:
        fields.append((b"Content-Encoding", result.content_encoding.encode("utf-8", "surrogateescape")))
    if result.content_type:
        fields.append((b"Content-Type", result.content_type.encode("utf-8", "surrogateescape")))
    fields.append((b"Content-Length", str(len(result.body)).encode()))
    resp.headers.fields = tuple(fields)


class Mask:
    def __init__(self, context: Context):
        self.context = context

    @guarded("mask")
    def responseheaders(self, flow: http.HTTPFlow) -> None:
        if flow.response is not None:
            flow.response.stream = False  # never stream: the whole body must pass the masker

    @guarded("mask")
    async def response(self, flow: http.HTTPFlow) -> None:
        st = state(flow)
        if st.denied:
            return
        if st.verdict is not Verdict.ALLOWED:
            raise BadGateway("not_authorized", "response to a request that was not authorised")
        resp = flow.response
        if resp.stream:
            raise BadGateway("streamed_body", "a streamed body cannot be masked")
        if flow.request.method == "HEAD":
            st.release([])  # a HEAD response carries no body to mask
            return
        services = self.context.services
        principal = st.principal
        view = services.view_for(st.route.resource, st.decision, principal.dept, principal.app)
        body = resp.raw_content or b""
        args = (body, resp.headers.get("Content-Type"), resp.headers.get("Content-Encoding"), view)
        # MaskingRefused (a GatewayError: 502, or 504 masking_timeout) goes to the guard as it is. Bodies over
        # [masking] inline_bytes are masked in a worker process under the masking deadline (gateway.services).
        result = await services.mask_body(*args)
        replace_headers(resp, result)
        resp.raw_content = result.body
        st.release(result.findings)
