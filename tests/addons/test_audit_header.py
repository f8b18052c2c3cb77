"""addons.audit.set_request_id: the same head as mitmproxy's headers["X-Request-Id"] = …, whatever it held."""

from __future__ import annotations

import pytest
from mitmproxy import http

from addons.audit import set_request_id


@pytest.mark.parametrize("fields", [
    (),
    ((b"Content-Type", b"application/json"), (b"Content-Length", b"2")),
    ((b"x-request-ID", b"old"), (b"B", b"2")),
    ((b"X-Request-Id", b"a"), (b"C", b"3"), (b"X-Request-Id", b"b")),
])
def test_the_request_id_is_set_as_mitmproxys_headers_set_it(fields):
    expected, got = http.Headers(fields), http.Headers(fields)
    expected["X-Request-Id"] = "0123abcd"
    set_request_id(got, "0123abcd")
    assert got.fields == expected.fields
    assert got.get_all("X-Request-Id") == ["0123abcd"]
