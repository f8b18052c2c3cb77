"""Verification of the audit trail: every hash link, seq contiguity, every checkpoint signature.

Walks the archive segments, then the live table, recomputing hash_n = H(hash_{n-1} ‖ canonical_n) from the
genesis value; checks the indexed columns against the hashed record; checks that each signed checkpoint
verifies with the audit public key alone and that the chain holds the signed hash at the signed seq.

The first problem found is reported with its seq and one of these kinds:
  modified       a record's bytes, hash or indexed columns changed (or an archive segment was altered)
  deleted        seq numbers are missing (or records were removed and the rest renumbered)
  reordered      a genuine record of this chain sits at the wrong position
  truncated      a signed checkpoint points past the end of the chain (the tail was removed)
  forked         one seq has two different hashes (two checkpoints, or archive vs live), or the chain was
                 rewritten consistently but disagrees with a signed checkpoint
  bad_signature  a checkpoint line is malformed, signed by an unknown key, or its signature does not verify
  untrusted_key  a checkpoint is validly signed, but by a key whose fingerprint is not among the pinned ones
  checkpoint_missing  a checkpoint of the expected-head file (exported or sent to a sink earlier) is not in
                 the data directory's checkpoint file: the file was deleted, truncated or rewritten
  unanchored     more records after the last checkpoint than the tail window allows (checkpoint_every plus
                 one write batch), or the oldest of them is older than checkpoint_seconds (plus the write
                 timeout and one second): checkpoints are missing or stale

Trust: without pins, checkpoint keys come from the data directory's keyring, which whoever holds the data
directory can replace; `pins` (full key fingerprints) and `expected` (a file of checkpoint lines kept
elsewhere: an exported head or a sink file) make the result independent of the data directory.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine

from ..config import Config
from ..store import make_engine
from . import store
from .checkpoint import Checkpoint, CheckpointFileError, checkpoint_path, read_checkpoints
from .errors import AuditError
from .hashing import GENESIS, ChainHash, chain_hash
from .record import COLUMN_FIELDS
from .segments import Segment, SegmentError, file_sha256, list_segments, read_segment
from .custody import keyring, parse_fingerprint
from .signing import Verifier

KINDS = ("modified", "deleted", "reordered", "truncated", "forked", "bad_signature", "untrusted_key",
         "checkpoint_missing", "unanchored")
GRACE_SECONDS = 1.0  # clock skew between the writer that stamps a record and the one that signs it


def tail_window(config: Config) -> tuple[int, float]:
    """(records, seconds): how far the newest records may run ahead of the last signed checkpoint."""
    settings = config.audit
    return (int(settings.checkpoint_every) + int(settings.batch_max),
            float(settings.checkpoint_seconds) + float(settings.write_timeout_seconds) + GRACE_SECONDS)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    records: int
    first_bad_seq: int | None
    kind: str | None
    detail: str
    head_seq: int = 0
    head_hash: str | None = None
    checkpoints: int = 0
    bad_record: str | None = None  # the stored form of the first bad record, as text
    unanchored: int = 0  # newest records not yet covered by a signed checkpoint (only the database vouches)
    signers: tuple[str, ...] = ()  # fingerprints of the keys whose checkpoints verified
    pinned: bool = False  # the signing keys were checked against pinned fingerprints


@dataclass(frozen=True, slots=True)
class _Item:
    seq: int
    canonical: bytes
    hash: str
    columns: dict | None  # live rows only
    where: str  # "live" or the segment file name


class _Failure(Exception):
    def __init__(self, seq: int | None, kind: str, detail: str, item: _Item | None = None):
        self.seq, self.kind, self.detail, self.item = seq, kind, detail, item


def verify(config: Config, *, engine: Engine | None = None, pins: Iterable[str] = (),
           expected: Path | None = None, now: datetime | None = None) -> VerifyResult:
    """Check the whole trail (archive + live) of `config`. Never raises for tampering; reports it.

    `pins`: fingerprints (sha256:<hex>) every checkpoint's key must have. `expected`: a file of checkpoint
    lines kept elsewhere, each of which must verify, be present in the local checkpoint file and agree with
    the chain. `now`: the clock for the tail-window check. ValueError for a malformed pin or expected file.
    """
    pinned = frozenset(parse_fingerprint(p) for p in pins)
    wanted = _read_expected(Path(expected)) if expected is not None else []
    owns = engine is None
    if engine is None:
        engine = make_engine(config.db_url)
    try:
        return _Verification(config, engine, pinned, wanted, now or datetime.now(timezone.utc)).run()
    finally:
        if owns:
            engine.dispose()


def _read_expected(path: Path) -> list[Checkpoint]:
    try:
        found = read_checkpoints(path)
    except CheckpointFileError as e:
        raise ValueError(f"{path}: {e}") from None
    if not path.exists():
        raise ValueError(f"{path}: no such expected-head file")
    if not found:
        raise ValueError(f"{path}: holds no checkpoint")
    return found


class _Verification:
    def __init__(self, config: Config, engine: Engine, pins: frozenset[str] = frozenset(),
                 expected: list[Checkpoint] | None = None, now: datetime | None = None):
        self.config = config
        self.engine = engine
        self.pins = pins
        self.expected = expected or []
        self.now = now or datetime.now(timezone.utc)
        self.data_dir = Path(config.data_dir)
        self.verifiers, self.key_problems = keyring(self.data_dir)
        self.signers: set[str] = set()
        self.first_unanchored_ts: str | None = None
        self.records = 0
        self.head_seq, self.head_hash = 0, GENESIS
        self.checkpoints: list[Checkpoint] = []
        self.anchors: dict[int, str] = {}
        self.live_first: int | None = None

    def run(self) -> VerifyResult:
        try:
            self.check_checkpoints()
            self.check_expected()
            hasher = self.hasher()
            self.walk(hasher)
            self.check_tail()
            unanchored = self.check_window()
        except _Failure as f:
            bad = None
            if f.item is not None:
                bad = f"[{f.item.where}] seq {f.item.seq}: " + f.item.canonical.decode("utf-8", "replace")
            return VerifyResult(False, self.records, f.seq, f.kind, f.detail, self.head_seq,
                                self.head_hash if self.head_seq else None, len(self.checkpoints), bad,
                                signers=tuple(sorted(self.signers)), pinned=bool(self.pins))
        detail = (f"{self.records} record(s) intact, head seq {self.head_seq}; "
                  f"{len(self.checkpoints)} signed checkpoint(s) verified")
        if self.expected:
            detail += f"; expected head seq {max(c.seq for c in self.expected)} confirmed"
        if unanchored:
            detail += (f"; {unanchored} newest record(s) not yet covered by a signed checkpoint "
                       "(within the tail window)")
        signers = tuple(sorted(self.signers))
        return VerifyResult(True, self.records, None, None, detail, self.head_seq,
                            self.head_hash if self.head_seq else None, len(self.checkpoints), None, unanchored,
                            signers, bool(self.pins))

    # ------------------------------------------------------------------------------------- checkpoints
    def check_checkpoints(self) -> None:
        try:
            self.checkpoints = read_checkpoints(checkpoint_path(self.data_dir))
        except CheckpointFileError as e:
            raise _Failure(None, "bad_signature", f"checkpoint file: {e}") from None
        for cp in sorted(self.checkpoints, key=lambda c: (c.seq, c.line)):
            self.check_signed(cp, f"checkpoint line {cp.line} (seq {cp.seq})")

    def check_signed(self, cp: Checkpoint, where: str) -> None:
        """cp's signature verifies with a known (and, when pinned, trusted) key; record it as an anchor."""
        verifier: Verifier | None = self.verifiers.get(cp.key_id)
        if verifier is None or verifier.algorithm != cp.algorithm:
            problems = f" ({'; '.join(self.key_problems)})" if self.key_problems else ""
            raise _Failure(cp.seq, "bad_signature", f"{where} names key {cp.key_id}, which is not in the audit "
                                                    f"keyring{problems}")
        if not cp.signed_by(verifier):
            raise _Failure(cp.seq, "bad_signature", f"{where}: signature does not verify")
        if self.pins and verifier.fingerprint not in self.pins:
            raise _Failure(cp.seq, "untrusted_key", f"{where} is signed by key {verifier.fingerprint}, which is "
                                                    "not a pinned key fingerprint")
        self.signers.add(verifier.fingerprint)
        known = self.anchors.get(cp.seq)
        if known is not None and known != cp.hash:
            raise _Failure(cp.seq, "forked", f"two signed checkpoints claim different hashes for seq {cp.seq}")
        self.anchors[cp.seq] = cp.hash

    def check_expected(self) -> None:
        """Every checkpoint kept elsewhere verifies and is still in the local checkpoint file."""
        local = {(c.seq, c.hash, c.key_id, c.signature) for c in self.checkpoints}
        for cp in sorted(self.expected, key=lambda c: c.seq):
            self.check_signed(cp, f"expected checkpoint (seq {cp.seq})")
            if (cp.seq, cp.hash, cp.key_id, cp.signature) not in local:
                raise _Failure(cp.seq, "checkpoint_missing",
                               f"the expected checkpoint for seq {cp.seq} is not in {checkpoint_path(self.data_dir)}"
                               ": the checkpoint file was deleted, truncated or rewritten")

    def hasher(self) -> ChainHash:
        name = store.stored_hash_algorithm(self.engine)
        return chain_hash(name or self.config.audit.hash_algorithm)

    # ------------------------------------------------------------------------------------------ the walk
    def items(self) -> Iterator[_Item]:
        """Archive segments then live rows; the live snapshot is taken before the archive is listed, so a
        concurrent archive run can only duplicate records (checked), never hide them."""
        recs = store.records
        has_table = inspect(self.engine).has_table(recs.name)
        with self.engine.connect() as conn:
            live = iter(())
            first_live = None
            if has_table:
                cols = [recs.c.seq, recs.c.canonical, recs.c.hash] + [recs.c[name] for name in COLUMN_FIELDS]
                live = iter(conn.execute(select(*cols).order_by(recs.c.seq)))
                first_live = next(live, None)
            self.live_first = first_live.seq if first_live is not None else None
            for segment in list_segments(self.data_dir):
                yield from self.segment_items(segment)
            rows = ([first_live] if first_live is not None else [])
            for row in _chain(rows, live):
                columns = {name: row._mapping[name] for name in COLUMN_FIELDS}
                yield _Item(row.seq, _as_bytes(row.canonical), _as_text(row.hash), columns, "live")

    def segment_items(self, segment: Segment) -> Iterator[_Item]:
        intact = segment.manifest is not None and segment.manifest.get("sha256") == file_sha256(segment.path)
        try:
            for rec in read_segment(segment):
                yield _Item(rec.seq, rec.canonical, rec.hash, None, segment.path.name)
        except SegmentError as e:
            raise _Failure(e.seq, "modified", f"archive {e}") from None
        if not intact:
            raise _Failure(segment.first_seq, "modified",
                           f"archive segment {segment.path.name} does not match its manifest's sha256")

    def walk(self, hasher: ChainHash) -> None:
        self.first_unanchored_seq = max(self.anchors, default=0) + 1
        prev_seq, prev_hash = 0, GENESIS
        last_anchor_ok = 0
        seen: dict[int, tuple[str, bytes]] = {}  # archived records, to compare with live duplicates
        for item in self.items():
            if item.seq <= prev_seq:
                earlier = seen.get(item.seq)
                if earlier == (item.hash, item.canonical):
                    continue
                raise _Failure(item.seq, "forked" if earlier else "reordered",
                               f"seq {item.seq} appears twice with different content ({item.where})", item)
            if item.seq != prev_seq + 1:
                missing = f"{prev_seq + 1}" + (f"..{item.seq - 1}" if item.seq - 1 > prev_seq + 1 else "")
                raise _Failure(prev_seq + 1, "deleted", f"record(s) {missing} missing before seq {item.seq} "
                                                        f"({item.where})", item)
            if hasher.link(prev_hash, item.canonical) != item.hash:
                raise self.classify(hasher, item, prev_hash)
            if item.columns is not None:
                self.check_columns(item)
            signed = self.anchors.get(item.seq)
            if signed is not None:
                if signed != item.hash:
                    raise _Failure(last_anchor_ok + 1, "forked",
                                   f"chain rewritten after seq {last_anchor_ok}: the checkpoint signed for seq "
                                   f"{item.seq} holds {signed[:16]}…, the chain holds {item.hash[:16]}…", item)
                last_anchor_ok = item.seq
            if item.seq == self.first_unanchored_seq:
                self.first_unanchored_ts = _ts_of(item.canonical)
            if item.columns is None and self.live_first is not None and item.seq >= self.live_first:
                seen[item.seq] = (item.hash, item.canonical)
            prev_seq, prev_hash = item.seq, item.hash
            self.records += 1
            self.head_seq, self.head_hash = prev_seq, prev_hash

    def check_columns(self, item: _Item) -> None:
        try:
            doc = json.loads(item.canonical)
        except ValueError:
            raise _Failure(item.seq, "modified", f"seq {item.seq}: stored record is not valid JSON", item) from None
        for name in COLUMN_FIELDS:
            if item.columns[name] != doc.get(name):
                raise _Failure(item.seq, "modified",
                               f"seq {item.seq}: column '{name}' differs from the hashed record", item)

    def check_tail(self) -> None:
        if self.anchors:
            top = max(self.anchors)
            if top > self.head_seq:
                raise _Failure(self.head_seq + 1, "truncated",
                               f"a signed checkpoint covers seq {top} but the chain ends at seq {self.head_seq}: "
                               f"{top - self.head_seq} or more record(s) removed from the tail")

    def check_window(self) -> int:
        """The number of records after the last checkpoint; a failure when they exceed the tail window."""
        unanchored = self.head_seq - max(self.anchors, default=0)
        if unanchored <= 0:
            return 0
        records, seconds = tail_window(self.config)
        since = (f"the last signed checkpoint (seq {max(self.anchors)})" if self.anchors
                 else "the start: there is no signed checkpoint at all")
        if unanchored > records:
            raise _Failure(self.first_unanchored_seq, "unanchored",
                           f"{unanchored} record(s) after {since}; the tail window allows {records}: "
                           "checkpoints are missing")
        stamp = _parse_ts(self.first_unanchored_ts)
        age = (self.now - stamp).total_seconds() if stamp else None
        if age is None or age > seconds:
            shown = f"{age:.0f} s old" if age is not None else "without a readable time"
            raise _Failure(self.first_unanchored_seq, "unanchored",
                           f"record {self.first_unanchored_seq} is {shown} and not covered by a signed checkpoint "
                           f"(after {since}); the tail window allows {seconds:g} s: checkpoints are missing or stale")
        return unanchored

    # ------------------------------------------------------------------------------------ classification
    def classify(self, hasher: ChainHash, item: _Item, prev_hash: str) -> _Failure:
        """Why item's hash link is broken: a moved genuine record, a renumbered deletion, or a modification."""
        try:
            bytes.fromhex(item.hash)
        except (ValueError, TypeError):
            return _Failure(item.seq, "modified", f"seq {item.seq}: stored hash is not a hash", item)
        known: dict[str, int] = {GENESIS: 0}
        try:
            for other in self.items():
                known.setdefault(other.hash, other.seq)
        except _Failure:  # an unreadable archive: classify with what could be read
            pass
        for seq, digest in self.anchors.items():
            known.setdefault(digest, seq)
        for candidate, after in known.items():
            if candidate == prev_hash:
                continue
            try:
                linked = hasher.link(candidate, item.canonical)
            except ValueError:  # a tampered hash column elsewhere; not a link candidate
                continue
            if linked in known:
                return _Failure(item.seq, "reordered", f"seq {item.seq} holds a genuine record of this chain "
                                                       f"that belongs after seq {after}", item)
        signed_at = {digest: seq for seq, digest in self.anchors.items()}
        if item.hash in signed_at and signed_at[item.hash] != item.seq:
            at = signed_at[item.hash]
            if at > item.seq:
                return _Failure(item.seq, "deleted", f"the record at seq {item.seq} was signed as seq {at}: "
                                                     f"{at - item.seq} record(s) removed and the rest renumbered",
                                item)
            return _Failure(item.seq, "reordered", f"the record at seq {item.seq} was signed as seq {at}", item)
        return _Failure(item.seq, "modified", f"seq {item.seq}: hash does not match the record and its "
                                              f"predecessor", item)


def _ts_of(canonical: bytes) -> str | None:
    try:
        ts = json.loads(canonical).get("ts")
    except (ValueError, AttributeError):
        return None
    return ts if isinstance(ts, str) else None


def _parse_ts(ts: str | None) -> datetime | None:
    if ts is None:
        return None
    try:
        return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _as_bytes(value) -> bytes:
    """Stored record bytes, whatever type a tampered column now holds."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if value is None:
        return b""
    return str(value).encode("utf-8", "surrogateescape")


def _as_text(value) -> str:
    return value if isinstance(value, str) else repr(value)


def _chain(*iterables):
    for it in iterables:
        yield from it
