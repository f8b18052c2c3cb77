"""The response head rules: statuses, head size and framing, the header allowlist, the Location rule."""

from __future__ import annotations

import pytest

from gateway import response_policy as rp
from gateway.catalog import load_catalog
from gateway.demo.catalog import DEMO_CATALOG

ID = "11010519491231002X"
CATALOG = load_catalog(DEMO_CATALOG)
ROUTE = CATALOG.resolve("/ga/population/list?page=1")


def fake_mask(text: str):
    """Masks the one ID number these tests use, and reports one finding per occurrence."""
    n = text.count(ID)
    return text.replace(ID, "110105********002X"), ["found"] * n


@pytest.mark.parametrize("status, reason", [
    (101, "upstream_protocol_switch"), (206, "partial_content"), (100, "upstream_interim_response"),
    (103, "upstream_interim_response"), (199, "upstream_interim_response"), (600, "upstream_bad_status"),
    (99, "upstream_bad_status"),
])
def test_statuses_never_relayed(status, reason):
    with pytest.raises(rp.ResponseRefused) as e:
        rp.check_status(status)
    assert (e.value.status, e.value.reason) == (502, reason)


@pytest.mark.parametrize("status", [200, 201, 204, 301, 302, 304, 400, 404, 418, 500, 503, 599])
def test_other_statuses_go_on(status):
    rp.check_status(status)


def test_head_limits_and_framing():
    rp.check_head([(b"X-A", b"v")] * rp.MAX_HEADERS)
    with pytest.raises(rp.ResponseRefused, match="upstream_headers_too_large"):
        rp.check_head([(b"X-A", b"v")] * (rp.MAX_HEADERS + 1))
    with pytest.raises(rp.ResponseRefused, match="upstream_headers_too_large"):
        rp.check_head([(b"X-A", b"v" * rp.MAX_HEADER_BYTES)])
    with pytest.raises(rp.ResponseRefused, match="invalid_framing"):
        rp.check_head([(b"Content-Length", b"1"), (b"transfer-encoding", b"chunked")])


def test_only_allowlisted_headers_of_the_right_shape_without_identifiers_are_kept():
    fields = [(b"Date", b"Fri, 04 Dec 2026 06:00:00 GMT"), (b"Expires", b"0"), (b"Vary", b"Accept, Origin"),
              (b"Vary", f"X-{ID}".encode()), (b"Content-Language", b"zh-CN"), (b"Set-Cookie", b"a=1"),
              (b"Server", b"x"), (b"ETag", b'"1"'), (b"Link", b"</a>"), (b"X-Debug", b"1"),
              (b"Cache-Control", b"public"), (b"Content-Length", b"5"), (b"Location", b"/x")]
    kept, findings = rp.kept_headers(fields, fake_mask)
    assert kept == [("Date", "Fri, 04 Dec 2026 06:00:00 GMT"), ("Vary", "Accept, Origin"),
                    ("Content-Language", "zh-CN")]
    assert findings == ["found"]


def location(value: str):
    return rp.rewrite_location(value, ROUTE, CATALOG, fake_mask)


def test_location_inside_the_entry_is_rewritten_to_the_gateway_and_masked():
    base = ROUTE.resource.upstream
    assert location(f"{base}/2?x=1#frag") == ("/ga/population/2?x=1", [])
    assert location("/api/v1/persons") == ("/ga/population", [])
    assert location("list2") == ("/ga/population/list2", [])
    url, found = location(f"/api/v1/persons/{ID}?sfzh={ID}")
    assert url == "/ga/population/110105********002X?sfzh=110105********002X" and len(found) == 2


@pytest.mark.parametrize("value", [
    "http://evil.example/api/v1/persons", "//evil.example/api/v1/persons", "https:/api/v1/persons",
    "/api/v1/fugitives", "/api/v1/personsX", "/api/v1/persons/../fugitives", "/api/v1/persons/%2e%2e/x",
    "/api/v1/persons/..;/fugitives", "/api/v1/persons//x", "/api/v1/persons/a\\b", "javascript:alert(1)",
    "/api/v1/persons/\u4e2d", "/api/v1/persons/a b", "ftp://127.0.0.1:18101/api/v1/persons",
    "http://127.0.0.1:18102/api/v1/persons", "http://u@127.0.0.1:18101/api/v1/persons",
])
def test_location_anywhere_else_is_refused(value):
    with pytest.raises(rp.ResponseRefused) as e:
        location(value)
    assert e.value.reason == "redirect_outside_resource"


def test_location_into_a_nested_entry_is_refused(tmp_path):
    text = DEMO_CATALOG.read_text(encoding="utf-8") + (
        "  - code: GA-TEST-0099\n    name: 敏感\n    provider: GA\n    path: /ga/test-nested\n"
        "    upstream_path: /api/v1/persons/zz-nested\n    share: none\n    legal_basis: 法\n")
    path = tmp_path / "catalog.yaml"
    path.write_text(text, encoding="utf-8")
    catalog = load_catalog(path)
    route = catalog.resolve("/ga/population")
    with pytest.raises(rp.ResponseRefused):
        rp.rewrite_location("/api/v1/persons/zz-nested/1", route, catalog, fake_mask)
    assert rp.rewrite_location("/api/v1/persons/zz-nestedx", route, catalog, fake_mask)[0] == "/ga/population/zz-nestedx"


# -- property: whatever the provider sends, what is kept is allowlisted and carries no identifier -------------

from hypothesis import given, settings, strategies as st  # noqa: E402

HEADER_NAMES = st.sampled_from(["Date", "Vary", "Expires", "Content-Language", "Set-Cookie", "X-Debug", "Link",
                                "Server", "ETag", "vary", "DATE", "Location", "Content-Type"])
PIECES = st.sampled_from([ID, "Accept", ", ", "-", "zh", "Fri, 04 Dec 2026 06:00:00 GMT", " ", "/", "..", "%2e",
                          ";", "?", "#", "\\", "http://", "127.0.0.1:18101", "api", "v1", "persons", "\u4e2d"])


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.tuples(HEADER_NAMES, st.lists(PIECES, max_size=6).map("".join)), max_size=12))
def test_kept_headers_are_allowlisted_and_clean(fields):
    kept, _ = rp.kept_headers([(n.encode(), v.encode()) for n, v in fields], fake_mask)
    for name, value in kept:
        assert name.lower() in rp.KEPT
        assert ID not in value


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(PIECES, max_size=10).map("".join))
def test_a_location_is_refused_or_stays_in_the_resource_masked(value):
    try:
        url, _ = location(value)
    except rp.ResponseRefused:
        return
    assert url == "/ga/population" or url.startswith(("/ga/population/", "/ga/population?"))
    segments = url.split("?")[0].split("/")
    assert ID not in url and "." not in segments and ".." not in segments and "\\" not in url


HEAD_NAMES = st.sampled_from(["Content-Type", "content-type", "CONTENT-ENCODING", "Content-Encoding", "Location",
                              "location", "Date", "Vary", "vary", "Server", "Set-Cookie", "Content-Language"])
HEAD_VALUES = st.sampled_from(["application/json", "text/html; charset=gbk", "gzip", "br", "/x?y=1", "",
                               "Fri, 04 Dec 2026 06:00:00 GMT", "Accept", "\u4e2d", "a, b"])


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.tuples(HEAD_NAMES, HEAD_VALUES), max_size=10))
def test_check_head_reads_the_values_mitmproxys_headers_give_and_keeps_what_kept_headers_keeps(pairs):
    from mitmproxy.http import Headers

    fields = tuple((n.encode(), v.encode()) for n, v in pairs)
    head = rp.check_head(fields)
    headers = Headers(fields)
    assert head.content_type == headers.get("Content-Type")
    assert head.content_encoding == headers.get("Content-Encoding")
    assert list(head.locations) == headers.get_all("Location")
    assert rp.kept_headers(head.kept, fake_mask) == rp.kept_headers(fields, fake_mask)
