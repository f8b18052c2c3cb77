"""Tests for gateway.admission: the order of refusals and what an admitted request is, on the demo catalog."""

from __future__ import annotations

import pytest

from gateway.admission import admit
from gateway.catalog import load_catalog
from gateway.config import POLICIES_DIR
from gateway.errors import GatewayError

CATALOG = load_catalog(POLICIES_DIR / "catalog.yaml")


@pytest.mark.parametrize(("method", "target", "headers", "body", "status", "reason"), [
    ("GET", "/ga/population", [("Upgrade", "")], 0, 403, "protocol_not_allowed"),
    ("get", "/ga/population", [("Upgrade", "websocket")], 0, 403, "protocol_not_allowed"),
    ("CONNECT", "evil:443", [], 0, 403, "protocol_not_allowed"),
    ("get", "/ga/population", [], 0, 405, "method_not_allowed"),
    ("DELETE", "/ga/population/..;/fugitives", [], 0, 405, "method_not_allowed"),
    ("GET", "/ga/population/..;/fugitives", [("Content-Length", "4")], 4, 400, "body_not_allowed"),
    ("GET", "/ga/population/..;/fugitives", [], 0, 400, "ambiguous_path"),
    ("HEAD", "/nowhere", [], 0, 404, "unknown_resource"),
])
def test_refusals_come_in_order(method, target, headers, body, status, reason):
    with pytest.raises(GatewayError) as caught:
        admit(method, target, headers, body, CATALOG)
    assert (caught.value.status, caught.value.reason) == (status, reason)


def test_an_admitted_request_carries_the_canonical_target_and_its_route():
    got = admit("GET", b"http://evil/ga//population/%31101?xm=%e5%bc%a0", [("X-Request-Id", "mine-1")], 0, CATALOG)
    assert got.method == "GET" and got.target.path == "/ga/population/1101"
    assert got.route.resource.code == "GA-RK-0001"
    assert got.route.upstream_url == "http://127.0.0.1:18101/api/v1/persons/1101?xm=%E5%BC%A0"
    assert got.correlation_id == "mine-1"
