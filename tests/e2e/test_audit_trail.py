"""The audit trail as real traffic writes it: one record per request, chained, verifiable, free of PII."""

from __future__ import annotations

import json
import logging
import re
import socket
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from gateway.audit import REQUEST_FIELDS, Filters, iter_rows, verify
from gateway.audit.clean import Cleaner
from gateway.demo.data import demo_data
from gateway.demo.identifiers import is_valid_bank_card, is_valid_mobile, is_valid_resident_id
from tests.support.waiting import wait_for

PURPOSE = "最低生活保障资格核查"


def records(gw, **filters) -> list[dict]:
    return [row.record for row in iter_rows(gw.services.engine, gw.config.data_dir, Filters(**filters))]


def request_record(gw, request_id: str) -> dict:
    (rec,) = records(gw, request_id=request_id, event="request")
    return rec


def test_allow_deny_and_error_records_carry_every_field(gateway_factory, demo_upstreams):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    gw = gateway_factory(upstream_urls=dict(demo_upstreams.urls, RS=f"http://127.0.0.1:{dead}"))
    allow = gw.get("/ga/population?size=2", dept="GA", purpose=PURPOSE)
    deny = gw.get("/ga/population", dept="MZ", purpose=PURPOSE)
    unauth = gw.request("GET", "/scjg/enterprises", token="garbage")
    error = gw.get("/rs/hr-agencies", dept="MZ")
    assert (allow.status, deny.status, unauth.status, error.status) == (200, 403, 401, 502)

    for resp in (allow, deny, unauth, error):
        rec = request_record(gw, resp.headers["x-request-id"])
        assert set(REQUEST_FIELDS) <= set(rec), set(REQUEST_FIELDS) - set(rec)
        assert rec["status"] == resp.status
        assert rec["ts"].endswith("Z") and rec["latency_ms"] >= 0

    a = request_record(gw, allow.headers["x-request-id"])
    assert (a["decision"], a["reason"], a["rule"], a["dept"], a["resource"]) == \
        ("allow", "own_department", "base:own-department", "GA", "GA-RK-0001")
    assert a["policy_version"] and a["purpose"] == PURPOSE and a["bytes_out"] > 0
    assert a["subject"].startswith("sub_")
    d = request_record(gw, deny.headers["x-request-id"])
    assert (d["decision"], d["reason"], d["status"]) == ("deny", "no_grant", 403)
    u = request_record(gw, unauth.headers["x-request-id"])
    assert (u["decision"], u["reason"], u["dept"]) == ("deny", "malformed", None)
    e = request_record(gw, error.headers["x-request-id"])
    assert (e["decision"], e["reason"], e["error"]) == ("deny", "upstream_unavailable", "upstream_unavailable")


def test_masking_summary_is_recorded_without_values(gw):
    r = gw.get("/scjg/enterprises?size=5", dept="MZ")
    assert r.status == 200
    rec = request_record(gw, r.headers["x-request-id"])
    entities = {m["entity"] for m in rec["masking"]}
    assert "PERSON" in entities
    assert all(set(m) == {"path", "entity", "operator", "count"} for m in rec["masking"])
    raw = json.dumps(rec, ensure_ascii=False)
    for item in r.json()["data"]["items"]:
        assert item["qymc"] not in raw


def test_n_concurrent_requests_make_exactly_n_records_and_the_chain_verifies(gw, capsys):
    n = 60

    def call(i):
        return gw.get("/scjg/enterprises?size=3", dept="MZ", headers={"X-Request-Id": f"concurrent-{i:05d}"})

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = [r.status for r in pool.map(call, range(n))]
    assert statuses == [200] * n

    cleaner = Cleaner(gw.services.pseudonyms.key_for("audit-record"))
    sent = {cleaner.request_id(f"concurrent-{i:05d}", True) for i in range(n)}
    mine = [rec for rec in records(gw, event="request") if rec["correlation_id"] in sent]
    assert len({rec["correlation_id"] for rec in mine}) == len({rec["request_id"] for rec in mine}) == len(mine) == n
    result = verify(gw.config)
    assert result.ok, result.detail
    capsys.readouterr()
    assert gw.cli("audit", "query", "--request-id", "concurrent-00007", "--json") == 0  # found by the caller's id
    [line] = capsys.readouterr().out.splitlines()
    assert json.loads(line)["record"]["correlation_id"] == cleaner.request_id("concurrent-00007", True)


def test_grant_changes_by_the_cli_are_admin_records(gw):
    until = (datetime.now(timezone.utc) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert gw.cli("grant", "add", "--dept", "MZ", "--resource", "GA-RK-0001", "--purpose", PURPOSE,
                  "--until", until, "--by", "officer-li") == 0
    (admin,) = [r for r in records(gw, event="admin") if r["action"] == "grant.add"]
    assert (admin["actor"], admin["role"], admin["action"], admin["target"]) == \
        ("officer-li", "security_admin", "grant.add", "GA-RK-0001")
    assert admin["digest_before"] != admin["digest_after"]
    assert verify(gw.config).ok


def test_a_locked_database_answers_503_and_releases_nothing(gateway_factory):
    gw = gateway_factory(sections={"audit": {"write_timeout_seconds": 1.0}})
    assert gw.get("/scjg/enterprises?size=1", dept="MZ").status == 200
    db = gw.config.db_url.removeprefix("sqlite:///")
    blocker = sqlite3.connect(db, timeout=0.1)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        r = gw.get("/scjg/enterprises?size=3", dept="MZ")
    finally:
        blocker.rollback()
        blocker.close()
    assert r.status == 503
    assert r.json()["error"] == "audit_unavailable"
    assert b"tyshxydm" not in r.body and b"qymc" not in r.body


def test_a_call_refused_503_while_the_database_was_locked_is_recorded_as_that_503_once(gateway_factory):
    """The record carries what the caller got: the timed-out write is never committed after the lock goes;
    one deny record (503, audit_unavailable) is written instead, once the store is back."""
    gw = gateway_factory(sections={"audit": {"write_timeout_seconds": 0.5}})
    assert gw.get("/scjg/enterprises?size=1", dept="MZ").status == 200
    db = gw.config.db_url.removeprefix("sqlite:///")
    blocker = sqlite3.connect(db, timeout=0.1, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        refused = [gw.get("/scjg/enterprises?size=2", dept="MZ") for _ in range(3)]
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert [r.status for r in refused] == [503, 503, 503]
    after = gw.get("/scjg/enterprises?size=1", dept="MZ")
    assert after.status == 200
    ids = [r.headers["x-request-id"] for r in refused]
    # Wait (a condition, not a sleep) until the trail holds a record for every refused call.
    found = wait_for(lambda: {rid: records(gw, request_id=rid, event="request") for rid in ids},
                     until=lambda got: all(got.values()), timeout=15)
    for rid, recs in found.items():
        assert len(recs) == 1, (rid, recs)
        rec = recs[0]
        assert (rec["status"], rec["decision"], rec["reason"]) == (503, "deny", "audit_unavailable"), rec
    assert request_record(gw, after.headers["x-request-id"])["status"] == 200
    result = verify(gw.config)
    assert result.ok, result.detail


ID18 = re.compile(rb"(?<![0-9])[1-8][0-9]{16}[0-9Xx](?![0-9])")
MOBILE = re.compile(rb"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
CARD = re.compile(rb"(?<![0-9])[0-9]{16,19}(?![0-9])")


# Hashes, request ids and signatures written as hex (32 characters or more): their decimal runs are
# random, and one in a few hundred digests holds a Luhn-valid 16-19 digit run. Blanked before the scan.
HEX_TOKEN = re.compile(rb"(?<![0-9A-Za-z])(?=[0-9]*[a-fA-F])[0-9a-fA-F]{32,}(?![0-9A-Za-z])")


# The gateway's process id is `hostname:pid:start` (the console's instances table). A container's hostname
# is 12 hex characters and may hold a mobile-shaped digit run: it is the machine's name, not data.
HOSTNAME = socket.gethostname().encode()


def pii_in(blob: bytes, names: set[str]) -> list[str]:
    blob = blob.replace(HOSTNAME, b"-" * len(HOSTNAME)) if HOSTNAME else blob
    blob = HEX_TOKEN.sub(lambda m: b"-" * len(m.group()), blob)
    found = [m.decode() for m in ID18.findall(blob) if is_valid_resident_id(m.decode())]
    found += [m.decode() for m in MOBILE.findall(blob) if is_valid_mobile(m.decode())]
    found += [m.decode() for m in CARD.findall(blob) if is_valid_bank_card(m.decode())]
    text = blob.decode("utf-8", "replace")
    found += [n for n in names if n in text]
    return found


def demo_names() -> set[str]:
    data = demo_data()
    names = {r["xm"] for ds in (data.persons, data.subsidies, data.fugitives) for r in ds.records}
    names |= {r["fddbr"] for r in data.enterprises.records}
    return {n for n in names if len(n) >= 2}


def test_no_pii_in_the_audit_database_or_the_logs_after_demo_traffic(gw, caplog):
    from tests.support.grants import add_grant

    caplog.set_level(logging.DEBUG)
    person = demo_data().persons.records[0]
    add_grant(gw, dept="MZ", resource="GA-RK-0001", purpose=PURPOSE, fields=("xm", "sfzh", "sjhm"))
    gw.services.reload()
    calls = [
        ("/ga/population?size=20", "MZ", PURPOSE),                       # granted, names/IDs revealed to caller
        (f"/ga/population/{person['sfzh']}", "MZ", PURPOSE),            # an ID number in the path
        (f"/ga/population?sfzh={person['sfzh']}&sjhm={person['sjhm']}", "MZ", PURPOSE),  # PII in the query
        ("/scjg/enterprises?size=50", "MZ", None),
        ("/mz/subsidies?size=50", "MZ", None),                           # own department: all plain
        ("/ga/fugitives", "MZ", PURPOSE),
        ("/scjg/annual-reports?size=20", "SCJG", None),
        ("/rs/hr-agencies", "GA", None),
    ]
    for path, dept, purpose in calls:
        assert gw.get(path, dept=dept, purpose=purpose).status in (200, 403, 404)
    # caller-controlled headers carrying PII: a mobile as request id
    gw.get("/scjg/enterprises", dept="MZ", headers={"X-Request-Id": person["sjhm"]})
    gw.request("GET", f"/ga/population?sfzh={person['sfzh']}", token=f"{person['sfzh']}.{person['sjhm']}.x")
    gw.services.audit.checkpoint()

    names = demo_names()
    data_dir = gw.config.data_dir
    blobs = {p.name: p.read_bytes() for p in data_dir.rglob("*") if p.is_file() and "keys" not in p.parts}
    assert any(name.startswith("govshare.db") for name in blobs)
    for name, blob in blobs.items():
        assert pii_in(blob, names) == [], name
    logs = "\n".join(r.getMessage() for r in caplog.records).encode()
    assert pii_in(logs, names) == []
    assert len(records(gw, event="request")) >= len(calls) + 2


def test_the_query_string_is_recorded_masked(gw):
    person = demo_data().persons.records[3]
    r = gw.get(f"/scjg/enterprises?page=2&sfzh={person['sfzh']}&sjhm={person['sjhm']}", dept="MZ")
    rec = request_record(gw, r.headers["x-request-id"])
    assert rec["query"].startswith("page=2&sfzh=")
    assert person["sfzh"] not in rec["query"] and person["sjhm"] not in rec["query"]
    assert person["sfzh"][-4:] in rec["query"]  # masked, not dropped: first 6 / last 4 kept


def test_keys_created_at_start_are_admin_records(gateway_factory, tmp_path):
    custody = tmp_path / "custody" / "audit-signing.key"  # a key of its own: the session's one already exists
    gw = gateway_factory(sections={"audit": {"signing_key": str(custody)}})
    created = {r["target"] for r in records(gw, event="admin") if r["action"] == "key.create"}
    assert "keys/pilot-es256.pem" in created
    assert "audit-signing-key" in created and any("pseudonym" in t for t in created)
    assert custody.exists() and not custody.is_relative_to(gw.config.data_dir)


# ------------------------------------------------------------------ exactly one record per request, whatever happens
class RawProvider:
    """A provider that misbehaves on purpose, on a free loopback port: each connection reads one request head,
    tells the test it arrived (`arrived`), then does what `behaviour(conn, release)` says."""

    def __init__(self, behaviour):
        import socket

        self.behaviour = behaviour
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                self.arrived.set()
                try:
                    self.behaviour(conn, self.release)
                except OSError:
                    pass

    def close(self):
        self.release.set()
        self.sock.close()


def request_records(gw) -> list[dict]:
    return records(gw, event="request")


def raw_call(gw, head: bytes):
    import socket

    sock = socket.create_connection(gw.gateway.address, timeout=20)
    sock.sendall(head)
    return sock


def get_head(gw, path: str, purpose: str, dept: str = "MZ") -> bytes:
    token = gw.token(dept, purpose=purpose)
    return (f"GET {path} HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer {token}\r\n\r\n").encode()


def one_record_for(gw, purpose: str) -> dict:
    """Wait until the call with this purpose has its record; then a sentinel call proves no second one came."""
    from tests.support.waiting import wait_for

    found = wait_for(lambda: [r for r in request_records(gw) if r["purpose"] == purpose], until=bool, timeout=20)
    assert gw.get("/scjg/enterprises?size=1", dept="MZ", purpose="sentinel").status == 200
    assert [r for r in request_records(gw) if r["purpose"] == purpose] == found
    (rec,) = found
    return rec


def _slow_then_answer(conn, release):
    release.wait(20)
    body = b'{"data": {"items": [], "total": 0}}'
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                 % (len(body), body))


def test_a_client_that_disconnects_while_the_provider_works_leaves_one_record(gateway_factory, demo_upstreams):
    provider = RawProvider(_slow_then_answer)
    try:
        gw = gateway_factory(upstream_urls=dict(demo_upstreams.urls, RS=provider.url))
        sock = raw_call(gw, get_head(gw, "/rs/hr-agencies", "断开-等待中"))
        assert provider.arrived.wait(10)
        sock.close()  # the caller gives up before the provider answers
        provider.release.set()
        rec = one_record_for(gw, "断开-等待中")
        assert rec["decision"] == "deny" and rec["resource"] is not None
    finally:
        provider.close()


def _large_answer(conn, release):
    item = '{"jgmc": "人力资源服务机构%06d", "dz": "北京市朝阳区建国路%d号"}'
    items = ",".join(item % (i, i) for i in range(40000))
    body = ('{"data": {"items": [%s], "total": 40000}}' % items).encode()
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body))
    conn.sendall(body)


def test_a_client_that_disconnects_mid_response_leaves_one_record(gateway_factory, demo_upstreams):
    provider = RawProvider(_large_answer)
    try:
        gw = gateway_factory(upstream_urls=dict(demo_upstreams.urls, RS=provider.url))
        sock = raw_call(gw, get_head(gw, "/rs/hr-agencies", "断开-传输中"))
        first = sock.recv(1024)  # the head and the start of the body, then the caller goes away
        assert first.startswith(b"HTTP/1.1 ")
        sock.close()
        one_record_for(gw, "断开-传输中")
    finally:
        provider.close()


@pytest.mark.parametrize("answer", [
    b"NOT HTTP AT ALL\r\n\r\n",                                                          # framing: no status line
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"a\": 1",  # truncated
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",    # contradicting framing
])
def test_provider_framing_errors_leave_one_record_and_answer_502(gateway_factory, demo_upstreams, answer):
    provider = RawProvider(lambda conn, release: conn.sendall(answer))
    purpose = f"帧错误-{hash(answer) & 0xffff}"
    try:
        gw = gateway_factory(upstream_urls=dict(demo_upstreams.urls, RS=provider.url))
        sock = raw_call(gw, get_head(gw, "/rs/hr-agencies", purpose))
        from tests.support.http import read_response

        reply = read_response(sock)
        sock.close()
        assert reply.startswith(b"HTTP/1.1 502 ")
        rec = one_record_for(gw, purpose)
        assert (rec["decision"], rec["status"]) == ("deny", 502)
    finally:
        provider.close()


def test_unexpected_provider_bytes_are_logged_without_their_content(gateway_factory, demo_upstreams, caplog):
    person = demo_data().persons.records[0]
    body = b'{"data": {"items": [], "total": 0}}'
    extra = f'{{"sfzh": "{person["sfzh"]}"}}'.encode()
    provider = RawProvider(lambda conn, release: conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s%s"
        % (len(body), body, extra)))
    caplog.set_level(logging.DEBUG)
    try:
        gw = gateway_factory(upstream_urls=dict(demo_upstreams.urls, RS=provider.url))
        sock = raw_call(gw, get_head(gw, "/rs/hr-agencies", "多余字节"))
        from tests.support.http import read_response

        assert read_response(sock).startswith(b"HTTP/1.1 200 ")
        sock.close()
        one_record_for(gw, "多余字节")
        from tests.support.waiting import wait_for

        wait_for(lambda: [r for r in caplog.records if "Unexpected data from server" in r.getMessage()])
    finally:
        provider.close()
    logs = "\n".join(r.getMessage() for r in caplog.records)
    assert person["sfzh"] not in logs and "bytes>" in logs


@pytest.mark.parametrize("head", [
    b"GARBAGE\r\n\r\n",                                                  # no request line mitmproxy can read
    b"GET /scjg/enterprises HTTP/1.1\r\nHost: gw\r\nBad Header Line\r\n\r\n",  # an unreadable header
    b"GET /scjg/enterprises HTTP/1.1\r\nHost: gw\r\nContent-Length: abc\r\n\r\n",  # an unreadable body size
])
def test_requests_mitmproxy_refuses_itself_leave_one_record(gw, head):
    from tests.support.http import read_response
    from tests.support.waiting import wait_for

    before = len(request_records(gw))
    sock = raw_call(gw, head)
    reply = read_response(sock)
    sock.close()
    assert reply.startswith(b"HTTP/1.1 400 ")
    after = wait_for(lambda: request_records(gw), until=lambda rs: len(rs) == before + 1, timeout=10)
    rec = after[-1]
    assert (rec["decision"], rec["status"], rec["dept"]) == ("deny", 400, None)
    assert b"GARBAGE" not in json.dumps(rec).encode() and "Bad Header" not in json.dumps(rec)
    assert gw.get("/scjg/enterprises?size=1", dept="MZ").status == 200
    assert len(request_records(gw)) == before + 2


def test_a_running_gateways_data_directory_is_owner_only(gw):
    """Every directory 0700, every file 0600 — except the public CA certificates mitmproxy writes beside its
    key (0644, inside the 0700 confdir, so still out of other accounts' reach)."""
    import stat

    assert gw.get("/scjg/enterprises?size=1", dept="MZ").status == 200
    gw.services.audit.checkpoint()
    root = gw.config.data_dir
    public = {"mitmproxy-ca-cert.cer", "mitmproxy-ca-cert.p12", "mitmproxy-ca-cert.pem", "mitmproxy-dhparam.pem"}
    loose = {}
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        wanted = 0o700 if path.is_dir() else 0o600
        if mode != wanted and not (path.name in public and path.parent.name == "mitmproxy"):
            loose[str(path.relative_to(root))] = oct(mode)
    names = {p.name for p in root.rglob("*")}
    assert {"govshare.db", "govshare.db-wal", "checkpoints.jsonl", "mitmproxy-ca.pem"} <= names
    assert loose == {}


def test_tokens_in_the_query_and_names_used_as_keys_never_reach_the_record(gateway_factory, demo_upstreams):
    person = demo_data().persons.records[2]
    doc = {"records": {person["xm"]: {"sfzh": person["sfzh"], "sjhm": person["sjhm"]}}}
    body = json.dumps(doc, ensure_ascii=False).encode()
    provider = RawProvider(lambda conn, release: conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)))
    try:
        gw = gateway_factory(upstream_urls=dict(demo_upstreams.urls, RS=provider.url))
        token = gw.token("MZ", purpose="键即是值")
        r = gw.request("GET", f"/rs/hr-agencies?access_token={token}&jwt={token}&page=1", token=token)
        assert r.status == 200 and person["sfzh"] not in r.body.decode()
        rec = one_record_for(gw, "键即是值")
    finally:
        provider.close()
    text = json.dumps(rec, ensure_ascii=False)
    assert token not in text and token[:20] not in text
    assert rec["query"] == "access_token=[token]&jwt=[token]&page=1"
    paths = [m["path"] for m in rec["masking"]]
    assert paths and all(person["xm"] not in p for p in paths)
    assert any(re.fullmatch(r"\$\.records\.#h_[0-9a-f]{16}\.(sfzh|sjhm)", p) for p in paths), paths


@pytest.mark.parametrize("sent, reason, status", [
    (b"GET /scjg/enterpr", "incomplete_request", None),              # part of a head, then the caller leaves
    # mid-body: mitmproxy refuses the unfinished body with a 400 (which the departed caller never reads)
    (b"GET /scjg/enterprises HTTP/1.1\r\nHost: gw\r\nContent-Length: 100\r\n\r\n0123456789", "bad_request", 400),
])
def test_a_request_the_client_never_finished_leaves_one_record(gw, sent, reason, status):
    from tests.support.waiting import wait_for

    before = len(request_records(gw))
    sock = raw_call(gw, sent)
    sock.shutdown(1)  # nothing more will come
    sock.close()
    after = wait_for(lambda: request_records(gw), until=lambda rs: len(rs) == before + 1, timeout=10)
    rec = after[-1]
    assert (rec["decision"], rec["reason"], rec["status"]) == ("deny", reason, status)
    assert gw.get("/scjg/enterprises?size=1", dept="MZ").status == 200
    assert len(request_records(gw)) == before + 2


def test_a_gateway_signs_at_start_the_tail_a_killed_gateway_left_unanchored(tmp_path, gateway_factory, demo_upstreams):
    """A gateway killed between a commit and its checkpoint leaves records past the last checkpoint; the next
    gateway on that data signs the head it finds before serving, so verify's tail window holds."""
    import asyncio

    from gateway.audit import AuditTrail
    from gateway.audit.checkpoint import checkpoint_path, last_checkpoint
    from tests.support.audit import request_record
    from tests.support.gateway import make_config

    config = make_config(tmp_path, demo_upstreams.urls, {"audit": {"checkpoint_every": 1_000_000,
                                                                   "checkpoint_seconds": 3600.0}})
    crashed = AuditTrail.open(config)  # never closed: no final checkpoint, as after kill -9
    seq = asyncio.run(crashed.append(request_record(1)))
    last = last_checkpoint(checkpoint_path(config.data_dir))
    assert last is None or last.seq < seq
    gw = gateway_factory(config=config)
    cp = last_checkpoint(checkpoint_path(config.data_dir))
    assert cp is not None and cp.seq >= seq
    assert gw.get("/scjg/enterprises?size=1", dept="MZ").status == 200
