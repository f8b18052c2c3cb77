"""Signed checkpoints: the chain head (seq, hash) signed by the audit administrator's key.

One JSON line per checkpoint in `<data_dir>/audit/checkpoints.jsonl`, outside the database, so rewriting
the database alone cannot hide a change: a rewritten chain disagrees with a signed checkpoint, and a removed
tail leaves a checkpoint pointing past the end.

Line: {"algorithm", "hash", "hash_algorithm", "key_id", "seq", "signature", "ts"}. The signature covers
`DOMAIN` followed by the canonical JSON of every other field. Lines are appended with O_APPEND under an
exclusive flock and fsynced (file 0600), so the gateway and the CLI can both write checkpoints.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from .perms import FILE_MODE, private_dir
from .record import utc_ms
from .signing import Signer, Verifier

DOMAIN = b"govshare-audit-checkpoint-v1\n"
FIELDS = ("algorithm", "hash", "hash_algorithm", "key_id", "seq", "signature", "ts")


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    ts: str
    algorithm: str
    hash_algorithm: str
    key_id: str
    signature: str
    line: int = 0  # 1-based line in the checkpoint file (not serialised)

    def payload(self) -> bytes:
        body = {"algorithm": self.algorithm, "hash": self.hash, "hash_algorithm": self.hash_algorithm,
                "key_id": self.key_id, "seq": self.seq, "ts": self.ts}
        return DOMAIN + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()

    def to_line(self) -> bytes:
        doc = {k: v for k, v in asdict(self).items() if k != "line"}
        return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode() + b"\n"

    def signed_by(self, verifier: Verifier) -> bool:
        return verifier.key_id == self.key_id and verifier.verify(self.payload(), self.signature)


def checkpoint_path(data_dir: Path) -> Path:
    return Path(data_dir) / "audit" / "checkpoints.jsonl"


def make_checkpoint(signer: Signer, seq: int, chain_hash: str, hash_algorithm: str) -> Checkpoint:
    unsigned = Checkpoint(seq, chain_hash, utc_ms(), signer.algorithm, hash_algorithm, signer.key_id, "")
    return Checkpoint(seq, chain_hash, unsigned.ts, signer.algorithm, hash_algorithm, signer.key_id,
                      signer.sign(unsigned.payload()))


def append_checkpoint(path: Path, checkpoint: Checkpoint) -> None:
    private_dir(path.parent)
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, checkpoint.to_line())
        os.fsync(fd)
    finally:
        os.close(fd)  # releases the lock
    if created:
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


class CheckpointFileError(ValueError):
    """A line of the checkpoint file is not a well-formed checkpoint (the file was edited)."""

    def __init__(self, line: int, problem: str):
        self.line, self.problem = line, problem
        super().__init__(f"checkpoint file line {line}: {problem}")


def read_checkpoints(path: Path) -> list[Checkpoint]:
    """Every checkpoint in file order; [] when the file does not exist. Raises CheckpointFileError."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    out = []
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        try:
            doc = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise CheckpointFileError(number, "not valid JSON") from None
        if not isinstance(doc, dict) or set(doc) != set(FIELDS):
            raise CheckpointFileError(number, f"must have exactly the fields {', '.join(FIELDS)}")
        if isinstance(doc["seq"], bool) or not isinstance(doc["seq"], int) or doc["seq"] < 1:
            raise CheckpointFileError(number, "seq must be a positive integer")
        if not all(isinstance(doc[k], str) for k in FIELDS if k != "seq"):
            raise CheckpointFileError(number, "fields other than seq must be strings")
        out.append(Checkpoint(line=number, **doc))
    return out


def last_checkpoint(path: Path, tail_bytes: int = 16384) -> Checkpoint | None:
    """The highest checkpoint among the file's last lines (cheap at open time); None when there is none."""
    try:
        with open(path, "rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - tail_bytes))
            chunk = fh.read()
    except FileNotFoundError:
        return None
    found = None
    for line in chunk.split(b"\n")[1 if size > tail_bytes else 0:]:
        try:
            doc = json.loads(line)
            cp = Checkpoint(**{k: doc[k] for k in FIELDS})
        except (ValueError, TypeError, KeyError):
            continue
        if isinstance(cp.seq, int) and (found is None or cp.seq > found.seq):
            found = cp
    return found
