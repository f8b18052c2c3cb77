"""What the audit trail leaves on disk and sends away: owner-only files, checkpoint sinks (file, syslog)."""

from __future__ import annotations

import asyncio
import os
import socket
import stat
from datetime import datetime, timezone
from pathlib import Path

import pytest
from tests.support.audit import make_config, request_record

from gateway.audit import AuditError, AuditTrail, archive, verify
from gateway.audit.checkpoint import checkpoint_path, read_checkpoints
from gateway.audit.custody import signing_key_path
from gateway.audit.sinks import Sinks, parse_sink
from gateway.config import ConfigError, load_config


def modes(root: Path) -> dict[str, int]:
    out = {".": stat.S_IMODE(root.stat().st_mode)}
    for path in root.rglob("*"):
        out[str(path.relative_to(root))] = stat.S_IMODE(path.lstat().st_mode)
    return out


def test_every_file_of_the_trail_is_owner_only_even_under_a_permissive_umask(tmp_path):
    old = os.umask(0o000)
    try:
        config = make_config(tmp_path / "var", checkpoint_every=2)

        async def fill(trail):
            for i in range(5):
                await trail.append(request_record(i, ts="2024-01-01T00:00:00.000Z"))

        trail = AuditTrail.open(config)
        asyncio.run(fill(trail))
        wal_open = modes(Path(config.data_dir))  # while the writer holds the database: WAL and shm exist
        trail.close()
        with AuditTrail.open(config) as trail:
            assert archive(trail, actor="alice").records > 0
        seen = {**wal_open, **modes(Path(config.data_dir))}
    finally:
        os.umask(old)
    assert {"govshare.db", "govshare.db-wal", "govshare.db-shm", "audit/checkpoints.jsonl"} <= set(seen)
    assert any(name.startswith("audit/archive/segment-") for name in seen)
    assert any(name.startswith("audit/keys/ed25519-") for name in seen)
    loose = {name: oct(mode) for name, mode in seen.items()
             if mode != (0o700 if (Path(config.data_dir) / name).is_dir() else 0o600)}
    assert loose == {}


def test_an_existing_looser_database_is_tightened_when_opened(tmp_path):
    config = make_config(tmp_path / "var")
    AuditTrail.open(config).close()
    db = Path(config.data_dir) / "govshare.db"
    db.chmod(0o644)
    AuditTrail.open(config).close()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_checkpoints_go_to_a_file_sink_and_a_syslog_collector_as_they_are_made(tmp_path):
    collector = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    collector.bind(("127.0.0.1", 0))
    collector.settimeout(10)
    port = collector.getsockname()[1]
    sink = tmp_path / "offsite" / "cp.jsonl"
    config = make_config(tmp_path / "var", checkpoint_every=3,
                         checkpoint_sinks=(f"file:{sink}", f"syslog:127.0.0.1:{port}"))
    try:
        with AuditTrail.open(config) as trail:
            for i in range(3):
                trail.append_sync(request_record(i))
            first = collector.recv(65536)  # sent when seq 3 was sealed, before the trail closed
            assert sink.exists()
        messages = [first]
        while True:
            try:
                messages.append(collector.recv(65536))
            except TimeoutError:
                break
            if len(messages) == 2:
                break
    finally:
        collector.close()
    local = read_checkpoints(checkpoint_path(config.data_dir))
    assert [c.to_line() for c in read_checkpoints(sink)] == [c.to_line() for c in local]
    assert messages[0] == b"<134>govshare-audit: " + local[0].to_line().rstrip(b"\n")
    assert stat.S_IMODE(sink.stat().st_mode) == 0o600
    assert verify(config, expected=sink, now=datetime(2026, 11, 25, 10, tzinfo=timezone.utc)).ok


def test_a_failing_sink_is_logged_and_never_stops_the_trail(tmp_path, caplog):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")
    config = make_config(tmp_path / "var", checkpoint_every=1, checkpoint_sinks=(f"file:{blocked}/cp.jsonl",))
    with AuditTrail.open(config) as trail:
        assert trail.append_sync(request_record(0)) == 1
    assert len(read_checkpoints(checkpoint_path(config.data_dir))) == 1
    assert "not sent to sink file:" in caplog.text and "cp.jsonl" in caplog.text
    assert Sinks.parse([f"file:{blocked}/cp.jsonl"]).send(b"{}\n") == 1


@pytest.mark.parametrize("spec", ["file:relative.jsonl", "syslog:host", "udp://x", "syslog:h:99999"])
def test_malformed_sinks_are_refused_at_load(tmp_path, spec):
    with pytest.raises(AuditError):
        parse_sink(spec)
    path = tmp_path / "g.toml"
    path.write_text(f'[audit]\ncheckpoint_sinks = ["{spec}"]\n')
    with pytest.raises(ConfigError, match="checkpoint_sinks"):
        load_config(path)


def test_signing_key_in_the_config_is_relative_to_the_file_or_the_home_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    path = tmp_path / "etc" / "g.toml"
    path.parent.mkdir()
    path.write_text('[audit]\nsigning_key = "keys/audit.key"\n')
    assert load_config(path).audit.signing_key == str(tmp_path / "etc" / "keys" / "audit.key")
    path.write_text('[audit]\nsigning_key = "~/custody/audit.key"\n')
    assert signing_key_path(load_config(path)) == tmp_path / "home" / "custody" / "audit.key"


def test_the_tail_window_defaults_are_small():
    from gateway.audit.verify import tail_window
    from gateway.config import Config

    records, seconds = tail_window(Config())
    assert (Config().audit.checkpoint_every, Config().audit.checkpoint_seconds) == (100, 5.0)
    assert records <= 100 + Config().audit.batch_max and seconds <= 11.0
