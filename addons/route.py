"""Stage 1, route: match the request path to a catalogued resource and point the flow at its provider.

Unknown paths get 404; paths that try to climb out of a resource prefix (dot segments, encoded slashes,
backslashes) get 400; WebSocket upgrades and CONNECT are refused. Sets the request id, start time and the
Route for the stages after it.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from mitmproxy import http

from gateway.catalog import UNSAFE_PATH_RE
from gateway.errors import BadRequest, Forbidden, NotFound

from . import keys
from .context import Context
from .failclosed import guarded, request_id



class Route:
    def __init__(self, context: Context):
        self.context = context

    @guarded("route")
    def request(self, flow: http.HTTPFlow) -> None:
        flow.metadata[keys.STARTED] = time.monotonic()
        flow.metadata[keys.BYTES_IN] = len(flow.request.raw_content or b"")
        request_id(flow)
        if flow.request.method == "CONNECT" or flow.request.headers.get("Upgrade"):
            raise Forbidden("protocol_not_allowed", "only plain HTTP requests are served")
        path = flow.request.path
        bare = path.partition("?")[0]
        if not bare.startswith("/") or UNSAFE_PATH_RE.search(bare):
            raise BadRequest("bad_path", "the request path is not in canonical form")
        route = self.context.services.catalog.current.route(path)
        if route is None:
            raise NotFound("unknown_resource", "no catalogued resource at this path")
        flow.metadata[keys.ROUTE] = route
        target = urlsplit(route.upstream_url)
        flow.request.scheme = target.scheme
        flow.request.host = target.hostname
        flow.request.port = target.port or (443 if target.scheme == "https" else 80)
        flow.request.path = target.path + (f"?{target.query}" if target.query else "")
        flow.request.host_header = target.netloc
