"""addons.audit.utc_ms: the record timestamp's form, and that it is now."""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone

from addons import audit


def test_utc_ms_is_now_in_utc_with_milliseconds_and_z(monkeypatch):
    before = datetime.now(timezone.utc)
    text = audit.utc_ms()
    after = datetime.now(timezone.utc)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", text)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert before.replace(microsecond=before.microsecond // 1000 * 1000) <= moment <= after


def test_utc_ms_formats_each_second_and_truncates_milliseconds(monkeypatch):
    for ns, want in ((1_764_000_000_999_999_999, "2025-11-24T16:00:00.999Z"),
                     (1_764_000_001_000_000_000, "2025-11-24T16:00:01.000Z"),
                     (1_764_000_001_012_345_678, "2025-11-24T16:00:01.012Z"),
                     (1_764_086_400_500_000_000, "2025-11-25T16:00:00.500Z")):
        monkeypatch.setattr(time, "time_ns", lambda ns=ns: ns)
        assert audit.utc_ms() == want
        assert want == datetime.fromtimestamp(ns // 1000 / 1e6, timezone.utc).isoformat(
            timespec="milliseconds").replace("+00:00", "Z")
