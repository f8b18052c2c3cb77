"""Reading the trail: filtered queries over live records (indexed columns) and archive segments, and tail.

Record filters — `reason`, `purpose`, `grant_id` (a request's grant, or an administrator action's
`detail.grant_id`) and `actor` (the acting officer of an administrator record) — are not columns of the
live table: on SQLite they are pushed into the query with json_extract over the canonical bytes, and every
candidate is matched again in Python (the only check for archived segments and other databases).

Time bounds accept `2026-11-25`, `2026-11-25T10:00`, `2026-11-25T10:00:00Z` or the full record form; a
`to` given as a bare date includes that whole day. Ranges are half-open: from <= ts < to.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import Text, cast, func, inspect, or_, select
from sqlalchemy.engine import Engine

from . import store
from .record import utc_ms
from .segments import SegmentError, list_segments, read_segment


@dataclass(frozen=True)
class Filters:
    from_ts: str | None = None
    to_ts: str | None = None
    dept: str | None = None
    app: str | None = None
    resource: str | None = None
    decision: str | None = None
    status: int | None = None
    request_id: str | None = None
    event: str | None = None
    correlation_id: str | None = None  # the keyed hash of a caller's own request id; not an indexed column
    reason: str | None = None
    purpose: str | None = None
    grant_id: str | None = None
    actor: str | None = None

    def column_filters(self) -> dict:
        return {k: getattr(self, k) for k in ("dept", "app", "resource", "decision", "status", "request_id",
                                              "event") if getattr(self, k) is not None}

    def record_filters(self) -> dict:
        """The filters on record content that no live-table column holds."""
        return {k: getattr(self, k) for k in RECORD_KEYS if getattr(self, k) is not None}

    def _record_match(self, record: dict) -> bool:
        for key, value in self.record_filters().items():
            if key == "grant_id":
                detail = record.get("detail")
                in_detail = detail.get("grant_id") if isinstance(detail, dict) else None
                if str(record.get("grant_id")) != value and str(in_detail) != value:
                    return False
            elif record.get(key) != value:
                return False
        return True

    def matches(self, record: dict) -> bool:
        ts = record.get("ts") or ""
        if self.from_ts and ts < self.from_ts:
            return False
        if self.to_ts and ts >= self.to_ts:
            return False
        if self.correlation_id is not None and record.get("correlation_id") != self.correlation_id:
            return False
        if not self._record_match(record):
            return False
        return all(record.get(k) == v for k, v in self.column_filters().items())


RECORD_KEYS = ("reason", "purpose", "grant_id", "actor")


@dataclass(frozen=True)
class Row:
    seq: int
    hash: str
    canonical: bytes

    @property
    def record(self) -> dict:
        try:
            doc = json.loads(self.canonical)
        except ValueError:
            return {"event": "unreadable"}
        return doc if isinstance(doc, dict) else {"event": "unreadable"}

    def to_json_line(self) -> str:
        """`{"hash":…,"record":<canonical>,"seq":n}` — itself canonical JSON, the record bytes untouched."""
        return '{"hash":"%s","record":%s,"seq":%d}' % (self.hash, self.canonical.decode("utf-8", "replace"),
                                                       self.seq)


def parse_time(text: str | None, *, end: bool = False, tz: timezone = timezone.utc) -> str | None:
    """A user-given time as a record timestamp (UTC). `end` makes a bare date mean the end of that day;
    a bare date or a time without offset is read in `tz` (UTC unless the caller says, e.g. UTC+08:00)."""
    if text is None or text == "":
        return None
    raw = text.strip()
    try:
        if len(raw) == 10:
            day = datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=tz)
            return utc_ms(day + timedelta(days=1) if end else day)
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not a date or time: {raw!r} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z])") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return utc_ms(moment)


def _json_field(path: str):
    return func.json_extract(cast(store.records.c.canonical, Text), path)


def record_clauses(filters: Filters, dialect: str) -> list:
    """WHERE clauses for the record filters: `actor` narrows to administrator records (indexed event
    column) everywhere; on SQLite each filter is also pushed down with json_extract."""
    recs, out = store.records, []
    wanted = filters.record_filters()
    if "actor" in wanted:
        out.append(recs.c.event == "admin")
    if dialect != "sqlite":
        return out
    for key, value in wanted.items():
        if key == "grant_id":
            out.append(or_(_json_field("$.grant_id") == value, _json_field("$.detail.grant_id") == value))
        else:
            out.append(_json_field(f"$.{key}") == value)
    return out


def _live_select(filters: Filters, dialect: str = ""):
    recs = store.records
    stmt = select(recs.c.seq, recs.c.hash, recs.c.canonical)
    for clause in record_clauses(filters, dialect):
        stmt = stmt.where(clause)
    if filters.from_ts:
        stmt = stmt.where(recs.c.ts >= filters.from_ts)
    if filters.to_ts:
        stmt = stmt.where(recs.c.ts < filters.to_ts)
    for name, value in filters.column_filters().items():
        stmt = stmt.where(recs.c[name] == value)
    return stmt


def _segment_may_match(manifest: dict | None, filters: Filters) -> bool:
    if not manifest:
        return True
    low, high = manifest.get("min_ts"), manifest.get("max_ts")
    if filters.from_ts and isinstance(high, str) and high < filters.from_ts:
        return False
    if filters.to_ts and isinstance(low, str) and low >= filters.to_ts:
        return False
    return True


def iter_rows(engine: Engine, data_dir: Path, filters: Filters = Filters(), *,
              include_archive: bool = True) -> Iterator[Row]:
    """Matching records in seq order: archived segments first, then the live table."""
    live_first = None
    has_table = inspect(engine).has_table(store.records.name)
    if has_table:
        with engine.connect() as conn:
            live_first = store.live_bounds(conn)[0]
    if include_archive:
        for segment in list_segments(data_dir):
            if not _segment_may_match(segment.manifest, filters):
                continue
            try:
                for rec in read_segment(segment):
                    if live_first is not None and rec.seq >= live_first:
                        break  # still live too: read it from the table
                    row = Row(rec.seq, rec.hash, rec.canonical)
                    if filters.matches(row.record):
                        yield row
            except SegmentError:
                continue  # unreadable segments are verify's business; a query shows what it can read
    if has_table:
        with engine.connect() as conn:
            stmt = _live_select(filters, engine.dialect.name).order_by(store.records.c.seq)
            recheck = filters.correlation_id is not None or bool(filters.record_filters())
            for r in conn.execute(stmt):
                row = Row(r.seq, r.hash, bytes(r.canonical))
                if not recheck or filters.matches(row.record):
                    yield row


def tail(engine: Engine, n: int = 20, after_seq: int = 0) -> list[Row]:
    """The newest `n` live records (oldest first), or every record after `after_seq` when it is set."""
    recs = store.records
    if not inspect(engine).has_table(recs.name):
        return []
    stmt = select(recs.c.seq, recs.c.hash, recs.c.canonical)
    with engine.connect() as conn:
        if after_seq:
            rows = conn.execute(stmt.where(recs.c.seq > after_seq).order_by(recs.c.seq)).all()
        else:
            rows = list(reversed(conn.execute(stmt.order_by(recs.c.seq.desc()).limit(max(0, n))).all()))
    return [Row(r.seq, r.hash, bytes(r.canonical)) for r in rows]


TABLE_COLUMNS = ("seq", "ts", "event", "dept", "app", "resource", "decision", "status", "reason", "request_id")
ADMIN_SUMMARY = ("actor", "role", "action", "target", "outcome")


def table_line(row: Row) -> str:
    rec = row.record
    if rec.get("event") == "admin":
        who = " ".join(f"{k}={rec.get(k)}" for k in ADMIN_SUMMARY if rec.get(k) is not None)
        return f"{row.seq:>8}  {rec.get('ts', '')}  admin    {who}"
    cells = [str(rec.get(k)) if rec.get(k) is not None else "-" for k in TABLE_COLUMNS[3:]]
    return f"{row.seq:>8}  {rec.get('ts', '')}  request  " + "  ".join(cells)


def table_header() -> str:
    return f"{'seq':>8}  {'ts':<24}  {'event':<7}  " + "  ".join(TABLE_COLUMNS[3:])
