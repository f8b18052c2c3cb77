"""text/plain (and a body without a Content-Type that is not JSON): one free-text value."""

from __future__ import annotations

from . import Sink, mask_values


def mask(text: str, sink: Sink) -> str:
    return mask_values(sink, [(None, text)])[0]
