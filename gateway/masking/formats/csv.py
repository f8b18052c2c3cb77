"""CSV and TSV, with or without a header row.

The first row is a header only when it looks like one: unique, non-empty cells in which detection finds
nothing (a first row of data holds names, ID numbers or mobiles, and a header row is written back as it
came). With a header, the rows are masked as records keyed by their column labels, exactly like a
table-shaped JSON array (labelled columns get their operators, a removed column is dropped with its
label). Without one, every cell — the first row's too — is masked as free text. Cells beyond the header's
width are free text. Malformed quoting refuses the body (`invalid_csv`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from ..refusal import MaskingRefused
from . import Sink, mask_values

DELIMITERS = (",", "\t", ";", "|")


@dataclass(slots=True)
class CsvTable:
    rows: list[list[str]]
    delimiter: str
    lineterminator: str
    trailing_newline: bool


def read_csv(text: str) -> CsvTable:
    """Parse CSV text (delimiter guessed from the first line among , tab ; |)."""
    first_line = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first_line.count) if first_line else ","
    if first_line.count(delimiter) == 0:
        delimiter = ","
    lineterminator = "\r\n" if "\r\n" in text else "\n"
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error:
        raise MaskingRefused("invalid_csv") from None
    return CsvTable(rows, delimiter, lineterminator, text.endswith(("\n", "\r")))


def write_csv(table: CsvTable) -> str:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=table.delimiter, lineterminator=table.lineterminator).writerows(table.rows)
    text = out.getvalue()
    if not table.trailing_newline and text.endswith(table.lineterminator):
        text = text[: -len(table.lineterminator)]
    return text


def mask(text: str, sink: Sink) -> str:
    table = read_csv(text)
    if not table.rows:
        return text
    header = table.rows[0]
    if _usable_header(header) and mask_values(sink, [(None, h) for h in header]) == header:
        table.rows = [header] + _mask_records(header, table.rows[1:], sink)
        table.rows[0] = [h for h in header if not sink.is_removed(h)]
    else:
        table.rows = _mask_cells(table.rows, sink)
    return write_csv(table)


def _usable_header(header: list[str]) -> bool:
    return bool(header) and all(h.strip() for h in header) and len(set(header)) == len(header)


def _mask_cells(rows: list[list[str]], sink: Sink) -> list[list[str]]:
    flat = mask_values(sink, [(None, cell) for row in rows for cell in row])
    out, pos = [], 0
    for row in rows:
        out.append(flat[pos:pos + len(row)])
        pos += len(row)
    return out


def _mask_records(header: list[str], rows: list[list[str]], sink: Sink) -> list[list[str]]:
    width = len(header)
    records = [dict(zip(header, row[:width])) for row in rows]
    extras = [row[width:] for row in rows]
    root = sink.collect(records)
    extra_holder = [cell for extra in extras for cell in extra]
    for i, cell in enumerate(extra_holder):
        if cell:
            sink.add_value(extra_holder, i, None, cell)
    sink.run()
    dropped = {i for i, h in enumerate(header) if sink.is_removed(h)}
    out, pos = [], 0
    for original, record, extra in zip(rows, root[0], extras):
        cells = [record.get(h) for i, h in enumerate(header) if i not in dropped and i < len(original)]
        tail = extra_holder[pos:pos + len(extra)]
        pos += len(extra)
        out.append(["" if c is None else str(c) for c in cells + tail])
    return out
