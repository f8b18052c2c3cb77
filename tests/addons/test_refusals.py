"""Every refusal the gateway gives, driven through the real stage addons and core services.

For each path: the HTTP status, the reason code, a non-empty message, the request id (body and header
agree; it is the gateway's, the caller's well-formed X-Request-Id is kept only as the correlation id), the
Allow header for 405, and the audit record the real audit trail was given (decision deny, the same reason
and status, the request id and the correlation id).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import time

import jwt
import pytest
from mitmproxy import flow as mflow
from mitmproxy.test import taddons, tflow

from addons.audit import Audit
from addons.authenticate import Authenticate
from addons.authorize import Authorize
from addons.context import Context
from addons.gate import RequestGate, ResponseGate
from addons.mask import Mask
from addons.route import Route
from addons.state import Verdict, state
from addons.upstream import Upstream
from gateway.audit.clean import Cleaner
from gateway.identity import IdentityError, PilotKeys
from gateway.masking.refusal import MaskingRefused
from gateway.services import Services

DEAD = "http://127.0.0.1:9"
RID = "refusal-test-0001"
PURPOSE = "最低生活保障资格核查"


@pytest.fixture
def services(tmp_path):
    from tests.conftest import make_config

    s = Services.open(make_config(tmp_path, {d: DEAD for d in ("GA", "SCJG", "MZ", "RS")}))
    s.recorded = []
    append = s.audit.append

    async def recording_append(record):  # the real trail writes it; the test keeps what it was given
        seq = await append(record)
        s.recorded.append(record)
        return seq

    s.audit.append = recording_append
    yield s
    s.close()


def run(*steps):
    async def go():
        with taddons.context():
            for step in steps:
                result = step()
                if inspect.isawaitable(result):
                    await result

    root = logging.getLogger()
    before = list(root.handlers)
    try:
        asyncio.run(go())
    finally:
        root.handlers[:] = before


def make_flow(path="/scjg/enterprises", token=None, method="GET", headers=None):
    f = tflow.tflow()
    f.request.method = method
    f.request.path = path
    f.request.content = b""  # a read carries no body
    f.request.headers.clear()
    f.request.headers["X-Request-Id"] = RID
    if token is not None:
        f.request.headers["Authorization"] = token if token.startswith(("Bearer", "Basic")) else f"Bearer {token}"
    for k, v in (headers or {}).items():
        f.request.headers[k] = v
    return f


def request_side(context, f):
    """The request corridor, then (as the proxy does for an answered flow) the response side's audit."""
    run(lambda: Route(context).request(f), lambda: Authenticate(context).request(f),
        lambda: Authorize(context).request(f), lambda: RequestGate().request(f), lambda: Audit(context).response(f))


def response_side(context, f, content=b"{}", ctype="application/json"):
    f.response = tflow.tresp(content=content)
    f.response.headers["Content-Type"] = ctype
    run(lambda: Upstream(context).response(f), lambda: Mask(context).response(f),
        lambda: ResponseGate().response(f), lambda: Audit(context).response(f))


def assert_refusal(services, f, status, reason):
    assert f.response.status_code == status
    doc = json.loads(f.response.content)
    assert (doc["status"], doc["error"]) == (status, reason)
    assert isinstance(doc["message"], str) and len(doc["message"]) > 10
    st = state(f)
    assert doc["request_id"] == f.response.headers["X-Request-Id"] == st.request_id != RID
    assert st.correlation_id == RID
    assert f.response.headers["Cache-Control"] == "no-store"
    assert st.verdict is Verdict.DENIED and (st.refusal.status, st.refusal.reason) == (status, reason)
    if services is not None:
        record = services.recorded[-1]
        caller_id = Cleaner(services.pseudonyms.key_for("audit-record")).request_id(RID, True)  # keyed hash
        assert (record["decision"], record["reason"], record["status"], record["request_id"],
                record["correlation_id"]) == ("deny", reason, status, st.request_id, caller_id)
        assert isinstance(st.audit_seq, int)
    return doc


def token(services, dept="MZ", **kw):
    return PilotKeys(services.config.data_dir).issue(dept, app="unit", **kw)


# -- route ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path,headers,status,reason", [
    ("/nowhere", {}, 404, "unknown_resource"),
    ("/ga/population/../fugitives", {}, 400, "ambiguous_path"),
    ("/ga/population/sensitive", {}, 404, "nested_resource"),
    ("/scjg/enterprises", {"Upgrade": "websocket", "Connection": "Upgrade"}, 403, "protocol_not_allowed"),
    ("/scjg/enterprises", {"Upgrade": ""}, 403, "protocol_not_allowed"),
    ("/scjg/enterprises", {"Content-Length": "3"}, 400, "body_not_allowed"),
])
def test_route_refusals(services, path, headers, status, reason):
    f = make_flow(path, token(services), headers=headers)
    request_side(Context(services), f)
    assert_refusal(services, f, status, reason)


# -- identity: every reason -------------------------------------------------------------------------------

def _identity_tokens(services, tmp_path):
    now = int(time.time())
    good = token(services)
    head, payload, sig = good.split(".")
    other_keys = PilotKeys(tmp_path / "elsewhere")
    hs = jwt.encode({"iss": "govshare-pilot", "aud": "govshare", "sub": "MZ", "dept": "MZ", "iat": now,
                     "exp": now + 600}, "k" * 32, algorithm="HS256", headers={"kid": PilotKeys(
                         services.config.data_dir).kid})
    return {
        "missing_token": None,
        "malformed": "Basic dXNlcjpwYXNz",
        "bad_signature": f"{head}.{payload}.{sig[:-6]}AAAAAA",
        "expired": token(services, now=now - 7200, ttl=60),
        "not_yet_valid": token(services, now=now + 3600),
        "wrong_audience": token(services, audience="someone-else"),
        "wrong_issuer": token(services, issuer="someone-else"),
        "missing_claim": token(services, dept_claim="department"),
        "unknown_key": other_keys.issue("MZ", app="unit"),
        "disallowed_algorithm": hs,
    }


@pytest.mark.parametrize("reason", ["missing_token", "malformed", "bad_signature", "expired", "not_yet_valid",
                                    "wrong_audience", "wrong_issuer", "missing_claim", "unknown_key",
                                    "disallowed_algorithm"])
def test_every_identity_reason_is_a_401(services, tmp_path, reason):
    f = make_flow(token=_identity_tokens(services, tmp_path)[reason])
    request_side(Context(services), f)
    assert_refusal(services, f, 401, reason)
    assert "Authorization" not in json.dumps(services.recorded[-1])


def test_identity_keys_unavailable_is_a_503(services, monkeypatch):
    def unavailable(_token):
        raise IdentityError("key_unavailable")

    monkeypatch.setattr(services.verifier, "verify", unavailable)
    f = make_flow(token=token(services))
    request_side(Context(services), f)
    assert_refusal(services, f, 503, "key_unavailable")


# -- policy -----------------------------------------------------------------------------------------------

def _grant(services, purpose=PURPOSE):
    from datetime import datetime, timedelta, timezone

    from gateway.policy import GrantStore

    until = (datetime.now(timezone.utc) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    GrantStore(services.engine, services.catalog.current).add("MZ", None, "GA-RK-0001", (), (), purpose, until,
                                                              "test-officer")
    services.reload()


def test_not_shared_is_403_with_legal_basis(services):
    f = make_flow("/ga/fugitives", token(services, purpose=PURPOSE))
    request_side(Context(services), f)
    doc = assert_refusal(services, f, 403, "not_shared")
    assert doc["legal_basis"]


def test_no_grant_is_403(services):
    f = make_flow("/ga/population", token(services, purpose=PURPOSE))
    request_side(Context(services), f)
    assert_refusal(services, f, 403, "no_grant")


def test_purpose_required_says_to_send_the_purpose_claim(services):
    _grant(services)
    f = make_flow("/ga/population", token(services))  # no purpose claim
    request_side(Context(services), f)
    doc = assert_refusal(services, f, 403, "purpose_required")
    assert "purpose claim" in doc["message"]


def test_purpose_mismatch_is_403(services):
    _grant(services)
    f = make_flow("/ga/population", token(services, purpose="其他用途"))
    request_side(Context(services), f)
    assert_refusal(services, f, 403, "purpose_mismatch")


def test_grant_expired_is_403(services, monkeypatch):
    """The policy judges at a clock passed in: 31 days on, the 30-day share application has expired."""
    from datetime import datetime, timedelta, timezone

    _grant(services)
    engine = services.policy.current
    decide = engine.decide
    later = datetime.now(timezone.utc) + timedelta(days=31)
    monkeypatch.setattr(engine, "decide", lambda principal, method, resource: decide(principal, method, resource,
                                                                                    now=later))
    f = make_flow("/ga/population", token(services, purpose=PURPOSE))
    request_side(Context(services), f)
    doc = assert_refusal(services, f, 403, "grant_expired")
    assert "renew" in doc["message"]


@pytest.mark.parametrize("method", ["POST", "DELETE", "OPTIONS"])
def test_a_method_the_catalog_does_not_serve_is_405_with_allow(services, method):
    f = make_flow("/scjg/enterprises", token(services), method=method)
    request_side(Context(services), f)
    doc = assert_refusal(services, f, 405, "method_not_allowed")
    assert f.response.headers["Allow"] == "GET, HEAD"
    assert doc["allow"] == ["GET", "HEAD"]


def test_the_gate_refuses_what_no_stage_allowed(services):
    f = make_flow(token=token(services))
    context = Context(services)
    run(lambda: Route(context).request(f), lambda: RequestGate().request(f), lambda: Audit(context).response(f))
    assert_refusal(services, f, 403, "not_authorized")


# -- provider and masking ---------------------------------------------------------------------------------

def allowed(services):
    f = make_flow(token=token(services))
    context = Context(services)
    run(lambda: Route(context).request(f), lambda: Authenticate(context).request(f),
        lambda: Authorize(context).request(f), lambda: RequestGate().request(f))
    assert state(f).verdict is Verdict.ALLOWED and f.response is None
    return context, f


def upstream_failure(context, f, message, timed_out=False):
    """What mitmproxy does on a failed provider call: the error hook, then (errorpatch) our response through
    the response hooks."""
    f.error = mflow.Error(message)
    state(f).upstream_timed_out = timed_out
    run(lambda: Upstream(context).error(f))
    f.response = state(f).take_error_response()
    assert f.response is not None
    run(lambda: Mask(context).response(f), lambda: ResponseGate().response(f), lambda: Audit(context).response(f))


def test_unreachable_provider_is_502(services):
    context, f = allowed(services)
    upstream_failure(context, f, "Connection refused")
    assert_refusal(services, f, 502, "upstream_unavailable")
    assert services.recorded[-1]["error"] == "upstream_unavailable"


def test_provider_timeout_is_504(services):
    context, f = allowed(services)
    upstream_failure(context, f, "upstream timeout", timed_out=True)
    assert_refusal(services, f, 504, "upstream_timeout")


def test_unmaskable_body_is_502(services):
    context, f = allowed(services)
    response_side(context, f, content='{"fddbr": "张三丰", '.encode())
    assert_refusal(services, f, 502, "invalid_json")
    assert "张三丰".encode() not in f.response.content


def test_masking_timeout_is_504_not_502(services, monkeypatch):
    """The defect of issue 11: MaskingRefused("masking_timeout") was re-raised as BadGateway (502)."""
    def too_slow(*args, **kwargs):
        raise MaskingRefused("masking_timeout")

    monkeypatch.setattr(services.masker, "mask_body", too_slow)
    context, f = allowed(services)
    response_side(context, f, content='{"fddbr": "张三丰"}'.encode())
    assert_refusal(services, f, 504, "masking_timeout")
    assert services.recorded[-1]["error"] == "masking_timeout"


# -- availability -----------------------------------------------------------------------------------------

def test_not_ready_is_503():
    f = make_flow()
    context = Context()  # the services are not built yet
    run(lambda: Route(context).request(f), lambda: RequestGate().request(f), lambda: Audit(context).response(f))
    assert_refusal(None, f, 503, "not_ready")  # no trail to record in yet


def test_audit_failure_is_503_and_nothing_is_released(services):
    async def failing(record):
        raise OSError("disk full")

    context, f = allowed(services)
    services.audit.append = failing
    response_side(context, f, content=b'{"qymc": "x"}')
    assert_refusal(None, f, 503, "audit_unavailable")
    assert state(f).error == "OSError"


@pytest.mark.parametrize("change", [
    lambda r: setattr(r, "path", "/other/path"),
    lambda r: setattr(r, "host", "evil.example"),
    lambda r: setattr(r, "port", 8443),
    lambda r: setattr(r, "scheme", "https"),
    lambda r: setattr(r.data, "method", b"get"),
    lambda r: setattr(r, "authority", "evil.example:80"),
    lambda r: r.headers.__setitem__("Host", "evil.example"),
    lambda r: r.headers.add("Host", "second.example"),
])
def test_upstream_points_the_call_at_the_judged_provider_again(services, change):
    """Whatever a hook between the route stage and the provider changed in the target, the upstream stage sends
    exactly the method and provider URL the policy judged (and changes nothing when nothing was changed)."""
    context, f = allowed(services)
    request = f.request
    judged = (request.data.method, request.scheme, request.host, request.port, request.authority, request.path,
              request.headers.get_all("Host"))

    def upstream_request():
        async def go():
            Upstream(context).request(f)
            timer = state(f).upstream_timer
            if timer is not None:
                timer.cancel()
        asyncio.run(go())

    upstream_request()
    assert (request.data.method, request.scheme, request.host, request.port, request.authority, request.path,
            request.headers.get_all("Host")) == judged
    change(request)
    upstream_request()
    assert (request.data.method, request.scheme, request.host, request.port, request.authority, request.path,
            request.headers.get_all("Host")) == judged
