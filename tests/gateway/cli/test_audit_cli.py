"""`govshare audit …`: exit codes, output, and the administrator records the commands leave."""

from __future__ import annotations

import asyncio
import getpass
import hashlib
import json

from tests.support.audit import db_path, make_config, open_raw, request_record

from gateway.audit import AuditTrail, verify
from gateway.cli import main
from gateway.audit.query import Filters, iter_rows
from gateway.store import make_engine


def fill(data_dir, n=6, ts=None):
    config = make_config(data_dir)

    async def go(trail):
        for i in range(n):
            await trail.append(request_record(i, shape=("allow", "deny")[i % 2], **({"ts": ts} if ts else {})))

    with AuditTrail.open(config) as trail:
        asyncio.run(go(trail))
    return config


def admin_records(config):
    return [r.record for r in iter_rows(make_engine(config.db_url), config.data_dir, Filters(event="admin"))]


def audit(data_dir, *argv):
    return main(["--data-dir", str(data_dir), "audit", *argv])


def test_verify_exits_zero_when_intact_and_records_the_check(tmp_path, capsys):
    config = fill(tmp_path / "var")
    assert audit(config.data_dir, "verify") == 0
    assert "INTACT: 6 record(s)" in capsys.readouterr().out
    [rec] = admin_records(config)
    assert (rec["actor"], rec["role"], rec["action"], rec["outcome"]) == (getpass.getuser(), "audit_admin",
                                                                          "audit.verify", "success")
    assert rec["detail"]["records"] == 6


def test_verify_exits_nonzero_and_names_the_first_bad_record_and_kind(tmp_path, capsys):
    config = fill(tmp_path / "var")
    conn = open_raw(db_path(config))
    conn.execute("DELETE FROM audit_records WHERE seq=3")
    conn.close()
    assert audit(config.data_dir, "verify") == 1
    out = capsys.readouterr().out
    assert "NOT INTACT: deleted at seq 3" in out
    assert "first bad record: [live] seq 4:" in out
    rec = admin_records(config)[-1]
    assert (rec["outcome"], rec["detail"]["kind"], rec["detail"]["first_bad_seq"]) == ("failure", "deleted", 3)


def test_export_writes_file_manifest_and_an_admin_record_with_its_hash(tmp_path, capsys):
    config = fill(tmp_path / "var")
    out = tmp_path / "out.jsonl"
    assert audit(config.data_dir, "export", "--format", "jsonl", "--out", str(out)) == 0
    manifest = json.loads((tmp_path / "out.jsonl.manifest.json").read_text())
    assert manifest["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert manifest["records"] == 6
    [rec] = admin_records(config)
    assert (rec["action"], rec["digest_after"], rec["detail"]["records"]) == ("audit.export", manifest["sha256"], 6)
    assert verify(config).ok


def test_query_json_csv_and_table(tmp_path, capsys):
    config = fill(tmp_path / "var")
    assert audit(config.data_dir, "query", "--decision", "deny", "--json") == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["seq"] for x in lines] == [2, 4, 6] and all(x["record"]["decision"] == "deny" for x in lines)
    assert audit(config.data_dir, "query", "--dept", "MZJ", "--csv") == 0
    csv_lines = capsys.readouterr().out.splitlines()
    assert csv_lines[0].startswith("seq,hash,ts,event") and len(csv_lines) == 1 + 2
    assert audit(config.data_dir, "query", "--status", "200") == 0
    table = capsys.readouterr().out.splitlines()
    assert len(table) == 1 + 3 and "allow" in table[1]
    assert audit(config.data_dir, "query", "--from", "not-a-date") == 2


def test_tail_shows_the_newest_records(tmp_path, capsys):
    config = fill(tmp_path / "var")
    assert audit(config.data_dir, "tail", "-n", "2") == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out[1:]] == ["5", "6"]


def test_report_writes_html_and_is_audited(tmp_path, capsys):
    config = fill(tmp_path / "var")
    out = tmp_path / "r.html"
    assert audit(config.data_dir, "report", "--from", "2026-11-01", "--to", "2026-11-30", "--out", str(out)) == 0
    html = out.read_text(encoding="utf-8")
    assert 'data-summary="requests">6<' in html
    assert admin_records(config)[-1]["action"] == "audit.report"


def test_archive_command_moves_old_records_and_is_audited(tmp_path, capsys):
    config = fill(tmp_path / "var", n=4, ts="2024-01-01T00:00:00.000Z")
    assert audit(config.data_dir, "archive") == 0
    assert "archived 3 record(s), seq 1..3" in capsys.readouterr().out  # the head always stays live
    assert admin_records(config)[-1]["action"] == "audit.archive"
    assert verify(config).ok


def test_the_main_govshare_cli_dispatches_audit_commands(tmp_path, capsys):
    from gateway.cli import main as govshare

    config = fill(tmp_path / "var")
    assert govshare(["audit", "verify", "--data-dir", str(config.data_dir)]) == 0
    assert "INTACT" in capsys.readouterr().out


def test_verify_in_an_empty_directory_refuses_and_creates_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GOVSHARE_DATA_DIR", raising=False)
    assert main(["audit", "verify"]) == 1
    out, err = capsys.readouterr()
    assert "INTACT" not in out and "no data directory var" in err
    assert list(tmp_path.iterdir()) == []


def test_init_creates_a_data_directory_once_and_records_who(tmp_path, capsys):
    data_dir = tmp_path / "var"
    assert main(["init", "--data-dir", str(data_dir), "--by", "officer-li"]) == 0
    assert (data_dir / "govshare.db").exists()
    assert main(["audit", "verify", "--data-dir", str(data_dir)]) == 0
    assert main(["init", "--data-dir", str(data_dir)]) == 1
    records = admin_records(make_config(data_dir))
    assert any(r["action"] == "data_dir.init" and r["actor"] == "officer-li" for r in records)


def test_verify_json_and_the_named_officer_in_the_trail(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GOVSHARE_ADMIN", "env-officer")
    fill(tmp_path, 3)
    capsys.readouterr()
    assert audit(tmp_path, "verify", "--json", "--by", "auditor-wang") == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is True and result["records"] == 3
    assert audit(tmp_path, "verify") == 0
    actors = [r["actor"] for r in admin_records(make_config(tmp_path)) if r["action"] == "audit.verify"]
    assert actors == ["auditor-wang", "env-officer"]  # --by, else $GOVSHARE_ADMIN
