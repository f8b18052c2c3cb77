"""wait_for returns once the condition holds and fails naming the last result, on a passed clock."""

import pytest

from tests.support.waiting import wait_for


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def pause(self, seconds: float) -> None:
        self.now += seconds


def test_returns_the_first_result_that_satisfies_the_condition():
    clock, values = FakeClock(), iter([1, 2, 3, 4])
    assert wait_for(lambda: next(values), until=lambda v: v >= 3, clock=clock, pause=clock.pause) == 3
    assert clock.now == pytest.approx(0.1)


def test_times_out_on_the_passed_clock_with_the_last_result():
    clock = FakeClock()
    with pytest.raises(AssertionError, match="last result: 0"):
        wait_for(lambda: 0, timeout=1.0, interval=0.25, clock=clock, pause=clock.pause)
    assert clock.now == pytest.approx(1.0)
