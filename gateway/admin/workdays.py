"""The answer deadline of a share application: 10 working days on the official calendar (Asia/Shanghai).

Holidays and make-up working days come from `chinese-calendar`. A date the library does not cover (it knows
only the years the State Council has published) does not crash: those days count as working when they are
Monday to Friday, and the result carries a warning saying so, to be checked by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import chinese_calendar

CHINA = timezone(timedelta(hours=8))
ANSWER_WORKING_DAYS = 10


@dataclass(frozen=True)
class Deadline:
    due: date
    warning: str | None = None  # set when part of the count fell outside the official calendar


def is_working_day(day: date) -> tuple[bool, bool]:
    """(working day?, covered by the official calendar?)."""
    try:
        return bool(chinese_calendar.is_workday(day)), True
    except NotImplementedError:
        return day.weekday() < 5, False


def local_date(moment: datetime) -> date:
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no time zone")
    return moment.astimezone(CHINA).date()


def answer_deadline(submitted: datetime, working_days: int = ANSWER_WORKING_DAYS) -> Deadline:
    """The last day to answer: the `working_days`-th working day after the (local) day of submission."""
    day = local_date(submitted)
    counted = 0
    uncovered: set[int] = set()
    while counted < working_days:
        day += timedelta(days=1)
        working, covered = is_working_day(day)
        if not covered:
            uncovered.add(day.year)
        if working:
            counted += 1
    warning = None
    if uncovered:
        years = ", ".join(str(y) for y in sorted(uncovered))
        warning = (f"the official holiday calendar does not cover {years}: the deadline counts Monday-Friday "
                   f"there and must be checked by hand")
    return Deadline(day, warning)


def is_overdue(due: str | date, today: date) -> bool:
    """True once `today` (local date) is past the due date."""
    due_day = due if isinstance(due, date) else date.fromisoformat(due)
    return today > due_day
