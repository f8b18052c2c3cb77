"""Custody of the checkpoint signing key: where it lives, and the public keys a verifier may trust.

The private key stays OUTSIDE the data directory, at a path the operator (the audit administrator) chooses:

    [audit] signing_key = "/etc/govshare/audit/audit-signing.key"     (relative paths: to the config file)
    else $GOVSHARE_AUDIT_KEY
    else ~/.config/govshare/audit-signing.key

It is created 0600 on first use (its directory 0700), with its public half beside it (`<path>.pub`). A key
found under the data directory is refused: whoever copies the data directory must not be able to re-sign a
forged history. The public key of every key that ever signed is kept in the data directory's keyring
(`<data_dir>/audit/keys/<algorithm>-<key id>.pub`, 0600), so checkpoints stay verifiable across rotations;
the keyring is only a convenience — an attacker can plant a key there, which is why `verify` can pin the
expected fingerprints (`trusted_verifiers(..., pins)`). Public keys of older releases
(`<data_dir>/keys/audit-<algorithm>.pub`) are read too.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from ..config import Config
from .errors import AuditError
from .perms import FILE_MODE, private_dir
from .signing import (ALGORITHMS, Signer, Verifier, create_exclusive, generate_key, signer_from_pem,
                      verifier_from_pem)

ENV_KEY = "GOVSHARE_AUDIT_KEY"
DEFAULT_KEY = Path("~/.config/govshare/audit-signing.key")
FINGERPRINT_RE = re.compile(r"^(?:(?:ed25519|sm2):)?(?:sha256:)?([0-9a-f]{64})$")


def signing_key_path(config: Config) -> Path:
    """Where the private checkpoint key lives for `config` (not necessarily existing yet)."""
    configured = getattr(config.audit, "signing_key", "") or os.environ.get(ENV_KEY) or str(DEFAULT_KEY)
    return Path(configured).expanduser().absolute()


def public_path_for(private_path: Path) -> Path:
    return private_path.with_name(private_path.name + ".pub")


def keyring_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "audit" / "keys"


def _inside(path: Path, directory: Path) -> bool:
    try:
        path.resolve().relative_to(Path(directory).resolve())
    except ValueError:
        return False
    return True


def load_signer(config: Config) -> Signer:
    """The checkpoint signer for `config`, created on first use, its public key published to the keyring.
    The signer's `created` attribute says whether this call made the key (so it can be audited)."""
    algorithm = config.audit.signature_algorithm
    if algorithm not in ALGORITHMS:
        raise AuditError(f"unknown audit signature algorithm {algorithm!r} (known: {', '.join(ALGORITHMS)})")
    path = signing_key_path(config)
    if _inside(path, config.data_dir):
        raise AuditError(f"the audit signing key {path} is inside the data directory {config.data_dir}; keep it "
                         "elsewhere ([audit] signing_key or $GOVSHARE_AUDIT_KEY; see docs/AUDIT.md)")
    legacy = Path(config.data_dir) / "keys" / f"audit-{algorithm}.pem"
    if not path.exists() and legacy.exists():
        raise AuditError(f"the audit signing key is still in the data directory ({legacy}); move it to {path} "
                         "(or set [audit] signing_key) — see docs/AUDIT.md, key custody")
    created = False
    if not path.exists():
        private_dir(path.parent)
        private_pem, _ = generate_key(algorithm)
        created = create_exclusive(path, private_pem, FILE_MODE)  # lost a race: the winner's key is used
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise AuditError(f"{path} is readable by group or others; it must be mode 0600")
    signer, public_pem = signer_from_pem(algorithm, path.read_bytes(), str(path))
    public = public_path_for(path)
    if not public.exists():
        create_exclusive(public, public_pem, 0o644)
    elif verifier_from_pem(algorithm, public.read_bytes(), str(public)).key_id != signer.key_id:
        raise AuditError(f"{public} does not match {path.name}; refusing to sign checkpoints")
    publish(config.data_dir, algorithm, signer.key_id, public_pem)
    signer.created = created
    return signer


def publish(data_dir: Path, algorithm: str, key_id: str, public_pem: bytes) -> Path:
    """Put a public key into the data directory's keyring (once; an existing entry must be the same key)."""
    directory = private_dir(keyring_dir(data_dir))
    path = directory / f"{key_id.replace(':', '-')}.pub"
    if not create_exclusive(path, public_pem, FILE_MODE):
        if verifier_from_pem(algorithm, path.read_bytes(), str(path)).key_id != key_id:
            raise AuditError(f"{path} holds another key than its name says; refusing to sign checkpoints")
    return path


def keyring(data_dir: Path) -> tuple[dict[str, Verifier], list[str]]:
    """Every public key in the data directory ({key_id: verifier}) and the problems met reading it."""
    found: dict[str, Verifier] = {}
    problems: list[str] = []
    candidates = []
    directory = keyring_dir(data_dir)
    if directory.is_dir():
        for path in sorted(directory.glob("*.pub")):
            candidates.append((path.name.split("-", 1)[0], path))
    for algorithm in ALGORITHMS:
        legacy = Path(data_dir) / "keys" / f"audit-{algorithm}.pub"
        if legacy.exists():
            candidates.append((algorithm, legacy))
    for algorithm, path in candidates:
        if algorithm not in ALGORITHMS:
            problems.append(f"{path.name}: unknown algorithm")
            continue
        try:
            verifier = verifier_from_pem(algorithm, path.read_bytes(), path.name)
        except (AuditError, OSError) as e:
            problems.append(str(e))
            continue
        found.setdefault(verifier.key_id, verifier)
    return found, problems


def parse_fingerprint(text: str) -> str:
    """A pinned fingerprint in canonical form `sha256:<64 hex>`; ValueError for anything shorter or malformed
    (the 16-digit key id is not enough to pin a key)."""
    m = FINGERPRINT_RE.match(text.strip().lower())
    if not m:
        raise ValueError(f"not a key fingerprint (expected sha256:<64 hex digits>): {text[:80]!r}")
    return "sha256:" + m.group(1)
