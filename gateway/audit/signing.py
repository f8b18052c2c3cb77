"""The audit administrator's checkpoint key: Ed25519 (cryptography) or SM2 (gmssl) — the algorithms.

Keys are PEM: a PKCS#8 private key (0600) and a SubjectPublicKeyInfo public key, on the SM2 curve (OID
1.2.156.10197.1.301) for SM2. Where the key lives is custody.py's business (outside the data directory);
`load_or_create_signer(dir, algorithm)` keeps the older `<dir>/audit-<algorithm>.pem/.pub` layout. Each key
has a `key_id` (algorithm + 16 hex, named in every checkpoint) and a full `fingerprint` (sha256 over the raw
public key) that an operator pins.

Keys are created atomically (written to a private temporary file, then hard-linked into place, so two
processes starting at once end up with the same key). Verification needs only the `.pub` file.

SM2 signatures follow GB/T 32918 with the default user id and SM3 (gmssl's sign_with_sm3), encoded as the
128-hex r‖s; the per-signature nonce comes from `secrets`, never from gmssl's `random` helper.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from Cryptodome.IO import PEM
from Cryptodome.Util.asn1 import DerBitString, DerObjectId, DerOctetString, DerSequence
from gmssl import sm2 as gm_sm2

from .errors import AuditError

ALGORITHMS = ("ed25519", "sm2")


class Signer(Protocol):
    algorithm: str
    key_id: str
    fingerprint: str

    def sign(self, data: bytes) -> str: ...


class Verifier(Protocol):
    algorithm: str
    key_id: str
    fingerprint: str

    def verify(self, data: bytes, signature: str) -> bool: ...


def key_paths(keys_dir: Path, algorithm: str) -> tuple[Path, Path]:
    return keys_dir / f"audit-{algorithm}.pem", keys_dir / f"audit-{algorithm}.pub"


def _key_id(algorithm: str, public_raw: bytes) -> str:
    return f"{algorithm}:{hashlib.sha256(public_raw).hexdigest()[:16]}"


def _fingerprint(public_raw: bytes) -> str:
    """The full fingerprint an operator pins: sha256 over the raw public key (Ed25519: 32 bytes; SM2: 04‖x‖y)."""
    return "sha256:" + hashlib.sha256(public_raw).hexdigest()


# ------------------------------------------------------------------------------------------------ Ed25519
@dataclass
class Ed25519Signer:
    private: Ed25519PrivateKey
    algorithm: str = "ed25519"
    key_id: str = ""
    fingerprint: str = ""
    created: bool = False  # made by this process (custody.load_signer)

    def sign(self, data: bytes) -> str:
        return self.private.sign(data).hex()


@dataclass
class Ed25519Verifier:
    public: Ed25519PublicKey
    algorithm: str = "ed25519"
    key_id: str = ""
    fingerprint: str = ""

    def verify(self, data: bytes, signature: str) -> bool:
        try:
            self.public.verify(bytes.fromhex(signature), data)
        except (InvalidSignature, ValueError, TypeError):
            return False
        return True


def _ed_raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _ed_generate() -> tuple[bytes, bytes]:
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return pem, _ed_public_pem(private.public_key())


def _ed_public_pem(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _ed_signer(pem: bytes) -> tuple[Ed25519Signer, bytes]:
    private = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise AuditError("audit-ed25519.pem does not hold an Ed25519 private key")
    public = private.public_key()
    raw = _ed_raw(public)
    signer = Ed25519Signer(private, key_id=_key_id("ed25519", raw), fingerprint=_fingerprint(raw))
    return signer, _ed_public_pem(public)


def _ed_verifier(pem: bytes) -> Ed25519Verifier:
    public = serialization.load_pem_public_key(pem)
    if not isinstance(public, Ed25519PublicKey):
        raise AuditError("audit-ed25519.pub does not hold an Ed25519 public key")
    raw = _ed_raw(public)
    return Ed25519Verifier(public, key_id=_key_id("ed25519", raw), fingerprint=_fingerprint(raw))


# ---------------------------------------------------------------------------------------------------- SM2
_SM2 = gm_sm2.default_ecc_table
_SM2_N = int(_SM2["n"], 16)
_SM2_P = int(_SM2["p"], 16)
_SM2_A = int(_SM2["a"], 16)
_SM2_B = int(_SM2["b"], 16)
_OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1"
_OID_SM2 = "1.2.156.10197.1.301"


def _sm2_engine(private_hex: str, public_xy: str) -> gm_sm2.CryptSM2:
    engine = gm_sm2.CryptSM2(private_key=private_hex, public_key="")
    engine.public_key = public_xy  # set directly: the constructor's lstrip("04") corrupts some keys
    return engine


def _sm2_on_curve(xy: str) -> bool:
    if len(xy) != 128:
        return False
    x, y = int(xy[:64], 16), int(xy[64:], 16)
    if not (0 <= x < _SM2_P and 0 <= y < _SM2_P):
        return False
    return (y * y - (x * x * x + _SM2_A * x + _SM2_B)) % _SM2_P == 0


def _sm2_public_of(d: int) -> str:
    return _sm2_engine(f"{d:064x}", "")._kg(d, _SM2["g"])


def _sm2_private_der(d: int, xy: str) -> bytes:
    ec_private = DerSequence([1, DerOctetString(d.to_bytes(32, "big")),
                              DerBitString(b"\x04" + bytes.fromhex(xy), explicit=1)]).encode()
    algorithm = DerSequence([DerObjectId(_OID_EC_PUBLIC_KEY), DerObjectId(_OID_SM2)])
    return DerSequence([0, algorithm, DerOctetString(ec_private)]).encode()


def _sm2_public_der(xy: str) -> bytes:
    algorithm = DerSequence([DerObjectId(_OID_EC_PUBLIC_KEY), DerObjectId(_OID_SM2)])
    return DerSequence([algorithm, DerBitString(b"\x04" + bytes.fromhex(xy))]).encode()


def _check_sm2_algorithm(der: bytes, what: str) -> None:
    alg = DerSequence().decode(der)
    oids = [DerObjectId().decode(alg[0]).value, DerObjectId().decode(alg[1]).value]
    if oids != [_OID_EC_PUBLIC_KEY, _OID_SM2]:
        raise AuditError(f"{what} is not an SM2 key")


def _sm2_parse_private(pem: bytes) -> tuple[int, str]:
    try:
        der, marker, _ = PEM.decode(pem.decode("ascii"))
        if marker != "PRIVATE KEY":
            raise ValueError("not a PKCS#8 private key")
        outer = DerSequence().decode(der)
        _check_sm2_algorithm(outer[1], "audit-sm2.pem")
        inner = DerSequence().decode(DerOctetString().decode(outer[2]).payload)
        d = int.from_bytes(DerOctetString().decode(inner[1]).payload, "big")
    except AuditError:
        raise
    except Exception as e:  # noqa: BLE001 - any parse failure is one clear error
        raise AuditError(f"audit-sm2.pem is not a readable SM2 private key ({type(e).__name__})") from None
    if not 1 <= d < _SM2_N - 1:
        raise AuditError("audit-sm2.pem holds an out-of-range SM2 private key")
    return d, _sm2_public_of(d)


def _sm2_parse_public(pem: bytes) -> str:
    try:
        der, marker, _ = PEM.decode(pem.decode("ascii"))
        if marker != "PUBLIC KEY":
            raise ValueError("not a SubjectPublicKeyInfo")
        outer = DerSequence().decode(der)
        _check_sm2_algorithm(outer[0], "audit-sm2.pub")
        point = DerBitString().decode(outer[1]).value
    except AuditError:
        raise
    except Exception as e:  # noqa: BLE001
        raise AuditError(f"audit-sm2.pub is not a readable SM2 public key ({type(e).__name__})") from None
    if len(point) != 65 or point[0] != 4 or not _sm2_on_curve(point[1:].hex()):
        raise AuditError("audit-sm2.pub does not hold a point on the SM2 curve")
    return point[1:].hex()


@dataclass
class SM2Signer:
    d: int
    xy: str
    algorithm: str = "sm2"
    key_id: str = ""
    fingerprint: str = ""
    created: bool = False  # made by this process (custody.load_signer)

    def sign(self, data: bytes) -> str:
        engine = _sm2_engine(f"{self.d:064x}", self.xy)
        for _ in range(16):
            k = secrets.randbelow(_SM2_N - 1) + 1
            signature = engine.sign_with_sm3(data, f"{k:064x}")
            if signature:
                return signature
        raise AuditError("SM2 signing failed repeatedly")  # pragma: no cover - probability ~2^-256


@dataclass
class SM2Verifier:
    xy: str
    algorithm: str = "sm2"
    key_id: str = ""
    fingerprint: str = ""

    def verify(self, data: bytes, signature: str) -> bool:
        if not isinstance(signature, str) or len(signature) != 128:
            return False
        try:
            r, s = int(signature[:64], 16), int(signature[64:], 16)
        except ValueError:
            return False
        if not (1 <= r < _SM2_N and 1 <= s < _SM2_N):
            return False
        try:
            return bool(_sm2_engine("", self.xy).verify_with_sm3(signature, data))
        except Exception:  # noqa: BLE001 - a malformed point or signature is simply not valid
            return False


def _sm2_generate() -> tuple[bytes, bytes]:
    d = secrets.randbelow(_SM2_N - 2) + 1
    xy = _sm2_public_of(d)
    return (PEM.encode(_sm2_private_der(d, xy), "PRIVATE KEY").encode() + b"\n",
            PEM.encode(_sm2_public_der(xy), "PUBLIC KEY").encode() + b"\n")


def _sm2_signer(pem: bytes) -> tuple[SM2Signer, bytes]:
    d, xy = _sm2_parse_private(pem)
    public_pem = PEM.encode(_sm2_public_der(xy), "PUBLIC KEY").encode() + b"\n"
    raw = bytes.fromhex("04" + xy)
    return SM2Signer(d, xy, key_id=_key_id("sm2", raw), fingerprint=_fingerprint(raw)), public_pem


def _sm2_verifier(pem: bytes) -> SM2Verifier:
    xy = _sm2_parse_public(pem)
    raw = bytes.fromhex("04" + xy)
    return SM2Verifier(xy, key_id=_key_id("sm2", raw), fingerprint=_fingerprint(raw))


_GENERATE = {"ed25519": _ed_generate, "sm2": _sm2_generate}
_SIGNER = {"ed25519": _ed_signer, "sm2": _sm2_signer}
_VERIFIER = {"ed25519": _ed_verifier, "sm2": _sm2_verifier}


# ------------------------------------------------------------------------------------------------- files
def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_exclusive(path: Path, data: bytes, mode: int) -> bool:
    """Write `path` atomically with `mode`; False (and nothing written) when it already exists."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    finally:
        tmp.unlink()
    _fsync_dir(path.parent)
    return True


def generate_key(algorithm: str) -> tuple[bytes, bytes]:
    """A new (private PEM, public PEM) pair for `algorithm`."""
    if algorithm not in ALGORITHMS:
        raise AuditError(f"unknown audit signature algorithm {algorithm!r} (known: {', '.join(ALGORITHMS)})")
    return _GENERATE[algorithm]()


def signer_from_pem(algorithm: str, pem: bytes, where: str) -> tuple[Signer, bytes]:
    """(signer, public PEM) from a private key PEM; AuditError naming `where` when it is not such a key."""
    try:
        return _SIGNER[algorithm](pem)
    except AuditError as e:
        raise AuditError(f"{where}: {e}") from None
    except Exception as e:  # noqa: BLE001 - any parse failure is one clear error
        raise AuditError(f"{where} is not a readable {algorithm} private key ({type(e).__name__})") from None


def verifier_from_pem(algorithm: str, pem: bytes, where: str) -> Verifier:
    """A verifier from a public key PEM; AuditError naming `where` when it is not such a key."""
    try:
        return _VERIFIER[algorithm](pem)
    except AuditError as e:
        raise AuditError(f"{where}: {e}") from None
    except Exception as e:  # noqa: BLE001
        raise AuditError(f"{where} is not a valid {algorithm} public key ({type(e).__name__})") from None


def load_or_create_signer(keys_dir: Path, algorithm: str) -> Signer:
    """The audit signing key for `algorithm`, created (0600) on first use; its `.pub` written beside it."""
    if algorithm not in ALGORITHMS:
        raise AuditError(f"unknown audit signature algorithm {algorithm!r} (known: {', '.join(ALGORITHMS)})")
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    private_path, public_path = key_paths(keys_dir, algorithm)
    if not private_path.exists():
        private_pem, public_pem = _GENERATE[algorithm]()
        create_exclusive(private_path, private_pem, 0o600)  # lost a race: the winner's key is used below
    if stat.S_IMODE(private_path.stat().st_mode) & 0o077:
        raise AuditError(f"{private_path} is readable by group or others; it must be mode 0600")
    signer, public_pem = _SIGNER[algorithm](private_path.read_bytes())
    if not public_path.exists():
        create_exclusive(public_path, public_pem, 0o644)
    if load_verifier(keys_dir, algorithm).key_id != signer.key_id:
        raise AuditError(f"{public_path} does not match {private_path.name}; refusing to sign checkpoints")
    return signer


def load_verifier(keys_dir: Path, algorithm: str) -> Verifier:
    """The public half only (what an assessor needs). Raises AuditError when missing or unreadable."""
    if algorithm not in ALGORITHMS:
        raise AuditError(f"unknown audit signature algorithm {algorithm!r}")
    _, public_path = key_paths(keys_dir, algorithm)
    try:
        pem = public_path.read_bytes()
    except OSError:
        raise AuditError(f"public key {public_path} is missing or unreadable") from None
    try:
        return _VERIFIER[algorithm](pem)
    except AuditError:
        raise
    except Exception as e:  # noqa: BLE001
        raise AuditError(f"{public_path} is not a valid {algorithm} public key ({type(e).__name__})") from None
