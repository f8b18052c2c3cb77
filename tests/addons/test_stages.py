"""Each stage addon alone, with mitmproxy's taddons/tflow and the real core services behind it."""

from __future__ import annotations

import asyncio
import inspect
import logging
import json

import pytest
from hypothesis import given, settings, strategies as st
from mitmproxy import hooks as mitm_hooks
from mitmproxy.test import taddons, tflow

from addons.state import Verdict, state
from addons.audit import Audit
from addons.authenticate import Authenticate
from addons.authorize import Authorize
from addons.context import Context
from addons.gate import RequestGate, ResponseGate
from addons.mask import Mask
from addons.route import Route
from gateway.services import Services

DEAD = "http://127.0.0.1:9"


@pytest.fixture
def services(tmp_path):
    import sys
    from pathlib import Path

    from tests.support.gateway import make_config

    config = make_config(tmp_path, {d: DEAD for d in ("GA", "SCJG", "MZ", "RS")})
    s = Services.open(config)
    yield s
    s.close()


@pytest.fixture
def ctx(services):
    return Context(services)


def token(services, dept="MZ", **kw):
    from gateway.identity import PilotKeys

    return PilotKeys(services.config.data_dir).issue(dept, app="unit", **kw)


def make_flow(path="/scjg/enterprises", auth: str | None = None, method="GET"):
    f = tflow.tflow()
    f.request.method = method
    f.request.path = path
    f.request.content = b""  # a read carries no body
    f.request.headers.clear()
    if auth:
        f.request.headers["Authorization"] = f"Bearer {auth}"
    return f


def hooks(*steps):
    """Run hook calls in order inside one running loop with a taddons context (async hooks awaited)."""
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
    finally:  # the test master's log handler is bound to this (now closed) loop: take it off again
        root.handlers[:] = before


def run_request_stages(ctx, flow):
    hooks(lambda: Route(ctx).request(flow), lambda: Authenticate(ctx).request(flow),
          lambda: Authorize(ctx).request(flow), lambda: RequestGate().request(flow))


def body(flow) -> dict:
    return json.loads(flow.response.content)


def test_route_points_the_flow_at_the_provider(ctx):
    f = make_flow("/scjg/enterprises/91330106MA2XXXXX0X?x=1")
    hooks(lambda: Route(ctx).request(f))
    route = state(f).route
    assert route.resource.code == "SCJG-QY-0001"
    assert (f.request.scheme, f.request.host, f.request.port) == ("http", "127.0.0.1", 9)
    assert f.request.path == "/api/v2/enterprises/91330106MA2XXXXX0X?x=1"
    assert f.response is None


@settings(max_examples=500, deadline=None)
@given(base=st.sampled_from(["http://10.0.0.1:8080/api/v2", "https://ga.example.gov", "http://h:9/a/b"]),
       rest=st.text(max_size=20).filter(lambda x: "?" not in x), query=st.one_of(st.none(), st.text(max_size=20)))
def test_provider_target_is_what_urlsplit_makes_of_the_whole_url(base, rest, query):
    """The fast path (base parsed once, plain tail appended) and the slow path agree with urlsplit, also for
    tails holding fragments, spaces or control characters."""
    from types import SimpleNamespace
    from urllib.parse import urlsplit

    from addons.route import provider_target

    url = base + "/" + rest + (("?" + query) if query else "")
    t = urlsplit(url)
    expected = (t.scheme, t.hostname, t.port or (443 if t.scheme == "https" else 80),
                t.path + (f"?{t.query}" if t.query else ""), t.netloc)
    route = SimpleNamespace(resource=SimpleNamespace(upstream=base), upstream_url=url)
    assert provider_target(route) == expected


def test_route_unknown_path_is_a_404_deny(ctx):
    f = make_flow("/unknown")
    hooks(lambda: Route(ctx).request(f))
    assert f.response.status_code == 404
    assert body(f)["error"] == "unknown_resource"
    assert state(f).refusal.stage == "route"


def test_authenticate_sets_the_principal_and_strips_the_token(ctx, services):
    f = make_flow(auth=token(services, purpose="核查"))
    f.request.headers["X-Govshare-Dept"] = "GA"
    run_request_stages(ctx, f)
    assert state(f).principal.dept == "MZ"
    assert "Authorization" not in f.request.headers
    assert f.request.headers["X-Govshare-Dept"] == "MZ"
    assert state(f).verdict is Verdict.ALLOWED and f.response is None


def test_missing_token_is_401_and_never_allowed(ctx):
    f = make_flow()
    run_request_stages(ctx, f)
    assert f.response.status_code == 401
    assert body(f)["error"] == "missing_token"
    assert state(f).denied


def test_authorize_refuses_a_conditional_resource_without_grant(ctx, services):
    f = make_flow("/ga/population", auth=token(services))
    run_request_stages(ctx, f)
    assert f.response.status_code == 403
    assert body(f)["error"] == "no_grant"


def test_request_gate_refuses_a_flow_no_stage_allowed():
    f = make_flow()
    hooks(lambda: RequestGate().request(f))
    assert f.response.status_code == 403
    assert body(f)["error"] == "not_authorized"


@pytest.mark.parametrize("stage_name", ["route", "authenticate", "authorize"])
def test_an_exception_in_a_request_stage_is_a_deny_the_gate_keeps(ctx, services, stage_name, monkeypatch):
    def boom(*a, **k):
        raise ValueError("secret 13812345678")

    target = {"route": (services.catalog, "current"), "authenticate": (services.verifier, "verify"),
              "authorize": (services.policy, "current")}[stage_name]
    monkeypatch.setattr(*target, _Exploding(boom))
    f = make_flow(auth=token(services))
    run_request_stages(ctx, f)
    assert f.response is not None and f.response.status_code in (401, 403, 503)
    assert state(f).denied
    assert b"13812345678" not in f.response.content
    assert body(f)["request_id"] == f.response.headers["X-Request-Id"]


class _Exploding:
    """Stands in for a core object: any use of it raises."""

    def __init__(self, boom):
        self._boom = boom

    def __getattr__(self, name):
        return self._boom

    def __call__(self, *a, **k):
        return self._boom()


def allowed_flow(ctx, services, path="/scjg/enterprises", content=None, ctype="application/json"):
    f = make_flow(path, auth=token(services))
    run_request_stages(ctx, f)
    assert state(f).verdict is Verdict.ALLOWED
    f.response = tflow.tresp(content=content or b"{}")
    f.response.headers["Content-Type"] = ctype
    return f


def test_mask_masks_and_marks_released(ctx, services):
    doc = {"data": {"items": [{"tyshxydm": "91110000100000000X", "fddbr": "张三丰", "qymc": "测试公司"}]}}
    f = allowed_flow(ctx, services, content=json.dumps(doc, ensure_ascii=False).encode())
    hooks(lambda: Mask(ctx).response(f), lambda: ResponseGate().response(f))
    out = json.loads(f.response.content)
    assert out["data"]["items"][0]["fddbr"] != "张三丰"
    assert out["data"]["items"][0]["qymc"] == "测试公司"
    assert state(f).verdict is Verdict.RELEASED
    assert any(x.entity == "PERSON" for x in state(f).findings)


def test_mask_drops_headers_about_the_upstreams_bytes_and_other_routes(ctx, services):
    f = allowed_flow(ctx, services, content=b'{"qymc": "x"}')
    f.response.headers["ETag"] = '"abc"'
    f.response.headers["Alt-Svc"] = 'h3=":443"; ma=86400'
    hooks(lambda: Mask(ctx).response(f))
    assert state(f).verdict is Verdict.RELEASED
    assert "ETag" not in f.response.headers and "Alt-Svc" not in f.response.headers


def test_mask_refuses_invalid_json_with_502(ctx, services):
    f = allowed_flow(ctx, services, content='{"fddbr": "张三丰", '.encode())
    hooks(lambda: Mask(ctx).response(f), lambda: ResponseGate().response(f))
    assert f.response.status_code == 502
    assert body(f)["error"] == "invalid_json"
    assert "张三丰".encode() not in f.response.content


def test_response_gate_refuses_an_unmasked_response(ctx, services):
    f = allowed_flow(ctx, services, content='{"fddbr": "张三丰"}'.encode())
    hooks(lambda: ResponseGate().response(f))  # the mask stage never ran
    assert f.response.status_code == 502
    assert body(f)["error"] == "not_masked"


def test_audit_records_then_a_failing_trail_is_503(ctx, services):
    f = make_flow("/unknown")
    hooks(lambda: Route(ctx).request(f), lambda: Audit(ctx).response(f))
    assert isinstance(state(f).audit_seq, int)

    async def failing(record):
        raise OSError("disk full")

    services.audit.append = failing
    g = allowed_flow(ctx, services, content=b"{}")
    hooks(lambda: Mask(ctx).response(g), lambda: Audit(ctx).response(g))
    assert g.response.status_code == 503
    assert body(g)["error"] == "audit_unavailable"


# --- the whole pipeline through mitmproxy's own addon manager ------------------------------------------


def through_pipeline(services, flow, *hook_classes):
    """Register addons.pipeline in a test master and send `flow` through the given hooks, dispatched by
    mitmproxy's AddonManager exactly as the proxy server dispatches them."""
    from mitmproxy.proxy.layers.http import HttpRequestHook, HttpResponseHook

    from addons.pipeline import pipeline

    hook_for = {"request": HttpRequestHook, "response": HttpResponseHook}

    async def go():
        with taddons.context() as tctx:
            tctx.master.addons.add(*pipeline(services))
            for name in hook_classes:
                await tctx.master.addons.handle_lifecycle(hook_for[name](flow))

    root = logging.getLogger()
    before = list(root.handlers)
    try:
        asyncio.run(go())
    finally:
        root.handlers[:] = before


def test_pipeline_is_one_chain_entry_calling_the_stages_in_corridor_order(services):
    from addons.pipeline import Corridor, pipeline

    chain = pipeline(services)
    assert [type(a).__name__ for a in chain] == ["Corridor"]
    corridor = chain[0]
    assert isinstance(corridor, Corridor) and not hasattr(corridor, "addons")  # mitmproxy must not walk them
    assert [type(a).__name__ for a in corridor.stages] == ["Bootstrap", "Route", "Authenticate", "Authorize",
                                                           "Upstream", "Mask", "Limits"]
    assert [type(a).__name__ for a in corridor.guards] == ["Gate", "Audit"]
    names = {hook: ([n for n, _ in stages], [n for n, _ in guards]) for hook, (stages, guards) in corridor._flow.items()}
    assert names["request"] == (["route", "authenticate", "authorize", "upstream", "limits"], ["gate"])
    assert names["response"] == (["upstream", "mask", "limits"], ["gate", "audit"])
    assert names["error"] == (["upstream", "limits"], ["audit"])
    assert names["responseheaders"] == (["mask"], [])
    assert not hasattr(corridor, "update") and not hasattr(corridor, "requestheaders")  # no dispatch for those


def test_the_corridor_registers_and_forwards_lifecycle_hooks_in_order():
    """load/configure/running/done reach every stage and guard, in order, through mitmproxy's manager."""
    from addons.pipeline import Corridor

    seen = []

    class Probe:
        def __init__(self, tag):
            self.tag = tag

        def load(self, loader):
            seen.append((self.tag, "load"))

        def configure(self, updated):
            seen.append((self.tag, "configure"))

        def running(self):
            seen.append((self.tag, "running"))

    with taddons.context() as tctx:
        tctx.master.addons.add(Corridor([Probe("a"), Probe("b")], [Probe("g")]))
        assert [t for t, h in seen if h == "load"] == ["a", "b", "g"]
        seen.clear()
        tctx.master.addons.trigger(mitm_hooks.ConfigureHook(set()))
        asyncio.run(tctx.master.addons.trigger_event(mitm_hooks.RunningHook()))
    assert seen == [("a", "configure"), ("b", "configure"), ("g", "configure"),
                    ("a", "running"), ("b", "running"), ("g", "running")]


def test_an_escaped_stage_exception_ends_the_stages_but_every_guard_still_runs(caplog):
    from addons.pipeline import Corridor

    calls = []

    class Raising:
        def request(self, flow):
            calls.append("raising")
            raise RuntimeError("escaped 13812345678")

    class Later:
        async def request(self, flow):
            calls.append("later")

    class Guard:
        def __init__(self, tag, fail=False):
            self.tag, self.fail = tag, fail

        async def request(self, flow):
            calls.append(self.tag)
            if self.fail:
                raise ValueError("guard failed")

    corridor = Corridor([Raising(), Later()], [Guard("gate", fail=True), Guard("audit")])
    with caplog.at_level(logging.ERROR, logger="govshare"):
        asyncio.run(corridor.request(object()))
    assert calls == ["raising", "gate", "audit"]
    assert "13812345678" not in caplog.text and "RuntimeError" in caplog.text


def test_pipeline_serves_an_allowed_request_end_to_end_in_the_manager(services):
    f = make_flow(auth=token(services))
    through_pipeline(services, f, "request")
    assert f.response is None and state(f).verdict is Verdict.ALLOWED
    doc = {"data": {"items": [{"tyshxydm": "91110000100000000X", "fddbr": "张三丰"}]}}
    f.response = tflow.tresp(content=json.dumps(doc, ensure_ascii=False).encode())
    f.response.headers["Content-Type"] = "application/json"
    through_pipeline(services, f, "response")
    assert f.response.status_code == 200 and "张三丰" not in f.response.text
    assert isinstance(state(f).audit_seq, int)


def test_a_request_stage_raising_past_its_guard_still_cannot_reach_the_upstream(services, monkeypatch):
    """mitmproxy skips the rest of a chain entry whose hook raised: the gate, an entry of its own, refuses."""
    def raw_explosion(self, flow):
        raise RuntimeError("escaped 13812345678")

    monkeypatch.setattr(Route, "request", raw_explosion)  # unguarded: the exception reaches mitmproxy
    f = make_flow(auth=token(services))
    through_pipeline(services, f, "request")
    assert f.response is not None and f.response.status_code == 403
    assert body(f)["error"] == "not_authorized"
    assert state(f).denied


def test_a_mask_stage_raising_past_its_guard_still_releases_nothing_and_is_audited(services, monkeypatch):
    f = make_flow(auth=token(services))
    through_pipeline(services, f, "request")
    assert state(f).verdict is Verdict.ALLOWED

    async def raw_explosion(self, flow):
        raise RuntimeError("escaped")

    monkeypatch.setattr(Mask, "response", raw_explosion)
    f.response = tflow.tresp(content='{"fddbr": "张三丰"}'.encode())
    f.response.headers["Content-Type"] = "application/json"
    through_pipeline(services, f, "response")
    assert f.response.status_code == 502 and body(f)["error"] == "not_masked"
    assert "张三丰".encode() not in f.response.content
    assert isinstance(state(f).audit_seq, int)


def test_when_even_the_deny_cannot_be_built_the_flow_is_killed(ctx, services, monkeypatch):
    from addons import failclosed

    def broken_fail(flow, stage, exc):
        raise MemoryError("no room for a response")

    def boom(*a, **k):
        raise ValueError("route failure")

    monkeypatch.setattr(failclosed, "fail", broken_fail)
    monkeypatch.setattr(services.catalog, "current", _Exploding(boom))
    f = make_flow(auth=token(services))
    f.live = True  # a flow the proxy is still handling (killable)
    hooks(lambda: Route(ctx).request(f))
    assert state(f).denied
    assert f.error is not None and f.error.msg == f.error.KILLED_MESSAGE


def test_audit_reuses_cleaned_values_only_within_one_catalog_and_masker(services, ctx):
    """The audit stage memoises what it cleans on every request (subject hash, purpose, findings paths); a
    reload that swaps the catalog or the masker must start afresh, so nothing cleaned under old rules is reused."""
    import copy

    audit = Audit(ctx)
    memo = audit._memo()
    memo[("purpose", None, "x")] = "cleaned under the old rules"
    assert audit._memo() is memo
    services.masker = copy.copy(services.masker)
    fresh = audit._memo()
    assert fresh is not memo and ("purpose", None, "x") not in fresh
    fresh[("purpose", None, "x")] = "cleaned under the old catalog"
    services.catalog.current = copy.copy(services.catalog.current)
    assert ("purpose", None, "x") not in audit._memo()
