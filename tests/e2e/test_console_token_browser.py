"""Token sign-in in a real browser (Playwright driving Debian's Chromium, headless): from the password form,
follow the link to the token form, paste the identity service's JWT, land on the auditor's search page."""

from __future__ import annotations

import os
import re
import shutil
import time
import uuid

import jwt
import pytest

from gateway.config import POLICIES_DIR, load_config

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def console_url(tmp_path, monkeypatch):
    from gateway.admin.context import AdminContext
    from gateway.admin.serve import start_console

    monkeypatch.delenv("GOVSHARE_DATA_DIR", raising=False)
    for name in ("catalog.yaml", "policy.csv", "masking.yaml"):
        shutil.copy(POLICIES_DIR / name, tmp_path / name)
    (tmp_path / "govshare.toml").write_text(f'data_dir = "{tmp_path / "var"}"\ncatalog = "catalog.yaml"\n'
                                            'policy = "policy.csv"\nmasking_rules = "masking.yaml"\n')
    config = load_config(tmp_path / "govshare.toml")
    ctx = AdminContext.open(config)
    ctx.accounts.create_user("aud", "audit", "correct-horse-battery", "test-setup")
    server = start_console(ctx, "127.0.0.1", 0)
    yield server.url, config
    server.stop()
    ctx.close()


def test_an_officer_signs_in_with_a_token_in_the_browser(console_url):
    from playwright.sync_api import sync_playwright

    from gateway.identity import PilotKeys

    url, config = console_url
    pilot = PilotKeys(config.data_dir)
    now = int(time.time())
    token = jwt.encode({"iss": config.identity.issuer, "aud": config.identity.audience, "sub": "officer-aud",
                        "iat": now, "nbf": now, "exp": now + 300, "jti": uuid.uuid4().hex, "dept": "SJ",
                        "console_account": "aud", "console_role": "audit"},
                       pilot.private_key, algorithm="ES256", headers={"kid": pilot.kid})
    assert os.access(CHROMIUM, os.X_OK), "run .ci/install-browser (Debian's chromium + fonts-noto-cjk)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(locale="zh-CN")
            page.goto(url + "/login")
            page.click("#sign-in-with-token")
            page.wait_for_url("**/login/token")
            page.fill("textarea[name=token]", "not.a.token")
            page.click("#sign-in-token")
            assert "身份令牌无效" in page.inner_text("#login-error")
            page.fill("textarea[name=token]", token)
            page.click("#sign-in-token")
            page.wait_for_url("**/audit/search")
            assert re.search(r"aud", page.inner_text("header"))
        finally:
            browser.close()
