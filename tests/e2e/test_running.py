"""The ways the gateway runs: `govshare run`, `mitmdump -s addons/govshare.py`, TLS on the listener,
verified https to a provider, and catalog changes picked up while it runs."""

from __future__ import annotations

import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from addons.bootstrap import WORKERS_START_TIMEOUT
from tests.support.certs import CA  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"process exited early: {proc.stdout.read() if proc.stdout else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listening on {port}")


def get(port: int, path: str, token: str) -> tuple[int, dict]:
    # The gateway accepts connections before it serves: its `running` hook first waits (up to
    # WORKERS_START_TIMEOUT) for the masking workers, whose masker build takes seconds on a busy machine.
    # The first answer is the condition waited for, so the client's patience exceeds that wait.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WORKERS_START_TIMEOUT + 30)
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    r = conn.getresponse()
    return r.status, json.loads(r.read())


def write_config(tmp_path: Path, demo_upstreams, port: int) -> Path:
    from gateway.demo.catalog import demo_catalog_for

    from tests.support.gateway import register_test_applications

    catalog = demo_catalog_for(demo_upstreams.urls, tmp_path / "catalog.yaml")
    register_test_applications(catalog)  # the token below names the test application `e2e`
    cfg = tmp_path / "govshare.toml"
    cfg.write_text(f'data_dir = "{tmp_path / "var"}"\ncatalog = "{catalog}"\n[gateway]\nlisten_port = {port}\n')
    return cfg


def pilot_token(tmp_path: Path, dept: str) -> str:
    from gateway.identity import PilotKeys

    return PilotKeys(tmp_path / "var").issue(dept, app="e2e")


@pytest.mark.parametrize("launcher", ["govshare-run", "mitmdump-script"])
def test_the_gateway_runs_under_both_launchers(tmp_path, demo_upstreams, launcher):
    port = free_port()
    cfg = write_config(tmp_path, demo_upstreams, port)
    token = pilot_token(tmp_path, "MZ")
    admin_port = free_port()
    if launcher == "govshare-run":
        cmd = [str(VENV_BIN / "govshare"), "run", "--config", str(cfg), "--admin-listen", f"127.0.0.1:{admin_port}"]
    else:
        cmd = [str(VENV_BIN / "mitmdump"), "-q", "-s", str(ROOT / "addons" / "govshare.py"),
               "--mode", "reverse:http://127.0.0.1:9", "--listen-host", "127.0.0.1", "--listen-port", str(port),
               "--set", f"govshare_config={cfg}", "--set", f"confdir={tmp_path / 'mitm'}"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_listening(port, proc)
        status, body = get(port, "/scjg/enterprises?size=2", token)
        if status == 503 and body.get("error") == "not_ready":  # still loading: allowed to refuse, not to leak
            time.sleep(3)
            status, body = get(port, "/scjg/enterprises?size=2", token)
        assert status == 200, body
        assert len(body["data"]["items"]) == 2
        status, body = get(port, "/ga/population", token)
        assert (status, body["error"]) == (403, "no_grant")
        if launcher == "govshare-run":  # the officers' console beside it, on its own address
            conn = http.client.HTTPConnection("127.0.0.1", admin_port, timeout=20)
            conn.request("GET", "/healthz")
            assert conn.getresponse().read() == b"ok\n"
            conn.close()
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_govshare_run_names_the_option_when_the_console_port_is_busy(tmp_path, demo_upstreams):
    port = free_port()
    cfg = write_config(tmp_path, demo_upstreams, port)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        done = subprocess.run([str(VENV_BIN / "govshare"), "run", "--config", str(cfg), "--admin-listen",
                               f"127.0.0.1:{taken}"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "--admin-listen" in done.stderr, done.stderr
    same = subprocess.run([str(VENV_BIN / "govshare"), "run", "--config", str(cfg), "--admin-listen",
                           f"127.0.0.1:{port}"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert same.returncode == 1 and "data port" in same.stderr and "--admin-listen" in same.stderr, same.stderr


def listening_sockets(port: int) -> set[str]:
    """Local addresses (hex, as /proc/net/tcp{,6} spell them) of the sockets listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, _, hex_port = local.rpartition(":")
                if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                    found.add(address)
    return found


def test_mitmdump_refuses_a_broken_config_before_any_traffic(tmp_path):
    """Options are validated in the addon's configure: a config that does not parse is an OptionsError naming
    the file and line, and mitmdump exits before it listens."""
    port = free_port()
    bad = tmp_path / "broken.toml"
    bad.write_text('catalog = "catalog.yaml"\n[gateway\nlisten_port = 1\n')
    cmd = [str(VENV_BIN / "mitmdump"), "-q", "-s", str(ROOT / "addons" / "govshare.py"),
           "--mode", "reverse:http://127.0.0.1:9", "--listen-host", "127.0.0.1", "--listen-port", str(port),
           "--set", f"govshare_config={bad}", "--set", f"confdir={tmp_path / 'mitm'}"]
    result = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "OptionsError" in output and "broken.toml" in output and "line 2" in output
    assert listening_sockets(port) == set()


def test_tls_on_the_listener(gateway_factory, tmp_path):
    ca = CA()
    cert, key = ca.leaf(tmp_path, "gateway")
    gw = gateway_factory(tls_cert=str(cert), tls_key=str(key))
    ctx = ssl.create_default_context(cafile=str(ca.write(tmp_path / "ca.pem")))
    host, port = gw.gateway.address
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=20)
    conn.request("GET", "/scjg/enterprises?size=1", headers={"Authorization": f"Bearer {gw.token('MZ')}"})
    r = conn.getresponse()
    assert r.status == 200
    assert json.loads(r.read())["data"]["items"]
    assert gw.url.startswith("https://")


class _JsonHandler(BaseHTTPRequestHandler):
    body = json.dumps({"data": {"items": [{"tyshxydm": "91110108MABFUEFN6R", "fddbr": "王小明"}]}},
                      ensure_ascii=False).encode()

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def https_upstream(cert: Path, key: Path) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _JsonHandler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert), str(key))
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def https_catalog_config(tmp_path, demo_upstreams, url: str, ca_bundle: Path):
    import sys as _sys

    from tests.support.gateway import make_config

    config = make_config(tmp_path, demo_upstreams.urls)
    doc = yaml.safe_load(Path(config.catalog).read_text(encoding="utf-8"))
    for dept in doc["departments"]:
        if dept["code"] == "SCJG":
            dept["upstream"] = url
            dept["ca_bundle"] = str(ca_bundle)
    Path(config.catalog).write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return config


@pytest.mark.parametrize("trusted", [True, False])
def test_https_upstream_is_verified_against_the_departments_ca(gateway_factory, demo_upstreams, tmp_path, trusted):
    provider_ca, other_ca = CA("provider CA"), CA("some other CA")
    cert, key = provider_ca.leaf(tmp_path, "provider")
    server = https_upstream(cert, key)
    try:
        bundle = (provider_ca if trusted else other_ca).write(tmp_path / "dept-ca.pem")
        config = https_catalog_config(tmp_path, demo_upstreams, f"https://127.0.0.1:{server.server_address[1]}",
                                      bundle)
        gw = gateway_factory(config=config)
        r = gw.get("/scjg/enterprises", dept="MZ")
        if trusted:
            assert r.status == 200, r.body
            item = r.json()["data"]["items"][0]
            assert item["tyshxydm"] == "91110108MABFUEFN6R" and item["fddbr"] != "王小明"
        else:
            assert r.status == 502
            assert r.json()["error"] == "upstream_unavailable"
            assert "王小明".encode() not in r.body
    finally:
        server.shutdown()


def test_a_catalog_change_applies_and_a_broken_one_keeps_the_old(gw, caplog):
    path = Path(gw.config.catalog)
    original = path.read_text(encoding="utf-8")
    assert gw.get("/ga/population", dept="RS").status == 403
    path.write_text(original.replace("share: conditional", "share: unconditional", 1), encoding="utf-8")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    deadline = time.monotonic() + 2.5
    while time.monotonic() < deadline and gw.get("/ga/population", dept="RS").status != 200:
        time.sleep(0.1)
    assert gw.get("/ga/population", dept="RS").status == 200

    path.write_text(original.replace("share: none", "share: nonsense"), encoding="utf-8")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 2 * 10**9))
    time.sleep(1.0)
    assert gw.get("/ga/population", dept="RS").status == 200  # the last good catalog is still in force
    assert any("catalog not reloaded" in r.getMessage() for r in caplog.records)
    from gateway.audit import Filters, iter_rows
    reloads = [row.record for row in iter_rows(gw.services.engine, gw.config.data_dir, Filters(event="admin"))
               if row.record["action"] == "catalog.reload"]
    assert [r["outcome"] for r in reloads] == ["success", "failure"]
    assert reloads[0]["digest_before"] != reloads[0]["digest_after"]
