"""Where verification keys come from, one source per `IdentitySettings.mode`.

pilot (the gateway's own ES256 pair, see `signing_keys`), pem (a public key file), jwks_file (a JWKS
file re-read when it changes), jwks_url (fetched with pyjwt's PyJWKClient, cached, refreshed on an
unknown key id at most once per `jwks_min_refresh_seconds`) and hmac (a shared secret, HS* only).
Each key is bound to the algorithms it may verify (allow-list ∩ what the key type can do).
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import jwt
from jwt.api_jwk import PyJWK, PyJWKSet

from ..config import ConfigError, IdentitySettings
from .principal import Clock, IdentityError
from .signing_keys import PILOT_ALGORITHM, PilotKeys, compatible_algorithms, load_public_pem

JWKS_FILE_CHECK_SECONDS = 1.0
JWKS_FETCH_TIMEOUT_SECONDS = 5.0
JWKS_STALE_GRACE_SECONDS = 3600.0  # keys outlive a failing JWKS endpoint by at most this, past their cache time


@dataclass(frozen=True, slots=True)
class _Key:
    """One verification key and the algorithms it may verify (allow-list ∩ what the key type can do)."""

    key: Any  # a cryptography public key, or bytes for HMAC
    algorithms: tuple[str, ...]
    kid: str | None = None


class _KeySource(Protocol):
    def key_for(self, kid: str | None) -> _Key: ...


@dataclass(frozen=True, slots=True)
class _KeyTable:
    """A parsed key set: keys by kid, and every usable key (for a token without kid)."""

    by_kid: dict[str, _Key]
    all: tuple[_Key, ...]

    def find(self, kid: str | None) -> _Key | None:
        if kid is None:
            return self.all[0] if len(self.all) == 1 else None
        return self.by_kid.get(kid)


def _key_table(document: Any, allowed: frozenset[str]) -> _KeyTable:
    """Parse a JWKS document with pyjwt; keep signing keys only; bind each to the algorithms it may use."""
    if not isinstance(document, dict):
        raise ValueError("a JWKS must be a JSON object")
    PyJWKSet.from_dict(document)  # pyjwt's own validation: raises when no key is usable
    by_kid: dict[str, _Key] = {}
    keys: list[_Key] = []
    for raw in document.get("keys", []):
        if not isinstance(raw, dict) or raw.get("use", "sig") != "sig":
            continue
        try:
            jwk = PyJWK.from_dict(raw)
        except jwt.PyJWTError:
            continue
        key = jwk.key
        if hasattr(key, "private_bytes") and hasattr(key, "public_key"):
            key = key.public_key()  # a private JWK published by mistake: only its public half is used
        algorithms = allowed & compatible_algorithms(key)
        declared = raw.get("alg")
        if declared is not None:
            algorithms &= {declared}
        entry = _Key(key, tuple(sorted(algorithms)), jwk.key_id)
        if entry.kid is not None:
            if entry.kid in by_kid:
                continue  # duplicate kid: the first one stands
            by_kid[entry.kid] = entry
        keys.append(entry)
    if not keys:
        raise ValueError("the JWKS holds no signing key")
    return _KeyTable(by_kid, tuple(keys))


class _StaticKey:
    """pilot, pem, hmac: one key. With `check_kid`, a token naming another kid is refused as unknown_key."""

    def __init__(self, key: _Key, check_kid: bool):
        self._key, self._check_kid = key, check_kid

    def key_for(self, kid: str | None) -> _Key:
        if self._check_kid and kid is not None and kid != self._key.kid:
            raise IdentityError("unknown_key")
        return self._key


class _JwksFile:
    """A JWKS file, re-read when its mtime/size/inode change (checked at most once per second)."""

    def __init__(self, path: Path, allowed: frozenset[str], clock: Clock):
        self._path, self._allowed, self._clock = path, allowed, clock
        self._lock = threading.Lock()
        try:
            signature = self._signature()
            table = self._read()
        except (OSError, ValueError, jwt.PyJWTError) as e:
            raise ConfigError(path, None, "[identity] jwks_file", f"cannot load the JWKS: {_describe(e)}") from None
        self._table, self._seen, self._checked_at = table, signature, clock()

    def _signature(self) -> tuple[int, int, int]:
        st = os.stat(self._path)
        return st.st_mtime_ns, st.st_size, st.st_ino

    def _read(self) -> _KeyTable:
        return _key_table(json.loads(self._path.read_text(encoding="utf-8")), self._allowed)

    def _maybe_reload(self) -> None:
        now = self._clock()
        if now - self._checked_at < JWKS_FILE_CHECK_SECONDS:
            return
        with self._lock:
            if now - self._checked_at < JWKS_FILE_CHECK_SECONDS:
                return
            self._checked_at = now
            try:
                signature = self._signature()
                if signature == self._seen:
                    return
                table = self._read()
            except (OSError, ValueError, jwt.PyJWTError):
                return  # mid-rotation or broken: keep the keys we have, look again next second
            self._table, self._seen = table, signature

    def key_for(self, kid: str | None) -> _Key:
        self._maybe_reload()
        key = self._table.find(kid)
        if key is None:
            raise IdentityError("unknown_key")
        return key


class _JwksUrl:
    """A JWKS endpoint fetched with PyJWKClient; cached; an unknown kid refreshes at most once per window."""

    def __init__(self, url: str, allowed: frozenset[str], cache_seconds: float, min_refresh_seconds: float,
                 clock: Clock, timeout: float):
        try:
            self._client = jwt.PyJWKClient(url, cache_jwk_set=False, timeout=timeout)
        except jwt.PyJWKClientError as e:
            raise ConfigError("<identity settings>", None, "[identity] jwks_url", _describe(e)) from None
        self._allowed, self._clock = allowed, clock
        self._cache_seconds, self._min_refresh = float(cache_seconds), float(min_refresh_seconds)
        self._lock = threading.Lock()
        self._table: _KeyTable | None = None
        self._fetched_at = 0.0
        self._attempted_at: float | None = None

    def _fresh(self, now: float) -> bool:
        return self._table is not None and now - self._fetched_at < self._cache_seconds

    def _may_fetch(self, now: float) -> bool:
        return self._attempted_at is None or now - self._attempted_at >= self._min_refresh

    def _refresh(self, now: float) -> None:
        self._attempted_at = now
        try:
            table = _key_table(self._client.fetch_data(), self._allowed)
        except (jwt.PyJWTError, ValueError, OSError):
            return  # keep what we have; the caller decides between unknown_key and key_unavailable
        self._table, self._fetched_at = table, now

    def key_for(self, kid: str | None) -> _Key:
        now = self._clock()
        table = self._table
        if table is not None and self._fresh(now):
            key = table.find(kid)
            if key is not None:
                return key  # the fast path: no lock, no fetch
        with self._lock:
            now = self._clock()
            fetched = False
            if not self._fresh(now) and self._may_fetch(now):
                self._refresh(now)
                fetched = True
            if self._table is None or now - self._fetched_at >= self._cache_seconds + JWKS_STALE_GRACE_SECONDS:
                raise IdentityError("key_unavailable")
            key = self._table.find(kid)
            if key is None and not fetched and self._may_fetch(now):
                self._refresh(now)  # maybe a rotation: one look at the endpoint per window
                key = self._table.find(kid)
            if key is None:
                raise IdentityError("unknown_key")
            return key


# -- verifier -----------------------------------------------------------------------------------------


def _describe(error: Exception) -> str:
    if isinstance(error, OSError):
        return error.strerror or type(error).__name__
    return type(error).__name__


def _make_source(settings: IdentitySettings, data_dir: Path, allowed: frozenset[str], clock: Clock,
                 fetch_timeout: float) -> _KeySource:
    mode = settings.mode
    if mode == "pilot":
        pilot = PilotKeys(data_dir).ensure()
        algorithms = allowed & {PILOT_ALGORITHM}
        if not algorithms:
            raise ConfigError("<identity settings>", None, "[identity] algorithms",
                              "pilot mode verifies ES256 tokens; the allow-list must include ES256")
        return _StaticKey(_Key(pilot.public_key, tuple(sorted(algorithms)), pilot.kid), check_kid=True)
    if mode == "pem":
        path = _required_path(settings.pem_file, "pem_file")
        key = load_public_pem(path)
        algorithms = allowed & compatible_algorithms(key)
        if not algorithms:
            raise ConfigError(path, None, "[identity] algorithms", "no allowed algorithm fits the key in pem_file")
        return _StaticKey(_Key(key, tuple(sorted(algorithms))), check_kid=False)
    if mode == "hmac":
        path = _required_path(settings.hmac_secret_file, "hmac_secret_file")
        try:
            secret = path.read_bytes().strip()
        except OSError as e:
            raise ConfigError(path, None, "[identity] hmac_secret_file", f"cannot read: {_describe(e)}") from None
        needed = max({"HS256": 32, "HS384": 48, "HS512": 64}[a] for a in allowed)
        if len(secret) < needed:
            raise ConfigError(path, None, "[identity] hmac_secret_file",
                              f"the secret must be at least {needed} bytes for the allowed algorithms")
        return _StaticKey(_Key(secret, tuple(sorted(allowed))), check_kid=False)
    if mode == "jwks_file":
        return _JwksFile(_required_path(settings.jwks_file, "jwks_file"), allowed, clock)
    if mode == "jwks_url":
        if not settings.jwks_url:
            raise ConfigError("<identity settings>", None, "[identity] jwks_url", "required in jwks_url mode")
        if settings.jwks_cache_seconds <= 0 or settings.jwks_min_refresh_seconds < 0:
            raise ConfigError("<identity settings>", None, "[identity] jwks_cache_seconds",
                              "cache time must be positive and the refresh interval not negative")
        return _JwksUrl(settings.jwks_url, allowed, settings.jwks_cache_seconds, settings.jwks_min_refresh_seconds,
                        clock, fetch_timeout)
    raise ConfigError("<identity settings>", None, "[identity] mode", f"unknown mode {mode!r}")


def _required_path(value: str | None, name: str) -> Path:
    if not value:
        raise ConfigError("<identity settings>", None, f"[identity] {name}", "required in this mode")
    return Path(value)
