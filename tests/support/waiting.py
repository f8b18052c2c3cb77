"""Waiting for a condition instead of sleeping and hoping: poll until it holds, fail with what was last seen."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(probe: Callable[[], T], *, until: Callable[[T], bool] = bool, timeout: float = 10.0,
             interval: float = 0.05, clock: Callable[[], float] = time.monotonic,
             pause: Callable[[float], None] = time.sleep) -> T:
    """Call `probe` until `until(result)` holds and return that result; AssertionError with the last result
    once `timeout` (by `clock`) has passed. `clock` and `pause` can be passed, so a test of time needs no
    real waiting."""
    deadline = clock() + timeout
    while True:
        result = probe()
        if until(result):
            return result
        if clock() >= deadline:
            raise AssertionError(f"condition not met within {timeout}s; last result: {result!r}")
        pause(interval)
