"""Live shadow runs: the candidate decides each call again beside the policy in force, differences are
counted with examples, nothing changes for callers; the officer puts it in force or drops it."""

from __future__ import annotations

from gateway.admin.live_shadow import ShadowObserver, runs, start_run
from gateway.admin.versions import VersionStore
from gateway.policy import Caller

UNCONDITIONAL = "    share: unconditional\n"
NOT_SHARED = "    share: none\n    legal_basis: 《测试用法规》第一条\n"


def candidate(admin_config) -> str:
    return admin_config.catalog.read_text(encoding="utf-8").replace(UNCONDITIONAL, NOT_SHARED)


def test_the_observer_counts_the_calls_the_candidate_decides_differently(ctx, admin_config, clock):
    run_id = start_run(ctx.engine, VersionStore(ctx.engine, ctx.config), "catalog", candidate(admin_config), 1,
                       "sec", clock())
    observer = ShadowObserver(ctx.config, ctx.engine, ctx.catalog, clock=clock)
    observer.refresh()
    catalog, policy = ctx.catalog(), ctx.policy()
    for dept, code, path in (("MZ", "SCJG-QY-0001", "/scjg/qy/…"), ("MZ", "GA-RK-0001", "/ga/rk"),
                             ("GA", "SCJG-QY-0001", "/scjg/qy")):
        caller = Caller(dept, None, None)
        decision = policy.decide(caller, "GET", catalog.resource(code))
        observer.observe(caller, "GET", catalog.resource(code), decision, path)
        assert policy.decide(caller, "GET", catalog.resource(code)) == decision  # callers keep their answer
    observer.flush()
    [run] = runs(ctx.engine)
    assert (run["id"], run["calls"], run["different"], run["changes"]) == (run_id, 3, 2, {"allow->deny": 2})
    assert {(e["dept"], e["path"], e["candidate"]) for e in run["examples"]} == {
        ("MZ", "/scjg/qy/…", "not_shared (catalog:SCJG-QY-0001:none)"),
        ("GA", "/scjg/qy", "not_shared (catalog:SCJG-QY-0001:none)")}
    clock.advance(3601)  # the period is over: the observer stops
    observer.refresh()
    observer.observe(Caller("MZ"), "GET", catalog.resource("SCJG-QY-0001"), decision, "/scjg/qy")
    observer.flush()
    assert runs(ctx.engine)[0]["calls"] == 3


def test_officers_start_promote_and_drop_runs_in_the_console(client, ctx, login, admin_config, admin_records):
    json_only = {"Accept": "application/json"}
    csrf = login(client, "sec-ga")
    r = client.post("/security/shadow/start", data={"csrf": csrf, "kind": "catalog", "hours": "2",
                                                   "text": candidate(admin_config)}, headers=json_only)
    assert r.status_code == 403
    csrf = login(client, "sec")
    r = client.post("/security/shadow/start", data={"csrf": csrf, "kind": "catalog", "hours": "2",
                                                   "text": "resources: [1]\n"}, headers=json_only)
    assert r.status_code == 400
    first = client.post("/security/shadow/start", data={"csrf": csrf, "kind": "catalog", "hours": "2",
                                                       "text": candidate(admin_config)}, headers=json_only).json()["run"]
    assert client.post(f"/security/shadow/{first}/drop", data={"csrf": csrf}, headers=json_only).json()["status"] \
        == "dropped"
    second = client.post("/security/shadow/start", data={"csrf": csrf, "kind": "catalog", "hours": "2",
                                                        "text": candidate(admin_config)}, headers=json_only).json()["run"]
    assert "在实时流量上影子运行" in client.get("/security/shadow").text
    done = client.post(f"/security/shadow/{second}/promote", data={"csrf": csrf, "comment": "暂停共享"},
                       headers=json_only).json()
    assert done["status"] == "promoted" and done["version"] == 2
    check = client.post("/security/test", data={"csrf": csrf, "path": "/scjg/qy/1", "dept": "MZ"},
                        headers=json_only).json()
    assert check["reason"] == "not_shared"
    assert {r["id"]: r["status"] for r in runs(ctx.engine)} == {first: "dropped", second: "promoted"}
    assert [(r["actor"], r["action"], r["outcome"]) for r in admin_records() if r["action"].startswith("shadow.")] == [
        ("sec-ga", "shadow.start", "denied"), ("sec", "shadow.start", "failure"), ("sec", "shadow.start", "success"),
        ("sec", "shadow.drop", "success"), ("sec", "shadow.start", "success"), ("sec", "shadow.promote", "success")]
