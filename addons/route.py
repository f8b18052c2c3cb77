"""Stage 1, route: match the request path to a catalogued resource and point the flow at its provider.

Unknown paths get 404; paths that try to climb out of a resource prefix (dot segments, encoded slashes,
backslashes) get 400; WebSocket upgrades and CONNECT are refused. Sets the request id, start time and the
Route for the stages after it.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit

from mitmproxy import http

from gateway.catalog import UNSAFE_PATH_RE
from gateway.errors import BadRequest, Forbidden, NotFound

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


def provider_target(route) -> tuple[str, str, int, str, str]:
    """(scheme, host, port, path with query, Host header) of the provider URL a request is routed to."""
    scheme, host, port, base_path, netloc = provider_base(route.resource.upstream)
    tail = route.upstream_url[len(route.resource.upstream):]
    if route.upstream_url.startswith(route.resource.upstream) and _PLAIN_TAIL.fullmatch(tail):
        return scheme, host, port, base_path + tail, netloc
    target = urlsplit(route.upstream_url)
    port = target.port or (443 if target.scheme == "https" else 80)
    return target.scheme, target.hostname, port, target.path + (f"?{target.query}" if target.query else ""), target.netloc


class Route:
    def __init__(self, context: Context):
        self.context = context

    @guarded("route")
    def request(self, flow: http.HTTPFlow) -> None:
        st = state(flow)  # created here: request id, start time, bytes in
        if flow.request.method == "CONNECT" or flow.request.headers.get("Upgrade"):
            raise Forbidden("protocol_not_allowed", "only plain HTTP/1.1 requests are served: send the request "
                            "without Upgrade (WebSocket, h2c) and not as CONNECT")
        path = flow.request.path
        bare = path.partition("?")[0]
        if not bare.startswith("/") or UNSAFE_PATH_RE.search(bare):
            raise BadRequest("bad_path", "the request path is not in canonical form: send it without dot segments, "
                             "encoded slashes, backslashes or empty segments")
        route = self.context.services.catalog.current.route(path)
        if route is None:
            raise NotFound("unknown_resource", "no catalogued resource at this path; see the catalog for the paths "
                           "shared through this gateway")
        st.route = route
        scheme, host, port, target_path, netloc = provider_target(route)
        flow.request.scheme = scheme
        flow.request.host = host
        flow.request.port = port
        flow.request.path = target_path
        flow.request.host_header = netloc
