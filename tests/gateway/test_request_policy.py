"""Tests for gateway.request_policy: methods, bodies, protocol switches, request ids and the header allowlist."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.errors import BadRequest, Forbidden, MethodNotAllowed
from gateway.request_policy import (ALLOWED, canonical_method, check_body, check_protocol, check_query,
                                    correlation_id, fold, forward_headers, new_request_id)


@dataclass
class Caller:
    dept: str = "MZ"
    app: str | None = "dibao-review"
    purpose: str | None = "最低生活保障资格核查"


@dataclass
class FakeRoute:
    host_header: str = "127.0.0.1:18101"


def forward(incoming, **kw):
    return forward_headers(incoming, Caller(), FakeRoute(), "r" * 32, "10.0.0.7", gateway_host="gw.example", **kw)


def names(headers) -> list[str]:
    return [n.lower() for n, _ in headers]


ATTACK_HEADERS = [
    ("X-HTTP-Method-Override", "DELETE"), ("X-HTTP-Method", "PUT"), ("X-Method-Override", "PATCH"),
    ("X-Original-URL", "/api/v1/fugitives"), ("X-Rewrite-URL", "/api/v1/fugitives"),
    ("Forwarded", "for=1.2.3.4"), ("X-Forwarded-For", "1.2.3.4"), ("X-Forwarded-Host", "evil"),
    ("X-Forwarded-Proto", "http"), ("X-Real-IP", "1.2.3.4"), ("X-Remote-User", "admin"), ("X-User", "admin"),
    ("X_Govshare_Dept", "GA"), ("X-Govshare_Dept", "GA"), ("x-govshare-dept", "GA"), ("X-GOVSHARE-APP", "x"),
    ("X_Request_Id", "mine"), ("Range", "bytes=0-5"), ("If-Range", "x"), ("If-None-Match", '"abc"'),
    ("If-Modified-Since", "Sat, 01 Jan 2000 00:00:00 GMT"), ("Authorization", "Bearer t"), ("Cookie", "a=b"),
    ("Proxy-Authorization", "Basic x"), ("Connection", "close"), ("Keep-Alive", "1"), ("TE", "trailers"),
    ("Transfer-Encoding", "chunked"), ("Content-Length", "0"), ("Host", "evil"), ("Accept_Encoding", "br"),
    ("Max-Forwards", "0"), ("Via", "1.1 x"), ("X-Debug", "1"), ("Expect", "100-continue"),
]


def test_only_allowlisted_caller_headers_pass_and_ours_are_set():
    incoming = [("Accept", "application/json"), ("Accept-Language", "zh-CN"), ("User-Agent", "dibao/1.0"),
                *ATTACK_HEADERS, (b"Accept", b"text/csv")]
    out = forward(incoming, correlation="caller-42")
    assert out == [
        ("Host", "127.0.0.1:18101"),
        ("Accept", "application/json"), ("Accept-Language", "zh-CN"), ("User-Agent", "dibao/1.0"),
        ("Accept", "text/csv"),
        ("Accept-Encoding", "identity"),
        ("X-Forwarded-For", "10.0.0.7"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "gw.example"),
        ("X-Govshare-Dept", "MZ"), ("X-Govshare-App", "dibao-review"),
        ("X-Govshare-Purpose", out[-3][1]), ("X-Request-Id", "r" * 32),
        ("X-Govshare-Correlation-Id", "caller-42"),
    ]
    assert unquote(out[-3][1]) == "最低生活保障资格核查" and out[-3][1].isascii()


@pytest.mark.parametrize("header", ATTACK_HEADERS, ids=[h[0] for h in ATTACK_HEADERS])
def test_each_attack_header_is_not_forwarded_as_sent(header):
    out = forward([header])
    assert header not in out
    ours = {n.lower(): v for n, v in out}
    assert ours["x-govshare-dept"] == "MZ" and ours["x-request-id"] == "r" * 32 and ours["x-forwarded-for"] == "10.0.0.7"
    assert not any("_" in n or "override" in n.lower() or "original" in n.lower() for n, _ in out)


@pytest.mark.parametrize(("sent", "kept"), [
    (["gzip, br, zstd"], "gzip"), (["br"], "identity"), (["deflate;q=0.5", "GZIP"], "deflate, gzip"),
    ([], "identity"), (["*"], "identity"),
])
def test_accept_encoding_is_reduced_to_what_the_gateway_decodes(sent, kept):
    out = dict(forward([("Accept-Encoding", v) for v in sent]))
    assert out["Accept-Encoding"] == kept


@pytest.mark.parametrize("incoming", [
    [("Content-Type", "a/b"), ("Content-Type", "c/d")],
    [("User-Agent", "a"), ("user-agent", "b")],
    [("Accept", "a\x00b")],
    [("Bad Name", "x")],
    [("Accept", "a\r\nX-Govshare-Dept: GA")],
])
def test_ambiguous_headers_are_refused(incoming):
    with pytest.raises(BadRequest) as caught:
        forward(incoming)
    assert caught.value.status == 400 and caught.value.reason == "ambiguous_header"


def test_an_app_less_caller_gets_an_empty_app_header():
    out = dict(forward_headers([], Caller(app=None, purpose=None), FakeRoute(), "a" * 32, "::1", proto="http"))
    assert out["X-Govshare-App"] == "" and out["X-Govshare-Purpose"] == "" and out["X-Forwarded-Proto"] == "http"
    assert "X-Forwarded-Host" not in out and "X-Govshare-Correlation-Id" not in out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(
    st.text(alphabet="XxGgOoVvSsHhAaRrEe-_DdPpTtNnIiUuFfWwCcLlMm", min_size=1, max_size=24),
    st.text(alphabet="abc123 =;/", max_size=10)), max_size=12))
def test_no_caller_header_outside_the_allowlist_ever_reaches_the_provider(incoming):
    try:
        out = forward(incoming)
    except BadRequest:
        return
    ours = {"host", "accept-encoding", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-govshare-dept",
            "x-govshare-app", "x-govshare-purpose", "x-request-id"}
    for name, value in out:
        assert name.lower() in ALLOWED | ours
        if fold(name) in ours - {"accept-encoding"}:
            assert (name, value) not in incoming or value in ("MZ", "10.0.0.7")
    assert [fold(n) for n, _ in out].count("x-govshare-dept") == 1


@pytest.mark.parametrize("method", ["get", "Get", "head", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE",
                                    "CONNECT", "", "GET "])
def test_methods_other_than_exact_get_and_head_are_405_with_allow(method):
    with pytest.raises(MethodNotAllowed) as caught:
        canonical_method(method)
    assert caught.value.status == 405 and caught.value.reason == "method_not_allowed"
    assert caught.value.headers() == {"Allow": "GET, HEAD"} and caught.value.extra == {"allow": ["GET", "HEAD"]}


def test_get_and_head_pass_as_they_are():
    assert canonical_method("GET") == "GET" and canonical_method("HEAD") == "HEAD"


@pytest.mark.parametrize(("headers", "length"), [
    ([("Content-Length", "5")], 0), ([("Transfer-Encoding", "chunked")], 0), ([], 3),
    ([("transfer-encoding", "identity")], 0),
])
def test_a_get_or_head_with_a_body_is_refused(headers, length):
    for method in ("GET", "HEAD"):
        with pytest.raises(BadRequest) as caught:
            check_body(method, headers, length)
        assert caught.value.reason == "body_not_allowed"


def test_a_get_without_a_body_passes():
    check_body("GET", [("Content-Length", "0")], 0)
    check_body("HEAD", [], 0)


@pytest.mark.parametrize(("method", "headers"), [
    ("GET", [("Upgrade", "")]), ("GET", [("Upgrade", "websocket")]), ("GET", [("upgrade", "h2c")]),
    ("GET", [("HTTP2-Settings", "AAMAAABkAAQAAP__")]), ("GET", [("Connection", "keep-alive, Upgrade")]),
    ("CONNECT", []), ("PRI", []),
])
def test_protocol_switches_are_refused(method, headers):
    with pytest.raises(Forbidden) as caught:
        check_protocol(method, headers)
    assert caught.value.status == 403 and caught.value.reason == "protocol_not_allowed"


def test_plain_requests_pass_the_protocol_check():
    check_protocol("GET", [("Connection", "keep-alive"), ("Accept", "*/*")])


def test_request_ids_are_the_gateways_and_the_callers_is_only_a_correlation():
    a, b = new_request_id(), new_request_id()
    assert a != b and len(a) == 32 and int(a, 16) >= 0
    assert correlation_id([("X-Request-Id", "caller-7.x:1")]) == "caller-7.x:1"
    assert correlation_id([(b"x-request-id", b"abc")]) == "abc"
    for bad in ([("X-Request-Id", "a b")], [("X-Request-Id", "x" * 65)], [("X-Request-Id", "")],
                [("X-Request-Id", "a"), ("X-Request-Id", "b")], [("X_Request_Id", "a"), ("X-Request-Id", "b")], []):
        assert correlation_id(bad) is None


@pytest.mark.parametrize("query", ["_method=DELETE", "a=1&_method=put", "X-HTTP-Method-Override=PATCH",
                                   "x_http_method=PUT", "_METHOD=DELETE", "%5Fmethod=DELETE",
                                   "__method__=PUT", "x-method-override"])
def test_method_override_query_parameters_are_refused(query):
    with pytest.raises(BadRequest) as caught:
        check_query(query)
    assert caught.value.status == 400 and caught.value.reason == "ambiguous_query"


@pytest.mark.parametrize("query", ["", "page=1&size=2", "methods=a", "xm=%E5%BC%A0", "method_name=x", "m=1",
                                   "method=query"])
def test_ordinary_queries_pass(query):
    check_query(query)
