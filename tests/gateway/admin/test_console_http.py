"""Applications through the console and through `/_govshare/applications` with a department's JWT:
every step lands in the trail with the acting officer or calling department."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from gateway.audit import store
from gateway.policy import GrantStore
from gateway.identity import PilotKeys

UNTIL = (datetime.now(UTC) + timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
BODY = {"resource": "GA-RK-0001", "fields": ["xm", "sfzh"], "purpose": "最低生活保障资格核查",
        "basis": "《社会救助暂行办法》第十一条", "until": UNTIL}


def request_records(ctx) -> list[dict]:
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(store.records.c.canonical).where(store.records.c.event == "request")
                            .order_by(store.records.c.seq)).all()
    return [json.loads(bytes(r.canonical)) for r in rows]


@pytest.fixture
def token(admin_config):
    keys = PilotKeys(admin_config.data_dir)
    return lambda dept, app="dibao": keys.issue(dept, app=app)


def test_a_department_applies_with_its_jwt_and_reads_only_its_own(client, ctx, token):
    r = client.post("/_govshare/applications", json=BODY, headers={"Authorization": f"Bearer {token('MZ')}"})
    assert r.status_code == 201, r.text
    doc = r.json()
    assert (doc["dept"], doc["app"], doc["status"], doc["provider"]) == ("MZ", "dibao", "pending", "GA")
    assert r.headers["location"] == f"/_govshare/applications/{doc['id']}"
    mine = client.get(f"/_govshare/applications/{doc['id']}", headers={"Authorization": f"Bearer {token('MZ')}"})
    assert mine.status_code == 200 and mine.json()["id"] == doc["id"]
    other = client.get(f"/_govshare/applications/{doc['id']}", headers={"Authorization": f"Bearer {token('SCJG')}"})
    assert other.status_code == 404
    listed = client.get("/_govshare/applications", headers={"Authorization": f"Bearer {token('MZ')}"}).json()
    assert [a["id"] for a in listed["applications"]] == [doc["id"]]
    records = request_records(ctx)
    assert [(r["dept"], r["status"], r["reason"]) for r in records] == [
        ("MZ", 201, "application_submitted"), ("MZ", 200, "application_read"),
        ("SCJG", 404, "unknown_application"), ("MZ", 200, "applications_listed")]
    assert records[0]["rule"] == f"application:{doc['id']}" and records[0]["resource"] == "GA-RK-0001"


def test_the_application_endpoint_refuses_and_audits_bad_calls(client, ctx, token):
    assert client.post("/_govshare/applications", json=BODY).status_code == 401
    auth = {"Authorization": f"Bearer {token('MZ')}"}
    assert client.post("/_govshare/applications", content=b"[1]", headers=auth).status_code == 400
    r = client.post("/_govshare/applications", json=BODY | {"resource": "GA-ZT-0001"}, headers=auth)
    assert r.status_code == 403 and r.json()["error"] == "not_shared"
    assert client.post("/_govshare/applications", json=BODY | {"basis": ""}, headers=auth).status_code == 400
    assert [(r["decision"], r["status"]) for r in request_records(ctx)] == \
        [("deny", 401), ("deny", 400), ("deny", 403), ("deny", 400)]
    assert ctx.applications.list() == []


def _apply(client, token) -> str:
    r = client.post("/_govshare/applications", json=BODY, headers={"Authorization": f"Bearer {token('MZ')}"})
    return r.json()["id"]


def test_the_providers_officer_approves_narrowed_in_the_console(client, ctx, token, login, admin_records):
    app_id = _apply(client, token)
    csrf = login(client, "sec-ga")
    inbox = client.get("/security/applications")
    assert app_id in inbox.text
    page = client.post(f"/security/applications/{app_id}/approve",
                       data={"csrf": csrf, "narrow": "1", "fields": ["xm"], "pseudonym_fields": ["sfzh"]})
    assert page.status_code == 200 and "已批准" in page.text
    a = ctx.applications.get(app_id)
    grant = GrantStore(ctx.engine).get(a.grant_id)
    assert (grant.fields, grant.pseudonym_fields, grant.created_by) == (("xm",), ("sfzh",), "sec-ga")
    [record] = admin_records(action="application.approve")
    assert (record["actor"], record["role"], record["outcome"]) == ("sec-ga", "security_admin", "success")
    assert record["detail"]["grant_id"] == grant.id and record["digest_before"] != record["digest_after"]
    client.post(f"/security/applications/{app_id}/revoke", data={"csrf": csrf})
    assert GrantStore(ctx.engine).list() == []
    assert admin_records(action="application.revoke")[0]["detail"]["status"] == "revoked"


def test_a_refusal_without_a_reason_is_refused_and_audited(client, ctx, token, login, admin_records):
    app_id = _apply(client, token)
    csrf = login(client, "sec-ga")
    r = client.post(f"/security/applications/{app_id}/refuse", data={"csrf": csrf, "reason": ""})
    assert r.status_code == 400 and "refusal reason is required" in r.text
    assert admin_records(action="application.refuse")[-1]["outcome"] == "failure"
    r = client.post(f"/security/applications/{app_id}/refuse", data={"csrf": csrf, "reason": "超出业务必需范围"})
    assert r.status_code == 200 and "超出业务必需范围" in r.text
    assert admin_records(action="application.refuse")[-1]["outcome"] == "success"


def test_another_departments_officer_is_refused_and_audited(client, ctx, token, login, admin_records):
    app_id = _apply(client, token)
    csrf = login(client, "sec-mz")
    r = client.post(f"/security/applications/{app_id}/approve", data={"csrf": csrf},
                    headers={"Accept": "application/json"})
    assert r.status_code == 403 and r.json()["error"] == "not_your_department"
    assert admin_records(actor="sec-mz", action="application.approve")[-1]["outcome"] == "denied"
    assert ctx.applications.get(app_id).status == "pending"


def test_an_officer_applies_in_the_console_for_their_department(client, ctx, login, admin_records):
    csrf = login(client, "sec-mz")
    r = client.post("/security/applications/new", data={
        "csrf": csrf, "app": "dibao", "resource": "GA-RK-0001", "fields": "xm,sjhm", "purpose": "低保核查",
        "basis": "《社会救助暂行办法》", "until": UNTIL})
    assert r.status_code == 200
    [a] = ctx.applications.list()
    assert (a.dept, a.fields, a.submitted_by) == ("MZ", ("xm", "sjhm"), "console:sec-mz")
    assert admin_records(actor="sec-mz", action="application.submit")[0]["outcome"] == "success"


def test_test_a_request_shows_the_decision_and_the_deciding_rule(client, login):
    csrf = login(client, "sec")
    r = client.post("/security/test", data={"csrf": csrf, "method": "GET", "path": "/ga/zt/1", "dept": "MZ"},
                    headers={"Accept": "application/json"})
    assert r.json()["allowed"] is False and r.json()["reason"] == "not_shared"
    assert r.json()["rule"] == "catalog:GA-ZT-0001:none"
    page = client.post("/security/test", data={"csrf": csrf, "method": "GET", "path": "/scjg/qy/1", "dept": "MZ"})
    assert "catalog:SCJG-QY-0001:unconditional" in page.text and "允许" in page.text


def test_audit_search_detail_verify_and_export(client, ctx, login, admin_records):
    login(client, "sec", "wrong-password-x")
    login(client, "aud")
    rows = client.get("/audit/search?event=admin", headers={"Accept": "application/json"}).json()["records"]
    assert rows[0]["seq"] > rows[-1]["seq"]  # newest first
    assert any(r["record"]["action"] == "admin.login" and r["record"]["outcome"] == "failure" for r in rows)
    mine = client.get("/audit/search?actor=sec", headers={"Accept": "application/json"}).json()["records"]
    assert [(r["record"]["actor"], r["record"]["outcome"]) for r in mine] == [("sec", "failure")]
    detail = client.get(f"/audit/records/{rows[-1]['seq']}")
    assert detail.status_code == 200 and "admin.login" in detail.text
    verify = client.post("/audit/verify", headers={"X-CSRF-Token": _csrf(client), "Accept": "application/json"})
    assert verify.json()["ok"] is True and verify.json()["records"] == 2
    export = client.get("/audit/export?format=jsonl")
    assert export.status_code == 200 and len(export.text.splitlines()) == 3  # with the verify record
    assert admin_records(actor="aud", action="audit.export")[0]["detail"]["format"] == "jsonl"
    assert admin_records(actor="aud", action="audit.verify")[0]["outcome"] == "success"
    report = client.get("/audit/report")
    assert report.status_code == 200 and ("<svg" in report.text or "<table" in report.text)
    assert "style-src 'unsafe-inline'" in report.headers["content-security-policy"]
    assert admin_records(actor="aud", action="audit.report")


def _csrf(client) -> str:
    import re

    return re.search(r'name="csrf" value="([^"]+)"', client.get("/audit/verify").text).group(1)


def test_the_inbox_flags_overdue_applications(client, ctx, token, login, clock):
    app_id = _apply(client, token)
    login(client, "sec-ga")
    assert "已超期" not in client.get("/security/applications").text
    clock.advance(30 * 86400)  # well past 10 working days
    login(client, "sec-ga")
    page = client.get("/security/applications").text
    assert app_id in page and "已超期" in page
    assert "govshare_applications_overdue 1" in client.get("/metrics").text


def test_revoking_on_the_grants_page_withdraws_the_application_too(client, ctx, token, login, admin_records):
    app_id = _apply(client, token)
    direct = GrantStore(ctx.engine, ctx.catalog()).add("SCJG", None, "GA-RK-0001", ["xm"], [], "就业补贴审核", UNTIL,
                                                      "cli-officer")
    csrf = login(client, "sec-ga")
    client.post(f"/security/applications/{app_id}/approve", data={"csrf": csrf})
    from_application = ctx.applications.get(app_id).grant_id
    assert client.get("/security/grants", headers={"Accept": "application/json"}).status_code == 200
    client.post(f"/security/grants/{from_application}/revoke", data={"csrf": csrf})
    client.post(f"/security/grants/{direct.id}/revoke", data={"csrf": csrf})
    assert ctx.applications.get(app_id).status == "revoked"
    assert GrantStore(ctx.engine).list() == []
    assert [r["action"] for r in admin_records(actor="sec-ga") if r["action"] != "admin.login"] == [
        "application.approve", "application.revoke", "grant.revoke"]
    csrf = login(client, "sec-mz")  # not the provider: refused and audited
    r = client.post(f"/security/grants/{direct.id}/revoke", data={"csrf": csrf})
    assert r.status_code == 403
    assert admin_records(actor="sec-mz", action="grant.revoke")[0]["outcome"] == "denied"


def test_callers_outside_the_registry_are_refused_everywhere(client, ctx, token, login):
    r = client.post("/_govshare/applications", json=BODY, headers={"Authorization": f"Bearer {token('MZ', 'other')}"})
    assert r.status_code == 403 and r.json()["error"] == "unknown_caller"
    assert request_records(ctx)[-1]["reason"] == "unknown_caller"
    csrf = login(client, "sec")
    for app in ("other", "dibao"):
        r = client.post("/security/test", data={"csrf": csrf, "path": "/scjg/qy", "dept": "MZ", "app": app},
                        headers={"Accept": "application/json"})
        assert r.json()["reason"] == ("unknown_caller" if app == "other" else "unconditional")
    r = client.post("/security/test", data={"csrf": csrf, "path": "/nowhere", "dept": "MZ"},
                    headers={"Accept": "application/json"})
    assert r.json()["reason"] == "unknown_resource" and r.json()["allowed"] is False


def test_trying_a_request_and_previewing_masking_are_audited_without_values(client, login, admin_records):
    csrf = login(client, "sec")
    client.post("/security/test", data={"csrf": csrf, "path": "/ga/zt/1", "dept": "MZ"})
    [tried] = admin_records(action="policy.test")
    assert (tried["target"], tried["detail"]["reason"], tried["detail"]["rule"]) == \
        ("GA-ZT-0001", "not_shared", "catalog:GA-ZT-0001:none")
    client.post("/security/mask", data={"csrf": csrf, "resource": "GA-RK-0001", "dept": "MZ",
                                        "body": '{"sfzh": "11010519491231002X"}'})
    [preview] = admin_records(action="masking.preview")
    assert preview["detail"]["refused"] is True and "11010519491231002X" not in json.dumps(preview)


def test_the_audit_search_form_filters_by_reason_purpose_and_grant(client, login):
    login(client, "sec", "wrong-password-x")
    login(client, "aud")
    page = client.get("/audit/search?reason=no_grant&purpose=低保核查&grant=g-0123456789abcdef").text
    for name, value in (("reason", "no_grant"), ("purpose", "低保核查"), ("grant", "g-0123456789abcdef")):
        assert f'name="{name}" value="{value}"' in page  # the form keeps what the auditor searched for
    every = client.get("/audit/search?event=admin", headers={"Accept": "application/json"}).json()["records"]
    none = client.get("/audit/search?event=admin&grant=g-0123456789abcdef",
                      headers={"Accept": "application/json"}).json()["records"]
    assert every and none == []
