"""Retention: move sealed, expired records out of the live table into archive segments.

Records older than `retention_days` (never fewer than 180, Cybersecurity Law art. 21) are written to
archive segments (`segments.py` owns their files and format). Only after the segment is written,
fsynced and read back intact are the records removed from the live table, in the same transaction that
registers the segment (the SQLite guard trigger refuses any other DELETE). The newest record always stays
live, so the chain head is never archived. This is the only DELETE in the audit code; `govshare audit
archive` runs it for the audit administrator, refuses when the chain does not verify, and is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import delete, func, insert, select

from . import store
from .checkpoint import last_checkpoint
from .errors import AuditError
from .record import utc_ms
from .segments import SEGMENT_MAX_RECORDS, write_segments
from .verify import verify


@dataclass
class ArchiveResult:
    segments: list[dict] = field(default_factory=list)  # the manifests written
    records: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    cutoff: str = ""


def archivable_range(engine, cutoff_ts: str, sealed_seq: int) -> tuple[int, int] | None:
    """The contiguous oldest live range whose records are all older than `cutoff_ts`, checkpointed
    (seq <= sealed_seq) and not the chain head."""
    with engine.connect() as conn:
        low, high = store.live_bounds(conn)
        if low is None:
            return None
        young = conn.execute(select(func.min(store.records.c.seq))
                             .where(store.records.c.ts >= cutoff_ts)).scalar()
    last = min(high - 1, sealed_seq, (young - 1) if young is not None else high)
    return (low, last) if last >= low else None


def remove_archived(engine, manifests: list[dict]) -> int:
    """Register the segments and delete their records from the live table, in one locked transaction."""
    removed = 0
    recs = store.records
    with store.chain_transaction(engine) as conn:
        for m in manifests:
            conn.execute(insert(store.segments).values(first_seq=m["first_seq"], last_seq=m["last_seq"],
                                                       file=m["segment"], sha256=m["sha256"],
                                                       archived_at=utc_ms()))
            result = conn.execute(delete(recs).where(recs.c.seq.between(m["first_seq"], m["last_seq"])))
            removed += result.rowcount or 0
    return removed


def cutoff_for(retention_days: int, now: datetime | None = None) -> str:
    if retention_days < 180:
        raise AuditError("retention_days must be at least 180 (Cybersecurity Law art. 21)")
    moment = (now or datetime.now(timezone.utc)) - timedelta(days=retention_days)
    return utc_ms(moment)


def archive(trail, *, actor: str, now: datetime | None = None,
            segment_max: int = SEGMENT_MAX_RECORDS) -> ArchiveResult:
    """Archive expired records of `trail` (an open AuditTrail) and record the action as an admin record.

    Refuses (AuditError) when the chain does not verify: tampered evidence is never moved or deleted.
    """
    config = trail.config
    cutoff = cutoff_for(config.audit.retention_days, now)
    result = ArchiveResult(cutoff=cutoff)
    trail.checkpoint()  # seal the current head so everything archived is covered by a signature
    status = verify(config, engine=trail.engine)
    if not status.ok:
        trail.append_admin(actor, "audit_admin", "audit.archive", target="audit_records", outcome="failure",
                           detail={"reason": "chain_not_intact", "kind": status.kind,
                                   "first_bad_seq": status.first_bad_seq})
        raise AuditError(f"the audit chain does not verify ({status.kind} at seq {status.first_bad_seq}); "
                         "archive refused")
    sealed = last_checkpoint(trail.checkpoint_file)
    span = archivable_range(trail.engine, cutoff, sealed.seq if sealed else 0)
    if span is None:
        trail.append_admin(actor, "audit_admin", "audit.archive", target="audit_records",
                           detail={"records": 0, "cutoff": cutoff})
        return result
    manifests = write_segments(trail.engine, Path(config.data_dir), trail.hasher.name, *span,
                               segment_max=segment_max)
    # Audit first: if the action cannot be recorded, nothing is removed (the segments just duplicate).
    trail.append_admin(actor, "audit_admin", "audit.archive", target="audit_records",
                       detail={"records": span[1] - span[0] + 1, "first_seq": span[0], "last_seq": span[1],
                               "segments": len(manifests), "cutoff": cutoff})
    removed = remove_archived(trail.engine, manifests)
    result.segments, result.records = manifests, removed
    result.first_seq, result.last_seq = span
    return result
