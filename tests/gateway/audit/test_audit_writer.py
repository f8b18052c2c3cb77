"""The writer: durable seqs, concurrent appends from tasks and from a second process, write failures."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from tests.support.audit import db_path, make_config, request_record

from gateway.audit import AuditError, AuditTrail, AuditUnavailable, verify
from gateway.audit.checkpoint import checkpoint_path, read_checkpoints
from gateway.audit.query import iter_rows, tail

ROOT = Path(__file__).resolve().parents[3]


def run_python(code: str, *args: str, **popen) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def test_append_returns_contiguous_durable_seqs(config):
    async def go(trail):
        return [await trail.append(request_record(i)) for i in range(5)]

    trail = AuditTrail.open(config)
    seqs = asyncio.run(go(trail))
    trail.close()
    assert seqs == [1, 2, 3, 4, 5]
    # a fresh process-level view (new engine) sees every record
    with sqlite3.connect(db_path(config)) as conn:
        assert conn.execute("SELECT group_concat(seq) FROM audit_records").fetchone()[0] == "1,2,3,4,5"
    assert verify(config).ok


def test_close_writes_a_final_signed_checkpoint_at_the_head(config):
    trail = AuditTrail.open(config)
    asyncio.run(trail.append(request_record(1)))
    trail.append_admin("alice", "audit_admin", "audit.verify")
    trail.close()
    cps = read_checkpoints(checkpoint_path(config.data_dir))
    assert [c.seq for c in cps] == [2]
    assert cps[-1].hash == verify(config).head_hash
    with pytest.raises(AuditUnavailable):
        asyncio.run(trail.append(request_record(2)))


def test_checkpoints_every_n_records(tmp_path):
    config = make_config(tmp_path / "var", checkpoint_every=3)

    async def go(trail):
        for i in range(7):
            await trail.append(request_record(i))

    with AuditTrail.open(config) as trail:
        asyncio.run(go(trail))
    assert [c.seq for c in read_checkpoints(checkpoint_path(config.data_dir))] == [3, 6, 7]


def test_checkpoint_after_checkpoint_seconds_when_idle(tmp_path):
    config = make_config(tmp_path / "var", checkpoint_seconds=0.05)

    async def go(trail):
        await trail.append(request_record(1))
        for _ in range(200):  # the writer checkpoints on its own once the interval has passed
            if read_checkpoints(checkpoint_path(config.data_dir)):
                return
            await asyncio.sleep(0.02)

    trail = AuditTrail.open(config)
    asyncio.run(go(trail))
    found = read_checkpoints(checkpoint_path(config.data_dir))
    trail.close()
    assert [c.seq for c in found] == [1]


def test_signing_key_is_created_once_private_and_reused(tmp_path):
    config = make_config(tmp_path / "var", signing_key=str(tmp_path / "custody" / "audit.key"))
    AuditTrail.open(config).close()
    private = Path(config.audit.signing_key)
    public = private.with_name(private.name + ".pub")
    assert not private.is_relative_to(Path(config.data_dir))
    assert private.stat().st_mode & 0o777 == 0o600
    first = private.read_bytes()
    AuditTrail.open(config).close()
    assert private.read_bytes() == first and public.exists()
    private.chmod(0o644)
    with pytest.raises(AuditError, match="0600"):
        AuditTrail.open(config)


def test_the_chain_hash_algorithm_cannot_change_under_an_existing_chain(tmp_path):
    AuditTrail.open(make_config(tmp_path / "var")).close()
    with pytest.raises(AuditError, match="sha256"):
        AuditTrail.open(make_config(tmp_path / "var", hash_algorithm="sm3"))


def test_database_guards_refuse_update_and_delete_through_the_app_engine(config):
    from sqlalchemy import text

    with AuditTrail.open(config) as trail:
        trail.append_admin("alice", "audit_admin", "audit.verify")
        with trail.engine.connect() as conn:
            for stmt in ("UPDATE audit_records SET dept='X'", "DELETE FROM audit_records",
                         "DELETE FROM audit_meta"):
                with pytest.raises(Exception, match="append-only|archived"):
                    conn.execute(text(stmt))
                conn.rollback()
    assert verify(config).records == 1


CHILD_APPENDER = """
    import sys, time
    from pathlib import Path
    from gateway.audit import AuditTrail
    from gateway.config import Config
    trail = AuditTrail.open(Config(data_dir=Path(sys.argv[1])))
    stop, n = Path(sys.argv[2]), 0
    while n < 20 or (not stop.exists() and n < 2000):
        trail.append_admin("cli-user", "security_admin", "grant.add", target=f"g-{n}")
        n += 1
        if n == 20:
            print("ready", flush=True)
    for _ in range(5):  # a few more after the parent finished, so its records sit inside ours
        trail.append_admin("cli-user", "security_admin", "grant.add", target=f"g-{n}")
        n += 1
    trail.close()
    print(n, flush=True)
"""


def test_concurrent_tasks_and_a_second_process_build_one_unforked_chain(tmp_path):
    config = make_config(tmp_path / "var", batch_max=32, checkpoint_every=100, write_timeout_seconds=20.0)
    AuditTrail.open(config).close()  # create tables and key before the child starts
    stop = tmp_path / "stop"
    child = run_python(CHILD_APPENDER, str(config.data_dir), str(stop))
    assert child.stdout.readline().strip() == "ready"

    async def task(trail, t):
        return [await trail.append(request_record(t * 10 + k)) for k in range(3)]

    async def many(trail):
        return await asyncio.gather(*(task(trail, t) for t in range(200)))

    try:
        with AuditTrail.open(config) as trail:
            ours = sorted(s for seqs in asyncio.run(many(trail)) for s in seqs)
    finally:
        stop.touch()
        out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    theirs = int(out.strip().splitlines()[-1])
    result = verify(config)
    assert result.ok, result
    assert result.records == len(ours) + theirs == 600 + theirs
    assert len(set(ours)) == 600
    # both writers really interleaved: some of our records sit between the child's records
    engine_rows = [(r.seq, r.record["event"]) for r in iter_rows(_engine(config), Path(config.data_dir))]
    child_seqs = [s for s, e in engine_rows if e == "admin"]
    assert any(min(child_seqs) < s < max(child_seqs) for s in ours)


def _engine(config):
    from gateway.store import make_engine

    return make_engine(config.db_url)


def test_a_locked_database_makes_append_unavailable_then_the_writer_recovers(tmp_path):
    config = make_config(tmp_path / "var", write_timeout_seconds=0.5)
    trail = AuditTrail.open(config)
    assert asyncio.run(trail.append(request_record(1))) == 1
    blocker = sqlite3.connect(db_path(config), isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(AuditUnavailable) as info:
            asyncio.run(trail.append(request_record(2)))
        assert info.value.status == 503
        with pytest.raises(AuditUnavailable, match="locked"):
            trail.append_admin("alice", "audit_admin", "audit.verify")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    seq = asyncio.run(trail.append(request_record(3)))
    trail.close()
    result = verify(config)
    assert result.ok and seq == result.head_seq
    request_ids = [r.record.get("request_id") for r in tail(_engine(config), 10)]
    assert request_record(3)["request_id"] in request_ids


DISK_FULL_CHILD = """
    import asyncio, json, os, resource, signal, sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[2])
    from tests.support.audit import make_config, request_record
    from gateway.audit import AuditTrail, AuditUnavailable
    config = make_config(Path(sys.argv[1]), checkpoint_every=1_000_000)
    trail = AuditTrail.open(config)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead
    db = Path(config.data_dir) / "govshare.db"
    biggest = max(p.stat().st_size for p in db.parent.glob("govshare.db*"))
    resource.setrlimit(resource.RLIMIT_FSIZE, (biggest + 512 * 1024, resource.RLIM_INFINITY))

    async def fill():
        ok = 0
        for i in range(100_000):
            try:
                await trail.append(request_record(i, purpose="x" * 400))
            except AuditUnavailable as e:
                return ok, e.cause
            ok += 1
        return ok, None

    ok, cause = asyncio.run(fill())
    print(json.dumps({"ok": ok, "cause": cause}), flush=True)
    os._exit(0)  # the file-size limit stays in force; leave without a final checkpoint
"""


def test_a_full_disk_makes_append_unavailable_and_leaves_the_chain_intact(tmp_path):
    """A real write failure: the kernel refuses to grow the database files past RLIMIT_FSIZE (EFBIG),
    which SQLite reports exactly as it reports a full disk."""
    data_dir = tmp_path / "var"
    child = run_python(DISK_FULL_CHILD, str(data_dir), str(Path(__file__).parent))
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    outcome = json.loads(out.strip().splitlines()[-1])
    assert outcome["cause"] is not None and outcome["ok"] > 0
    config = make_config(data_dir)
    # The child died without a checkpoint: judged on the records' own clock the tail is within its window...
    result = verify(config, now=datetime(2026, 11, 25, 10, 0, 5, tzinfo=timezone.utc))
    assert result.ok, result
    assert result.records == outcome["ok"]  # exactly the acknowledged records, nothing half-written
    # ...and a day later it is an unanchored tail that verify refuses until a checkpoint covers it.
    stale = verify(config, now=datetime(2026, 11, 26, tzinfo=timezone.utc))
    assert (stale.ok, stale.kind, stale.first_bad_seq) == (False, "unanchored", 1)
    with AuditTrail.open(config) as trail:  # space is back: the chain simply continues
        assert asyncio.run(trail.append(request_record(0))) == outcome["ok"] + 1
    assert verify(config).ok


def test_a_write_slower_than_the_timeout_is_unavailable_without_waiting_for_it(tmp_path, monkeypatch):
    import time

    from gateway.audit import store

    config = make_config(tmp_path / "var", write_timeout_seconds=0.2)
    trail = AuditTrail.open(config)
    real = store.append_chain_sqlite

    def stalled(*args, **kwargs):
        time.sleep(2.0)
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "append_chain_sqlite", stalled)
    started = time.monotonic()
    with pytest.raises(AuditUnavailable) as info:
        asyncio.run(trail.append(request_record(1)))
    assert info.value.cause == "timeout" and info.value.status == 503
    assert time.monotonic() - started < 1.5  # answered at the timeout (0.2 s), not when the write ended (2 s)
    trail.close()
    assert verify(config).ok


def test_a_timed_out_write_is_never_committed_and_the_owed_record_is_written_once_the_store_is_back(tmp_path):
    """The caller was told 'not written' (timeout) while the writer waited for the lock: when the lock goes,
    that record must not be committed after all; the record owed instead (append_later) is, exactly once."""
    from gateway.store import make_engine

    config = make_config(tmp_path / "var", write_timeout_seconds=0.3)
    # The writer waits for the lock far longer than its callers do: the case where the write would
    # otherwise go through once the lock is released, after its caller already got 503.
    engine = make_engine(config.db_url, busy_timeout_ms=30_000)
    trail = AuditTrail.open(config, engine=engine)
    assert asyncio.run(trail.append(request_record(1))) == 1
    blocker = sqlite3.connect(db_path(config), isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(AuditUnavailable) as info:
            asyncio.run(trail.append(request_record(2)))
        assert info.value.cause == "timeout"
        trail.append_later(request_record(2, status=503, decision="deny", reason="audit_unavailable"))
        assert not trail.wait_drained(0)  # owed while the lock is held
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert trail.wait_drained(30)
    assert asyncio.run(trail.append(request_record(3))) == 3  # the writer went past record 2's batch
    trail.close()
    rows = [r.record for r in iter_rows(engine, config.data_dir)]
    engine.dispose()
    mine = [r for r in rows if r.get("request_id") == request_record(2)["request_id"]]
    assert [(r["status"], r["decision"], r["reason"]) for r in mine] == [(503, "deny", "audit_unavailable")]
    assert [r["request_id"] for r in rows if r["event"] == "request"] == \
        [request_record(i)["request_id"] for i in (1, 2, 3)]
    assert verify(config).ok


def test_owed_records_are_kept_while_the_store_refuses_them_and_retried(tmp_path):
    config = make_config(tmp_path / "var", write_timeout_seconds=0.2)
    trail = AuditTrail.open(config)
    blocker = sqlite3.connect(db_path(config), isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        trail.append_later(request_record(7, status=503, decision="deny", reason="audit_unavailable"))
        # Several tries fail ("database is locked") while the lock is held; the record stays owed.
        assert not trail.wait_drained(1.0)
        assert trail.owed == 1
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert trail.wait_drained(30) and trail.owed == 0
    trail.close()
    rows = [r.record for r in tail(_engine(config), 10)]
    assert [r.get("request_id") for r in rows].count(request_record(7)["request_id"]) == 1
    assert verify(config).ok


def test_a_backlog_of_owed_records_is_written_in_batches_of_at_most_batch_max_with_live_ones(tmp_path):
    config = make_config(tmp_path / "var", write_timeout_seconds=0.3, batch_max=4)
    trail = AuditTrail.open(config)
    blocker = sqlite3.connect(db_path(config), isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        for i in range(10):
            trail.append_later(request_record(100 + i, status=503, decision="deny", reason="audit_unavailable"))
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()

    async def live():
        return await asyncio.gather(*(trail.append(request_record(i)) for i in range(6)))
    seqs = asyncio.run(live())
    assert trail.wait_drained(30)
    trail.close()
    ids = [r.record["request_id"] for r in tail(_engine(config), 100)]
    expected = {request_record(i)["request_id"] for i in [*range(6), *range(100, 110)]}
    assert len(ids) == 16 and set(ids) == expected and sorted(seqs) == sorted(set(seqs))
    result = verify(config)
    assert result.ok, result


def test_group_commit_waits_for_company_only_after_a_batch_that_had_it(tmp_path, monkeypatch):
    """Under concurrent load the writer lingers for more records before committing (one commit's transaction
    and fsync carry several records); a record arriving while it lingers joins the same batch. After a lone
    record's batch nothing lingers: the next record is committed on its own at once."""
    from gateway.audit import store, writer

    config = make_config(tmp_path / "var", batch_max=2)
    monkeypatch.setattr(writer, "LINGER_SECONDS", 600.0)  # a batch here ends by batch_max, never by the clock
    batches: list[int] = []
    original = store.append_chain_sqlite

    def counting(conn, hasher, batch):
        out = original(conn, hasher, batch)
        batches.append(len(out))
        return out

    monkeypatch.setattr(store, "append_chain_sqlite", counting)

    async def go(trail):
        assert await trail.append(request_record(1)) == 1  # lone: its batch held one record
        while trail._last_batch != 1:  # the writer has noted that batch
            await asyncio.sleep(0.001)
        trail._last_batch = 2  # as after a batch that had company
        first = asyncio.ensure_future(trail.append(request_record(2)))
        await asyncio.sleep(0)  # record 2 is queued
        while not trail._queue.empty():  # until the writer took it (and lingers)
            await asyncio.sleep(0.001)
        second = await trail.append(request_record(3))
        return await first, second

    trail = AuditTrail.open(config)
    try:
        assert asyncio.run(go(trail)) == (2, 3)
    finally:
        trail.close()
    assert batches == [1, 2]  # record 2 waited for record 3 instead of being committed alone
    assert verify(config).ok
