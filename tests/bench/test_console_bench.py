"""`govshare bench console` in miniature (no timings judged): the generated trail is valid and verifies, and
every timed page answers over HTTP with the rows it was meant to find."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bench import console
from gateway.audit import AuditTrail, verify
from gateway.audit.record import prepare
from gateway.config import AuditSettings, Config


def test_generated_records_are_valid_and_fill_one_verifiable_chain(tmp_path):
    start = datetime.now(UTC) - timedelta(days=console.DAYS)
    for i in range(0, 3000, 7):  # every shape the generator makes passes the trail's own validation
        prepare(console.make_record(i, 3000, start))
    config = Config(data_dir=tmp_path / "data", audit=replace(AuditSettings(), signing_key=str(tmp_path / "k.key")))
    trail = AuditTrail.open(config)
    try:
        console.fill(trail, 3000, start, lambda _: None)
        trail.checkpoint()
    finally:
        trail.close()
    result = verify(config, now=datetime.now(UTC))
    assert result.ok and result.records == 3001, result.detail  # with the key.create record


def test_every_timed_page_answers_with_what_it_looks_for():
    results = console.run(3000, 1, None, say=lambda _: None)
    found = {p["name"]: p["rows"] for p in results["pages"]}
    assert found["list: newest 100"] == 100 and found["request id"] == 1 and found["nothing matches"] == 0
    assert found["caller: department"] == 100 and found["acting officer"] > 0
    assert all(p["median_ms"] > 0 for p in results["pages"])
    assert "console over 3,000 audit records (sqlite)" in console.render(results)
