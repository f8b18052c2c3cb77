"""Where a body is masked: in the gateway process, or in a masking worker.

A worker hop (pickling the body and the view, a pipe each way) costs a fraction of a millisecond, so small
bodies that mask cheaply are masked in the gateway process. But size is a poor guide to cost: a 4 KB page of
labelled fields masks in 0.2 ms, a 4 KB page of remarks needs detection and takes ten times that, all of it
on the gateway's event loop and without the workers' hard deadline. InlineRouter keeps, per resource, an
exponentially weighted average of the CPU milliseconds its inline bodies took, and sends a resource's bodies
to the workers once that average passes `inline_ms`; every `probe_every`-th small body of such a resource is
masked inline again, so a resource whose pages became cheap comes back. Only costs and resource codes are
kept: nothing of a body.
"""

from __future__ import annotations

import threading

SMOOTHING = 0.2  # weight of the newest cost in the average


class InlineRouter:
    """Decides per body whether it is masked inline; learns from the cost of the bodies it kept inline."""

    def __init__(self, inline_bytes: int, inline_ms: float, probe_every: int = 64):
        self.inline_bytes, self.inline_ms, self.probe_every = inline_bytes, inline_ms, probe_every
        self._cost: dict[str | None, float] = {}
        self._skipped: dict[str | None, int] = {}
        self._lock = threading.Lock()

    def inline(self, resource: str | None, size: int) -> bool:
        """True if a body of `size` bytes of `resource` is to be masked in the gateway process."""
        if size > self.inline_bytes:
            return False
        with self._lock:
            cost = self._cost.get(resource)
            if cost is None or cost <= self.inline_ms:
                return True
            skipped = self._skipped.get(resource, 0) + 1
            if skipped >= self.probe_every:  # look again now and then: pages change
                self._skipped[resource] = 0
                return True
            self._skipped[resource] = skipped
            return False

    def observe(self, resource: str | None, cpu_ms: float) -> None:
        """Record the CPU milliseconds one inline body of `resource` took."""
        with self._lock:
            cost = self._cost.get(resource)
            self._cost[resource] = cpu_ms if cost is None else cost + SMOOTHING * (cpu_ms - cost)

    def cost(self, resource: str | None) -> float | None:
        """The current average inline cost of `resource` in CPU ms, or None before its first body."""
        with self._lock:
            return self._cost.get(resource)
