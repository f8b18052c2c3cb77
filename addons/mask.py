"""Stage 5, mask: nothing leaves the gateway unmasked.

Every status, every header, every content type. The head is judged by gateway.response_policy (1xx and
206 refused, too many headers refused, an allowlist of headers with their values scanned, Location rewritten
to the gateway or refused); bodies are always buffered (streaming would skip masking), then masked by
gateway.masking for this caller's view (catalog labels, grant reveals, detection) whatever the status — a
404 or 500 page is masked like a 200. A body that cannot be parsed or masked is replaced by a 502 with the
reason code (504 `masking_timeout` when masking ran out of time: MaskingRefused carries its own status and
is answered as it is); the findings (paths, entity types, operators, counts) go to the audit stage.
"""

from __future__ import annotations

from mitmproxy import http

from gateway import response_policy
from gateway.errors import BadGateway
from gateway.masking import body as bodyio

from .context import Context
from .failclosed import guarded
from .state import Verdict, state

# Statuses whose answer carries no body, and so no Content-Length from us.
_NO_BODY = frozenset({204, 304})


def masked_head(resp: http.Response, kept: list[tuple[str, str]], location: str | None, content_type: str | None,
                content_encoding: str | None, length: int | None) -> None:
    """Replace the provider's head with the allowlisted headers (gateway.response_policy) and our own
    Content-Type, Content-Encoding, Content-Length, Cache-Control and Location. Trailers never go out."""
    fields = [(name.encode(), value.encode("latin-1")) for name, value in kept]
    if location is not None:
        fields.append((b"Location", location.encode("ascii")))
    if content_type:
        fields.append((b"Content-Type", content_type.encode("utf-8", "surrogateescape")))
    if content_encoding:
        fields.append((b"Content-Encoding", content_encoding.encode("ascii")))
    if length is not None:
        fields.append((b"Content-Length", str(length).encode()))
    fields.append((b"Cache-Control", response_policy.CACHE_CONTROL.encode()))
    fields.append((b"X-Content-Type-Options", b"nosniff"))  # the type we declare is the one we masked as
    resp.headers.fields = tuple(fields)
    resp.trailers = None


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
        if st.denied or st.answered_own:
            return
        if st.verdict is not Verdict.ALLOWED:
            raise BadGateway("not_authorized", "response to a request that was not authorised")
        resp = flow.response
        if resp.stream:
            raise BadGateway("streamed_body", "a streamed body cannot be masked")
        # ResponseRefused / MaskingRefused are GatewayErrors: the guard answers them as they are.
        response_policy.check_status(resp.status_code)
        head = response_policy.check_head(resp.headers.fields)  # and the header values read below, in one pass
        services = self.context.services
        principal = st.principal
        view = services.view_for(st.route.resource, st.decision, principal.dept, principal.app)

        def mask_header(text: str):
            return services.masker.mask_text(text, view)

        findings: list = []
        location = None
        locations = head.locations
        if len(locations) > 1:
            raise response_policy.ResponseRefused("redirect_outside_resource", "the providing department sent "
                                                  "more than one redirect target")
        if locations:
            location, found = response_policy.rewrite_location(locations[0], st.route, services.catalog.current,
                                                               mask_header)
            findings += found
        kept, found = response_policy.kept_headers(head.kept, mask_header)
        findings += found
        media = bodyio.parse_content_type(head.content_type)
        if flow.request.method == "HEAD" or resp.status_code in _NO_BODY:
            # No body to mask; no Content-Length, which would describe the provider's unmasked body.
            shown = media.kind != "other" or bodyio.is_public_type(st.route.resource, media)
            masked_head(resp, kept, location, bodyio.content_type_of(media) if shown else None, None, None)
            resp.raw_content = b""
            st.release(findings)
            return
        body = resp.raw_content or b""
        args = (body, head.content_type, head.content_encoding, view)
        # MaskingRefused (a GatewayError: 502, or 504 masking_timeout) goes to the guard as it is. Bodies over
        # [masking] inline_bytes are masked in a worker process under the masking deadline (gateway.services).
        result = await services.mask_body(*args)
        content_type = bodyio.content_type_of(bodyio.parse_content_type(result.content_type))
        masked_head(resp, kept, location, content_type, result.content_encoding, len(result.body))
        resp.raw_content = result.body
        st.release(list(result.findings) + findings)
