"""`govshare demo` prints four calls; pasted as printed, they give the outcomes it promises."""

from __future__ import annotations

import shlex
from urllib.parse import urlsplit

from gateway.demo.identifiers import is_valid_mobile, is_valid_resident_id
from gateway.demo.run import walkthrough
from gateway.identity import PilotKeys
from tests.support.waiting import wait_for


def parse_calls(text: str):
    """(token, path) for each printed curl line, and the printed grant command's argv."""
    calls, grant = [], None
    lines = text.replace("\\\n", " ").splitlines()
    for line in lines:
        if line.startswith("curl "):
            argv = shlex.split(line)
            token = argv[argv.index("-H") + 1].removeprefix("Authorization: Bearer ")
            url = urlsplit(argv[-1])
            calls.append((token, url.path + (f"?{url.query}" if url.query else "")))
        elif line.startswith(".venv/bin/govshare grant add"):
            grant = shlex.split(line)[1:]
    return calls, grant


def test_the_printed_calls_give_the_promised_outcomes(gw):
    text = walkthrough(gw.url, PilotKeys(gw.config.data_dir), gw.config)
    calls, grant = parse_calls(text)
    assert len(calls) == 4 and grant is not None

    r1 = gw.request("GET", calls[0][1], token=calls[0][0])
    assert r1.status == 200
    item = r1.json()["data"]["items"][0]
    assert item["fddbr"].endswith("*")

    r2 = gw.request("GET", calls[1][1], token=calls[1][0])
    assert (r2.status, r2.json()["error"]) == (403, "no_grant")

    r3 = gw.request("GET", calls[2][1], token=calls[2][0])
    assert (r3.status, r3.json()["error"]) == (403, "not_shared")
    assert "保守国家秘密法" in r3.json()["legal_basis"]

    r4 = gw.request("GET", calls[3][1], token=calls[3][0])
    assert r4.status == 403  # before the application is approved
    assert grant[:2] == ["grant", "add"]
    from gateway.cli import main
    assert main(grant) == 0
    r4 = wait_for(lambda: gw.request("GET", calls[3][1], token=calls[3][0]), until=lambda r: r.status == 200,
                  timeout=10)  # the gateway picks the grant up at its next policy check
    people = r4.json()["data"]["items"]
    assert people and all(len(p["xm"]) >= 2 and "*" not in p["xm"] for p in people)  # revealed by the grant
    assert not any(is_valid_resident_id(p["sfzh"]) or is_valid_mobile(p["sjhm"]) for p in people)


def test_the_demo_prints_the_free_ports_of_its_departments():
    from gateway.demo.run import departments

    line = departments({"GA": "http://127.0.0.1:41001", "WJ": "http://127.0.0.1:41002"})
    assert line == "demo departments: GA http://127.0.0.1:41001, WJ http://127.0.0.1:41002"


def start_demo(data_dir, env):
    """`govshare demo --port 0` as a process, and its output lines as they come (read by a thread)."""
    import subprocess
    import sys
    import threading
    from pathlib import Path

    cmd = [str(Path(sys.executable).parent / "govshare"), "demo", "--port", "0", "--data-dir", str(data_dir)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True).start()
    return proc, lines


def test_two_demos_share_one_machine_and_one_data_directory(tmp_path):
    import http.client
    import os
    import re
    import signal
    from urllib.request import urlopen

    env = {k: v for k, v in os.environ.items() if k not in ("GOVSHARE_DATA_DIR", "GOVSHARE_ADMIN")}
    demos = []
    try:
        urls, ports, consoles = [], [], []
        for _ in range(2):  # one after the other, as two `make run`s are
            demos.append(start_demo(tmp_path / "var", env))
            proc, lines = demos[-1]
            text = wait_for(lambda: "".join(lines), until=lambda t: "officers' console" in t and "system " in t
                            or proc.poll() is not None, timeout=90)
            assert proc.poll() is None, text
            urls.append(re.search(r"gateway (http://127\.0\.0\.1:\d+)", text).group(1))
            ports.append(re.search(r"^demo departments: (.*)$", text, flags=re.M).group(1))
            consoles.append(re.search(r"officers' console: (http://127\.0\.0\.1:\d+)/", text).group(1))
        assert urls[0] != urls[1] and ports[0] != ports[1]  # each its own gateway and department ports
        assert len({*consoles, *urls}) == 4  # and its own console, never on a data port
        for console in consoles:
            assert urlopen(console + "/healthz", timeout=10).read() == b"ok\n"
        for url in urls:
            host, port = urlsplit(url).hostname, urlsplit(url).port
            conn = http.client.HTTPConnection(host, port, timeout=10)
            conn.request("GET", "/scjg/enterprises")
            reply = conn.getresponse()
            reply.read()
            conn.close()
            assert reply.status == 401  # a working gateway: no token, refused before any upstream
    finally:
        for proc, _ in demos:
            proc.send_signal(signal.SIGTERM)
        for proc, _ in demos:
            assert proc.wait(timeout=30) == 0
    assert not list((tmp_path / "var").glob("demo-catalog-*.yaml"))  # each demo removed its catalog copy


def test_the_demo_serves_the_console_and_a_refused_call_succeeds_once_the_officer_approves(tmp_path):
    """`govshare demo` as a process: the printed no-grant call (403), the department applies on the data
    port with that token, the provider's security officer (a printed demo account) approves in the console,
    and the same call succeeds; the department reads its application's status on the data port."""
    import json
    import os
    import re
    import signal
    from datetime import UTC, datetime, timedelta

    from tests.e2e.test_console_cycle import Browserless

    env = {k: v for k, v in os.environ.items() if k not in ("GOVSHARE_DATA_DIR", "GOVSHARE_ADMIN")}
    proc, lines = start_demo(tmp_path / "var", env)
    try:
        text = wait_for(lambda: "".join(lines), until=lambda t: "officers' console" in t and "system " in t
                        or proc.poll() is not None, timeout=90)
        assert proc.poll() is None, text
        gateway = Browserless(re.search(r"gateway (http://127\.0\.0\.1:\d+)", text).group(1))
        web = Browserless(re.search(r"officers' console: (http://127\.0\.0\.1:\d+)/", text).group(1))
        password = re.search(r"security\s+security-ga\s+password (\S+)", text).group(1)
        for role in ("security", "audit", "system"):
            assert re.search(rf"^  {role}\s+\S+\s+password \S+", text, flags=re.M), role
        assert web.call("GET", "/healthz")[2] == "ok\n"
        calls, _ = parse_calls(text)
        token, path = calls[1]  # 2) conditional resource without an approved application -> 403 no_grant
        auth = {"Authorization": f"Bearer {token}"}
        status, _, body = gateway.call("GET", path, headers=auth)
        assert status == 403 and json.loads(body)["error"] == "no_grant"
        until = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
        status, _, body = gateway.call("POST", "/_govshare/applications", headers={
            **auth, "Content-Type": "application/json"}, body=json.dumps({
                "resource": "GA-RK-0001", "fields": ["xm"], "purpose": "就业补贴审核",
                "basis": "《就业促进法》第五十二条", "until": until}).encode())
        assert status == 201, body
        app_id = json.loads(body)["id"]

        web.cookies.clear()
        status, headers, _ = web.call("POST", "/login", form={"name": "security-ga", "password": password,
                                                               "csrf": web.csrf("/login")})
        assert status == 303
        csrf = web.csrf(headers["location"])
        assert web.call("POST", f"/security/applications/{app_id}/approve", form={"csrf": csrf})[0] == 303
        status = wait_for(lambda: gateway.call("GET", path, headers=auth)[0], until=lambda s: s == 200, timeout=10)
        assert status == 200
        status, _, body = gateway.call("GET", f"/_govshare/applications/{app_id}", headers=auth)
        assert status == 200 and json.loads(body)["status"] == "approved"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
