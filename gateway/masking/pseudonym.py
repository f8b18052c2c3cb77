"""Pseudonym keys: one master secret per gateway, one derived key per scope (a grant, a department).

The master secret lives in `<data_dir>/keys/pseudonym.key` (mode 0600, directory 0700). It is created
on first use, atomically: written to a private temporary file and hard-linked into place, so two
processes starting together agree on one secret and no reader ever sees a half-written file.
`key_for(scope)` = HMAC-SHA256(master, scope): two grants get unrelated keys, so two departments holding
pseudonymised copies of the same records cannot join them.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
import threading
from pathlib import Path

MASTER_FILE = "pseudonym.key"
MASTER_BYTES = 32
MAX_CACHED_KEYS = 4096  # derived keys kept in memory (one per grant or department scope)


class PseudonymKeyError(RuntimeError):
    """The master secret cannot be created or read safely (the message names the file, never the key)."""


class PseudonymKeys:
    """Derives per-scope pseudonym keys from the gateway's master secret in `data_dir`."""

    def __init__(self, data_dir: str | Path):
        self.dir = Path(data_dir) / "keys"
        self.path = self.dir / MASTER_FILE
        self._master: bytes | None = None
        self._lock = threading.Lock()
        self._keys: dict[str, bytes] = {}  # scope -> key, derived once per grant and department

    def key_for(self, scope: str) -> bytes:
        """The 32-byte key for `scope` (e.g. `grant:<id>`); the same scope always gives the same key."""
        if not scope:
            raise ValueError("a pseudonym scope must not be empty")
        key = self._keys.get(scope)
        if key is None:
            key = hmac.new(self.master(), b"govshare-pseudonym\x00" + scope.encode("utf-8"), hashlib.sha256).digest()
            if len(self._keys) >= MAX_CACHED_KEYS:
                self._keys.clear()
            self._keys[scope] = key
        return key

    def master(self) -> bytes:
        with self._lock:
            if self._master is None:
                self._master = self._load_or_create()
            return self._master

    def _load_or_create(self) -> bytes:
        try:
            return self._read()
        except FileNotFoundError:
            pass
        self._create()
        return self._read()

    def _read(self) -> bytes:
        fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise PseudonymKeyError(f"{self.path} is not a regular file")
            if st.st_mode & 0o077:
                raise PseudonymKeyError(f"{self.path} is readable by others (mode {stat.S_IMODE(st.st_mode):o}); "
                                        "chmod 600 it")
            data = os.read(fd, 4096)
        finally:
            os.close(fd)
        text = data.decode("ascii", errors="replace").strip()
        try:
            key = bytes.fromhex(text)
        except ValueError:
            key = b""
        if len(key) != MASTER_BYTES:
            raise PseudonymKeyError(f"{self.path} does not hold a {MASTER_BYTES}-byte hex secret")
        return key

    def _create(self) -> None:
        try:
            self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as e:
            raise PseudonymKeyError(f"cannot create {self.dir}: {e.strerror or e}") from None
        tmp = self.dir / f".{MASTER_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, (secrets.token_bytes(MASTER_BYTES).hex() + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, self.path)  # fails if another process created it first: theirs wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
        try:
            dir_fd = os.open(self.dir, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError:  # pragma: no cover - some filesystems cannot fsync a directory
            pass


def grant_scope(grant_id: str | None, dept: str | None) -> str:
    """The pseudonym scope of a caller: its grant when it has one, else its department."""
    if grant_id:
        return f"grant:{grant_id}"
    if dept:
        return f"dept:{dept}"
    return "gateway"
