"""Helpers for the audit tests: configs on real SQLite files in tmp_path, record factories, raw tampering."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import replace
from pathlib import Path

from gateway.audit.signing import create_exclusive, generate_key
from gateway.config import AuditSettings, Config

TRIGGERS = ("audit_records_no_update", "audit_records_delete_archived_only", "audit_meta_no_update",
            "audit_meta_no_delete", "audit_segments_no_update", "audit_segments_no_delete")


def make_config(data_dir: Path, **audit) -> Config:
    """A config on `data_dir` whose checkpoint key lives outside it: $GOVSHARE_AUDIT_KEY when set (the test
    session's key, which a CLI or child process without a config file uses too; `.sm2` beside it for SM2),
    else beside the data directory. The key is made here when missing, so a trail's records are only the ones
    a test writes (no key.create record)."""
    algorithm = audit.get("signature_algorithm", "ed25519")
    if "signing_key" not in audit:
        session = os.environ.get("GOVSHARE_AUDIT_KEY")
        if session:
            key = Path(session + ("" if algorithm == "ed25519" else f".{algorithm}"))
        else:
            key = Path(data_dir).parent / f"audit-signing-{algorithm}.key"
        if not key.exists():
            key.parent.mkdir(parents=True, exist_ok=True)
            create_exclusive(key, generate_key(algorithm)[0], 0o600)
        audit["signing_key"] = str(key)
    return Config(data_dir=Path(data_dir), audit=replace(AuditSettings(), **audit))


def keyring_files(data_dir: Path) -> list[Path]:
    return sorted((Path(data_dir) / "audit" / "keys").glob("*.pub"))


def request_record(i: int = 0, *, shape: str = "allow", **overrides) -> dict:
    """A request record as the gateway's audit stage builds it; shapes: allow, deny, error."""
    base = {
        "ts": f"2026-11-25T10:{(i // 60) % 60:02d}:{i % 60:02d}.{i % 1000:03d}Z",
        "event": "request",
        "request_id": f"{i:08x}{'a' * 24}",
        "dept": ("MZJ", "SCJG", "RSJ")[i % 3],
        "app": "dibao-check",
        "subject": f"sub_{i:024x}",
        "client": "10.1.2.3",
        "method": "GET",
        "resource": ("GA-RK-0001", "SCJG-QY-0001")[i % 2],
        "path": "/api/ga/population/…",
        "purpose": "最低生活保障审核",
        "decision": "allow",
        "reason": "grant",
        "rule": "p, MZJ, GA-RK-0001, GET, grant",
        "policy_version": "sha256:" + "ab" * 32,
        "grant_id": f"g-{i % 4}",
        "status": 200,
        "bytes_in": 0,
        "bytes_out": 1024 + i,
        "latency_ms": 12.5,
        "masking": [{"path": "$.data[*].sfzh", "entity": "CN_ID_CARD", "operator": "mask", "count": 3},
                    {"path": "$.data[*].xm", "entity": "PERSON", "operator": "mask", "count": 3}],
        "error": None,
    }
    if shape == "deny":
        base.update(decision="deny", reason="no_grant", rule=None, grant_id=None, status=403, bytes_out=120,
                    masking=[])
    elif shape == "error":
        base.update(decision="deny", reason="upstream_error", grant_id=None, status=502, bytes_out=90,
                    masking=[], error="ConnectError", latency_ms=3001.0)
    base.update(overrides)
    return base


def open_raw(db: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection with the guard triggers dropped — what an attacker with the file has."""
    conn = sqlite3.connect(db, isolation_level=None)
    for name in TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    return conn


def db_path(config: Config) -> Path:
    return Path(config.data_dir).resolve() / "govshare.db"
