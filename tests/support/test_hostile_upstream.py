"""The hostile upstream really is hostile: hit directly, it serves what issue 12's attacks asked for.

If it did not, the boundary tests that assert the gateway never lets these through could not fail.
"""

from __future__ import annotations

import json
import socket

import pytest

from tests.support.hostile_upstream import RAW_AFTER_101, HostileUpstream, effective_path
from tests.support.http import read_response


@pytest.fixture(scope="module")
def hostile():
    with HostileUpstream() as up:
        yield up


def send(up: HostileUpstream, raw: bytes) -> bytes:
    host, port = up.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(raw)
        return read_response(sock)


def get(up, target: str, *headers: str, method: str = "GET") -> tuple[int, dict | None, bytes]:
    head = f"{method} {target} HTTP/1.1\r\nHost: x\r\n" + "".join(h + "\r\n" for h in headers) + "\r\n"
    answer = send(up, head.encode("latin-1"))
    status = int(answer.split(b" ", 2)[1])
    body = answer.partition(b"\r\n\r\n")[2]
    try:
        return status, json.loads(body), answer
    except ValueError:
        return status, None, answer


@pytest.mark.parametrize(("target", "marker"), [
    ("/api/v1/persons/..;/fugitives", "GA-FUGITIVES"),
    ("/api/v1/persons/.;/..;/fugitives", "GA-FUGITIVES"),
    ("/api/v1/persons/..;jsessionid=1/fugitives", "GA-FUGITIVES"),
    ("http://evil/api/v1/persons/..;/fugitives", "GA-FUGITIVES"),
    ("/api/v1/persons/%73ensitive", "GA-SENSITIVE"),
    ("/api/v1/persons/archive;x=1", "GA-ARCHIVE"),
    ("/api/v1/persons/%61rchive", "GA-ARCHIVE"),
    ("/api/v1/persons/archive#x", "GA-ARCHIVE"),
    ("/api/v1/persons/%u0073ensitive", "GA-SENSITIVE"),
    ("/api/v1/persons\\..\\fugitives", "GA-FUGITIVES"),
    ("/api/v1/persons/%252e%252e/fugitives", "GA-FUGITIVES"),
    ("/api/v1/persons/SENSITIVE.json", "GA-SENSITIVE"),
    ("/api/v1/persons/archive.", "GA-ARCHIVE"),
    ("/api/v1/persons", "GA-PERSONS"),
])
def test_path_spellings_reach_the_collection_a_lenient_stack_would_serve(hostile, target, marker):
    status, doc, _ = get(hostile, target)
    assert status == 200 and doc["resource"] == marker


def test_rewrite_override_and_cgi_headers_are_honoured(hostile):
    hostile.clear()
    _, doc, _ = get(hostile, "/api/v1/persons", "X-Original-URL: /api/v1/fugitives")
    assert doc["resource"] == "GA-FUGITIVES"
    _, doc, _ = get(hostile, "/api/v1/persons", "X-Rewrite-URL: /api/v1/persons/archive")
    assert doc["resource"] == "GA-ARCHIVE"
    for header, method in (("X-HTTP-Method-Override", "DELETE"), ("X-HTTP-Method", "PUT"),
                           ("X-Method-Override", "PATCH")):
        _, doc, _ = get(hostile, "/api/v1/persons", f"{header}: {method}")
        assert doc["method"] == method
    _, doc, _ = get(hostile, "/api/v1/persons", method="get")
    assert doc["method"] == "GET"
    get(hostile, "/api/v1/persons", "X_Govshare_Dept: GA", "X-Govshare-Dept: MZ")
    last = hostile.received()[-1]
    assert last.cgi["HTTP_X_GOVSHARE_DEPT"] == "GA"  # the first spelling wins, as in CGI/PHP
    assert [r.effective_method for r in hostile.received()[2:5]] == ["DELETE", "PUT", "PATCH"]


def test_range_is_honoured_and_upgrade_switches(hostile):
    status, _, answer = get(hostile, "/api/v1/persons", "Range: bytes=0-9")
    assert status == 206 and len(answer.partition(b"\r\n\r\n")[2]) == 10
    status, _, answer = get(hostile, "/api/v1/persons", "Upgrade:")
    assert status == 101 and RAW_AFTER_101 in answer


def test_effective_path_is_a_fixed_point_for_canonical_paths():
    for path in ("/api/v1/persons", "/api/v1/persons/110105194912310021", "/api/v1/persons/a-b_c"):
        assert effective_path(path) == path
