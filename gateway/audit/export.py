"""Export: the records of a time range (archive + live) as JSONL or CSV, with a manifest.

JSONL lines are `{"hash":…,"record":<canonical record>,"seq":n}` so a third party can recompute the chain
links; CSV has one column per record field (masking/detail as JSON text; cells that a spreadsheet would run
as a formula are prefixed with a quote). `<out>.manifest.json` holds the record count, first/last seq,
the chain head at export time and the sha256 of the export file.

The file is written beside its destination and published (renamed into place) only after `before_publish`
— the CLI's audit record of the export — succeeded; an export that cannot be audited is not released.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine

from ..config import Config
from ..store import make_engine
from . import store
from .query import Filters, iter_rows
from .record import ADMIN_FIELDS, REQUEST_FIELDS, utc_ms
from .store import stored_hash_algorithm

FORMATS = ("jsonl", "csv")
CSV_FIELDS = ("seq", "hash") + REQUEST_FIELDS + tuple(f for f in ADMIN_FIELDS if f not in REQUEST_FIELDS)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def manifest_path(out: Path) -> Path:
    return out.with_name(out.name + ".manifest.json")


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        value = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def export(config: Config, out: str | Path, fmt: str = "jsonl", from_ts: str | None = None,
           to_ts: str | None = None, *, engine: Engine | None = None,
           before_publish: Callable[[dict], None] | None = None) -> dict:
    """Write the export and its manifest; returns the manifest."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    out = Path(out)
    owns = engine is None
    engine = engine or make_engine(config.db_url)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        head_seq, head_hash = store.read_head(engine)
        digest = hashlib.sha256()
        count, first, last = 0, None, None
        with open(tmp, "wb") as fh:
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")

            def emit(data: bytes) -> None:
                fh.write(data)
                digest.update(data)

            def csv_line(cells) -> bytes:
                writer.writerow(cells)
                data = buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
                return data

            if fmt == "csv":
                emit(csv_line(CSV_FIELDS))
            for row in iter_rows(engine, Path(config.data_dir), Filters(from_ts=from_ts, to_ts=to_ts)):
                if fmt == "jsonl":
                    emit((row.to_json_line() + "\n").encode("utf-8"))
                else:
                    values = {"seq": row.seq, "hash": row.hash, **row.record}
                    emit(csv_line([_csv_cell(values.get(name)) for name in CSV_FIELDS]))
                count += 1
                first = row.seq if first is None else first
                last = row.seq
            fh.flush()
            os.fsync(fh.fileno())
        manifest = {
            "file": out.name, "format": fmt, "records": count, "first_seq": first, "last_seq": last,
            "from": from_ts, "to": to_ts, "sha256": digest.hexdigest(),
            "chain_head": {"seq": head_seq, "hash": head_hash if head_seq else None},
            "hash_algorithm": stored_hash_algorithm(engine) or config.audit.hash_algorithm,
            "exported_at": utc_ms(),
        }
        if before_publish is not None:
            before_publish(manifest)
        os.replace(tmp, out)
        mtmp = manifest_path(out).with_name(f".{manifest_path(out).name}.tmp")
        mtmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(mtmp, manifest_path(out))
        return manifest
    finally:
        tmp.unlink(missing_ok=True)
        if owns:
            engine.dispose()
