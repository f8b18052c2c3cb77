"""Issue 12, request side: every reproduction case, through one real gateway in front of a hostile provider.

The provider (tests/support/hostile_upstream.py) reads requests like Tomcat, IIS, PHP/CGI, rewrite and
method-override middleware and a Range-honouring static server would, and records what it received. Each
case asserts three things: the caller got the right refusal (or a safe, masked 200 from the one resource
it holds a grant for); the provider never received the forbidden thing (tests/support/boundary.py's
invariants, or nothing at all for a refusal); and the call is in the audit trail under the gateway's
request id. The cases share one gateway, as an attacker probing a gateway meets it: each case clears the
provider's log first and reads only its own request's record. The module's other tests are in
test_boundary_request.py (mitmproxy allows one gateway per process, so the shared one has a module of its own).
"""

from __future__ import annotations

import pytest

from tests.support.boundary import (assert_audited, assert_provider_got_only_canonical_reads, assert_safe_answer,
                                    caller_token, request, start_boundary)
from tests.support.hostile_upstream import HostileUpstream

SAFE = "safe"  # the caller gets the register's masked 200; the provider got only a canonical read


@pytest.fixture(scope="module")
def hostile():
    with HostileUpstream() as up:
        yield up


@pytest.fixture(scope="module")
def shared_bgw(module_gateway_factory, demo_upstreams, hostile):
    return start_boundary(module_gateway_factory, demo_upstreams, hostile)


@pytest.fixture
def bgw(shared_bgw, hostile):
    hostile.clear()
    return shared_bgw


# Every case: (class, method, target, headers, body, expected) with expected SAFE or (status, reason).
CASES = [
    # -- Tomcat/Jetty path parameters and dot segments: the provider would resolve /api/v1/fugitives
    ("tomcat", "GET", "/ga/population/..;/fugitives", [], b"", (400, "ambiguous_path")),
    ("tomcat", "GET", "/ga/population/.;/..;/fugitives", [], b"", (400, "ambiguous_path")),
    ("tomcat", "GET", "/ga/population/..;jsessionid=1/fugitives", [], b"", (400, "ambiguous_path")),
    ("tomcat", "GET", "http://evil/ga/population/..;/fugitives", [], b"", (400, "ambiguous_path")),
    ("tomcat", "GET", "/ga/population/../fugitives", [], b"", (400, "ambiguous_path")),
    ("tomcat", "GET", "/ga/population/%2e%2e/fugitives", [], b"", (400, "ambiguous_path")),
    ("tomcat", "GET", "/ga/population/.%2E/fugitives", [], b"", (400, "ambiguous_path")),
    ("tomcat", "GET", "/ga/population/..%2ffugitives", [], b"", (400, "ambiguous_path")),
    ("tomcat", "GET", "/ga/population/%252e%252e/fugitives", [], b"", (400, "ambiguous_path")),
    ("tomcat", "GET", "/ga/population/;/../fugitives", [], b"", (400, "ambiguous_path")),
    ("tomcat", "GET", "/ga/population/%c0%ae%c0%ae/fugitives", [], b"", (400, "ambiguous_path")),
    ("tomcat", "GET", "/ga/population/%ef%bc%8e%ef%bc%8e/fugitives", [], b"", (400, "ambiguous_path")),
    ("tomcat", "GET", "/ga/population/\uff0e\uff0e/fugitives", [], b"", (400, "ambiguous_path")),
    ("tomcat", "GET", "http://evil/ga/population", [], b"", SAFE),  # absolute form: the authority is ours
    ("tomcat", "GET", "/ga//population/./", [], b"", SAFE),  # collapsed, and forwarded collapsed
    # -- IIS: %u escapes, backslashes, trailing dots, case-insensitive nested URLs
    ("iis", "GET", "/ga/population/%u002e%u002e/fugitives", [], b"", (400, "ambiguous_path")),
    ("iis", "GET", "/ga/population/%u0073ensitive", [], b"", (400, "ambiguous_path")),
    ("iis", "GET", "/ga/population\\..\\fugitives", [], b"", (400, "ambiguous_path")),
    ("iis", "GET", "/ga/population/%5c..%5cfugitives", [], b"", (400, "ambiguous_path")),
    ("iis", "GET", "/ga/population/sensitive.", [], b"", (400, "ambiguous_path")),
    ("iis", "GET", "/ga/population/SENSITIVE", [], b"", (404, "nested_resource")),
    ("iis", "GET", "/ga/population/Archive?page=1", [], b"", (404, "nested_resource")),
    # -- not-shared entries nested under the shared provider URL
    ("nested", "GET", "/ga/population/sensitive", [], b"", (404, "nested_resource")),
    ("nested", "GET", "/ga/population/%73ensitive", [], b"", (404, "nested_resource")),
    ("nested", "GET", "/ga/population/archive;x=1", [], b"", (400, "ambiguous_path")),
    ("nested", "GET", "/ga/population/%61rchive", [], b"", (404, "nested_resource")),
    ("nested", "GET", "/ga/population/archive#x", [], b"", (400, "ambiguous_path")),
    ("nested", "GET", "/ga/population/sensitive.json", [], b"", (404, "nested_resource")),
    ("nested", "GET", "/ga/population/archive/", [], b"", (404, "nested_resource")),
    ("nested", "GET", "/ga/population/sensitive/11010519491231002X", [], b"", (404, "nested_resource")),
    ("nested", "GET", "/ga//population/./archive", [], b"", (404, "nested_resource")),
    ("nested", "GET", "/ga/population-sensitive", [], b"", (403, "not_shared")),
    ("nested", "GET", "/ga/population-archive", [], b"", (403, "not_shared")),
    ("nested", "GET", "/ga/fugitives", [], b"", (403, "not_shared")),
    # -- URL rewrite headers
    ("rewrite", "GET", "/ga/population", [("X-Original-URL", "/api/v1/fugitives")], b"", SAFE),
    ("rewrite", "GET", "/ga/population", [("X-Rewrite-URL", "/api/v1/fugitives")], b"", SAFE),
    ("rewrite", "GET", "/ga/population", [("X-Original-URL", "/api/v1/persons/sensitive")], b"", SAFE),
    ("rewrite", "GET", "/ga/population", [("X_Original_URL", "/api/v1/fugitives")], b"", SAFE),
    ("rewrite", "GET", "/ga/population", [("X-Override-URL", "/api/v1/fugitives")], b"", SAFE),
    # -- method overrides, method case, bodies on reads
    ("method", "GET", "/ga/population", [("X-HTTP-Method-Override", "DELETE")], b"", SAFE),
    ("method", "GET", "/ga/population", [("X-HTTP-Method", "PUT")], b"", SAFE),
    ("method", "GET", "/ga/population", [("X-Method-Override", "PATCH")], b"", SAFE),
    ("method", "GET", "/ga/population", [("X_HTTP_Method_Override", "DELETE")], b"", SAFE),
    ("method", "GET", "/ga/population?_method=DELETE", [], b"", (400, "ambiguous_query")),
    ("method", "GET", "/ga/population?size=1&X-HTTP-Method-Override=PUT", [], b"", (400, "ambiguous_query")),
    ("method", "get", "/ga/population", [], b"", (405, "method_not_allowed")),
    ("method", "Get", "/ga/population", [], b"", (405, "method_not_allowed")),
    ("method", "head", "/ga/population", [], b"", (405, "method_not_allowed")),
    ("method", "DELETE", "/ga/population", [], b"", (405, "method_not_allowed")),
    ("method", "POST", "/ga/population", [("Content-Type", "application/json")], b"{}", (405, "method_not_allowed")),
    ("method", "PUT", "/ga/population", [], b"x", (405, "method_not_allowed")),
    ("method", "OPTIONS", "/ga/population", [], b"", (405, "method_not_allowed")),
    ("method", "TRACE", "/ga/population", [], b"", (405, "method_not_allowed")),
    ("method", "PROPFIND", "/ga/population", [], b"", (405, "method_not_allowed")),
    ("method", "GET", "/ga/population", [("Content-Type", "application/json")], b'{"id":1}', (400, "body_not_allowed")),
    ("method", "HEAD", "/ga/population", [], b"abcd", (400, "body_not_allowed")),
    # a chunked body is refused at the head, before a byte of it is read (bounded work: addons/limits.py)
    ("method", "GET", "/ga/population", [("Transfer-Encoding", "chunked")], b"4\r\nabcd\r\n0\r\n\r\n",
     (413, "request_too_large")),
    ("method", "HEAD", "/ga/population", [], b"", "head"),
    # -- protocol switches
    ("protocol", "GET", "/ga/population", [("Upgrade", "")], b"", (403, "protocol_not_allowed")),
    ("protocol", "GET", "/ga/population", [("Upgrade", "websocket"), ("Connection", "Upgrade")], b"",
     (403, "protocol_not_allowed")),
    ("protocol", "GET", "/ga/population", [("Upgrade", "h2c"), ("HTTP2-Settings", "AAMAAABkAAQAAP__")], b"",
     (403, "protocol_not_allowed")),
    ("protocol", "GET", "/ga/population", [("Connection", "keep-alive, Upgrade")], b"", (403, "protocol_not_allowed")),
    ("protocol", "GET", "/ga/population", [("HTTP2-Settings", "AAMAAABkAAQAAP__")], b"", (403, "protocol_not_allowed")),
    # -- identity headers in the spellings CGI/WSGI/PHP fold together
    ("identity", "GET", "/ga/population", [("X_Govshare_Dept", "GA")], b"", SAFE),
    ("identity", "GET", "/ga/population", [("X-Govshare_Dept", "GA")], b"", SAFE),
    ("identity", "GET", "/ga/population", [("X-Govshare-Dept", "GA"), ("X-Govshare-App", "hukou-service")], b"", SAFE),
    ("identity", "GET", "/ga/population", [("x_govshare_app", "forged"), ("X_GOVSHARE_PURPOSE", "x")], b"", SAFE),
    ("identity", "GET", "/ga/population", [("X-Govshare-Correlation-Id", "forged-1")], b"", SAFE),
    ("identity", "GET", "/ga/population", [("Connection", "X-Govshare-Dept")], b"", SAFE),
    ("identity", "GET", "/ga/population", [("Host", "evil.example")], b"", SAFE),
    # -- forwarding and remote-user headers
    ("forwarding", "GET", "/ga/population", [("X-Forwarded-For", "10.9.8.7")], b"", SAFE),
    ("forwarding", "GET", "/ga/population", [("X-Real-IP", "10.9.8.7")], b"", SAFE),
    ("forwarding", "GET", "/ga/population", [("Forwarded", "for=10.9.8.7;by=gw;host=evil")], b"", SAFE),
    ("forwarding", "GET", "/ga/population", [("X-Remote-User", "admin")], b"", SAFE),
    ("forwarding", "GET", "/ga/population", [("X-User", "admin")], b"", SAFE),
    ("forwarding", "GET", "/ga/population", [("X-Forwarded-Host", "evil"), ("X-Forwarded-Proto", "http")], b"", SAFE),
    ("forwarding", "GET", "/ga/population", [("X_Forwarded_For", "10.9.8.7"), ("True-Client-IP", "10.9.8.7")],
     b"", SAFE),
    ("forwarding", "GET", "/ga/population", [("Client-IP", "10.9.8.7"), ("X-Client-IP", "10.9.8.7"),
                                             ("Remote-User", "admin"), ("X-Auth-User", "admin")], b"", SAFE),
    # -- partial content: two slices of a masked value rebuild it
    ("range", "GET", "/ga/population", [("Range", "bytes=0-40")], b"", SAFE),
    ("range", "GET", "/ga/population", [("Range", "bytes=60-")], b"", SAFE),
    ("range", "GET", "/ga/population", [("Range", "bytes=0-9"), ("If-Range", '"x"')], b"", SAFE),
    ("range", "GET", "/ga/population", [("Request-Range", "bytes=0-9")], b"", SAFE),
]


def _case_id(case) -> str:
    cls, method, target, headers, *_ = case
    return f"{cls}:{method} {target} {' '.join(n for n, _ in headers)}".strip()


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_request_side_reproduction(bgw, hostile, case):
    _cls, method, target, headers, body, expected = case
    token = caller_token(bgw)
    answer = request(bgw, method, target, headers, body, token=token)
    received = hostile.received()
    if expected == SAFE:
        assert_safe_answer(answer)
        assert len(received) == 1
    elif expected == "head":
        assert answer.status == 200 and answer.body == b"" and len(received) == 1
    else:
        reason = expected[1] if method == "HEAD" else answer.error()  # a HEAD's refusal has no body
        assert (answer.status, reason) == expected, answer.raw[:300]
        assert answer.headers["content-type"].startswith("application/json")
        assert received == []  # a refusal never reaches the provider
        if expected[0] == 405:
            assert answer.headers["allow"] == "GET, HEAD"
    assert_provider_got_only_canonical_reads(received, token)
    record = assert_audited(bgw, answer, reason=expected[1] if isinstance(expected, tuple) else None)
    assert record["method"] == method  # as sent, not as mitmproxy upper-cases it


