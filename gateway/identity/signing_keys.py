"""Key material for identity: the pilot ES256 key pair, JWK thumbprints and which JWS algorithms a key can verify.

The pilot key pair is the gateway's own signing key for a pilot without a city identity service. Its
private half lives in `<data_dir>/keys/pilot-es256.pem` (mode 0600), created on first use atomically:
the key is written to a private temporary file and hard-linked into place, so two processes starting
at once end up sharing one key and never see a half-written file. Its key id is the RFC 7638 JWK
thumbprint of the public key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import stat
import tempfile
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from ..config import ConfigError, IdentitySettings

PILOT_KEY_FILENAME = "pilot-es256.pem"
PILOT_ALGORITHM = "ES256"
DEPT_CODE = re.compile(r"[A-Z][A-Z0-9_]{1,15}")
MAX_PILOT_TTL = 30 * 24 * 3600

_DEFAULTS = IdentitySettings()
_THUMBPRINT_MEMBERS = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n"), "OKP": ("crv", "kty", "x"),
                       "oct": ("k", "kty")}
_EC_CURVE_ALGORITHM = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}
_RSA_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
_HMAC_ALGORITHMS = frozenset({"HS256", "HS384", "HS512"})


def is_dept_code(value: object) -> bool:
    """A department code: an upper-case letter, then 1–15 upper-case letters, digits or underscores."""
    return isinstance(value, str) and DEPT_CODE.fullmatch(value) is not None


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 thumbprint (SHA-256, base64url without padding) of a public JWK."""
    members = _THUMBPRINT_MEMBERS.get(str(jwk.get("kty")))
    if members is None:
        raise ValueError("unsupported JWK key type for a thumbprint")
    canonical = json.dumps({name: jwk[name] for name in members}, separators=(",", ":"), sort_keys=True,
                           ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def compatible_algorithms(key: Any) -> frozenset[str]:
    """The JWS algorithms that can verify with `key` (a cryptography public key, or bytes for HMAC)."""
    if isinstance(key, (bytes, bytearray)):
        return _HMAC_ALGORITHMS
    if isinstance(key, ec.EllipticCurvePublicKey):
        alg = _EC_CURVE_ALGORITHM.get(key.curve.name)
        return frozenset({alg}) if alg else frozenset()
    if isinstance(key, rsa.RSAPublicKey):
        return _RSA_ALGORITHMS
    if isinstance(key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
        return frozenset({"EdDSA"})
    return frozenset()


def public_jwk(key: Any, **extra: Any) -> dict[str, Any]:
    """The public JWK of a cryptography public key, with `kid` set to its RFC 7638 thumbprint."""
    if isinstance(key, ec.EllipticCurvePublicKey):
        doc = ECAlgorithm.to_jwk(key, as_dict=True)
    elif isinstance(key, rsa.RSAPublicKey):
        doc = RSAAlgorithm.to_jwk(key, as_dict=True)
    elif isinstance(key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
        doc = OKPAlgorithm.to_jwk(key, as_dict=True)
    else:
        raise ValueError("not a supported public key")
    doc = {name: doc[name] for name in _THUMBPRINT_MEMBERS[doc["kty"]]}
    doc["kid"] = jwk_thumbprint(doc)
    doc.update(extra)
    return doc


def load_public_pem(path: Path) -> Any:
    """A public key from a PEM file holding a public key or an X.509 certificate."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ConfigError(path, None, "[identity] pem_file", f"cannot read: {e.strerror or type(e).__name__}") from None
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            return x509.load_pem_x509_certificate(data).public_key()
        return serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        raise ConfigError(path, None, "[identity] pem_file", "not a PEM public key or certificate") from None


class PilotKeys:
    """The gateway's own ES256 key pair (pilot mode): created once, reused, issues and publishes."""

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / "keys" / PILOT_KEY_FILENAME
        self._private: ec.EllipticCurvePrivateKey | None = None
        self._kid: str | None = None

    # -- key file -------------------------------------------------------------------------------------
    def ensure(self) -> PilotKeys:
        """Create the key pair if the file is missing (atomically, mode 0600), then load it."""
        if self._private is not None:
            return self
        if not self.path.exists():
            self._create()
        self._load()
        return self

    def _create(self) -> None:
        keys_dir = self.path.parent
        keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        fd, tmp_name = tempfile.mkstemp(dir=keys_dir, prefix=f".{PILOT_KEY_FILENAME}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as tmp:  # mkstemp creates the file with mode 0600
                tmp.write(pem)
                tmp.flush()
                os.fsync(tmp.fileno())
            try:
                os.link(tmp_name, self.path)  # fails if another process got there first: theirs wins
            except FileExistsError:
                pass
            except OSError:
                self._create_exclusive(pem)  # file systems without hard links
        finally:
            os.unlink(tmp_name)
        _fsync_dir(keys_dir)

    def _create_exclusive(self, pem: bytes) -> None:
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())

    def _load(self) -> None:
        data = b""
        for _ in range(50):  # a racing creator without hard links may still be writing
            try:
                info = self.path.stat()
                data = self.path.read_bytes()
            except OSError as e:
                raise ConfigError(self.path, None, "", f"cannot read the pilot key: {e.strerror or e}") from None
            if b"-----END" in data:
                break
            time.sleep(0.02)
        if os.name == "posix" and stat.S_IMODE(info.st_mode) & 0o077:
            raise ConfigError(self.path, None, "",
                              "the pilot private key is readable by others; chmod 600 it (or delete it to make a new one)")
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError):
            raise ConfigError(self.path, None, "", "not an unencrypted PEM private key") from None
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
            raise ConfigError(self.path, None, "", "the pilot key must be an EC P-256 (ES256) private key")
        self._private = key
        self._kid = jwk_thumbprint(public_jwk(key.public_key()))

    # -- use ------------------------------------------------------------------------------------------
    @property
    def private_key(self) -> ec.EllipticCurvePrivateKey:
        self.ensure()
        assert self._private is not None
        return self._private

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self.private_key.public_key()

    @property
    def kid(self) -> str:
        self.ensure()
        assert self._kid is not None
        return self._kid

    def jwks(self) -> dict[str, Any]:
        """The public JWKS (one key) that verifies the pilot's tokens."""
        return {"keys": [public_jwk(self.public_key, alg=PILOT_ALGORITHM, use="sig")]}

    def issue(self, dept: str, app: str | None = None, ttl: int = 3600, purpose: str | None = None,
              issuer: str = _DEFAULTS.issuer, audience: str = _DEFAULTS.audience, sub: str | None = None, *,
              now: int | None = None, dept_claim: str = _DEFAULTS.dept_claim, app_claim: str = _DEFAULTS.app_claim,
              purpose_claim: str = _DEFAULTS.purpose_claim) -> str:
        """A signed ES256 token for department `dept` (and application `app`), valid for `ttl` seconds."""
        if not is_dept_code(dept):
            raise ValueError("department code must match ^[A-Z][A-Z0-9_]{1,15}$")
        if app is not None and (not isinstance(app, str) or not app.strip()):
            raise ValueError("application name must be a non-empty string")
        if isinstance(ttl, bool) or not isinstance(ttl, int) or not 0 < ttl <= MAX_PILOT_TTL:
            raise ValueError(f"ttl must be between 1 and {MAX_PILOT_TTL} seconds")
        issued_at = int(time.time()) if now is None else int(now)
        claims: dict[str, Any] = {
            "iss": issuer, "aud": audience, "sub": sub or (f"{dept}/{app}" if app else dept),
            "iat": issued_at, "nbf": issued_at, "exp": issued_at + ttl, "jti": uuid.uuid4().hex,
            dept_claim: dept,
        }
        if app is not None and app_claim:
            claims[app_claim] = app
        if purpose is not None and purpose_claim:
            claims[purpose_claim] = purpose
        return jwt.encode(claims, self.private_key, algorithm=PILOT_ALGORITHM,
                          headers={"kid": self.kid, "typ": "JWT"})


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
