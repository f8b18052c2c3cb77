"""Each process reports what it has in force; the system administrator sees it, stale reports marked."""

from __future__ import annotations

from gateway.admin.processes import heartbeat, processes


def test_heartbeats_list_what_each_process_has_in_force(ctx, client, login, clock):
    heartbeat(ctx.engine, "host:1:1", policy_version="r1-aaaa", catalog_digest="c" * 64, now=clock())
    heartbeat(ctx.engine, "host:2:1", policy_version="r0-bbbb", catalog_digest="d" * 64, now=clock() - 60)
    heartbeat(ctx.engine, "host:1:1", policy_version="r2-cccc", catalog_digest="c" * 64, now=clock())
    assert [(p.id, p.policy_version, p.stale(clock())) for p in processes(ctx.engine)] == [
        ("host:1:1", "r2-cccc", False), ("host:2:1", "r0-bbbb", True)]
    login(client, "sys")
    doc = client.get("/system/backlog", headers={"Accept": "application/json"}).json()
    assert [(p["id"], p["stale"]) for p in doc["processes"]] == [("host:1:1", False), ("host:2:1", True)]
    assert "已失联" in client.get("/system/backlog").text
