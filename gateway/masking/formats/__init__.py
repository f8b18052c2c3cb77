"""Body formats other than JSON: each module parses one content type, queues every value it holds into
the masking session (the engine's free-text path, the one remarks use, with a key where the format gives
one: a CSV column label, an XML element or attribute name), runs the session once and writes the format
back. A body a format cannot parse raises MaskingRefused with its reason: it is never forwarded.

`FORMATS` maps the kind of a media type (gateway.masking.body.parse_content_type) to its masker.
"""

from __future__ import annotations

from typing import Any, Callable, Protocol


class Sink(Protocol):
    """What a format needs of the masking session (gateway.masking.engine's session)."""

    def collect(self, doc: Any) -> list[Any]: ...

    def add_value(self, container: list, slot: int, key: str | None, value: Any) -> Any: ...

    def run(self) -> None: ...

    def is_removed(self, key: str) -> bool: ...


def mask_values(sink: Sink, items: list[tuple[str | None, str]]) -> list[str]:
    """Mask many strings in one detection batch; `items` are (key or None, text). A value its key
    removes comes back empty."""
    holder: list[Any] = [text for _, text in items]
    for i, (key, text) in enumerate(items):
        if text:
            sink.add_value(holder, i, key, text)
    sink.run()
    return ["" if v is None else str(v) for v in holder]


def _formats() -> dict[str, Callable[[str, Sink], str]]:
    from . import csv, html, jsonp, ndjson, sse, text, xml

    return {"ndjson": ndjson.mask, "jsonp": jsonp.mask, "csv": csv.mask, "text": text.mask,
            "html": html.mask, "xml": xml.mask, "sse": sse.mask}


FORMATS = _formats()
