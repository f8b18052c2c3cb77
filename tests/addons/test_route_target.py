"""addons.route.point_at_provider: its direct write of an HTTP/1 request's target leaves exactly what
mitmproxy's setters leave (scheme, host, port, authority, path, the Host headers and their order)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from mitmproxy.test import tflow

from addons import route


def _route(upstream: str, url: str):
    return SimpleNamespace(resource=SimpleNamespace(upstream=upstream), upstream_url=url)


def _by_setters(flow, r, method):
    """The pointing as mitmproxy's property setters do it (the path point_at_provider takes for HTTP/2)."""
    flow.request.data.method = method.encode("ascii")
    scheme, host, port, target_path, netloc = route.provider_target(r)
    flow.request.scheme = scheme
    flow.request.host = host
    flow.request.port = port
    flow.request.authority = ""
    flow.request.path = target_path
    flow.request.host_header = netloc


def _snapshot(flow):
    d = flow.request.data
    return (d.method, d.scheme, d.host, d.port, d.authority, d.path, d.http_version, d.headers.fields)


HEADS = [
    [(b"Host", b"caller.example"), (b"Accept", b"*/*")],
    [(b"Accept", b"*/*")],  # no Host at all
    [(b"Accept", b"a"), (b"Host", b"one"), (b"X-A", b"b"), (b"host", b"two")],  # two Host fields
]
ROUTES = [
    _route("http://127.0.0.1:8080/api/v1", "http://127.0.0.1:8080/api/v1/items?page=2"),
    _route("https://dept.example/base", "https://dept.example/base/x%20y#frag"),  # through urlsplit
    _route("http://dept.example", "http://dept.example/"),  # default port
]


@pytest.mark.parametrize("version", ["HTTP/1.1", "HTTP/1.0"])
@pytest.mark.parametrize("authority", ["", "caller.example:81"])
@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("r", ROUTES)
def test_direct_pointing_equals_the_setters(version, authority, head, r):
    flows = []
    for point in (route.point_at_provider, _by_setters):
        f = tflow.tflow()
        f.request.http_version = version
        f.request.authority = authority
        f.request.headers.fields = tuple(head)
        point(f, r, "get")
        flows.append(_snapshot(f))
    assert flows[0] == flows[1]
    assert flows[0][4] == b"" and flows[0][0] == b"get"
