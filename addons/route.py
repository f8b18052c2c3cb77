"""Stage 1, route: admit the request as one canonical method and target, and point it at its provider.

`gateway.admission.admit` judges the request as it came: protocol switches (403), methods other than exactly
GET/HEAD (405 with Allow), a body on a read (400), a target a provider could read differently (400
`ambiguous_path`), no resource or a provider URL owned by a more specific entry (404). What it admits — the
exact method and the Route built from the canonical target — is what the policy judges and what the
provider receives. Creates the flow state (the gateway's own request id; a caller's X-Request-Id is kept
only as its correlation id). `/_govshare/applications` is the gateway's own endpoint (addons.applications),
judged before admission.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit

from mitmproxy import http

from gateway.admission import admit
from gateway.request_policy import correlation_id

from . import applications
from .context import Context
from .failclosed import guarded
from .state import state


@functools.lru_cache(maxsize=1024)
def provider_base(upstream: str) -> tuple[str, str, int, str, str]:
    """(scheme, host, port, base path, Host header) of a resource's catalogued upstream, parsed once."""
    base = urlsplit(upstream)
    return base.scheme, base.hostname, base.port or (443 if base.scheme == "https" else 80), base.path, base.netloc


# The rest of a request path and its query, when it holds nothing urlsplit would cut or drop (fragment, spaces,
# control characters): then it is appended to the base path as it is, else the whole URL goes through urlsplit.
_PLAIN_TAIL = re.compile(r"[^#\x00-\x20\x7f]*")
_HTTP1 = (b"HTTP/1.1", b"HTTP/1.0")


def provider_target(route) -> tuple[str, str, int, str, str]:
    """(scheme, host, port, path with query, Host header) of the provider URL a request is routed to."""
    scheme, host, port, base_path, netloc = provider_base(route.resource.upstream)
    tail = route.upstream_url[len(route.resource.upstream):]
    if route.upstream_url.startswith(route.resource.upstream) and _PLAIN_TAIL.fullmatch(tail):
        return scheme, host, port, base_path + tail, netloc
    target = urlsplit(route.upstream_url)
    port = target.port or (443 if target.scheme == "https" else 80)
    return target.scheme, target.hostname, port, target.path + (f"?{target.query}" if target.query else ""), target.netloc


def point_at_provider(flow: http.HTTPFlow, route, method: str | None = None) -> None:
    """Make the flow's target exactly the route's provider URL, in origin form (an absolute-form request
    keeps its caller-chosen authority in mitmproxy's reverse mode unless it is cleared here), and its
    method exactly `method` when given."""
    if method is not None:
        flow.request.data.method = method.encode("ascii")
    scheme, host, port, target_path, netloc = provider_target(route)
    data = flow.request.data
    if data.http_version in _HTTP1 and type(host) is str and type(port) is int:
        # What the setters below leave behind, written at once: their intermediate Host/authority updates are
        # all overwritten by the last two (authority "", one Host header = netloc, in the first Host's place).
        # Saves mitmproxy's hostport formatting and header rewriting twice per request.
        data.scheme = scheme.encode("utf-8", "surrogateescape")
        data.host = host
        data.port = port
        data.authority = b""
        data.path = target_path.encode("utf-8", "surrogateescape")
        data.headers["Host"] = netloc
        return
    flow.request.scheme = scheme
    flow.request.host = host
    flow.request.port = port
    flow.request.authority = ""
    flow.request.path = target_path
    flow.request.host_header = netloc


def points_at_provider(flow: http.HTTPFlow, route, method: str) -> bool:
    """True when the flow's method and target are already exactly what point_at_provider(flow, route, method)
    makes them (so the upstream stage's second pointing would change nothing and can be skipped)."""
    scheme, host, port, target_path, netloc = provider_target(route)
    data = flow.request.data
    return (data.method == method.encode("ascii") and data.scheme == scheme.encode("utf-8", "surrogateescape") and data.host == host
            and data.port == port and data.authority == b"" and data.path == target_path.encode("utf-8", "surrogateescape")
            and flow.request.headers.get_all("Host") == [netloc] and flow.request.host_header == netloc)


class Route:
    def __init__(self, context: Context):
        self.context = context

    @guarded("route")
    def request(self, flow: http.HTTPFlow) -> None:
        st = state(flow)  # created here: request id, start time, bytes in
        request = flow.request
        st.correlation_id = correlation_id(request.headers.fields)  # audited with refusals too
        # The method as sent: mitmproxy's `request.method` is upper-cased, but `get` goes upstream as `get`.
        if applications.is_own(request.data.path):  # the gateway's own endpoint, with limits of its own
            return self._own(flow)  # a coroutine: mitmproxy awaits what a hook returns
        method = request.data.method.decode("latin-1")
        admitted = admit(method, request.data.path, request.headers.fields, len(request.raw_content or b""),
                         self.context.services.catalog.current)
        st.method = admitted.method
        st.route = admitted.route
        point_at_provider(flow, admitted.route, admitted.method)

    @guarded("route")
    async def _own(self, flow: http.HTTPFlow) -> None:
        await applications.answer(flow, self.context.admin)
