"""The console in a real browser (Playwright driving Debian's Chromium, headless, no browser download):
each role signs in; a department applies, the provider's officer refuses without a reason (refused),
approves, the refused demo call succeeds through the gateway, the masking preview shows what the caller
gets, the officer revokes; the auditor finds the calls and verifies the chain; the system administrator
sees departments, upstreams and the backlog. Screenshots of the main pages go to docs/screenshots/."""

from __future__ import annotations

import http.client
import json
import os
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PURPOSE = "最低生活保障资格核查"
PASSWORD = "correct-horse-battery"
SAMPLE = {"xm": "张三", "sfzh": "11010519491231002X", "sjhm": "13812345678", "hjdz": "北京市东城区景山街道100号"}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert os.access(CHROMIUM, os.X_OK), "run .ci/install-browser (Debian's chromium + fonts-noto-cjk)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def console(gw):
    from gateway.admin.context import AdminContext
    from gateway.admin.serve import start_console

    ctx = AdminContext(gw.config, engine=gw.services.engine, audit=gw.services.audit)
    for name, role, dept in (("sec-ga", "security", "GA"), ("sec", "security", None), ("aud", "audit", None),
                             ("sys", "system", None)):
        ctx.accounts.create_user(name, role, PASSWORD, "test-setup", dept=dept)
    server = start_console(ctx, "127.0.0.1", 0, data_port=gw.gateway.address[1])
    yield server
    server.stop()
    ctx.close()


class Officer:
    """One browser context (own cookies) signed in as one account; `shot` saves a full-page screenshot."""

    def __init__(self, browser, base: str, timings: dict):
        self.context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        self.page = self.context.new_page()
        self.base = base
        self.timings = timings

    def go(self, path: str):
        started = time.perf_counter()
        response = self.page.goto(self.base + path)
        self.timings[path.split("?")[0]] = round((time.perf_counter() - started) * 1000, 1)
        return response

    def sign_in(self, name: str, password: str = PASSWORD) -> None:
        self.go("/login")
        self.page.fill("input[name=name]", name)
        self.page.fill("input[name=password]", password)
        self.page.click("#sign-in")

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


def apply_with_jwt(console_url: str, token: str) -> str:
    parts = urlsplit(console_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    until = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    conn.request("POST", "/_govshare/applications", body=json.dumps({
        "resource": "GA-RK-0001", "fields": ["xm", "sjhm"], "pseudonym_fields": [], "purpose": PURPOSE,
        "basis": "《社会救助暂行办法》第十一条", "until": until}),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    r = conn.getresponse()
    doc = json.loads(r.read())
    assert r.status == 201, doc
    return doc["id"]


def wait_for_status(gw, token: str, wanted: int, within: float = 2.0) -> None:
    started = time.monotonic()
    while gw.request("GET", "/ga/population?size=2", token=token).status != wanted:
        assert time.monotonic() - started < within, f"not {wanted} within {within} s"
        time.sleep(0.05)


def test_the_whole_cycle_in_the_browser(gw, console, browser):
    timings: dict[str, float] = {}
    token = gw.token("MZ", app="dibao-review", purpose=PURPOSE)
    assert gw.request("GET", "/ga/population?size=2", token=token).status == 403
    app_id = apply_with_jwt(console.url, token)

    sec = Officer(browser, console.url, timings)
    sec.sign_in("sec-ga", "not-the-password")
    assert "账号或密码错误" in sec.page.inner_text("#login-error")
    sec.sign_in("sec-ga")
    sec.page.wait_for_url("**/security/applications")
    assert app_id in sec.page.inner_text("#inbox")
    sec.shot("security-inbox")
    sec.page.click(f"text={app_id}")
    sec.page.click("#refuse")  # no reason given
    assert "refusal reason is required" in sec.page.inner_text("#error")
    sec.go(f"/security/applications/{app_id}")
    assert sec.page.inner_text("#status") == "待审批"
    sec.shot("security-application")
    sec.page.uncheck("input[name=fields][value=sjhm]")  # narrow: names only
    sec.page.click("#approve")
    assert sec.page.inner_text("#status") == "已批准"
    wait_for_status(gw, token, 200)

    sec.go("/security/grants")
    assert "MZ/dibao-review" in sec.page.inner_text("#grants")
    sec.shot("security-grants")
    sec.go("/security/catalog")
    sec.shot("security-catalog")
    sec.go("/security/test")
    sec.page.fill("input[name=path]", "/ga/population")
    sec.page.fill("input[name=dept]", "MZ")
    sec.page.fill("input[name=app]", "dibao-review")
    sec.page.fill("input[name=purpose]", PURPOSE)
    sec.page.click("#decide")
    assert sec.page.inner_text("#verdict") == "允许" and sec.page.inner_text("#rule").startswith("grant:g-")
    sec.shot("security-test-request")
    sec.go("/security/mask")
    sec.page.select_option("select[name=resource]", "GA-RK-0001")
    sec.page.fill("input[name=dept]", "MZ")
    sec.page.fill("input[name=app]", "dibao-review")
    sec.page.fill("input[name=purpose]", PURPOSE)
    sec.page.fill("textarea[name=body]", json.dumps(SAMPLE, ensure_ascii=False))
    sec.page.click("#preview")
    masked = json.loads(sec.page.inner_text("#masked"))
    assert masked["xm"] == "张三"  # granted
    assert masked["sjhm"] != SAMPLE["sjhm"] and masked["sfzh"] != SAMPLE["sfzh"]  # not granted: masked
    sec.shot("security-mask-preview")
    sec.go(f"/security/applications/{app_id}")
    sec.page.click("#revoke")
    assert sec.page.inner_text("#status") == "已撤销"
    wait_for_status(gw, token, 403)
    sec.go("/system/keys")  # outside the security officer's duty
    assert "超出本角色职责" in sec.page.inner_text("#error")
    sec.close()

    aud = Officer(browser, console.url, timings)
    aud.sign_in("aud")
    aud.page.wait_for_url("**/audit/search")
    aud.go("/audit/search?dept=MZ&resource=GA-RK-0001")
    records = aud.page.inner_text("#records")
    assert "granted" in records and "no_grant" in records
    aud.shot("audit-search")
    aud.go("/audit/search?event=admin&lang=en")
    assert "application.approve" in aud.page.inner_text("#records")
    aud.page.click("#records tr:nth-child(2) a")
    assert '"event": "admin"' in aud.page.inner_text("#record")
    aud.shot("audit-record-en")
    aud.go("/audit/verify?lang=zh")
    aud.page.click("#run-verify")
    assert aud.page.inner_text("#verdict") == "完整"
    aud.shot("audit-verify")
    aud.go("/audit/report")
    aud.shot("audit-report")
    aud.close()

    sysadm = Officer(browser, console.url, timings)
    sysadm.sign_in("sys")
    sysadm.page.wait_for_url("**/system/departments")
    sysadm.shot("system-departments")
    sysadm.go("/system/upstreams")
    assert sysadm.page.inner_text("#upstreams").count("可达") >= 4
    sysadm.shot("system-upstreams")
    sysadm.go("/system/backlog")
    sysadm.shot("system-backlog")
    sysadm.close()
    (SHOTS / "timings.json").write_text(json.dumps(timings, indent=2, sort_keys=True) + "\n")


def legal_representatives(gw) -> list[str]:
    r = gw.get("/scjg/enterprises?size=5", dept="MZ")
    assert r.status == 200
    return [item["fddbr"] for item in r.json()["data"]["items"]]


def wait_until(condition, within: float = 2.0) -> None:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < within, f"not within {within} s"
        time.sleep(0.05)


def test_a_label_change_shows_in_the_preview_and_the_gateway_and_rolls_back(gw, console, browser):
    assert all("*" in name for name in legal_representatives(gw))  # personal: masked for other departments
    sec = Officer(browser, console.url, {})
    sec.sign_in("sec")

    def preview() -> str:
        sec.go("/security/mask")
        sec.page.select_option("select[name=resource]", "SCJG-QY-0001")
        sec.page.fill("input[name=dept]", "MZ")
        sec.page.fill("textarea[name=body]", '{"fddbr": "张三", "qymc": "北京某某科技有限公司"}')
        sec.page.click("#preview")
        return json.loads(sec.page.inner_text("#masked"))["fddbr"]

    assert preview() == "张*"
    sec.go("/security/catalog")
    sec.page.click("#field-SCJG-QY-0001-fddbr")
    sec.page.select_option("select[name=class]", "public")
    sec.page.fill("input[name=entity]", "")
    sec.page.fill("input[name=comment]", "法定代表人姓名属公示信息")
    sec.shot("security-label")
    sec.page.click("#save-label")
    sec.page.wait_for_url("**/security/catalog")
    sec.go("/security/versions?kind=catalog")
    assert "法定代表人姓名属公示信息" in sec.page.inner_text("#history")
    assert preview() == "张三"
    wait_until(lambda: not any("*" in name for name in legal_representatives(gw)))  # in force on the gateway
    sec.go("/security/versions?kind=catalog&a=1&b=2")
    diff = sec.page.inner_text("#diff-out")
    assert re.search(r"^-\s+class: personal$", diff, re.M)
    assert re.search(r"^\+\s+- \{name: fddbr, label: \"法定代表人\", class: public\}$", diff, re.M)
    sec.shot("security-versions")
    sec.page.click("#rollback-1")
    sec.page.wait_for_url("**/security/versions?kind=catalog")
    assert sec.page.inner_text("#chain-ok")
    assert preview() == "张*"
    wait_until(lambda: all("*" in name for name in legal_representatives(gw)))

    sec.go("/security/shadow?kind=catalog")  # a candidate that stops sharing the enterprise register
    text = sec.page.input_value("#text")
    stop = re.compile(r"(- code: SCJG-QY-0001\n(?:  .*\n)*?( +)share: )unconditional\n")
    assert len(stop.findall(text)) == 1
    sec.page.fill("#text", stop.sub(r"\1none\n\2legal_basis: 《测试用规定》\n", text))
    sec.page.click("#run-shadow")
    assert int(sec.page.inner_text("#different")) >= 3  # the MZ calls above, now refused by the candidate
    assert "not_shared (catalog:SCJG-QY-0001:none)" in sec.page.inner_text("#examples")
    sec.shot("security-shadow")
    assert all("*" in name for name in legal_representatives(gw))  # nothing changed for callers
    sec.close()
