"""The store of record reaches running gateways: a new masking-rules version is in force within 2 s (in the
gateway process and in its masking workers) and audited with its version and digest, and `govshare mask`
agrees; a row edited directly in the database keeps the last good version in force and raises one alarm."""

from __future__ import annotations

import json
import shutil

import pytest
from sqlalchemy import select, text

from gateway.config import POLICIES_DIR, load_config
from tests.support.gateway import make_config
from tests.support.grants import PURPOSE, add_grant
from tests.support.waiting import wait_for

NAME_OVERRIDE = "fields:\n  - {resource: SCJG-QY-0001, field: fddbr, operator: redact, replacement: \"[法定代表人]\"}\n"


def admin_records(gw, **match) -> list[dict]:
    from gateway.audit import store

    with gw.services.engine.connect() as conn:
        rows = conn.execute(select(store.records.c.canonical).where(store.records.c.event == "admin")
                            .order_by(store.records.c.seq)).all()
    out = [json.loads(bytes(r.canonical)) for r in rows]
    return [r for r in out if all(r.get(k) == v for k, v in match.items())]


@pytest.fixture
def gw_rules(tmp_path, demo_upstreams, gateway_factory):
    """A gateway whose masking rules file is a copy in tmp_path (the store materialises new versions there),
    with one masking worker that every body goes to (inline_bytes 0)."""
    shutil.copy(POLICIES_DIR / "masking.yaml", tmp_path / "masking.yaml")
    config = make_config(tmp_path, demo_upstreams.urls, {"masking": {"workers": 1, "inline_bytes": 0}})
    source = config.source
    lines = open(source, encoding="utf-8").read().splitlines()
    lines.insert(2, f'masking_rules = "{tmp_path / "masking.yaml"}"')
    open(source, "w", encoding="utf-8").write("\n".join(lines) + "\n")
    gw = gateway_factory(load_config(source))
    assert gw.services.pool is not None and gw.services.pool.wait_ready(120)
    return gw


def legal_reps(gw, token) -> list[str]:
    r = gw.request("GET", "/scjg/enterprises?size=3", token=token)
    assert r.status == 200, r.body[:200]
    return [item["fddbr"] for item in r.json()["data"]["items"]]


def test_a_new_masking_version_is_in_force_within_2s_in_the_workers_audited_and_mask_agrees(
        gw_rules, tmp_path, capsysbinary):
    from gateway.admin.versions import VersionStore

    gw = gw_rules
    token = gw.token("MZ")
    before = legal_reps(gw, token)
    assert before and all(v != "[法定代表人]" for v in before)
    store = VersionStore(gw.services.engine, gw.config)
    current = (tmp_path / "masking.yaml").read_text(encoding="utf-8")
    assert "\nfields: []\n" in current
    v2 = store.commit("masking", current.replace("\nfields: []\n", "\n" + NAME_OVERRIDE), "sec", "法定代表人全部遮蔽")
    after = wait_for(lambda: legal_reps(gw, token), until=lambda reps: reps == ["[法定代表人]"] * len(before),
                     timeout=2.0)
    assert len(after) == len(before)
    assert gw.services.masking_version == v2.version
    reloads = wait_for(lambda: admin_records(gw, action="masking.reload", outcome="success"))
    assert [(r["digest_after"], r["detail"]["version"]) for r in reloads] == [(v2.digest, 2)]

    # `govshare mask` (a fresh process's view: the materialised file) gives the caller's exact body.
    import urllib.request
    res = gw.services.catalog.current.resource("SCJG-QY-0001")
    with urllib.request.urlopen(res.upstream + "?size=3", timeout=20) as r:
        raw = r.read()
    (tmp_path / "page.json").write_bytes(raw)
    through = gw.request("GET", "/scjg/enterprises?size=3", token=token)
    capsysbinary.readouterr()
    assert gw.cli("mask", "--resource", "SCJG-QY-0001", "--dept", "MZ", "--app", "test-app",
                  str(tmp_path / "page.json")) == 0
    assert json.loads(capsysbinary.readouterr().out) == through.json()


def test_a_masking_version_edited_in_the_database_keeps_the_last_good_one_with_one_alarm(gw_rules, tmp_path):
    from gateway.admin.versions import VersionStore

    gw = gw_rules
    token = gw.token("MZ")
    before = legal_reps(gw, token)
    store = VersionStore(gw.services.engine, gw.config)
    current = (tmp_path / "masking.yaml").read_text(encoding="utf-8")
    v2 = store.commit("masking", current.replace("\nfields: []\n", "\n" + NAME_OVERRIDE), "sec", "遮蔽")
    wait_for(lambda: gw.services.masking_version, until=lambda v: v == v2.version, timeout=2.0)
    with gw.services.engine.begin() as conn:  # someone edits the head row directly: back to plain names
        conn.execute(text("UPDATE config_versions SET content = :c WHERE kind = 'masking' AND version = 2"),
                     {"c": current.replace("\nfields: []\n", "\nfields:\n  - {resource: SCJG-QY-0001, "
                                                               "field: fddbr, operator: plain}\n")})
    alarms = wait_for(lambda: admin_records(gw, action="alarm.tamper"), timeout=5.0)
    assert [(a["target"], a["outcome"], a["detail"]["problem"]) for a in alarms] == [
        ("masking", "alarm", "masking version 2 was altered in the database")]
    assert alarms[0]["digest_before"] == v2.digest  # what stays in force
    gw.services.reload()  # a further reload: still the last good version, no second alarm
    assert legal_reps(gw, token) == ["[法定代表人]"] * len(before)
    assert len(admin_records(gw, action="alarm.tamper")) == 1
    assert store.verify("masking") == ["masking version 2 was altered in the database"]


def test_a_grant_widened_in_the_database_is_not_enforced_and_raises_one_alarm(gw):
    token = gw.token("MZ", app="test-app", purpose=PURPOSE)
    grant_id = add_grant(gw, fields=("xm",))
    gw.services.reload()
    first = gw.request("GET", "/ga/population?size=2", token=token)
    assert first.status == 200, first.body[:200]
    plain_ids = [p["sfzh"] for p in first.json()["data"]["items"]]
    with gw.services.engine.begin() as conn:
        conn.execute(text("UPDATE grants SET fields = :f WHERE id = :id"), {"f": '["xm", "sfzh"]', "id": grant_id})
        conn.execute(text("UPDATE policy_meta SET revision = revision + 1 WHERE id = 1"))  # even with a bump
    alarms = wait_for(lambda: admin_records(gw, action="alarm.tamper"), timeout=5.0)
    assert [(a["target"], a["detail"]["grants"]) for a in alarms] == [("grants", [grant_id])]
    gw.services.reload()
    again = gw.request("GET", "/ga/population?size=2", token=token)
    assert again.status == 200
    assert [p["sfzh"] for p in again.json()["data"]["items"]] == plain_ids  # still masked as granted before
    assert len(admin_records(gw, action="alarm.tamper")) == 1


def test_the_system_page_shows_the_alarm_and_the_standing_problem(gw):
    import re

    from starlette.testclient import TestClient

    from gateway.admin.app import build_app
    from gateway.admin.context import AdminContext

    grant_id = add_grant(gw, fields=("xm",))
    gw.services.reload()
    with gw.services.engine.begin() as conn:
        conn.execute(text("UPDATE grants SET until = '2099-12-31T00:00:00Z' WHERE id = :id"), {"id": grant_id})
    wait_for(lambda: admin_records(gw, action="alarm.tamper"), timeout=5.0)
    ctx = AdminContext(gw.config, engine=gw.services.engine, audit=gw.services.audit)
    try:
        ctx.accounts.create_user("sys", "system", "correct-horse-battery", "test-setup")
        with TestClient(build_app(ctx), base_url="http://127.0.0.1:8081") as client:
            page = client.get("/login")
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
            r = client.post("/login", data={"name": "sys", "password": "correct-horse-battery", "csrf": csrf},
                            follow_redirects=False)
            assert r.status_code == 303
            doc = client.get("/system/backlog", headers={"Accept": "application/json"}).json()
            html = client.get("/system/backlog").text
    finally:
        ctx.close()
    assert doc["store_problems"] == {"grants": "1 grant(s) altered in the database"}
    assert [(a["kind"], a["grants"]) for a in doc["alarms"]] == [("grants", [grant_id])]
    assert grant_id in html and "1 grant(s) altered in the database" in html


def sign_in(client, name: str) -> str:
    import re

    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"name": name, "password": "correct-horse-battery", "csrf": csrf},
                    follow_redirects=False)
    assert r.status_code == 303
    return re.search(r'name="csrf" value="([^"]+)"', client.get(r.headers["location"]).text).group(1)


def test_a_masking_candidate_in_shadow_changes_nothing_shows_the_differences_and_is_put_in_force(
        gw_rules, tmp_path):
    from starlette.testclient import TestClient

    from gateway.admin.app import build_app
    from gateway.admin.context import AdminContext
    from gateway.admin.live_shadow import runs

    gw = gw_rules
    token = gw.token("MZ")
    before = legal_reps(gw, token)
    current = (tmp_path / "masking.yaml").read_text(encoding="utf-8")
    candidate = current.replace("\nfields: []\n", "\n" + NAME_OVERRIDE)
    ctx = AdminContext(gw.config, engine=gw.services.engine, audit=gw.services.audit)
    try:
        ctx.accounts.create_user("sec", "security", "correct-horse-battery", "test-setup")
        with TestClient(build_app(ctx), base_url="http://127.0.0.1:8081") as client:
            csrf = sign_in(client, "sec")
            r = client.post("/security/shadow/start", data={"csrf": csrf, "kind": "masking", "text": candidate,
                                                            "hours": "1"}, headers={"Accept": "application/json"})
            assert r.status_code == 201, r.text
            run_id = r.json()["run"]
            seen = []

            def probe():
                seen.append(legal_reps(gw, token))
                return next(x for x in runs(gw.services.engine) if x["id"] == run_id)

            run = wait_for(probe, until=lambda x: x["different"] > 0, timeout=5.0)
            assert all(reps == before for reps in seen)  # callers get what the rules in force give
            assert run["calls"] >= run["different"] > 0
            assert run["changes"] == {"name->redact": run["different"]}
            assert {(e["resource"], e["path"], e["entity"], e["now"], e["candidate"]) for e in run["examples"]} == {
                ("SCJG-QY-0001", "$.data.items[*].fddbr", "PERSON", "name", "redact")}
            page = client.get("/security/shadow?kind=masking").text
            assert "$.data.items[*].fddbr" in page and "name-&gt;redact" in page
            for value in before:  # masked values never leave the gateway in the shadow's record
                assert value not in page
            r = client.post(f"/security/shadow/{run_id}/promote", data={"csrf": csrf, "comment": "shadow ok"},
                            headers={"Accept": "application/json"})
            assert r.status_code == 200 and r.json()["version"] >= 2, r.text
    finally:
        ctx.close()
    wait_for(lambda: legal_reps(gw, token), until=lambda reps: reps == ["[法定代表人]"] * len(before), timeout=2.0)
