"""Archive segment files: the on-disk form of archived audit records, written and read back.

A segment is `<data_dir>/audit/archive/segment-<first>-<last>.jsonl.gz`, one JSON line per record carrying
its seq, canonical form, the previous hash and its hash (so the chain can be walked end to end), plus
`segment-<first>-<last>.manifest.json` holding the segment's sha256, bounds and hashes. Files are written
owner-only (0600) to a temporary name, fsynced, then renamed; a segment is read back and compared with the
live rows before anything is removed. Retention decides *what* to archive; this module owns the files.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from . import store
from .errors import AuditError
from .hashing import GENESIS
from .perms import FILE_MODE, private_dir
from .record import utc_ms

SEGMENT_RE = re.compile(r"^segment-(\d+)-(\d+)\.jsonl\.gz$")
SEGMENT_MAX_RECORDS = 100_000


def archive_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "audit" / "archive"


@dataclass(frozen=True)
class Segment:
    first_seq: int
    last_seq: int
    path: Path
    manifest: dict | None  # None when the manifest file is missing or unreadable

    @property
    def manifest_path(self) -> Path:
        return manifest_path_for(self.path)


@dataclass(frozen=True)
class ArchivedRecord:
    seq: int
    canonical: bytes
    hash: str
    prev: str | None


class SegmentError(ValueError):
    """A segment cannot be read as written (not gzip, a malformed line)."""

    def __init__(self, seq: int, problem: str):
        self.seq, self.problem = seq, problem
        super().__init__(problem)


def manifest_path_for(segment_path: Path) -> Path:
    return segment_path.with_name(segment_path.name.replace(".jsonl.gz", ".manifest.json"))


def list_segments(data_dir: Path) -> list[Segment]:
    """Archive segments in seq order."""
    directory = archive_dir(data_dir)
    if not directory.is_dir():
        return []
    out = []
    for path in directory.iterdir():
        m = SEGMENT_RE.match(path.name)
        if not m:
            continue
        try:
            manifest = json.loads(manifest_path_for(path).read_text(encoding="utf-8"))
            if not isinstance(manifest, dict):
                manifest = None
        except (OSError, ValueError):
            manifest = None
        out.append(Segment(int(m.group(1)), int(m.group(2)), path, manifest))
    return sorted(out, key=lambda s: (s.first_seq, s.last_seq))


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_segment(segment: Segment) -> Iterator[ArchivedRecord]:
    """The records of one segment in file order; raises SegmentError on an unreadable line."""
    expected = segment.first_seq
    try:
        with gzip.open(segment.path, "rb") as fh:
            for line in fh:
                try:
                    doc = json.loads(line)
                    seq, canonical, digest = doc["seq"], doc["canonical"], doc["hash"]
                    if not (isinstance(seq, int) and isinstance(canonical, str) and isinstance(digest, str)):
                        raise TypeError
                    record = ArchivedRecord(seq, canonical.encode("utf-8"), digest, doc.get("prev"))
                except (ValueError, TypeError, KeyError, UnicodeEncodeError):
                    raise SegmentError(expected, f"{segment.path.name}: malformed line near seq {expected}") from None
                expected = record.seq + 1
                yield record
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error):
        raise SegmentError(expected, f"{segment.path.name}: not a readable gzip file") from None


def _line(seq: int, canonical: bytes, digest: str, prev: str) -> bytes:
    doc = {"canonical": canonical.decode("utf-8"), "hash": digest, "prev": prev, "seq": seq}
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def write_segments(engine, data_dir: Path, hash_algorithm: str, first: int, last: int,
                   segment_max: int = SEGMENT_MAX_RECORDS) -> list[dict]:
    """Write [first, last] to gzip segments with manifests; returns the manifests (records stay live)."""
    directory = private_dir(archive_dir(data_dir))
    manifests = []
    recs = store.records
    with engine.connect() as conn:
        prev = conn.execute(select(recs.c.hash).where(recs.c.seq == first - 1)).scalar()
        if prev is None:
            prev = _archived_hash(data_dir, first - 1)
        start = first
        while start <= last:
            end = min(last, start + segment_max - 1)
            rows = conn.execute(select(recs.c.seq, recs.c.canonical, recs.c.hash)
                                .where(recs.c.seq.between(start, end)).order_by(recs.c.seq)).all()
            if [r.seq for r in rows] != list(range(start, end + 1)):
                raise AuditError(f"live records {start}..{end} are not contiguous; archive refused")
            first_prev = prev
            body = bytearray()
            for r in rows:
                body += _line(r.seq, bytes(r.canonical), r.hash, prev)
                prev = r.hash
            stamps = [t for t in (_ts_of(r.canonical) for r in rows) if isinstance(t, str)]
            path = directory / f"segment-{start}-{end}.jsonl.gz"
            _write_atomic(path, gzip.compress(bytes(body), mtime=0))
            manifest = {"segment": path.name, "first_seq": start, "last_seq": end, "records": len(rows),
                        "sha256": file_sha256(path), "prev_hash": first_prev, "last_hash": prev,
                        "min_ts": min(stamps, default=None), "max_ts": max(stamps, default=None),
                        "hash_algorithm": hash_algorithm, "created": utc_ms()}
            _write_atomic(manifest_path_for(path),
                          json.dumps(manifest, indent=2, sort_keys=True).encode() + b"\n")
            _fsync_dir(directory)
            _check_segment(Segment(start, end, path, manifest), rows)
            manifests.append(manifest)
            start = end + 1
    return manifests


def _ts_of(canonical) -> str | None:
    try:
        return json.loads(bytes(canonical)).get("ts")
    except ValueError:
        return None


def _archived_hash(data_dir: Path, seq: int) -> str:
    if seq == 0:
        return GENESIS
    for seg in list_segments(data_dir):
        if seg.first_seq <= seq <= seg.last_seq:
            for rec in read_segment(seg):
                if rec.seq == seq:
                    return rec.hash
    raise AuditError(f"the hash of seq {seq} is neither live nor archived; archive refused")


def _check_segment(segment: Segment, rows) -> None:
    """Read the segment back and compare with the live rows before anything is removed."""
    if file_sha256(segment.path) != segment.manifest["sha256"]:
        raise AuditError(f"{segment.path.name} changed after it was written; archive refused")
    back = [(r.seq, r.canonical, r.hash) for r in read_segment(segment)]
    if back != [(r.seq, bytes(r.canonical), r.hash) for r in rows]:
        raise AuditError(f"{segment.path.name} does not read back as written; archive refused")
