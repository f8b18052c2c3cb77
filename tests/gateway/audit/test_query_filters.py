"""Record filters of the audit query (reason, purpose, grant, acting officer) on real SQLite, through
`govshare audit search` and through the console's search function."""

from __future__ import annotations

import asyncio
import json

from gateway.admin.pages_audit import search as console_search
from gateway.audit import AuditTrail
from gateway.audit.query import Filters, iter_rows, record_clauses
from gateway.cli import main
from gateway.store import make_engine
from tests.support.audit import make_config, request_record


def fill(data_dir):
    """12 requests (grants g-0..g-3 on allowed calls, no_grant on denied ones; two purposes) and three
    administrator actions by two officers, one on grant g-1."""
    config = make_config(data_dir)

    async def go(trail):
        for i in range(12):
            await trail.append(request_record(i, shape=("allow", "deny")[i % 2],
                                              purpose="最低生活保障审核" if i < 8 else "住房保障审核"))

    with AuditTrail.open(config) as trail:
        asyncio.run(go(trail))
        trail.append_admin("officer-li", "security_admin", "grant.extend", "GA-RK-0001",
                           detail={"grant_id": "g-1", "reason": "项目延期"})
        trail.append_admin("officer-wang", "security_admin", "grant.revoke", "GA-RK-0001",
                           detail={"grant_id": "g-3"})
        trail.append_admin("officer-li", "audit_admin", "audit.verify", "audit_trail")
    return config


def seqs(config, **filters) -> list[int]:
    engine = make_engine(config.db_url)
    try:
        return [row.seq for row in iter_rows(engine, config.data_dir, Filters(**filters))]
    finally:
        engine.dispose()


def test_each_record_filter_alone_and_combined(tmp_path):
    config = fill(tmp_path / "var")
    first = seqs(config)[0]
    rel = lambda found: [s - first for s in found]  # noqa: E731 - positions in the order written
    assert rel(seqs(config, reason="no_grant")) == [1, 3, 5, 7, 9, 11]
    assert rel(seqs(config, purpose="住房保障审核")) == [8, 9, 10, 11]
    assert rel(seqs(config, purpose="住房保障审核", reason="grant")) == [8, 10]
    assert rel(seqs(config, grant_id="g-1")) == [12]  # odd calls are denials without a grant; the extension
    assert rel(seqs(config, grant_id="g-0")) == [0, 4, 8]
    assert rel(seqs(config, actor="officer-li")) == [12, 14]
    assert rel(seqs(config, actor="officer-li", grant_id="g-1")) == [12]
    assert seqs(config, actor="nobody") == []


def test_python_match_agrees_without_the_sqlite_pushdown(tmp_path):
    """Archived segments and other databases rely on Filters.matches alone."""
    config = fill(tmp_path / "var")
    engine = make_engine(config.db_url)
    try:
        rows = list(iter_rows(engine, config.data_dir, Filters()))
    finally:
        engine.dispose()
    for filters in (Filters(reason="no_grant"), Filters(grant_id="g-3"), Filters(actor="officer-wang"),
                    Filters(purpose="住房保障审核", decision="allow")):
        assert [r.seq for r in rows if filters.matches(r.record)] == seqs(config, **vars(filters))
    assert len(record_clauses(Filters(reason="x", actor="y"), "postgresql")) == 1  # only the event narrowing


def test_cli_search_filters_and_json(tmp_path, capsys):
    config = fill(tmp_path / "var")
    capsys.readouterr()
    code = main(["--data-dir", str(config.data_dir), "audit", "search", "--reason", "no_grant",
                 "--purpose", "住房保障审核", "--json"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0 and len(lines) == 2
    assert all(json.loads(x)["record"]["reason"] == "no_grant" for x in lines)
    code = main(["--data-dir", str(config.data_dir), "audit", "query", "--grant", "g-3", "--actor", "officer-wang"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0 and len(out) == 2 and "actor=officer-wang" in out[1] and "grant.revoke" in out[1]


def test_console_search_uses_the_same_filters(tmp_path):
    config = fill(tmp_path / "var")
    engine = make_engine(config.db_url)
    try:
        found = console_search(engine, {"reason": "no_grant", "purpose": "住房保障审核"})
        assert [r["record"]["reason"] for r in found] == ["no_grant", "no_grant"]
        assert [r["record"]["action"] for r in console_search(engine, {"grant": "g-1"})] == ["grant.extend"]
        assert [r["record"]["action"] for r in console_search(engine, {"actor": "officer-li"})] == [
            "audit.verify", "grant.extend"]
    finally:
        engine.dispose()
