"""1,000 seeded tamper cases against a real trail: every one detected, with the right kind and seq.

A pristine trail (request records of every shape plus administrator actions, signed checkpoints every 7
records and at close) is built once; each case copies it, tampers with the SQLite file or the checkpoint
file the way an attacker holding those files could (guard triggers dropped, no signing key), and verifies.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.support.audit import db_path, keyring_files, make_config, open_raw, request_record

from gateway.audit import AuditTrail, verify
from gateway.audit.checkpoint import Checkpoint, checkpoint_path, make_checkpoint, read_checkpoints
from gateway.audit.hashing import chain_hash
from gateway.audit.record import canonical

N_RECORDS = 40
CHECKPOINT_EVERY = 7
CASES = 1000
SEED = 20261125
COLUMNS = ("ts", "event", "dept", "app", "resource", "decision", "status", "request_id", "hash")


def build_trail(data_dir: Path, **audit) -> list:
    config = make_config(data_dir, checkpoint_every=CHECKPOINT_EVERY, **audit)

    async def fill(trail):
        for i in range(N_RECORDS):
            if i % 9 == 4:
                trail.append_admin(f"admin{i}", ("system_admin", "security_admin", "audit_admin")[i % 3],
                                   "grant.add", target=f"g-{i}", detail={"n": i})
            else:
                await trail.append(request_record(i, shape=("allow", "deny", "error")[i % 3]))

    with AuditTrail.open(config) as trail:
        asyncio.run(fill(trail))
    result = verify(config)
    assert result.ok and result.records == N_RECORDS, result
    return read_checkpoints(checkpoint_path(data_dir))


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    root = tmp_path_factory.mktemp("pristine") / "var"
    checkpoints = build_trail(root)
    assert [c.seq for c in checkpoints] == list(range(CHECKPOINT_EVERY, N_RECORDS, CHECKPOINT_EVERY)) + [N_RECORDS]
    return root, checkpoints


def clone(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


# ------------------------------------------------------------------------------------------- tamperings
COLS_SQL = "seq, ts, event, dept, app, resource, decision, status, request_id, canonical, hash"


def row(conn, seq):
    return conn.execute(f"SELECT {COLS_SQL} FROM audit_records WHERE seq=?", (seq,)).fetchone()


def write_row(conn, seq, values):
    conn.execute("UPDATE audit_records SET ts=?, event=?, dept=?, app=?, resource=?, decision=?, status=?, "
                 "request_id=?, canonical=?, hash=? WHERE seq=?", (*values, seq))


def flip_byte(conn, rng, ctx):
    seq = rng.randint(1, N_RECORDS)
    data = bytearray(row(conn, seq)[9])
    pos = rng.randrange(len(data))
    data[pos] ^= rng.randint(1, 255)
    conn.execute("UPDATE audit_records SET canonical=? WHERE seq=?", (bytes(data), seq))
    return "modified", seq


def change_column(conn, rng, ctx):
    seq = rng.randint(1, N_RECORDS)
    name = rng.choice(COLUMNS)
    current = row(conn, seq)[1 + COLUMNS.index(name)] if name != "hash" else row(conn, seq)[10]
    if name == "status":
        new = 404 if current != 404 else 200
    elif name == "hash":
        new = f"{rng.getrandbits(256):064x}"
    elif name == "ts":
        new = "2025-01-01T00:00:00.000Z"
    else:
        new = f"X{rng.getrandbits(20):05x}"
    assert new != current
    conn.execute(f"UPDATE audit_records SET {name}=? WHERE seq=?", (new, seq))
    return "modified", seq


def delete_middle(conn, rng, ctx):
    seq = rng.randint(2, N_RECORDS - 1)
    last = min(N_RECORDS - 1, seq + rng.randint(0, 2))
    conn.execute("DELETE FROM audit_records WHERE seq BETWEEN ? AND ?", (seq, last))
    return "deleted", seq


def delete_tail(conn, rng, ctx):
    k = rng.randint(1, N_RECORDS)
    conn.execute("DELETE FROM audit_records WHERE seq > ?", (N_RECORDS - k,))
    return "truncated", N_RECORDS - k + 1


def _pair(rng):
    i, j = sorted(rng.sample(range(1, N_RECORDS + 1), 2))
    return i, j


def reorder_rows(conn, rng, ctx):
    """Swap two whole rows (content and hash) between their seq numbers."""
    i, j = _pair(rng)
    a, b = row(conn, i), row(conn, j)
    write_row(conn, i, b[1:])
    write_row(conn, j, a[1:])
    return "reordered", i


def reorder_content(conn, rng, ctx):
    """Swap two records' content but leave each seq's hash in place."""
    i, j = _pair(rng)
    a, b = row(conn, i), row(conn, j)
    write_row(conn, i, (*b[1:10], a[10]))
    write_row(conn, j, (*a[1:10], b[10]))
    return "reordered", i


def rewrite_chain(conn, rng, ctx):
    """Change one record and recompute every later hash consistently (no checkpoint key)."""
    k = rng.randint(1, N_RECORDS)
    hasher = chain_hash(ctx.get("hash_algorithm", "sha256"))  # the attacker knows the chain's hash function
    prev = row(conn, k - 1)[10] if k > 1 else "0" * 64
    for seq in range(k, N_RECORDS + 1):
        data = row(conn, seq)[9]
        if seq == k:
            doc = json.loads(data)
            if doc["event"] == "request":
                doc["purpose"] = "篡改"
            else:
                doc["target"] = "forged"
            data = canonical(doc)
        prev = hasher.link(prev, data)
        conn.execute("UPDATE audit_records SET canonical=?, hash=? WHERE seq=?", (data, prev, seq))
    anchored = max([c.seq for c in ctx["checkpoints"] if c.seq < k], default=0)
    return "forked", anchored + 1


def forge_checkpoint_hash(conn, rng, ctx):
    """Edit the hash inside one signed checkpoint line."""
    path = ctx["cp_path"]
    lines = path.read_bytes().splitlines(keepends=True)
    idx = rng.randrange(len(lines))
    doc = json.loads(lines[idx])
    doc["hash"] = f"{rng.getrandbits(256):064x}"
    lines[idx] = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode() + b"\n"
    path.write_bytes(b"".join(lines))
    return "bad_signature", doc["seq"]


def forge_checkpoint_key(conn, rng, ctx):
    """Rewrite the chain, then sign a covering checkpoint with a key of the attacker's own."""
    rewrite_chain(conn, rng, ctx)
    head_seq, head_hash = conn.execute("SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1").fetchone()
    real_id = ctx["checkpoints"][0].key_id
    key_id = real_id if rng.random() < 0.5 else "ed25519:" + f"{rng.getrandbits(64):016x}"
    forged = Checkpoint(head_seq, head_hash, "2026-11-25T12:00:00.000Z", "ed25519", "sha256", key_id, "")
    forged = Checkpoint(head_seq, head_hash, forged.ts, "ed25519", "sha256", key_id,
                        Ed25519PrivateKey.generate().sign(forged.payload()).hex())
    with open(ctx["cp_path"], "ab") as fh:
        fh.write(forged.to_line())
    return "bad_signature", head_seq


TAMPERINGS = (flip_byte, change_column, delete_middle, delete_tail, reorder_rows, reorder_content, rewrite_chain,
              forge_checkpoint_hash, forge_checkpoint_key)


def test_one_thousand_seeded_tamperings_are_all_detected_with_the_right_kind(pristine, tmp_path):
    source, checkpoints = pristine
    rng = random.Random(SEED)
    seen = {t.__name__: 0 for t in TAMPERINGS}
    for case in range(CASES):
        tamper = TAMPERINGS[case % len(TAMPERINGS)]
        data_dir = clone(source, tmp_path / f"case{case}")
        config = make_config(data_dir)
        ctx = {"checkpoints": checkpoints, "cp_path": checkpoint_path(data_dir)}
        conn = open_raw(db_path(config))
        try:
            kind, seq = tamper(conn, rng, ctx)
        finally:
            conn.close()
        result = verify(config)
        assert not result.ok, (case, tamper.__name__)
        assert (result.kind, result.first_bad_seq) == (kind, seq), (case, tamper.__name__, result)
        seen[tamper.__name__] += 1
        shutil.rmtree(data_dir)
    assert sum(seen.values()) == CASES and min(seen.values()) >= CASES // len(TAMPERINGS)


def test_a_malformed_checkpoint_line_is_reported_as_bad_signature(pristine, tmp_path):
    source, _ = pristine
    data_dir = clone(source, tmp_path / "cp")
    path = checkpoint_path(data_dir)
    path.write_bytes(path.read_bytes()[:-40])
    result = verify(make_config(data_dir))
    assert (result.ok, result.kind) == (False, "bad_signature")
    assert "line" in result.detail


def test_a_replaced_public_key_fails_every_checkpoint(pristine, tmp_path):
    source, _ = pristine
    data_dir = clone(source, tmp_path / "pub")
    from cryptography.hazmat.primitives import serialization

    other = Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    [published] = keyring_files(data_dir)
    published.write_bytes(other)
    result = verify(make_config(data_dir))
    assert (result.ok, result.kind, result.first_bad_seq) == (False, "bad_signature", CHECKPOINT_EVERY)


def test_verification_needs_only_the_public_key(pristine, tmp_path):
    data_dir = clone(pristine[0], tmp_path / "pubonly")
    result = verify(make_config(data_dir, signing_key=str(tmp_path / "nowhere" / "absent.key")))
    assert not (tmp_path / "nowhere").exists()
    assert result.ok and result.records == N_RECORDS and result.checkpoints == len(pristine[1])


def test_sm3_and_sm2_trail_verifies_and_detects_tampering(tmp_path):
    data_dir = tmp_path / "gm"
    checkpoints = build_trail(data_dir, hash_algorithm="sm3", signature_algorithm="sm2")
    assert {(c.algorithm, c.hash_algorithm) for c in checkpoints} == {("sm2", "sm3")}
    assert [p.name.split("-")[0] for p in keyring_files(data_dir)] == ["sm2"]
    config = make_config(data_dir, hash_algorithm="sm3", signature_algorithm="sm2")
    rng = random.Random(SEED)
    for case, tamper in enumerate(TAMPERINGS[:7]):
        case_dir = clone(data_dir, tmp_path / f"gm{case}")
        case_config = make_config(case_dir, hash_algorithm="sm3", signature_algorithm="sm2")
        conn = open_raw(db_path(case_config))
        try:
            kind, seq = tamper(conn, rng, {"checkpoints": checkpoints, "cp_path": checkpoint_path(case_dir),
                                           "hash_algorithm": "sm3"})
        finally:
            conn.close()
        result = verify(case_config)
        assert (result.kind, result.first_bad_seq) == (kind, seq), (tamper.__name__, result)
    assert verify(config).ok


def test_two_signed_checkpoints_claiming_different_hashes_for_one_seq_are_a_fork(pristine, tmp_path):
    """What a second, diverging writer holding the audit key would leave behind."""
    from gateway.audit.checkpoint import append_checkpoint
    from gateway.audit.custody import load_signer

    data_dir = clone(pristine[0], tmp_path / "fork")
    signer = load_signer(make_config(data_dir, signing_key=make_config(pristine[0]).audit.signing_key))
    append_checkpoint(checkpoint_path(data_dir), make_checkpoint(signer, 21, "cd" * 32, "sha256"))
    result = verify(make_config(data_dir))
    assert (result.ok, result.kind, result.first_bad_seq) == (False, "forked", 21)


def test_records_after_the_last_checkpoint_are_reported_as_not_yet_anchored(tmp_path):
    config = make_config(tmp_path / "var", checkpoint_every=5)
    trail = AuditTrail.open(config)

    async def go():
        for i in range(7):
            await trail.append(request_record(i))

    asyncio.run(go())
    # The writer has not closed: seq 6 and 7 are not covered by a signature yet (checked on the records' clock).
    result = verify(config, now=datetime(2026, 11, 25, 10, 0, 6, tzinfo=timezone.utc))
    trail.close()
    assert result.ok and result.records == 7 and result.unanchored == 2
    assert "2 newest record(s) not yet covered" in result.detail
