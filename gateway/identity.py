"""Caller identity: turns `Authorization: Bearer <JWT>` into a verified Principal, or refuses with a reason.

Owns token verification (pyjwt, explicit algorithm allow-list, `iss`/`aud`/`exp`/`iat`/`sub` and the
department claim required) and the key sources behind it, one per `IdentitySettings.mode`:
pilot (the gateway's own ES256 pair, see `gateway.keys`), pem (a public key file), jwks_file (a JWKS
file re-read when it changes), jwks_url (fetched with pyjwt's PyJWKClient, cached, refreshed on an
unknown key id at most once per `jwks_min_refresh_seconds`) and hmac (a shared secret, HS* only).
A verified token is remembered (by its SHA-256, never as text) until it expires, for at most
VERIFIED_CACHE_SECONDS, and only while its key is still the trusted one: department systems send the same
token on every call, and a signature check is the largest part of authenticating one.

Nothing from the token ever appears in an IdentityError: its message names the reason and, at most,
the name of a configured claim.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import jwt
from jwt.api_jwk import PyJWK, PyJWKSet

from .config import ASYM_ALGS, HS_ALGS, Config, ConfigError, IdentitySettings
from .errors import Unauthenticated
from .keys import PILOT_ALGORITHM, PilotKeys, compatible_algorithms, is_dept_code, load_public_pem

__all__ = ["Principal", "IdentityError", "REASONS", "bearer_token", "Verifier", "PilotKeys", "build_verifier"]

REASONS = frozenset({"missing_token", "malformed", "bad_signature", "expired", "not_yet_valid", "wrong_audience",
                     "wrong_issuer", "missing_claim", "unknown_key", "disallowed_algorithm", "key_unavailable"})
_MESSAGES = {
    "missing_token": "no bearer token was presented",
    "malformed": "the token is not a well-formed JWT",
    "bad_signature": "the token signature does not verify",
    "expired": "the token has expired",
    "not_yet_valid": "the token is not valid yet",
    "wrong_audience": "the token is not meant for this gateway (audience)",
    "wrong_issuer": "the token was not issued by the trusted issuer",
    "missing_claim": "the token lacks a required claim",
    "unknown_key": "the token names a signing key that is not trusted",
    "disallowed_algorithm": "the token's signing algorithm is not accepted",
    "key_unavailable": "the verification keys are unavailable",
}

MAX_TOKEN_CHARS = 8192
MAX_SUB_CHARS = 256
MAX_APP_CHARS = 128
MAX_PURPOSE_CHARS = 512
JWKS_FILE_CHECK_SECONDS = 1.0
JWKS_FETCH_TIMEOUT_SECONDS = 5.0
JWKS_STALE_GRACE_SECONDS = 3600.0  # keys outlive a failing JWKS endpoint by at most this, past their cache time
VERIFIED_CACHE_SIZE = 4096  # tokens remembered as verified (a department system reuses its token per call)
VERIFIED_CACHE_SECONDS = 300.0  # and for at most this long, whatever their expiry

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the department (the one the policy judges), application, subject and token facts."""

    dept: str
    app: str | None
    sub: str
    purpose: str | None
    issuer: str
    jti: str | None
    expires_at: int  # unix seconds


class IdentityError(Unauthenticated):
    """The caller could not be identified. `.reason` is a code from REASONS; `.message` holds no token data.
    HTTP status 401, or 503 when the keys cannot be had (key_unavailable)."""

    def __init__(self, reason: str, message: str = ""):
        if reason not in REASONS:
            raise ValueError(f"unknown identity failure reason {reason!r}")
        super().__init__(reason, message or _MESSAGES[reason], status=503 if reason == "key_unavailable" else 401)
        self.args = (f"{reason}: {self.message}",)


def bearer_token(authorization_header: str | None) -> str:
    """The token from an `Authorization: Bearer <token>` header value."""
    if authorization_header is None or not authorization_header.strip():
        raise IdentityError("missing_token")
    parts = authorization_header.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        raise IdentityError("malformed", "the Authorization header is not of the form 'Bearer <token>'")
    return parts[1]


# -- keys ---------------------------------------------------------------------------------------------

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

_EXCEPTION_REASONS: tuple[tuple[type[Exception], str], ...] = (
    (jwt.ExpiredSignatureError, "expired"),
    (jwt.ImmatureSignatureError, "not_yet_valid"),
    (jwt.InvalidAudienceError, "wrong_audience"),
    (jwt.InvalidIssuerError, "wrong_issuer"),
    (jwt.MissingRequiredClaimError, "missing_claim"),
    (jwt.InvalidSignatureError, "bad_signature"),
    (jwt.InvalidAlgorithmError, "disallowed_algorithm"),
    (jwt.PyJWKClientError, "unknown_key"),
    (jwt.InvalidKeyError, "bad_signature"),
    (jwt.PyJWTError, "malformed"),
)
_REQUIRED_REGISTERED = ("exp", "iat", "iss", "aud", "sub")


class Verifier:
    """Verifies bearer tokens against the configured key source. Keys are parsed once and cached."""

    def __init__(self, settings: IdentitySettings, data_dir: Path, *, clock: Clock = time.monotonic,
                 fetch_timeout: float = JWKS_FETCH_TIMEOUT_SECONDS, wall_clock: Clock = time.time):
        self._settings = settings
        self._wall_clock = wall_clock
        # SHA-256 of a verified token -> (principal, kid, key, usable until): a token already verified is
        # not verified again while it is unexpired and its key is still the one the key source trusts.
        self._verified: dict[bytes, tuple[Principal, str | None, _Key, float]] = {}
        self._allowed = _checked_algorithms(settings)
        self._source: _KeySource = _make_source(settings, Path(data_dir), self._allowed, clock, fetch_timeout)
        self._options = {
            "verify_signature": True, "verify_exp": True, "verify_nbf": True, "verify_iat": True,
            "verify_aud": True, "verify_iss": True, "verify_sub": True, "verify_jti": True,
            "require": list(_REQUIRED_REGISTERED), "enforce_minimum_key_length": True,
        }

    @property
    def settings(self) -> IdentitySettings:
        return self._settings

    def verify(self, token: str) -> Principal:
        """The Principal named by a valid token; IdentityError (with a reason code) for anything else."""
        if not isinstance(token, str) or not token:
            raise IdentityError("missing_token")
        if len(token) > MAX_TOKEN_CHARS:
            raise IdentityError("malformed", "the token is too long")
        digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        principal = self._remembered(digest)
        if principal is not None:
            return principal
        try:
            header = jwt.get_unverified_header(token)
        except (jwt.PyJWTError, ValueError, TypeError):
            raise IdentityError("malformed") from None
        alg = header.get("alg")
        if not isinstance(alg, str) or not alg:
            raise IdentityError("malformed", "the token header names no algorithm")
        if alg not in self._allowed:
            raise IdentityError("disallowed_algorithm")
        kid = header.get("kid")
        key = self._source.key_for(kid)
        if alg not in key.algorithms:
            raise IdentityError("disallowed_algorithm", "the token's algorithm does not fit the named key")
        s = self._settings
        try:
            claims = jwt.decode(token, key.key, algorithms=list(key.algorithms), options=self._options,
                                audience=s.audience, issuer=s.issuer, leeway=s.leeway)
        except jwt.MissingRequiredClaimError as e:
            name = e.claim if e.claim in _REQUIRED_REGISTERED else "a registered claim"
            raise IdentityError("missing_claim", f"the token lacks the required claim {name!r}") from None
        except (jwt.PyJWTError, ValueError, TypeError) as e:
            raise IdentityError(_reason_for(e)) from None
        principal = self._principal(claims)
        self._remember(digest, principal, kid, key)
        return principal

    def _remembered(self, digest: bytes) -> Principal | None:
        """The principal of a token verified before, if it is still unexpired (with the leeway), was verified
        less than VERIFIED_CACHE_SECONDS ago and its key is still trusted; else None (and it is forgotten)."""
        entry = self._verified.get(digest)
        if entry is None:
            return None
        principal, kid, key, until = entry
        try:
            current = self._source.key_for(kid)
        except IdentityError:
            current = None  # rotated out or unavailable: the full path gives the reason
        if current is key and self._wall_clock() < until:
            return principal
        self._verified.pop(digest, None)
        return None

    def _remember(self, digest: bytes, principal: Principal, kid: str | None, key: _Key) -> None:
        until = min(principal.expires_at + self._settings.leeway, self._wall_clock() + VERIFIED_CACHE_SECONDS)
        verified = self._verified
        if len(verified) >= VERIFIED_CACHE_SIZE:
            try:
                del verified[next(iter(verified))]  # the oldest entry
            except (KeyError, RuntimeError, StopIteration):
                verified.clear()
        verified[digest] = (principal, kid, key, until)

    def _principal(self, claims: dict[str, Any]) -> Principal:
        s = self._settings
        dept = claims.get(s.dept_claim)
        if dept is None:
            raise IdentityError("missing_claim", f"the token lacks the required claim {s.dept_claim!r}")
        if not is_dept_code(dept):
            raise IdentityError("malformed", f"the claim {s.dept_claim!r} is not a department code")
        sub = claims["sub"]
        if not isinstance(sub, str) or not sub or len(sub) > MAX_SUB_CHARS:
            raise IdentityError("malformed", "the claim 'sub' is not a usable subject")
        app = _optional_text(claims, s.app_claim, MAX_APP_CHARS)
        purpose = _optional_text(claims, s.purpose_claim, MAX_PURPOSE_CHARS)
        jti = claims.get("jti")
        issuer = claims["iss"]
        try:
            expires_at = int(claims["exp"])
        except (TypeError, ValueError, OverflowError):
            raise IdentityError("malformed", "the claim 'exp' is not a number") from None
        return Principal(dept=dept, app=app, sub=sub, purpose=purpose, issuer=issuer,
                         jti=jti if isinstance(jti, str) else None, expires_at=expires_at)


def build_verifier(config: Config) -> Verifier:
    """The Verifier for a loaded configuration."""
    return Verifier(config.identity, config.data_dir)


# -- helpers ------------------------------------------------------------------------------------------

def _optional_text(claims: dict[str, Any], name: str, limit: int) -> str | None:
    if not name:
        return None
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit or not value.isprintable():
        raise IdentityError("malformed", f"the claim {name!r} is not a usable text value")
    return value


def _reason_for(error: Exception) -> str:
    for cls, reason in _EXCEPTION_REASONS:
        if isinstance(error, cls):
            return reason
    return "malformed"


def _describe(error: Exception) -> str:
    if isinstance(error, OSError):
        return error.strerror or type(error).__name__
    return type(error).__name__


def _checked_algorithms(settings: IdentitySettings) -> frozenset[str]:
    """Re-check the allow-list here too (settings may be built without load_config): fail at start-up."""
    where = "[identity] algorithms"
    algs = frozenset(settings.algorithms)
    if not algs:
        raise ConfigError("<identity settings>", None, where, "must not be empty")
    if any(a.lower() == "none" for a in algs):
        raise ConfigError("<identity settings>", None, where, "'none' is never accepted")
    if algs - HS_ALGS - ASYM_ALGS:
        raise ConfigError("<identity settings>", None, where, "unknown algorithm")
    if algs & HS_ALGS and algs & ASYM_ALGS:
        raise ConfigError("<identity settings>", None, where,
                          "HMAC (HS*) and public-key algorithms must not be accepted by the same verifier")
    if (settings.mode == "hmac") != bool(algs & HS_ALGS):
        raise ConfigError("<identity settings>", None, where, "hmac mode takes HS* only; other modes never take HS*")
    return algs


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
