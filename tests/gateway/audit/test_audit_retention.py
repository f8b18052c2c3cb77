"""Retention: expired, sealed records move to gzip segments; verify walks archive then live."""

from __future__ import annotations

import asyncio
import gzip
import json
from datetime import datetime, timezone

import pytest
from tests.support.audit import db_path, make_config, open_raw, request_record

from gateway.audit import AuditError, AuditTrail, archive, verify
from gateway.audit.query import Filters, iter_rows
from gateway.audit.segments import archive_dir, file_sha256, list_segments

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)  # cutoff (180 days) = 2026-05-29T12:00


def old(i):
    return request_record(i, ts=f"2025-03-{1 + i % 28:02d}T08:00:{i % 60:02d}.000Z")


def young(i):
    return request_record(i, ts=f"2026-11-20T08:00:{i % 60:02d}.000Z")


def fill(config, olds=50, youngs=10):
    async def go(trail):
        for i in range(olds):
            await trail.append(old(i))
        for i in range(youngs):
            await trail.append(young(100 + i))

    with AuditTrail.open(config) as trail:
        asyncio.run(go(trail))


def test_archive_moves_only_expired_records_and_verify_walks_archive_then_live(tmp_path):
    config = make_config(tmp_path / "var")
    fill(config)
    with AuditTrail.open(config) as trail:
        result = archive(trail, actor="auditor", now=NOW, segment_max=20)
    assert (result.records, result.first_seq, result.last_seq) == (50, 1, 50)
    segments = list_segments(config.data_dir)
    assert [(s.first_seq, s.last_seq) for s in segments] == [(1, 20), (21, 40), (41, 50)]
    for s in segments:
        assert s.manifest["sha256"] == file_sha256(s.path) and s.manifest["records"] == s.last_seq - s.first_seq + 1
    conn = open_raw(db_path(config))
    live = [r[0] for r in conn.execute("SELECT seq FROM audit_records ORDER BY seq")]
    conn.close()
    assert live[0] == 51 and len(live) == 10 + 1  # ten young records + the audit.archive admin record
    status = verify(config)
    assert status.ok, status
    assert status.records == 61
    # the archived records are still readable, in order, with the live ones
    rows = list(iter_rows(_engine(config), config.data_dir, Filters(event="request")))
    assert [r.seq for r in rows] == list(range(1, 61))
    admin = [r.record for r in iter_rows(_engine(config), config.data_dir, Filters(event="admin"))]
    assert admin[-1]["action"] == "audit.archive" and admin[-1]["detail"]["records"] == 50


def _engine(config):
    from gateway.store import make_engine

    return make_engine(config.db_url)


def test_a_second_archive_run_has_nothing_to_do_and_the_chain_stays_intact(tmp_path):
    config = make_config(tmp_path / "var")
    fill(config, olds=5, youngs=2)
    with AuditTrail.open(config) as trail:
        first = archive(trail, actor="auditor", now=NOW)
        second = archive(trail, actor="auditor", now=NOW)
    assert (first.records, second.records) == (5, 0)
    assert verify(config).ok


def test_records_younger_than_retention_are_never_archived(tmp_path):
    config = make_config(tmp_path / "var")
    fill(config, olds=0, youngs=5)
    with AuditTrail.open(config) as trail:
        assert archive(trail, actor="auditor", now=NOW).records == 0
    assert list_segments(config.data_dir) == []


def test_archive_refuses_when_the_chain_is_not_intact(tmp_path):
    config = make_config(tmp_path / "var")
    fill(config, olds=10, youngs=1)
    conn = open_raw(db_path(config))
    conn.execute("UPDATE audit_records SET dept='XX' WHERE seq=3")
    conn.close()
    with AuditTrail.open(config) as trail:
        with pytest.raises(AuditError, match="archive refused"):
            archive(trail, actor="auditor", now=NOW)
    assert list_segments(config.data_dir) == []
    conn = open_raw(db_path(config))
    assert conn.execute("SELECT count(*) FROM audit_records WHERE seq <= 10").fetchone()[0] == 10
    failure = json.loads(conn.execute("SELECT canonical FROM audit_records ORDER BY seq DESC LIMIT 1").fetchone()[0])
    conn.close()
    assert (failure["action"], failure["outcome"]) == ("audit.archive", "failure")


def _rewrite_segment(path, edit):
    lines = gzip.decompress(path.read_bytes()).splitlines(keepends=True)
    path.write_bytes(gzip.compress(b"".join(edit(lines)), mtime=0))


@pytest.fixture
def archived(tmp_path):
    config = make_config(tmp_path / "var")
    fill(config, olds=30, youngs=3)
    with AuditTrail.open(config) as trail:
        archive(trail, actor="auditor", now=NOW, segment_max=10)
    return config


def test_a_modified_archived_record_is_detected(archived):
    path = archive_dir(archived.data_dir) / "segment-11-20.jsonl.gz"

    def edit(lines):
        doc = json.loads(lines[4])
        doc["canonical"] = doc["canonical"].replace('"decision":"allow"', '"decision":"deny"')
        lines[4] = json.dumps(doc, ensure_ascii=False).encode() + b"\n"
        return lines

    _rewrite_segment(path, edit)
    result = verify(archived)
    assert (result.kind, result.first_bad_seq) == ("modified", 15)


def test_a_deleted_archive_segment_is_detected(archived):
    (archive_dir(archived.data_dir) / "segment-11-20.jsonl.gz").unlink()
    result = verify(archived)
    assert (result.kind, result.first_bad_seq) == ("deleted", 11)


def test_a_segment_whose_bytes_differ_from_its_manifest_is_detected(archived):
    path = archive_dir(archived.data_dir) / "segment-1-10.jsonl.gz"
    _rewrite_segment(path, lambda lines: lines)  # same records, different gzip bytes (level/header)
    path.write_bytes(path.read_bytes() + b"\0")  # trailing garbage after the gzip stream
    result = verify(archived)
    assert (result.ok, result.kind) == (False, "modified")


def test_a_record_removed_from_a_segment_is_detected(archived):
    path = archive_dir(archived.data_dir) / "segment-21-30.jsonl.gz"
    _rewrite_segment(path, lambda lines: lines[:3] + lines[4:])
    result = verify(archived)
    assert (result.kind, result.first_bad_seq) == ("deleted", 24)


def test_a_segment_conflicting_with_a_live_copy_is_a_fork(tmp_path):
    """If a segment was written but the live rows not yet removed, both copies must agree."""
    from gateway.audit.segments import write_segments

    config = make_config(tmp_path / "var")
    fill(config, olds=6, youngs=1)
    with AuditTrail.open(config) as trail:
        write_segments(trail.engine, config.data_dir, "sha256", 1, 5)
    assert verify(config).ok  # identical duplicates are fine
    conn = open_raw(db_path(config))
    conn.execute("UPDATE audit_records SET canonical=CAST(replace(CAST(canonical AS TEXT), 'allow', 'deny') "
                 "AS BLOB) WHERE seq=3")
    conn.close()
    result = verify(config)
    assert (result.ok, result.kind, result.first_bad_seq) == (False, "forked", 3)
