"""Separation of duties on the server: each role is refused every route outside its duty (403 and an audit
record naming the account), sign-in is audited and throttled, sessions expire, state changes need CSRF."""

from __future__ import annotations

import re

import pytest

from gateway.admin.app import build_app, route_roles

ROLES = {"sys": "system", "sec": "security", "aud": "audit"}
OWN_PAGES = {
    "system": ["/system/departments", "/system/upstreams", "/system/keys", "/system/backlog", "/system/users"],
    "security": ["/security/catalog", "/security/applications", "/security/applications/new", "/security/grants",
                 "/security/test", "/security/mask"],
    "audit": ["/audit/search", "/audit/verify", "/audit/export", "/audit/records/1", "/audit/report"],
}


def concrete(path: str) -> str:
    return path.replace("{id}", "a-0123456789abcdef").replace("{seq:int}", "1")


def test_every_guarded_route_is_listed_with_exactly_the_roles_of_its_duty(ctx):
    table = route_roles(build_app(ctx))
    assert len(table) >= 25
    for method, path, roles in table:
        prefix = path.split("/")[1]
        if prefix in ("system", "security", "audit"):
            assert roles == (prefix,), (method, path, roles)


@pytest.mark.parametrize("account", sorted(ROLES))
def test_each_role_is_refused_everything_outside_its_duty_and_it_is_audited(client, ctx, login, admin_records,
                                                                              account):
    role = ROLES[account]
    csrf = login(client, account)
    refused = 0
    for method, path, roles in route_roles(build_app(ctx)):
        if role in roles:
            continue
        url = concrete(path)
        before = len(admin_records(actor=account, action="console.refused", target=url))
        r = client.request(method, url, headers={"X-CSRF-Token": csrf, "Accept": "application/json"})
        assert r.status_code == 403, (method, url, r.status_code)
        assert r.json() == {"error": "outside_role"}
        records = admin_records(actor=account, action="console.refused", target=url)
        assert len(records) == before + 1, (method, url)
        assert records[-1]["outcome"] == "denied" and records[-1]["role"] == f"{role}_admin"
        refused += 1
    assert refused >= 10
    for url in OWN_PAGES[role]:
        assert client.get(url).status_code == 200, url


def test_refused_pages_say_so_in_the_browser_language(client, login):
    login(client, "aud")
    page = client.get("/security/grants")
    assert page.status_code == 403 and "超出本角色职责" in page.text
    page = client.get("/security/grants?lang=en")
    assert "outside your role" in page.text
    assert "outside your role" in client.get("/system/keys").text  # the language cookie stays


def test_without_a_session_pages_lead_to_sign_in_and_the_api_answers_401(client):
    r = client.get("/security/grants", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/security/grants"
    assert client.get("/security/grants", headers={"Accept": "application/json"}).status_code == 401


def test_failed_sign_ins_are_audited_and_then_throttled(client, login, admin_records):
    assert login(client, "sec", "wrong-password-x") is None
    assert login(client, "ghost", "wrong-password-x") is None
    failures = admin_records(action="admin.login", outcome="failure")
    assert [(r["actor"], r["role"], r["detail"]["account_known"]) for r in failures] == \
        [("sec", "security_admin", True), ("ghost", "system_admin", False)]
    for _ in range(4):  # five failures in the window
        login(client, "sec", "wrong-password-x")
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"name": "sec", "password": "correct-horse-battery", "csrf": token})
    assert r.status_code == 429 and "登录失败次数过多" in r.text
    assert admin_records(action="admin.login", outcome="failure")[-1]["detail"]["reason"] == "throttled"
    assert not any(r.get("outcome") == "success" for r in admin_records(action="admin.login"))


def test_sign_in_without_the_pre_session_token_is_refused(client, admin_records):
    r = client.post("/login", data={"name": "sec", "password": "correct-horse-battery", "csrf": "guess"})
    assert r.status_code == 403
    assert "gs_session" not in client.cookies


def test_state_changes_need_the_sessions_csrf_token_and_our_origin(client, login, admin_records):
    csrf = login(client, "sec")
    r = client.post("/security/test", data={"path": "/ga/rk/1", "dept": "MZ"})
    assert r.status_code == 403 and "跨站" in r.text
    r = client.post("/security/test", data={"path": "/ga/rk/1", "dept": "MZ", "csrf": "x" + csrf})
    assert r.status_code == 403
    r = client.post("/security/test", data={"path": "/ga/rk/1", "dept": "MZ", "csrf": csrf},
                    headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    assert len(admin_records(actor="sec", action="console.csrf_refused", outcome="denied")) == 3
    r = client.post("/security/test", data={"path": "/ga/rk/1", "dept": "MZ", "csrf": csrf},
                    headers={"Origin": "http://127.0.0.1:8081"})
    assert r.status_code == 200


def test_sessions_expire_when_idle(client, login, clock):
    login(client, "aud")
    assert client.get("/audit/search").status_code == 200
    clock.advance(901)
    r = client.get("/audit/search", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_sign_in_and_out_are_audited_and_sign_out_ends_the_session(client, login, admin_records):
    csrf = login(client, "sys")
    assert admin_records(actor="sys", action="admin.login")[-1]["outcome"] == "success"
    r = client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert admin_records(actor="sys", action="admin.logout")
    assert client.get("/system/keys", follow_redirects=False).status_code == 303


def test_every_page_carries_the_protective_headers(client, login):
    login(client, "sys")
    headers = client.get("/system/keys").headers
    assert headers["x-frame-options"] == "DENY" and headers["cache-control"] == "no-store"
    assert "script-src 'none'" in headers["content-security-policy"]
    assert "httponly" in client.get("/login").headers["set-cookie"].lower()


def test_health_and_metrics_need_no_session(client, login, ctx):
    login(client, "sec", "wrong-password-x")
    assert client.get("/healthz").text == "ok\n"
    metrics = client.get("/metrics").text
    assert 'govshare_admin_actions_total{outcome="failure"} 1' in metrics
    assert re.search(r"^govshare_audit_head_seq [1-9]", metrics, re.M)
    assert "govshare_applications_pending 0" in metrics


def test_the_system_administrator_creates_and_disables_accounts_audited(client, login, admin_records):
    csrf = login(client, "sys")
    r = client.post("/system/users", data={"csrf": csrf, "op": "create", "name": "zhou", "role": "audit",
                                          "password": "another-long-password"})
    assert r.status_code == 200 and "zhou" in r.text
    r = client.post("/system/users", data={"csrf": csrf, "op": "create", "name": "zhou", "role": "security",
                                          "password": "another-long-password"})
    assert r.status_code == 400 and "exists already" in r.text
    r = client.post("/system/users", data={"csrf": csrf, "op": "disable", "name": "sys"})
    assert r.status_code == 400
    assert [(x["target"], x["outcome"]) for x in admin_records(actor="sys") if x["action"] != "admin.login"] == [
        ("zhou", "success"), ("zhou", "failure"), ("sys", "failure")]
    other = client.__class__(client.app, base_url=str(client.base_url))
    assert login(other, "aud") is not None
    client.post("/system/users", data={"csrf": csrf, "op": "disable", "name": "aud"})
    assert other.get("/audit/search", follow_redirects=False).status_code == 303  # session ended
    assert login(other, "aud") is None  # and no new one
    assert admin_records(action="admin.disable_user", target="aud")[0]["outcome"] == "success"
