"""Trust that does not depend on the data directory: pinned key fingerprints, an expected head kept elsewhere,
the tail window, and the three tamperings of issue 13 — checkpoints deleted, history re-signed with a key stolen
from the data directory, tail truncated after the last checkpoint — each caught when verify is pinned.

The attacker holds the whole data directory (database with guard triggers dropped, checkpoint file, keyring)
and, in the stolen-key case, a signing key that lived there; never the custodian's key outside it nor the
checkpoint lines already sent off the machine (a file sink standing in for a remote, append-only store).
"""

from __future__ import annotations

import asyncio
import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from tests.support.audit import db_path, keyring_files, make_config, open_raw, request_record

from gateway.audit import AuditError, AuditTrail, verify
from gateway.audit.checkpoint import checkpoint_path, make_checkpoint, read_checkpoints
from gateway.cli import main
from gateway.audit.custody import keyring, load_signer, publish
from gateway.audit.hashing import chain_hash
from gateway.audit.record import canonical
from gateway.audit.signing import generate_key, signer_from_pem

N = 30


def now_ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@pytest.fixture
def trail_dir(tmp_path):
    """A closed trail of N records stamped now, checkpoints every 7 records, every checkpoint also appended
    to a sink file outside the data directory. Returns (config, sink path, custodian's fingerprint)."""
    sink = tmp_path / "offsite" / "checkpoints.jsonl"
    config = make_config(tmp_path / "var", checkpoint_every=7, checkpoint_sinks=(f"file:{sink}",))

    async def fill(trail):
        for i in range(N):
            shape = "deny" if i == 12 else "allow"
            await trail.append(request_record(i, shape=shape, ts=None))

    with AuditTrail.open(config) as trail:
        asyncio.run(fill(trail))
        fingerprint = trail.signer.fingerprint
    result = verify(config, pins=[fingerprint], expected=sink)
    assert result.ok and result.records == N and result.pinned, result
    return config, sink, fingerprint


def forge_history(config, seq: int) -> None:
    """Turn the deny at `seq` into an allow and recompute every later hash, as an attacker with the file can."""
    conn = open_raw(db_path(config))
    hasher = chain_hash("sha256")
    prev = conn.execute("SELECT hash FROM audit_records WHERE seq=?", (seq - 1,)).fetchone()[0]
    for (s, data) in conn.execute("SELECT seq, canonical FROM audit_records WHERE seq>=? ORDER BY seq",
                                  (seq,)).fetchall():
        if s == seq:
            doc = json.loads(data)
            assert doc["decision"] == "deny"
            doc.update(decision="allow", reason="grant", status=200)
            data = canonical(doc)
            conn.execute("UPDATE audit_records SET decision='allow', status=200 WHERE seq=?", (s,))
        prev = hasher.link(prev, data)
        conn.execute("UPDATE audit_records SET canonical=?, hash=? WHERE seq=?", (data, prev, s))
    conn.close()


def test_deleted_checkpoints_are_caught_by_the_expected_head_and_by_staleness(trail_dir):
    config, sink, fingerprint = trail_dir
    checkpoint_path(config.data_dir).unlink()
    # Unpinned and straight away, N fresh records fit in the tail window: this is what pinning is for...
    assert verify(config).ok
    # ...the head kept off the machine is no longer in the checkpoint file,
    pinned = verify(config, pins=[fingerprint], expected=sink)
    assert (pinned.ok, pinned.kind, pinned.first_bad_seq) == (False, "checkpoint_missing", 7)
    # ...and a minute later the records without any checkpoint are stale even unpinned.
    later = verify(config, now=datetime.now(timezone.utc) + timedelta(minutes=1))
    assert (later.ok, later.kind, later.first_bad_seq) == (False, "unanchored", 1)
    assert "no signed checkpoint at all" in later.detail


def test_more_unanchored_records_than_the_window_allows_fail_at_once(tmp_path):
    config = make_config(tmp_path / "var", checkpoint_every=3, batch_max=1)
    trail = AuditTrail.open(config)
    for i in range(6):
        trail.append_sync(request_record(i, ts=None))
    trail.close()
    checkpoint_path(config.data_dir).unlink()
    result = verify(config)
    assert (result.ok, result.kind, result.first_bad_seq) == (False, "unanchored", 1)
    assert "6 record(s)" in result.detail and "allows 4" in result.detail


def test_history_resigned_with_a_key_stolen_from_the_data_directory_is_caught_by_the_pinned_fingerprint(
        trail_dir, tmp_path):
    config, sink, fingerprint = trail_dir
    # The key an earlier release kept in var/keys: whoever copied the data directory has it.
    stolen_pem, _ = generate_key("ed25519")
    stolen, stolen_pub = signer_from_pem("ed25519", stolen_pem, "stolen")
    forge_history(config, 13)  # the deny (record 13) becomes an allow
    cp_file = checkpoint_path(config.data_dir)
    cp_file.unlink()
    conn = open_raw(db_path(config))
    head_seq, head_hash = conn.execute("SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1").fetchone()
    conn.close()
    from gateway.audit.checkpoint import append_checkpoint

    for seq in range(7, head_seq + 1, 7):
        conn = open_raw(db_path(config))
        digest = conn.execute("SELECT hash FROM audit_records WHERE seq=?", (seq,)).fetchone()[0]
        conn.close()
        append_checkpoint(cp_file, make_checkpoint(stolen, seq, digest, "sha256"))
    append_checkpoint(cp_file, make_checkpoint(stolen, head_seq, head_hash, "sha256"))
    for path in keyring_files(config.data_dir):
        path.unlink()
    publish(config.data_dir, "ed25519", stolen.key_id, stolen_pub)

    forged = verify(config)
    assert forged.ok and forged.signers == (stolen.fingerprint,)  # unpinned, the forgery passes
    pinned = verify(config, pins=[fingerprint])
    assert (pinned.ok, pinned.kind, pinned.first_bad_seq) == (False, "untrusted_key", 7)
    assert stolen.fingerprint in pinned.detail
    with_head = verify(config, expected=sink)  # the real checkpoints sent off the machine do not verify here
    assert (with_head.ok, with_head.kind) == (False, "bad_signature")


def test_tail_truncated_after_the_last_checkpoint_is_caught_by_the_expected_head(trail_dir):
    config, sink, fingerprint = trail_dir
    kept = 20
    conn = open_raw(db_path(config))
    conn.execute("DELETE FROM audit_records WHERE seq>?", (kept,))
    conn.close()
    cp_file = checkpoint_path(config.data_dir)
    lines = [c.to_line() for c in read_checkpoints(cp_file) if c.seq <= 14]
    cp_file.write_bytes(b"".join(lines))  # the local file now ends at seq 14: locally consistent
    assert verify(config).ok  # unpinned and fresh: 6 records after seq 14 fit in the tail window
    result = verify(config, pins=[fingerprint], expected=sink)
    assert (result.ok, result.kind, result.first_bad_seq) == (False, "checkpoint_missing", 21)
    # With the local checkpoint file left alone the cut shows as truncation, pinned or not.
    shutil.copyfile(sink, cp_file)
    truncated = verify(config, pins=[fingerprint], expected=sink)
    assert (truncated.ok, truncated.kind, truncated.first_bad_seq) == (False, "truncated", kept + 1)


def test_a_truncated_unanchored_tail_left_by_a_crash_is_caught_by_staleness(tmp_path):
    config = make_config(tmp_path / "var", checkpoint_every=5)
    start = datetime(2026, 12, 1, 8, 0, 0, tzinfo=timezone.utc)
    trail = AuditTrail.open(config)
    for i in range(8):
        trail.append_sync(request_record(i, ts=now_ts(start + timedelta(seconds=i))))
    # The process dies here (no close, no final checkpoint): seq 6..8 are unanchored.
    conn = open_raw(db_path(config))
    conn.execute("DELETE FROM audit_records WHERE seq=8")
    conn.close()
    assert verify(config, now=start + timedelta(seconds=8)).ok  # within the window nothing can tell
    stale = verify(config, now=start + timedelta(seconds=60))
    assert (stale.ok, stale.kind, stale.first_bad_seq) == (False, "unanchored", 6)
    trail._closed = True  # the crashed writer never writes again
    trail.engine.dispose()


def test_a_pin_must_be_a_full_fingerprint(trail_dir):
    config, _, fingerprint = trail_dir
    with pytest.raises(ValueError, match="fingerprint"):
        verify(config, pins=[fingerprint[:23]])
    assert verify(config, pins=[fingerprint.removeprefix("sha256:").upper()]).ok


def test_cli_pins_key_and_head_with_exit_codes(trail_dir, tmp_path, capsys):
    config, _, fingerprint = trail_dir
    base = ["--config", _toml(tmp_path, config), "audit"]
    head = tmp_path / "head.json"
    assert main([*base, "head", "--out", str(head)]) == 0
    [exported] = read_checkpoints(head)
    assert main([*base, "key"]) == 0
    assert fingerprint in capsys.readouterr().out
    assert main([*base, "verify", "--key-fingerprint", fingerprint, "--expected-head", str(head)]) == 0
    out = capsys.readouterr().out
    assert "INTACT" in out and f"checkpoint key: {fingerprint} (pinned)" in out
    other = "sha256:" + "0" * 64
    assert main([*base, "verify", "--key-fingerprint", other]) == 1
    assert "NOT INTACT: untrusted_key" in capsys.readouterr().out
    assert main([*base, "verify", "--key-fingerprint", "abc"]) == 2
    checkpoint_path(config.data_dir).unlink()
    assert main([*base, "verify", "--expected-head", str(head)]) == 1
    assert f"NOT INTACT: checkpoint_missing at seq {exported.seq}" in capsys.readouterr().out


def _toml(tmp_path: Path, config) -> str:
    path = tmp_path / "audit.toml"
    sinks = json.dumps(list(config.audit.checkpoint_sinks))
    path.write_text(f'data_dir = "{config.data_dir}"\n[audit]\ncheckpoint_every = 7\n'
                    f'signing_key = "{config.audit.signing_key}"\ncheckpoint_sinks = {sinks}\n')
    return str(path)


# ----------------------------------------------------------------------------------------------- custody
def test_the_signing_key_lives_outside_the_data_directory_by_default(tmp_path, monkeypatch):
    from gateway.config import Config

    monkeypatch.setenv("GOVSHARE_AUDIT_KEY", str(tmp_path / "custody" / "k.key"))
    config = Config(data_dir=tmp_path / "var")
    with AuditTrail.open(config) as trail:
        trail.append_sync(request_record(0))
    assert (tmp_path / "custody" / "k.key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "custody").stat().st_mode & 0o777 == 0o700
    assert not list(Path(config.data_dir).rglob("*.key")) and not list(Path(config.data_dir).rglob("*.pem"))
    monkeypatch.delenv("GOVSHARE_AUDIT_KEY")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert load_signer(Config(data_dir=tmp_path / "var2")) is not None
    assert (tmp_path / "home" / ".config" / "govshare" / "audit-signing.key").exists()


def test_a_signing_key_inside_the_data_directory_or_left_there_by_an_old_release_is_refused(tmp_path):
    inside = make_config(tmp_path / "var", signing_key=str(tmp_path / "var" / "audit.key"))
    with pytest.raises(AuditError, match="inside the data directory"):
        AuditTrail.open(inside)
    legacy = tmp_path / "old" / "keys" / "audit-ed25519.pem"
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(generate_key("ed25519")[0])
    with pytest.raises(AuditError, match="move it to"):
        AuditTrail.open(make_config(tmp_path / "old", signing_key=str(tmp_path / "custody" / "new.key")))
    assert not (tmp_path / "custody" / "new.key").exists()


def test_rotation_keeps_old_checkpoints_verifiable_with_both_pins(tmp_path):
    config = make_config(tmp_path / "var", signing_key=str(tmp_path / "k1.key"))
    with AuditTrail.open(config) as trail:
        trail.append_sync(request_record(0, ts=None))
        first = trail.signer.fingerprint
    rotated = make_config(tmp_path / "var", signing_key=str(tmp_path / "k2.key"))
    with AuditTrail.open(rotated) as trail:
        trail.append_sync(request_record(1, ts=None))
        second = trail.signer.fingerprint
    assert len(keyring(config.data_dir)[0]) == 2
    assert verify(rotated, pins=[first, second]).ok
    assert verify(rotated, pins=[second]).kind == "untrusted_key"
