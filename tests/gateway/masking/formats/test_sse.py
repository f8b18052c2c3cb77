"""Server-sent events: data as JSON or text, id and event masked, comments and unknown fields dropped."""

from __future__ import annotations

import json

from tests.support.pii_scan import find_identifiers

from .conftest import CARD, ID, LABELLED, MOBILE


def test_events_are_masked_and_written_canonically(mask):
    stream = (f": comment {CARD}\nid: {MOBILE}\nevent: update\nretry: 3000\nx-debug: {ID}\n"
              f'data: {{"sfzh": "{ID}",\ndata: "n": 1}}\n\ndata:电话{MOBILE}\ndata: 卡号{CARD}\r\n\r\n')
    out = mask(stream, "text/event-stream", LABELLED)
    first, second, rest = out.split("\n\n")
    lines = first.split("\n")
    assert lines[:3] == ["event: update", "id: 139****5678", "retry: 3000"]
    assert json.loads(lines[3].removeprefix("data: ")) == {"sfzh": "110105********002X", "n": 1}
    assert second == "data: 电话139****5678\ndata: 卡号***************0128" and rest == ""
    assert not find_identifiers(out)
