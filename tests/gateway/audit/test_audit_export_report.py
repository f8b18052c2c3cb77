"""Export (JSONL/CSV + manifest), queries and the HTML report."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import json
import re

import pytest
from tests.support.audit import db_path, make_config, open_raw, request_record

from gateway.audit import AuditTrail, AuditUnavailable, export, report
from gateway.audit.export import manifest_path
from gateway.audit.hashing import GENESIS, chain_hash
from gateway.audit.query import Filters, iter_rows, parse_time
from gateway.audit.record import canonical
from gateway.store import make_engine


def populate(config):
    """9 requests (MZJ 4, SCJG 3, RSJ 2; 3 denied, 1 with an upstream error) and 2 admin actions."""
    shapes = ["allow", "allow", "deny", "allow", "error", "allow", "deny", "allow", "allow"]
    depts = ["MZJ", "MZJ", "MZJ", "MZJ", "SCJG", "SCJG", "SCJG", "RSJ", "RSJ"]

    async def go(trail):
        for i, (shape, dept) in enumerate(zip(shapes, depts)):
            await trail.append(request_record(i, shape=shape, dept=dept, ts=f"2026-11-2{i % 3}T10:00:0{i}.000Z"))

    with AuditTrail.open(config) as trail:
        asyncio.run(go(trail))
        trail.append_admin("sec", "security_admin", "grant.add", target="g-9", detail={"fields": ["xm"]})
        trail.append_admin("sec", "security_admin", "policy.reload", digest_after="sha256:" + "ef" * 32)


def test_jsonl_export_manifest_matches_the_file_and_the_chain(config, tmp_path):
    populate(config)
    out = tmp_path / "export.jsonl"
    manifest = export(config, out)
    assert manifest == json.loads(manifest_path(out).read_text())
    assert manifest["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert (manifest["records"], manifest["first_seq"], manifest["last_seq"]) == (11, 1, 11)
    assert manifest["chain_head"]["seq"] == 11
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    # a third party can recompute every link from the export alone
    hasher, prev = chain_hash(manifest["hash_algorithm"]), GENESIS
    for line in lines:
        prev = hasher.link(prev, canonical(line["record"]))
        assert prev == line["hash"]
    assert prev == manifest["chain_head"]["hash"]


def test_export_time_range_and_csv(config, tmp_path):
    populate(config)
    out = tmp_path / "day.csv"
    manifest = export(config, out, "csv", parse_time("2026-11-21"), parse_time("2026-11-21", end=True))
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == manifest["records"] == 3
    assert {r["ts"][:10] for r in rows} == {"2026-11-21"}
    assert json.loads(rows[0]["masking"])[0]["entity"] == "CN_ID_CARD"
    assert manifest["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()


def test_csv_cells_cannot_become_spreadsheet_formulas(config, tmp_path):
    with AuditTrail.open(config) as trail:
        asyncio.run(trail.append(request_record(1, reason="=HYPERLINK(\"x\")")))
    out = tmp_path / "x.csv"
    export(config, out, "csv")
    [row] = list(csv.DictReader(out.open(encoding="utf-8")))
    assert row["reason"] == "'=HYPERLINK(\"x\")"


def test_an_export_whose_audit_record_fails_is_not_published(config, tmp_path):
    populate(config)
    out = tmp_path / "never.jsonl"

    def refuse(manifest):
        raise AuditUnavailable("database is locked")

    with pytest.raises(AuditUnavailable):
        export(config, out, before_publish=refuse)
    assert not out.exists() and not manifest_path(out).exists()
    assert list(tmp_path.glob(".never*")) == []


def test_queries_filter_on_every_indexed_column(config):
    populate(config)
    engine = make_engine(config.db_url)
    seqs = lambda **f: [r.seq for r in iter_rows(engine, config.data_dir, Filters(**f))]  # noqa: E731
    assert seqs(dept="MZJ") == [1, 2, 3, 4]
    assert seqs(decision="deny") == [3, 5, 7]
    assert seqs(status=502) == [5]
    assert seqs(resource="SCJG-QY-0001") == [2, 4, 6, 8]
    assert seqs(app="dibao-check", dept="RSJ") == [8, 9]
    assert seqs(request_id=request_record(6)["request_id"]) == [7]
    assert seqs(event="admin") == [10, 11]
    assert seqs(from_ts=parse_time("2026-11-22"), event="request") == [3, 6, 9]
    assert seqs(to_ts=parse_time("2026-11-20", end=True), event="request") == [1, 4, 7]


def test_report_html_counts_charts_and_chain_status(config):
    populate(config)
    html = report(config, None, None)
    cell = lambda section, key: re.search(  # noqa: E731
        rf'<tr data-section="{section}"><td>{re.escape(key)}</td><td class="n">(\d+)</td></tr>', html).group(1)
    assert (cell("dept", "MZJ"), cell("dept", "SCJG"), cell("dept", "RSJ")) == ("4", "3", "2")
    assert (cell("resource", "GA-RK-0001"), cell("resource", "SCJG-QY-0001")) == ("5", "4")
    assert (cell("denials", "no_grant"), cell("denials", "upstream_error")) == ("2", "1")
    assert (cell("masking", "CN_ID_CARD"), cell("masking", "PERSON")) == ("18", "18")  # 6 allowed × 3
    assert cell("grants", "g-0") == "2"  # allowed requests 0 and 8 carry grant g-0
    assert (cell("admin", "grant.add"), cell("admin", "policy.reload")) == ("1", "1")
    assert 'data-summary="denied">3<' in html and 'data-summary="requests">9<' in html
    assert 'data-chain="intact"' in html
    assert html.count("<svg") == 6
    assert "<script" not in html and "src=" not in html and "href=" not in html


def test_report_time_range_and_a_broken_chain(config):
    populate(config)
    conn = open_raw(db_path(config))
    conn.execute("DELETE FROM audit_records WHERE seq=4")
    conn.close()
    html = report(config, parse_time("2026-11-20"), parse_time("2026-11-20", end=True))
    assert 'data-summary="requests">2<' in html  # seq 1 and 7 (seq 4 was removed)
    assert 'data-chain="deleted"' in html and "NOT INTACT" in html


def test_report_escapes_values(config):
    with AuditTrail.open(config) as trail:
        asyncio.run(trail.append(request_record(1, dept="<img onerror=x>")))
    html = report(config, None, None)
    assert "<img" not in html and "&lt;img onerror=x&gt;" in html


def test_report_of_an_empty_trail(tmp_path):
    html = report(make_config(tmp_path / "empty"), None, None)
    assert 'data-summary="records">0<' in html and 'data-chain="intact"' in html
