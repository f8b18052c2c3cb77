"""The period report in Chinese with local time (UTC+08:00): text, CSV and PDF through `govshare audit
report`, on a real SQLite trail."""

from __future__ import annotations

import asyncio
import csv
import io
from collections import defaultdict

import pypdf

from gateway.audit import AuditTrail
from gateway.audit.query import Filters, iter_rows
from gateway.cli import main
from gateway.store import make_engine
from tests.support.audit import make_config, request_record


def fill(data_dir):
    """Nine requests on 2026-11-25 (UTC 10:00, local 18:00), one at 2026-11-30T17:00Z (local 1 December)
    and one administrator action at 2026-11-25T02:30Z (local 10:30)."""
    config = make_config(data_dir)

    async def go(trail):
        for i in range(9):
            await trail.append(request_record(i, shape=("allow", "deny", "error")[i % 3]))
        await trail.append(request_record(9, ts="2026-11-30T17:00:00.000Z"))
        await trail.append({"ts": "2026-11-25T02:30:00.000Z", "event": "admin", "actor": "officer-li",
                            "role": "security_admin", "action": "grant.extend", "target": "GA-RK-0001",
                            "digest_before": None, "digest_after": None, "detail": None, "outcome": "success"})

    with AuditTrail.open(config) as trail:
        asyncio.run(go(trail))
    return config


def report(config, *argv) -> int:
    return main(["--data-dir", str(config.data_dir), "audit", "report", "--from", "2026-11-25", "--to", "2026-11-30",
                 *argv])


def test_text_report_is_chinese_in_local_time_and_audited(tmp_path, capsys):
    config = fill(tmp_path / "var")
    capsys.readouterr()
    assert report(config, "--by", "auditor-zhao") == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "govshare 数据共享审计报告"
    assert "统计区间：2026-11-25 00:00:00 至 2026-12-01 00:00:00（北京时间 UTC+08:00" in out
    assert "  调用次数：9" in lines  # the call at local 1 December 01:00 lies outside the local period
    assert "  拒绝：6" in lines and "  错误：3" in lines
    assert any(line.startswith("  ") and "2026-11-25 10:30:00  officer-li  安全管理员  grant.extend" in line
               for line in lines)
    assert "审计链校验：完整" in out
    engine = make_engine(config.db_url)
    try:
        last = list(iter_rows(engine, config.data_dir, Filters(event="admin")))[-1].record
    finally:
        engine.dispose()
    assert (last["action"], last["actor"], last["detail"]["format"], last["target"]) == (
        "audit.report", "auditor-zhao", "text", "stdout")


def test_csv_parses_and_each_section_adds_up_to_its_total(tmp_path, capsys):
    config = fill(tmp_path / "var")
    out = tmp_path / "r.csv"
    assert report(config, "--out", str(out)) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0]) == ["section", "分类", "item", "value"]
    summary = {r["item"]: int(r["value"]) for r in rows if r["section"] == "summary"}
    assert summary["requests"] == 9 and summary["denied"] == 6 and summary["allowed"] == 3
    sums = defaultdict(int)
    for r in rows:
        if r["section"] in ("dept", "resource", "denials", "admin"):
            sums[r["section"]] += int(r["value"])
    assert sums["dept"] == sums["resource"] == summary["requests"]
    assert sums["denials"] == summary["denied"]
    assert sums["admin"] == summary["admin_actions"] == 1
    period = {r["item"]: r["value"] for r in rows if r["section"] == "period"}
    assert period == {"from": "2026-11-25 00:00:00", "to": "2026-12-01 00:00:00"}


def test_pdf_carries_the_chinese_title_and_counts(tmp_path, capsys):
    config = fill(tmp_path / "var")
    out = tmp_path / "r.pdf"
    assert report(config, "--format", "pdf", "--out", str(out)) == 0
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert "数据共享审计报告" in text
    assert "按部门统计调用次数" in text and "officer-li" in text


def test_pdf_needs_an_output_file(tmp_path, capsys):
    config = fill(tmp_path / "var")
    assert report(config, "--format", "pdf") == 2
    assert "needs --out" in capsys.readouterr().err
