"""The versioned store of record: validated versions chained by hash, diff, rollback, tamper and drift
detection, and through the console a change and its rollback seen in the gateway's decision."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from gateway.admin.versions import VersionError, VersionStore

UNCONDITIONAL = "    share: unconditional\n"
NOT_SHARED = "    share: none\n    legal_basis: 《测试用法规》第一条\n"


@pytest.fixture
def store(ctx):
    return VersionStore(ctx.engine, ctx.config)


def test_versions_are_validated_chained_diffable_and_roll_back(store, admin_config):
    original = admin_config.catalog.read_text(encoding="utf-8")
    with pytest.raises(VersionError, match=r"catalog.yaml \(proposed\):13: .*share.* must be one of"):
        store.commit("catalog", original.replace("share: conditional", "share: maybe"), "sec", "typo")
    with pytest.raises(VersionError, match="comment"):
        store.commit("catalog", original.replace("人口基本信息", "人口信息"), "sec", " ")
    v2 = store.commit("catalog", original.replace("人口基本信息", "人口信息"), "sec", "rename")
    assert (v2.version, v2.action, v2.author) == (2, "edit", "sec")
    assert store.get("catalog", 1).action == "seed" and store.get("catalog", 1).content == original
    assert "人口信息" in admin_config.catalog.read_text(encoding="utf-8")  # materialised
    diff = store.diff("catalog", 1, 2)
    assert "-    name: 人口基本信息" in diff and "+    name: 人口信息" in diff
    v3 = store.rollback("catalog", 1, "sec", "")
    assert (v3.version, v3.action, v3.digest) == (3, "rollback", store.get("catalog", 1).digest)
    assert admin_config.catalog.read_text(encoding="utf-8") == original
    assert store.verify("catalog") == []


def test_a_row_edited_in_the_database_breaks_the_chain(store, admin_config, ctx):
    original = admin_config.catalog.read_text(encoding="utf-8")
    store.commit("catalog", original.replace("人口基本信息", "人口信息"), "sec", "rename")
    with ctx.engine.begin() as conn:
        conn.execute(text("UPDATE config_versions SET author = 'someone-else' WHERE version = 2"))
    assert store.verify("catalog") == ["catalog version 2 was altered in the database"]


def test_a_file_edited_outside_the_store_is_drift(store, admin_config):
    store.seed("catalog")
    admin_config.catalog.write_text(admin_config.catalog.read_text(encoding="utf-8") + "\n# edit\n",
                                    encoding="utf-8")
    assert store.verify("catalog") == ["the catalog file differs from version 1 (edited outside the store)"]


def test_a_change_and_its_rollback_change_the_decision_in_the_console(client, login, admin_config,
                                                                     admin_records):
    csrf = login(client, "sec")
    check = {"csrf": csrf, "method": "GET", "path": "/scjg/qy/1", "dept": "MZ"}
    json_only = {"Accept": "application/json"}
    assert client.post("/security/test", data=check, headers=json_only).json()["reason"] == "unconditional"
    original = admin_config.catalog.read_text(encoding="utf-8")
    changed = original.replace(UNCONDITIONAL, NOT_SHARED)
    r = client.post("/security/versions/edit", data={"csrf": csrf, "kind": "catalog", "text": changed,
                                                    "comment": "企业登记信息暂停共享"}, headers=json_only)
    assert r.status_code == 200 and r.json()["version"] == 2
    assert client.post("/security/test", data=check, headers=json_only).json()["reason"] == "not_shared"
    r = client.post("/security/versions/rollback", data={"csrf": csrf, "kind": "catalog", "version": "1",
                                                        "comment": "恢复共享"}, headers=json_only)
    assert r.json()["version"] == 3
    assert client.post("/security/test", data=check, headers=json_only).json()["reason"] == "unconditional"
    page = client.get("/security/versions?kind=catalog&a=1&b=2")
    assert "企业登记信息暂停共享" in page.text and "+    share: none" in page.text
    records = admin_records(actor="sec")
    assert [(r["action"], r["outcome"]) for r in records if r["action"].startswith("version.")] == \
        [("version.edit", "success"), ("version.rollback", "success")]


def test_an_invalid_change_and_a_departments_officer_are_refused_and_audited(client, login, admin_config,
                                                                           admin_records):
    csrf = login(client, "sec")
    r = client.post("/security/versions/edit", data={"csrf": csrf, "kind": "catalog", "comment": "x",
                                                    "text": "resources: [1]\n"})
    assert r.status_code == 400 and "catalog.yaml (proposed)" in r.text
    csrf = login(client, "sec-ga")
    r = client.post("/security/versions/rollback", data={"csrf": csrf, "kind": "catalog", "version": "1"})
    assert r.status_code == 403
    assert [(r["actor"], r["outcome"]) for r in admin_records() if r["action"].startswith("version.")] == \
        [("sec", "failure"), ("sec-ga", "denied")]


def recorded_call(ctx, dept: str, resource: str, path: str, decision: str, reason: str) -> None:
    ctx.audit.append_sync({"event": "request", "request_id": f"r-{dept}-{resource}", "dept": dept, "app": "x",
                           "method": "GET", "resource": resource, "path": path, "decision": decision,
                           "reason": reason, "status": 200 if decision == "allow" else 403})


def test_shadow_shows_the_recorded_calls_a_candidate_would_decide_differently(client, ctx, login, admin_config,
                                                                             admin_records):
    recorded_call(ctx, "MZ", "SCJG-QY-0001", "/scjg/qy/…", "allow", "unconditional")
    recorded_call(ctx, "RS", "SCJG-QY-0001", "/scjg/qy", "allow", "unconditional")
    recorded_call(ctx, "MZ", "GA-RK-0001", "/ga/rk", "deny", "no_grant")
    csrf = login(client, "sec")
    candidate = admin_config.catalog.read_text(encoding="utf-8").replace(UNCONDITIONAL, NOT_SHARED)
    r = client.post("/security/shadow", data={"csrf": csrf, "kind": "catalog", "text": candidate},
                    headers={"Accept": "application/json"})
    doc = r.json()
    assert (doc["calls"], doc["different"], doc["changes"], doc["error"]) == (3, 2, {"allow->deny": 2}, None)
    assert {(e["dept"], e["path"], e["candidate"]) for e in doc["examples"]} == {
        ("MZ", "/scjg/qy/…", "not_shared (catalog:SCJG-QY-0001:none)"),
        ("RS", "/scjg/qy", "not_shared (catalog:SCJG-QY-0001:none)")}
    assert admin_config.catalog.read_text(encoding="utf-8") != candidate  # nothing put in force
    page = client.post("/security/shadow", data={"csrf": csrf, "kind": "catalog", "text": candidate})
    assert "判定不同" in page.text and "not_shared" in page.text
    assert admin_records(action="shadow.run")[0]["detail"]["allow_to_deny"] == 2


def test_a_new_masking_rules_version_shows_in_the_preview_at_once(client, login, admin_config):
    csrf = login(client, "sec")
    form = {"csrf": csrf, "resource": "SCJG-QY-0001", "dept": "MZ", "body": '{"lxfs": "13812345678"}'}

    def preview() -> str:
        r = client.post("/security/mask", data=form, headers={"Accept": "application/json"})
        return json.loads(r.json()["body"])["lxfs"]

    assert preview() == "138****5678"
    rules = admin_config.masking_rules.read_text(encoding="utf-8")
    keep = "CN_MOBILE:        {operator: keep, first: 3, last: 4, keep_prefix: '^(?:\\+86|0086)[\\s-]?'}"
    assert keep in rules
    r = client.post("/security/versions/edit", data={"csrf": csrf, "kind": "masking", "comment": "手机号全部隐去",
                                                    "text": rules.replace(keep, "CN_MOBILE: {operator: redact}")},
                    headers={"Accept": "application/json"})
    assert r.status_code == 200, r.text
    assert preview() not in ("138****5678", "13812345678")
