"""Gateway configuration: one TOML file (optional) plus the data directory, parsed and validated once.

Every setting has a safe default so `govshare run` works with no file at all (pilot identity, embedded
SQLite in the data directory, the demo policies shipped in `policies/`). govshare.example.toml at the project
root lists every setting below with its default (tests/gateway/cli/test_example_config.py keeps it complete).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from .yamlsrc import SourceError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
POLICIES_DIR = PROJECT_ROOT / "policies"

HS_ALGS = frozenset({"HS256", "HS384", "HS512"})
ASYM_ALGS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"})


class ConfigError(SourceError):
    """The configuration file is invalid."""


@dataclass(frozen=True)
class GatewaySettings:
    listen_host: str = "127.0.0.1"
    listen_port: int = 8080
    tls_cert: str | None = None
    tls_key: str | None = None
    upstream_timeout: float = 30.0
    reload_interval: float = 1.0  # seconds between checks for policy/catalog changes
    max_header_bytes: int = 32 * 1024  # request head (request line + header lines); over it: 431
    max_headers: int = 100  # request header fields; over it: 431
    max_request_body_bytes: int = 64 * 1024  # announced request body; over it (or chunked): 413, never read
    max_concurrent_per_dept: int = 32  # calls in flight per calling department; over it: 429 (0 = no cap)


@dataclass(frozen=True)
class IdentitySettings:
    mode: str = "pilot"  # pilot | pem | jwks_file | jwks_url | hmac
    algorithms: tuple[str, ...] = ("ES256",)
    issuer: str = "govshare-pilot"
    audience: str = "govshare"
    leeway: int = 30
    dept_claim: str = "dept"
    app_claim: str = "app"
    purpose_claim: str = "purpose"
    pem_file: str | None = None
    jwks_file: str | None = None
    jwks_url: str | None = None
    jwks_cache_seconds: int = 300
    jwks_min_refresh_seconds: int = 30
    hmac_secret_file: str | None = None


@dataclass(frozen=True)
class MaskingSettings:
    max_body_bytes: int = 16 * 1024 * 1024  # after decompression
    max_compression_ratio: int = 100
    max_depth: int = 64
    timeout_seconds: float = 5.0  # per-request masking deadline, enforced by killing the worker
    # masking worker processes: a number (0: mask in the gateway process, no hard deadline), or "auto": one
    # fewer than the CPUs the gateway may run on (gateway.masking.routing.worker_count)
    workers: int | str = "auto"
    inline_bytes: int = 4096  # bodies up to this size are masked in the gateway process (cheaper than a hop)
    inline_ms: float = 1.0  # ...while their resource's recent masking cost stays under this (CPU ms; routing.py)


@dataclass(frozen=True)
class AuditSettings:
    hash_algorithm: str = "sha256"  # sha256 | sm3
    signature_algorithm: str = "ed25519"  # ed25519 | sm2
    checkpoint_every: int = 100  # records; with checkpoint_seconds the tail window (docs/AUDIT.md)
    checkpoint_seconds: float = 5.0
    retention_days: int = 180
    write_timeout_seconds: float = 5.0
    batch_max: int = 256
    signing_key: str = ""  # checkpoint key, outside data_dir; default $GOVSHARE_AUDIT_KEY or ~/.config/govshare/…
    checkpoint_sinks: tuple[str, ...] = ()  # "file:/abs/path", "syslog", "syslog:/socket", "syslog:HOST:PORT"


@dataclass(frozen=True)
class AdminSettings:
    listen: str = "127.0.0.1:8081"  # the officers' console (gateway.admin), never the data port


@dataclass(frozen=True)
class Config:
    data_dir: Path = Path("var")
    database_url: str | None = None  # default: sqlite in data_dir
    catalog: Path = POLICIES_DIR / "catalog.yaml"
    model: Path = POLICIES_DIR / "model.conf"
    policy: Path = POLICIES_DIR / "policy.csv"
    masking_rules: Path = POLICIES_DIR / "masking.yaml"
    gateway: GatewaySettings = field(default_factory=GatewaySettings)
    identity: IdentitySettings = field(default_factory=IdentitySettings)
    masking: MaskingSettings = field(default_factory=MaskingSettings)
    audit: AuditSettings = field(default_factory=AuditSettings)
    admin: AdminSettings = field(default_factory=AdminSettings)
    source: str | None = None

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'govshare.db').resolve()}"


_SECTIONS = {"gateway": GatewaySettings, "identity": IdentitySettings, "masking": MaskingSettings,
             "audit": AuditSettings, "admin": AdminSettings}
_PATH_KEYS = {"catalog", "model", "policy", "masking_rules"}
_COUNT_OR_AUTO = {("masking", "workers")}  # a whole number, or "auto" (worked out from the machine at start)
_SINK_RE = re.compile(r"^(?:file:(?:/|~/).+|syslog|syslog:/.+|syslog:(?:[^:/\s\[\]]+|\[[0-9A-Fa-f:]+\]):(\d{1,5}))$")


def default_data_dir() -> Path:
    return Path(os.environ.get("GOVSHARE_DATA_DIR") or "var")


def load_config(path: str | Path | None = None, data_dir: str | Path | None = None) -> Config:
    """Read the TOML config (if any), apply `data_dir` (flag > env > file > ./var), validate."""
    cfg = Config(data_dir=default_data_dir())
    if path is not None:
        cfg = _read(Path(path), cfg)
    if data_dir is not None:
        cfg = replace(cfg, data_dir=Path(data_dir))
    elif os.environ.get("GOVSHARE_DATA_DIR"):
        cfg = replace(cfg, data_dir=Path(os.environ["GOVSHARE_DATA_DIR"]))
    _validate(cfg)
    return cfg


def _read(path: Path, cfg: Config) -> Config:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(path, None, "", f"cannot read: {e.strerror or e}") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(path, getattr(e, "lineno", None), "", f"TOML syntax: {e}") from e
    base = path.parent
    top: dict = {"source": str(path)}
    for key, value in raw.items():
        if key in _SECTIONS:
            if not isinstance(value, dict):
                raise ConfigError(path, None, f"[{key}]", "must be a table")
            section = _section(path, key, _SECTIONS[key], getattr(cfg, key), value)
            files = {f.name: str(base / Path(getattr(section, f.name)).expanduser()) for f in fields(section)
                     if f.name.endswith(("_file", "_cert", "_key")) and getattr(section, f.name)
                     and not Path(getattr(section, f.name)).expanduser().is_absolute()}
            top[key] = replace(section, **files)
        elif key == "data_dir":
            top[key] = Path(value) if Path(value).is_absolute() else base / value
        elif key == "database_url":
            top[key] = str(value)
        elif key in _PATH_KEYS:
            top[key] = Path(value) if Path(value).is_absolute() else base / value
        else:
            raise ConfigError(path, None, key, "unknown setting")
    return replace(cfg, **top)


def _section(path: Path, name: str, cls, current, values: dict):
    known = {f.name: f for f in fields(cls)}
    changes = {}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(path, None, f"[{name}] {key}", f"unknown setting (known: {', '.join(sorted(known))})")
        default = getattr(current, key)
        if (name, key) in _COUNT_OR_AUTO:
            if value != "auto" and (isinstance(value, bool) or not isinstance(value, int)):
                raise ConfigError(path, None, f"[{name}] {key}", 'must be a whole number or "auto"')
        elif isinstance(default, tuple):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(path, None, f"[{name}] {key}", "must be a list of strings")
            value = tuple(value)
        elif isinstance(default, bool) or (default is not None and not isinstance(value, type(default))
                                           and not (isinstance(default, float) and isinstance(value, int))):
            raise ConfigError(path, None, f"[{name}] {key}", f"must be {type(default).__name__}")
        changes[key] = value
    return replace(current, **changes)


def _validate(cfg: Config) -> None:
    src = cfg.source or "<defaults>"
    ident = cfg.identity
    algs = set(ident.algorithms)
    if not algs:
        raise ConfigError(src, None, "[identity] algorithms", "must not be empty")
    if "none" in {a.lower() for a in algs}:
        raise ConfigError(src, None, "[identity] algorithms", "'none' is never accepted")
    unknown = algs - HS_ALGS - ASYM_ALGS
    if unknown:
        raise ConfigError(src, None, "[identity] algorithms", f"unknown algorithm(s) {sorted(unknown)}")
    if algs & HS_ALGS and algs & ASYM_ALGS:
        raise ConfigError(src, None, "[identity] algorithms",
                          "HMAC (HS*) and public-key algorithms must not be accepted by the same verifier")
    modes = {"pilot", "pem", "jwks_file", "jwks_url", "hmac"}
    if ident.mode not in modes:
        raise ConfigError(src, None, "[identity] mode", f"must be one of {sorted(modes)}")
    if ident.mode == "hmac" and not algs <= HS_ALGS:
        raise ConfigError(src, None, "[identity] algorithms", "hmac mode takes only HS* algorithms")
    if ident.mode != "hmac" and algs & HS_ALGS:
        raise ConfigError(src, None, "[identity] algorithms", f"{ident.mode} mode takes only public-key algorithms")
    need = {"pem": "pem_file", "jwks_file": "jwks_file", "jwks_url": "jwks_url", "hmac": "hmac_secret_file"}
    if ident.mode in need and not getattr(ident, need[ident.mode]):
        raise ConfigError(src, None, f"[identity] {need[ident.mode]}", f"required in {ident.mode} mode")
    if ident.leeway < 0 or ident.leeway > 300:
        raise ConfigError(src, None, "[identity] leeway", "must be between 0 and 300 seconds")
    gw = cfg.gateway
    if bool(gw.tls_cert) != bool(gw.tls_key):
        raise ConfigError(src, None, "[gateway] tls_cert/tls_key", "set both or neither")
    if not (0 <= gw.listen_port <= 65535):
        raise ConfigError(src, None, "[gateway] listen_port", "must be 0..65535")
    for name in ("max_header_bytes", "max_headers"):
        if getattr(gw, name) < 1:
            raise ConfigError(src, None, f"[gateway] {name}", "must be at least 1")
    for name in ("max_request_body_bytes", "max_concurrent_per_dept"):
        if getattr(gw, name) < 0:
            raise ConfigError(src, None, f"[gateway] {name}", "must not be negative")
    host, _, port = cfg.admin.listen.rpartition(":")
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(src, None, "[admin] listen", "expected HOST:PORT with a port 0..65535")
    if cfg.masking.workers != "auto" and cfg.masking.workers < 0 or cfg.masking.inline_bytes < 0:
        raise ConfigError(src, None, "[masking] workers/inline_bytes", "must not be negative")
    if cfg.masking.inline_ms < 0:
        raise ConfigError(src, None, "[masking] inline_ms", "must not be negative")
    if cfg.masking.timeout_seconds <= 0:
        raise ConfigError(src, None, "[masking] timeout_seconds", "must be positive")
    if cfg.audit.retention_days < 180:
        raise ConfigError(src, None, "[audit] retention_days",
                          "must be at least 180 (Cybersecurity Law art. 21: logs kept six months)")
    if cfg.audit.hash_algorithm not in ("sha256", "sm3"):
        raise ConfigError(src, None, "[audit] hash_algorithm", "must be sha256 or sm3")
    if cfg.audit.signature_algorithm not in ("ed25519", "sm2"):
        raise ConfigError(src, None, "[audit] signature_algorithm", "must be ed25519 or sm2")
    if cfg.audit.checkpoint_every < 1 or cfg.audit.checkpoint_seconds <= 0:
        raise ConfigError(src, None, "[audit] checkpoint_every/checkpoint_seconds", "must be positive")
    for sink in cfg.audit.checkpoint_sinks:  # the forms gateway/audit/sinks.py parses
        m = _SINK_RE.match(sink)
        if not m or (m.group(1) and not 0 < int(m.group(1)) < 65536):
            raise ConfigError(src, None, "[audit] checkpoint_sinks",
                              f"{sink[:80]!r}: expected file:/abs/path, syslog, syslog:/socket or syslog:HOST:PORT")
