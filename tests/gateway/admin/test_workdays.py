"""The 10-working-day answer deadline on the official calendar, and a clear warning past its end."""

from __future__ import annotations

from datetime import date, datetime, timezone

from gateway.admin.workdays import CHINA, answer_deadline, is_overdue


def test_deadline_skips_national_day_and_counts_the_make_up_saturday():
    # 2025: 1-8 October are holidays; Sunday 28 September and Saturday 11 October are working days.
    result = answer_deadline(datetime(2025, 9, 26, 10, 0, tzinfo=CHINA))
    # 28 Sep, 29, 30, 9 Oct, 10, 11 (Saturday, make-up), 13, 14, 15, 16
    assert result.due == date(2025, 10, 16)
    assert result.warning is None


def test_deadline_uses_the_local_date_not_utc():
    late_evening_utc = datetime(2025, 9, 26, 17, 0, tzinfo=timezone.utc)  # already the 27th in Beijing
    assert answer_deadline(late_evening_utc).due == date(2025, 10, 16)


def test_a_year_the_calendar_does_not_cover_gives_a_warning_not_a_crash():
    result = answer_deadline(datetime(2099, 12, 28, 9, 0, tzinfo=CHINA))
    assert result.warning is not None and "2099" in result.warning and "2100" in result.warning
    assert result.due == date(2100, 1, 11)  # Monday-Friday counted


def test_overdue_only_after_the_due_day():
    assert not is_overdue("2025-10-16", date(2025, 10, 16))
    assert is_overdue("2025-10-16", date(2025, 10, 17))
