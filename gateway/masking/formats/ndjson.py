"""NDJSON / JSON Lines: one JSON document per line, each masked like a JSON body; blank lines kept.
A line that is not JSON refuses the whole body (`invalid_ndjson`)."""

from __future__ import annotations

import json

from ..refusal import MaskingRefused
from . import Sink


def mask(text: str, sink: Sink) -> str:
    lines = text.split("\n")
    holders: list[tuple[int, list]] = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except RecursionError:
            raise MaskingRefused("too_deep") from None
        except ValueError:
            raise MaskingRefused("invalid_ndjson") from None
        holders.append((i, sink.collect(doc)))
    sink.run()
    out = list(lines)
    for i, holder in holders:
        crlf = lines[i].endswith("\r")
        out[i] = json.dumps(holder[0], ensure_ascii=False, separators=(",", ":")) + ("\r" if crlf else "")
    return "\n".join(out)
