"""The response gate's second line: a released response goes out only with the mask stage's head."""

from __future__ import annotations

import pytest
from mitmproxy.test import tflow

from addons.gate import ResponseGate
from addons.state import state
from gateway.policy import Decision


def released(headers: list[tuple[bytes, bytes]], body: bytes = b"{}", status: int = 200, trailers=None):
    f = tflow.tflow()
    st = state(f)
    st.allow(Decision(True, "test", "test", "v1", None))
    st.release([])
    f.response = tflow.tresp(content=body)
    f.response.status_code = status
    f.response.headers.fields = tuple(headers)
    if trailers:
        f.response.trailers = trailers
    return f


OURS = [(b"Content-Type", b"application/json"), (b"Content-Length", b"2"), (b"Cache-Control", b"no-store")]


def test_the_mask_stage_head_passes():
    f = released(OURS + [(b"Date", b"Fri, 04 Dec 2026 06:00:00 GMT"), (b"LOCATION", b"/ga/population/2")])
    ResponseGate().response(f)
    assert not state(f).denied and f.response.content == b"{}"


@pytest.mark.parametrize("change", [
    {"headers": OURS + [(b"Set-Cookie", b"a=1")]},
    {"headers": OURS + [(b"ETag", b'"1"')]},
    {"headers": [(b"Content-Length", b"3")]},
    {"headers": OURS + [(b"content-length", b"2")]},  # two lengths fold to "2, 2": not the body's
    {"headers": OURS + [(b"X-\xc0", b"1")]},  # a non-ASCII name is no allowlisted one
    {"headers": OURS, "status": 206},
    {"headers": OURS, "status": 103},
    {"headers": OURS, "trailers": {"x-a": "1"}},
])
def test_anything_else_is_refused(change):
    from mitmproxy import http

    trailers = change.pop("trailers", None)
    f = released(**change, trailers=http.Headers(**trailers) if trailers else None)
    ResponseGate().response(f)
    assert state(f).denied and f.response.status_code == 502
    assert state(f).refusal.reason == "not_masked"
