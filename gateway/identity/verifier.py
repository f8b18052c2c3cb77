"""Token verification: turns `Authorization: Bearer <JWT>` into a verified Principal, or refuses with a reason.

Owns the verification itself (pyjwt, explicit algorithm allow-list, `iss`/`aud`/`exp`/`iat`/`sub` and the
department claim required); keys come from `sources`. A verified token is remembered (by its SHA-256,
never as text) until it expires, for at most VERIFIED_CACHE_SECONDS, and only while its key is still the
trusted one: department systems send the same token on every call, and a signature check is the largest
part of authenticating one.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import jwt

from ..config import ASYM_ALGS, HS_ALGS, Config, ConfigError, IdentitySettings
from .principal import Clock, IdentityError, Principal
from .signing_keys import is_dept_code
from .sources import JWKS_FETCH_TIMEOUT_SECONDS, _Key, _KeySource, _make_source

MAX_TOKEN_CHARS = 8192
MAX_SUB_CHARS = 256
MAX_APP_CHARS = 128
MAX_PURPOSE_CHARS = 512
VERIFIED_CACHE_SIZE = 4096  # tokens remembered as verified (a department system reuses its token per call)
VERIFIED_CACHE_SECONDS = 300.0  # and for at most this long, whatever their expiry


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
        digest = _digest(token)
        principal = self._remembered(digest)
        if principal is not None:
            return principal
        principal, _ = self._verify_fully(token, digest)
        return principal

    def verify_with_claims(self, token: str) -> tuple[Principal, dict]:
        """As `verify`, also returning the token's verified claims (for callers that read claims of their own,
        such as the console's token sign-in). Never answered from the cache: the claims are not kept."""
        return self._verify_fully(token, _digest(token))

    def _verify_fully(self, token: str, digest: bytes) -> tuple[Principal, dict]:
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
        return principal, claims

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


def _digest(token: str) -> bytes:
    """The SHA-256 of a token of acceptable shape (the verified-token cache's key); IdentityError if not."""
    if not isinstance(token, str) or not token:
        raise IdentityError("missing_token")
    if len(token) > MAX_TOKEN_CHARS:
        raise IdentityError("malformed", "the token is too long")
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


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
