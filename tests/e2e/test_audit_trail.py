"""The audit trail as real traffic writes it: one record per request, chained, verifiable, free of PII."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone



from gateway.audit import REQUEST_FIELDS, Filters, iter_rows, verify
from gateway.demo.data import demo_data
from gateway.demo.identifiers import is_valid_bank_card, is_valid_mobile, is_valid_resident_id

PURPOSE = "最低生活保障资格核查"


def records(gw, **filters) -> list[dict]:
    return [row.record for row in iter_rows(gw.services.engine, gw.config.data_dir, Filters(**filters))]


def request_record(gw, request_id: str) -> dict:
    (rec,) = records(gw, request_id=request_id, event="request")
    return rec


def test_allow_deny_and_error_records_carry_every_field(gateway_factory, demo_upstreams):
    import socket

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


def test_n_concurrent_requests_make_exactly_n_records_and_the_chain_verifies(gw):
    n = 60

    def call(i):
        return gw.get("/scjg/enterprises?size=3", dept="MZ", headers={"X-Request-Id": f"concurrent-{i:05d}"})

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = [r.status for r in pool.map(call, range(n))]
    assert statuses == [200] * n
    from gateway.audit.clean import Cleaner  # the caller's ids are recorded as keyed hashes

    cleaner = Cleaner(gw.services.pseudonyms.key_for("audit-record"))
    sent = {cleaner.request_id(f"concurrent-{i:05d}", True) for i in range(n)}
    mine = [rec for rec in records(gw, event="request") if rec["correlation_id"] in sent]
    assert len({rec["correlation_id"] for rec in mine}) == len({rec["request_id"] for rec in mine}) == len(mine) == n
    result = verify(gw.config)
    assert result.ok, result.detail


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


ID18 = re.compile(rb"(?<![0-9])[1-8][0-9]{16}[0-9Xx](?![0-9])")
MOBILE = re.compile(rb"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
CARD = re.compile(rb"(?<![0-9])[0-9]{16,19}(?![0-9])")


# Hashes, request ids and signatures written as hex (32 characters or more): their decimal runs are
# random, and one in a few hundred digests holds a Luhn-valid 16-19 digit run. Blanked before the scan.
HEX_TOKEN = re.compile(rb"(?<![0-9A-Za-z])(?=[0-9]*[a-fA-F])[0-9a-fA-F]{32,}(?![0-9A-Za-z])")


def pii_in(blob: bytes, names: set[str]) -> list[str]:
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
