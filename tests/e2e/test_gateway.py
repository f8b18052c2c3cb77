"""End to end through real sockets: a mitmproxy gateway on port 0 in front of the real demo departments."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from gateway.identity import PilotKeys
from tests.support.http import read_response

PURPOSE = "最低生活保障资格核查"


def until(days: float = 30) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def add_grant(gw, dept="MZ", app=None, resource="GA-RK-0001", purpose=PURPOSE, days=30, fields=None) -> str:
    from gateway.policy.grants import GrantStore

    store = GrantStore(gw.services.engine, gw.services.catalog.current)
    grant = store.add(dept, app, resource, tuple(fields or ()), (), purpose, until(days), "test-officer")
    return grant.id


def wait_for(predicate, timeout=5.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


# -- routing ---------------------------------------------------------------------------------------------

ROUTES = [
    ("/scjg/enterprises", "SCJG", "/api/v2/enterprises"),
    ("/scjg/enterprises?page=2&size=3", "SCJG", "/api/v2/enterprises?page=2&size=3"),
    ("/rs/hr-agencies", "RS", "/api/hr-agencies"),
]


@pytest.mark.parametrize("path,dept,upstream_path", ROUTES)
def test_routes_to_the_providers_upstream_path(gw, path, dept, upstream_path):
    gw.upstreams.clear()
    r = gw.get(path, dept="MZ")
    assert r.status == 200, r.body
    seen = gw.upstreams.requests(dept)
    assert [q.target for q in seen] == [upstream_path]


def test_longest_prefix_and_record_by_id(gw):
    first = gw.get("/scjg/enterprises?size=1", dept="MZ").json()["data"]["items"][0]
    code = first["tyshxydm"]
    r = gw.get(f"/scjg/enterprises/{code}", dept="MZ")
    assert r.status == 200
    assert r.json()["data"]["tyshxydm"] == code


def test_unknown_path_is_404_json_with_request_id(gw):
    r = gw.get("/nowhere/at/all", dept="MZ")
    assert r.status == 404
    body = r.json()
    assert body["error"] == "unknown_resource"
    assert body["request_id"] == r.headers["x-request-id"]


@pytest.mark.parametrize("path", ["/ga/population/../fugitives", "/ga/population/%2e%2e/fugitives",
                                  "/ga/population/..%2Ffugitives", "/ga/population/..;/fugitives"])
def test_paths_that_climb_out_of_a_prefix_are_refused(gw, path):
    gw.upstreams.clear()
    r = gw.get(path, dept="GA")
    assert r.status == 400
    assert r.json()["error"] == "ambiguous_path"
    assert gw.upstreams.requests("GA") == []


def test_protocol_switches_are_refused_before_any_upstream(gw):
    """h2c upgrades, WebSocket upgrades and HTTP/2 prior knowledge never reach a provider (the route stage
    refuses them, so the gateway needs none of mitmproxy's own h2c handling)."""
    import socket

    gw.upstreams.clear()
    for upgrade in ("h2c", "websocket"):
        r = gw.get("/scjg/enterprises", dept="MZ", headers={"Upgrade": upgrade, "Connection": "Upgrade"})
        assert r.status == 403
        assert r.json()["error"] == "protocol_not_allowed"
    host, port = gw.gateway.address
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        answer = read_response(sock)  # one recv may return the head without the body
    assert answer.startswith(b"HTTP/1.1 403 ") and b'"error": "protocol_not_allowed"' in answer
    assert gw.upstreams.requests("SCJG") == []


def test_request_id_is_always_the_gateways(gw):
    r = gw.get("/scjg/enterprises", dept="MZ", headers={"X-Request-Id": "caller-req-00042"})
    assert r.headers["x-request-id"] != "caller-req-00042" and len(r.headers["x-request-id"]) == 32
    r = gw.get("/scjg/enterprises", dept="MZ", headers={"X-Request-Id": "bad id with spaces"})
    assert r.headers["x-request-id"] != "bad id with spaces"
    assert len(r.headers["x-request-id"]) >= 16


def test_provider_gets_gateway_headers_never_the_token(gw):
    gw.upstreams.clear()
    token = gw.token("MZ", app="dibao-review", purpose=PURPOSE)
    r = gw.request("GET", "/scjg/enterprises", token=token,
                   headers={"X-Govshare-Dept": "GA", "X-Govshare-App": "forged", "Cookie": "s=1",
                            "X-Request-Id": "trace-0000000001"})
    assert r.status == 200
    (headers,) = gw.upstreams.received("SCJG")
    assert "authorization" not in headers and "cookie" not in headers
    assert headers["x-govshare-dept"] == "MZ"
    assert headers["x-govshare-app"] == "dibao-review"
    from urllib.parse import unquote
    assert unquote(headers["x-govshare-purpose"]) == PURPOSE
    assert headers["x-request-id"] == r.headers["x-request-id"] != "trace-0000000001"
    assert headers["x-govshare-correlation-id"] == "trace-0000000001"


# -- identity --------------------------------------------------------------------------------------------

def _forged(gw, **claims):
    keys = PilotKeys(gw.config.data_dir)
    now = int(time.time())
    payload = {"iss": gw.config.identity.issuer, "aud": gw.config.identity.audience, "sub": "svc-1",
               "dept": "MZ", "iat": now, "exp": now + 600}
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, keys.private_key, algorithm="ES256", headers={"kid": keys.kid})


def _other_key_token(gw):
    from cryptography.hazmat.primitives.asymmetric import ec

    other = ec.generate_private_key(ec.SECP256R1())
    now = int(time.time())
    return jwt.encode({"iss": gw.config.identity.issuer, "aud": gw.config.identity.audience, "sub": "x",
                       "dept": "MZ", "iat": now, "exp": now + 600}, other, algorithm="ES256",
                      headers={"kid": PilotKeys(gw.config.data_dir).kid})


JWT_FAILURES = {
    "missing_token": lambda gw: None,
    "malformed": lambda gw: "not.a.jwt",
    "bad_signature": _other_key_token,
    "expired": lambda gw: _forged(gw, iat=int(time.time()) - 4000, exp=int(time.time()) - 3000),
    "wrong_audience": lambda gw: _forged(gw, aud="someone-else"),
    "wrong_issuer": lambda gw: _forged(gw, iss="https://evil.example"),
    "missing_claim": lambda gw: _forged(gw, dept=None),
}


@pytest.mark.parametrize("reason", sorted(JWT_FAILURES))
def test_every_jwt_failure_is_401_with_its_reason_and_never_echoes_the_token(gw, reason):
    gw.upstreams.clear()
    token = JWT_FAILURES[reason](gw)
    r = gw.request("GET", "/scjg/enterprises", token=token)
    assert r.status == 401
    body = r.json()
    assert body["error"] == reason
    assert body["request_id"] == r.headers["x-request-id"]
    if token:
        assert token.encode() not in r.body
        payload = token.split(".")[1]
        if len(payload) > 8:
            assert payload.encode() not in r.body
    assert gw.upstreams.requests("SCJG") == []


def test_alg_none_token_is_refused(gw):
    now = int(time.time())
    token = jwt.encode({"iss": gw.config.identity.issuer, "aud": gw.config.identity.audience, "sub": "x",
                        "dept": "MZ", "iat": now, "exp": now + 600}, None, algorithm="none")
    r = gw.request("GET", "/scjg/enterprises", token=token)
    assert r.status == 401
    assert r.json()["error"] in ("disallowed_algorithm", "malformed")


# -- share policy ------------------------------------------------------------------------------------------

def test_unconditional_resource_any_authenticated_department(gw):
    assert gw.get("/scjg/enterprises", dept="MZ").status == 200
    assert gw.get("/rs/hr-agencies", dept="GA").status == 200


def test_unconditional_resource_other_methods_are_405_with_allow(gw):
    """A method the catalog does not serve is 405 naming the methods it does serve (RFC 9110 15.5.6)."""
    gw.upstreams.clear()
    r = gw.request("POST", "/scjg/enterprises", token=gw.token("MZ"), body=b"{}",
                   headers={"Content-Type": "application/json"})
    assert r.status == 405
    assert r.headers["allow"] == "GET, HEAD"
    assert r.json()["error"] == "method_not_allowed" and r.json()["allow"] == ["GET", "HEAD"]
    assert gw.upstreams.requests("SCJG") == []


def test_conditional_without_grant_is_403_no_grant(gw):
    gw.upstreams.clear()
    r = gw.get("/ga/population", dept="RS", purpose="就业补贴审核")
    assert r.status == 403
    assert r.json()["error"] == "no_grant"
    assert gw.upstreams.requests("GA") == []


def test_conditional_with_grant_then_revoked(gw):
    token = gw.token("MZ", app="dibao-review", purpose=PURPOSE)
    assert gw.request("GET", "/ga/population", token=token).status == 403
    grant_id = add_grant(gw)
    gw.services.reload()
    r = gw.request("GET", "/ga/population?size=2", token=token)
    assert r.status == 200, r.body
    from gateway.policy.grants import GrantStore
    GrantStore(gw.services.engine).revoke(grant_id, "test-officer")
    gw.services.reload()
    assert gw.request("GET", "/ga/population", token=token).status == 403


def test_conditional_with_expired_grant_is_refused(gw):
    token = gw.token("MZ", app="dibao-review", purpose=PURPOSE)
    add_grant(gw, days=2 / 86400)  # valid for two more seconds
    gw.services.reload()
    assert gw.request("GET", "/ga/population", token=token).status == 200
    time.sleep(2.2)
    r = gw.request("GET", "/ga/population", token=token)
    assert r.status == 403
    assert r.json()["error"] == "grant_expired"


def test_conditional_purpose_must_match_the_grant(gw):
    add_grant(gw)
    gw.services.reload()
    r = gw.get("/ga/population", dept="MZ", purpose="其他用途")
    assert r.status == 403
    assert r.json()["error"] == "purpose_mismatch"


def test_not_shared_resource_is_403_naming_its_legal_basis(gw):
    r = gw.get("/ga/fugitives", dept="MZ", purpose=PURPOSE)
    assert r.status == 403
    body = r.json()
    assert body["error"] == "not_shared"
    catalog_basis = gw.services.catalog.current.resource("GA-ZT-0001").legal_basis
    assert body["legal_basis"] == catalog_basis


@pytest.mark.parametrize("dept,path", [("GA", "/ga/population"), ("GA", "/ga/fugitives"),
                                       ("MZ", "/mz/subsidies"), ("SCJG", "/scjg/annual-reports")])
def test_a_department_always_reads_its_own_resources(gw, dept, path):
    assert gw.get(path, dept=dept).status == 200


def test_policy_change_by_the_cli_applies_while_traffic_flows(gw):
    """A grant added by `govshare grant add` in another process is in force within 2 seconds."""
    import subprocess
    import sys

    token = gw.token("MZ", app="dibao-review", purpose=PURPOSE)
    statuses: list[tuple[float, int]] = []
    stop = threading.Event()

    def traffic():
        while not stop.is_set():
            statuses.append((time.monotonic(), gw.request("GET", "/ga/population?size=1", token=token).status))

    t = threading.Thread(target=traffic)
    t.start()
    try:
        time.sleep(0.3)
        cmd = [sys.executable, "-m", "gateway.cli", "grant", "add", "--dept", "MZ", "--resource", "GA-RK-0001",
               "--purpose", PURPOSE, "--until", until(), "--config", gw.config.source]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        granted_at = time.monotonic()
        assert wait_for(lambda: any(s == 200 for _, s in statuses), timeout=2.5)
    finally:
        stop.set()
        t.join()
    first_ok = min(ts for ts, s in statuses if s == 200)
    assert first_ok - granted_at <= 2.0
    assert statuses[0][1] == 403
    assert all(s in (200, 403) for _, s in statuses)


# -- upstream failures -------------------------------------------------------------------------------------

def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_upstream_down_is_502_json(gateway_factory, demo_upstreams):
    urls = dict(demo_upstreams.urls, SCJG=f"http://127.0.0.1:{_free_port()}")
    gw = gateway_factory(upstream_urls=urls)
    r = gw.get("/scjg/enterprises", dept="MZ")
    assert r.status == 502
    body = r.json()
    assert body["error"] == "upstream_unavailable"
    assert body["request_id"] == r.headers["x-request-id"]


def test_upstream_too_slow_is_504_json(gateway_factory, demo_upstreams):
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections, never answers
    try:
        urls = dict(demo_upstreams.urls, SCJG=f"http://127.0.0.1:{silent.getsockname()[1]}")
        gw = gateway_factory(upstream_urls=urls, upstream_timeout=1.0)
        started = time.monotonic()
        r = gw.get("/scjg/enterprises", dept="MZ")
        assert r.status == 504
        assert r.json()["error"] == "upstream_timeout"
        assert time.monotonic() - started < 5
    finally:
        silent.close()


# -- fail closed -------------------------------------------------------------------------------------------

def _boom(*args, **kwargs):
    raise RuntimeError("boom 11010519491231002X")  # a message that must never reach the caller


@pytest.mark.parametrize("target,status", [
    ("catalog", 503),   # route
    ("verifier", 401),  # authenticate
    ("policy", 403),    # authorize
])
def test_an_exception_in_each_request_hook_never_reaches_the_upstream(gw, target, status):
    class Exploding:
        def __getattr__(self, name):
            if name in ("current",):
                return self
            if name == "settings":
                return gw.services.verifier.settings
            return _boom

    setattr(gw.services, target, Exploding())
    gw.upstreams.clear()
    r = gw.get("/scjg/enterprises", dept="MZ")
    assert r.status == status
    assert b"boom" not in r.body and b"11010519491231002X" not in r.body
    assert r.json()["request_id"] == r.headers["x-request-id"]
    assert gw.upstreams.requests("SCJG") == []


def test_an_exception_in_the_mask_hook_releases_nothing(gw):
    gw.services.masker.mask_body = gw.services.mask_body = _boom  # in process and in the worker pool alike
    r = gw.get("/scjg/enterprises", dept="MZ")
    assert r.status == 502
    assert r.json()["error"] == "masking_error"
    assert b"tyshxydm" not in r.body


def test_an_exception_in_the_audit_hook_is_503(gw):
    async def failing_append(record):
        raise RuntimeError("disk on fire")

    gw.services.audit.append = failing_append
    r = gw.get("/scjg/enterprises", dept="MZ")
    assert r.status == 503
    assert r.json()["error"] == "audit_unavailable"
    assert b"tyshxydm" not in r.body
