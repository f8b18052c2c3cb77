"""HTTP/2 (and HTTP/3) are off for callers: a TLS client offering h2 is answered in HTTP/1.1, where the request
head limits (431) hold, and an HTTP/2 preface is refused with its audit record, over TLS and in plain text.

The request head limits (addons.limits) wrap mitmproxy's HTTP/1 reader; an HTTP/2 connection would bypass
them. A REST gateway for department systems needs no HTTP/2, so addons.bootstrap forces `http2` and `http3`
off (docs/SECURITY.md): ALPN then never selects h2, and clients fall back to HTTP/1.1.
"""

from __future__ import annotations

import json
import socket
import ssl
import struct

import pytest

from gateway.audit import Filters, iter_rows
from tests.support.certs import CA
from tests.support.http import read_response
from tests.support.waiting import wait_for

H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
SETTINGS = struct.pack(">I", 0)[1:] + b"\x04\x00" + b"\x00\x00\x00\x00"  # empty SETTINGS frame, stream 0


@pytest.fixture
def tls_gw(gateway_factory, tmp_path):
    ca = CA()
    cert, key = ca.leaf(tmp_path, "gateway")
    gw = gateway_factory(max_header_bytes=4096, tls_cert=str(cert), tls_key=str(key))
    gw.ca_file = str(ca.write(tmp_path / "ca.pem"))
    return gw


def tls_connect(gw, alpn: list[str]) -> ssl.SSLSocket:
    ctx = ssl.create_default_context(cafile=gw.ca_file)
    ctx.set_alpn_protocols(alpn)
    host, port = gw.gateway.address
    sock = socket.create_connection(("127.0.0.1", port), timeout=20)
    return ctx.wrap_socket(sock, server_hostname="localhost")


def status_and_head(response: bytes) -> tuple[int, dict]:
    head = response.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
    return int(head[0].split()[1]), headers


def request_records(gw) -> list[dict]:
    return [row.record for row in iter_rows(gw.services.engine, gw.config.data_dir, Filters(event="request"))]


def record_of(gw, request_id: str) -> dict:
    (rec,) = wait_for(lambda: [r for r in request_records(gw) if r["request_id"] == request_id],
                      until=lambda found: len(found) == 1)
    return rec


def test_a_tls_client_offering_h2_gets_http1_and_the_head_limit_holds(tls_gw):
    with tls_connect(tls_gw, ["h2", "http/1.1"]) as conn:
        assert conn.selected_alpn_protocol() == "http/1.1"
        conn.sendall(b"GET /scjg/enterprises?size=1 HTTP/1.1\r\nHost: gateway\r\n"
                     b"Authorization: Bearer " + tls_gw.token("MZ").encode() + b"\r\n\r\n")
        status, headers = status_and_head(read_response(conn))
        assert status == 200
        assert record_of(tls_gw, headers["x-request-id"])["status"] == 200
    with tls_connect(tls_gw, ["h2", "http/1.1"]) as conn:
        conn.sendall(b"GET /scjg/enterprises HTTP/1.1\r\nHost: gateway\r\n" + b"X-Filler: " + b"a" * 8000
                     + b"\r\n\r\n")
        response = read_response(conn)
    status, headers = status_and_head(response)
    doc = json.loads(response.partition(b"\r\n\r\n")[2])
    assert (status, doc["error"]) == (431, "request_headers_too_large")
    rec = record_of(tls_gw, doc["request_id"])
    assert (rec["status"], rec["decision"], rec["reason"]) == (431, "deny", "request_headers_too_large")


def test_a_tls_client_offering_only_h2_gets_no_h2_and_its_preface_is_refused_with_a_record(tls_gw):
    before = len(request_records(tls_gw))
    with tls_connect(tls_gw, ["h2"]) as conn:
        assert conn.selected_alpn_protocol() != "h2"
        conn.sendall(H2_PREFACE + SETTINGS)
        response = read_response(conn)
    status, _headers = status_and_head(response)
    assert status == 403
    records = wait_for(lambda: request_records(tls_gw)[before:], until=lambda rows: len(rows) >= 1)
    assert records[0]["method"] == "PRI" and records[0]["reason"] == "protocol_not_allowed"
    assert records[0]["status"] == 403
    # The rest of the preface may reach the listener as a next request: refused before any flow, recorded.
    assert all(r["decision"] == "deny" for r in records)
    assert all(r["status"] in (400, None) for r in records[1:])


def test_h2_prior_knowledge_in_plain_text_is_refused_with_a_record(gw):
    before = len(request_records(gw))
    host, port = gw.gateway.address
    with socket.create_connection(("127.0.0.1", port), timeout=20) as conn:
        conn.sendall(H2_PREFACE + SETTINGS)
        response = read_response(conn)
    assert not response.startswith(b"\x00")  # no HTTP/2 frame (a SETTINGS answer) came back
    status, _headers = status_and_head(response)
    assert status == 403
    records = wait_for(lambda: request_records(gw)[before:], until=lambda rows: len(rows) >= 1)
    assert (records[0]["method"], records[0]["reason"], records[0]["status"]) == ("PRI", "protocol_not_allowed", 403)
    assert all(r["decision"] == "deny" for r in records)


def test_http2_and_http3_are_among_the_options_every_gateway_is_forced_to():
    from addons.bootstrap import ENFORCED_OPTIONS

    assert ENFORCED_OPTIONS["http2"] is False and ENFORCED_OPTIONS["http3"] is False
