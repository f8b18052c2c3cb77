"""The whole cycle over real sockets: a real gateway in front of the demo departments, the console served by
uvicorn on its own port sharing the gateway's database and trail. A department applies with its JWT, the
provider's officer approves in the console, the call refused before succeeds through the gateway within 2 s,
the officer revokes, the call is refused again within 2 s, and the auditor finds and verifies it all."""

from __future__ import annotations

import http.client
import json
import re
import time
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import pytest

PURPOSE = "最低生活保障资格核查"
PASSWORD = "correct-horse-battery"


class Browserless:
    """A tiny cookie-keeping HTTP client for the console (forms, redirects not followed)."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.cookies: dict[str, str] = {}

    def call(self, method: str, path: str, form: dict | None = None, body: bytes | None = None,
             headers: dict | None = None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=20)
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read().decode("utf-8")
        for header in r.headers.get_all("set-cookie") or ():
            for name, morsel in SimpleCookie(header).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        conn.close()
        return r.status, dict(r.headers), data

    def csrf(self, path: str) -> str:
        return re.search(r'name="csrf" value="([^"]+)"', self.call("GET", path)[2]).group(1)

    def login(self, name: str) -> str:
        self.cookies.clear()
        status, headers, _ = self.call("POST", "/login", form={"name": name, "password": PASSWORD,
                                                               "csrf": self.csrf("/login")})
        assert status == 303, status
        return self.csrf(headers["location"])


@pytest.fixture
def console(gw):
    from gateway.admin.context import AdminContext
    from gateway.admin.serve import start_console

    ctx = AdminContext(gw.config, engine=gw.services.engine, audit=gw.services.audit)
    for name, role, dept in (("sec-ga", "security", "GA"), ("aud", "audit", None), ("sys", "system", None)):
        ctx.accounts.create_user(name, role, PASSWORD, "test-setup", dept=dept)
    server = start_console(ctx, "127.0.0.1", 0)
    yield server
    server.stop()
    ctx.close()


def wait_for_status(gw, token: str, wanted: int, within: float = 2.0) -> float:
    """Seconds until the gateway answers `wanted` for the demo call (fails after `within`)."""
    started = time.monotonic()
    while True:
        status = gw.request("GET", "/ga/population?size=2", token=token).status
        if status == wanted:
            return time.monotonic() - started
        assert time.monotonic() - started < within, f"still {status} after {within} s"
        time.sleep(0.05)


def test_apply_approve_access_revoke_and_audit(gw, console):
    token = gw.token("MZ", app="dibao-review", purpose=PURPOSE)
    assert gw.request("GET", "/ga/population?size=2", token=token).status == 403
    web = Browserless(console.url)
    until = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    # The department's system applies on the gateway's DATA port, with its own JWT.
    reply = gw.request("POST", "/_govshare/applications", token=token, headers={
        "Content-Type": "application/json"}, body=json.dumps({
            "resource": "GA-RK-0001", "fields": ["xm"], "purpose": PURPOSE, "basis": "《社会救助暂行办法》第十一条",
            "until": until}).encode())
    assert reply.status == 201, reply.body
    app_id = json.loads(reply.body)["id"]
    assert reply.headers["location"] == f"/_govshare/applications/{app_id}"
    assert json.loads(gw.request("GET", f"/_govshare/applications/{app_id}", token=token).body)["status"] == "pending"

    csrf = web.login("sec-ga")
    assert app_id in web.call("GET", "/security/applications")[2]
    status, _, _ = web.call("POST", f"/security/applications/{app_id}/approve", form={"csrf": csrf})
    assert status == 303
    took = wait_for_status(gw, token, 200)
    assert took < 2.0
    assert json.loads(gw.request("GET", f"/_govshare/applications/{app_id}", token=token).body)["status"] == "approved"
    web.call("POST", f"/security/applications/{app_id}/revoke", form={"csrf": csrf})
    wait_for_status(gw, token, 403)

    web.login("aud")
    _, _, page = web.call("GET", "/audit/search?dept=MZ&resource=GA-RK-0001",
                          headers={"Accept": "application/json"})
    found = [(r["record"]["status"], r["record"]["reason"]) for r in json.loads(page)["records"]]
    assert (200, "granted") in found and (403, "no_grant") in found
    _, _, page = web.call("GET", "/audit/search?event=admin", headers={"Accept": "application/json"})
    actions = [r["record"]["action"] for r in json.loads(page)["records"] if r["record"]["actor"] == "sec-ga"]
    assert {"application.approve", "application.revoke", "admin.login"} <= set(actions)
    status, _, page = web.call("POST", "/audit/verify", headers={"X-CSRF-Token": web.csrf("/audit/verify"),
                                                                 "Accept": "application/json"})
    assert json.loads(page)["ok"] is True


def test_the_console_never_takes_the_data_port(gw):
    from gateway.admin.context import AdminContext
    from gateway.admin.serve import ConsoleAddressError, ConsoleServer

    ctx = AdminContext(gw.config, engine=gw.services.engine, audit=gw.services.audit)
    try:
        with pytest.raises(ConsoleAddressError, match="data port"):
            ConsoleServer(ctx, "127.0.0.1", gw.gateway.address[1], data_port=gw.gateway.address[1])
    finally:
        ctx.close()


def test_admin_serve_runs_the_console_and_names_a_busy_port(tmp_path):
    import socket
    import subprocess
    import sys
    import urllib.request

    data = tmp_path / "var"
    data.mkdir()
    cmd = [sys.executable, "-m", "gateway.admin", "serve", "--data-dir", str(data)]
    proc = subprocess.Popen([*cmd, "--admin-listen", "127.0.0.1:0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        line = proc.stdout.readline()
        url = re.search(r"(http://127\.0\.0\.1:\d+)/", line).group(1)
        deadline = time.monotonic() + 20
        while True:  # the socket is bound before the line is printed; uvicorn answers once started
            try:
                body = urllib.request.urlopen(url + "/healthz", timeout=5).read()
                break
            except OSError:
                assert time.monotonic() < deadline, "console did not answer"
                time.sleep(0.05)
        assert body == b"ok\n"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run([*cmd, "--admin-listen", f"127.0.0.1:{port}"], capture_output=True, text=True,
                              timeout=60)
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr and "--admin-listen" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_console_beside_a_running_gateway_prints_its_address_and_demo_accounts(gw):
    from gateway.admin.serve import console_beside_gateway

    server, text = console_beside_gateway(gw.config, gw.services, "127.0.0.1", 0,
                                          data_port=gw.gateway.address[1], demo=True)
    try:
        assert server.url in text
        web = Browserless(server.url)
        name, password = re.search(r"security\s+(security)\s+password (\S+)", text).groups()
        status, headers, _ = web.call("POST", "/login", form={"name": name, "password": password,
                                                               "csrf": web.csrf("/login")})
        assert status == 303 and headers["location"] == "/security/applications"
    finally:
        server.stop()


def audit_records(gw, request_id: str) -> list[tuple]:
    from sqlalchemy import text

    with gw.services.engine.connect() as conn:
        return conn.execute(text("SELECT event, status FROM audit_records WHERE request_id = :r"),
                            {"r": request_id}).all()


def test_the_applications_endpoint_on_the_data_port_has_its_own_limits_and_one_audit_record_each(gw):
    token = gw.token("MZ", app="dibao-review", purpose=PURPOSE)
    listed = gw.request("GET", "/_govshare/applications", token=token)
    assert listed.status == 200 and json.loads(listed.body)["applications"] == []
    unsigned = gw.request("GET", "/_govshare/applications")
    assert unsigned.status == 401 and "bearer" in unsigned.headers["www-authenticate"].lower()
    put = gw.request("PUT", "/_govshare/applications", token=token, body=b"{}")
    assert put.status == 405 and put.headers["allow"] == "GET, POST"
    assert gw.request("GET", "/_govshare/applications", token=token, body=b"{}").status == 400
    assert gw.request("POST", "/_govshare/applications", token=token, body=b"{}",
                      headers={"Content-Type": "text/plain"}).status == 415
    assert gw.request("GET", "/_govshare/applications/../../ga/population", token=token).status == 400
    big = gw.request("POST", "/_govshare/applications", token=token, body=b" " * (64 * 1024 + 1),
                     headers={"Content-Type": "application/json"})
    assert big.status == 413
    other = gw.request("GET", "/_govshare/applications/a-0000", token=gw.token("RS", app="employment-check"))
    assert other.status == 404
    for reply in (listed, unsigned, put, other, big):
        rid = reply.headers["x-request-id"]
        assert len(audit_records(gw, rid)) == 1, (reply.status, audit_records(gw, rid))


def test_a_shadow_run_sees_live_traffic_and_the_gateway_reports_what_is_in_force(gw):
    """The wiring of issue 14's live shadow and heartbeat: the authorize stage hands every decision to the
    observer, the reload loop loads the run and flushes its counts, and the process is listed."""
    from gateway.admin.live_shadow import runs, start_run
    from gateway.admin.processes import processes
    from gateway.admin.versions import VersionStore
    from tests.support.waiting import wait_for

    engine = gw.services.engine
    text = gw.config.catalog.read_text(encoding="utf-8")
    assert "\n  share: unconditional\n" in text
    candidate = text.replace("\n  share: unconditional\n", "\n  share: none\n  legal_basis: 《测试用法规》第一条\n")
    run_id = start_run(engine, VersionStore(engine, gw.config), "catalog", candidate, 1, "sec", time.time())
    wait_for(lambda: gw.services.shadow._run, until=lambda run: run is not None and run[0] == run_id, timeout=10)
    reply = gw.get("/scjg/enterprises?size=2", dept="MZ")
    assert reply.status == 200  # the caller keeps its answer while the candidate would refuse it
    [run] = wait_for(lambda: runs(engine), until=lambda rs: rs[0]["calls"] >= 1, timeout=10)
    assert run["changes"] == {"allow->deny": run["different"]} and run["different"] >= 1
    assert {e["dept"] for e in run["examples"]} == {"MZ"}
    listed = wait_for(lambda: processes(engine), until=bool, timeout=10)
    assert listed[0].policy_version == gw.services.policy.current.version
    assert listed[0].catalog_digest == gw.services.catalog.current.digest
