"""Where a body is masked: in the gateway process, or in a masking worker.

A worker hop (pickling the body and the view, a pipe each way) costs a fraction of a millisecond, so small
bodies that mask cheaply are masked in the gateway process. But size is a poor guide to cost: a 4 KB page of
labelled fields masks in 0.2 ms, a 4 KB page of remarks needs detection and takes ten times that, all of it
on the gateway's event loop and without the workers' hard deadline. InlineRouter keeps, per resource, the
CPU milliseconds of its last few inline bodies and sends a resource's small bodies to the workers while the
median of those passes `inline_ms` (a median: one cold first call or one collector pause does not move a
cheap resource off the gateway); every `probe_every`-th small body of such a resource is masked inline
again, so a resource whose pages became cheap comes back. Only costs and resource codes are kept: nothing of
a body.

How many workers (`worker_count`): a worker is worth its hop only on a CPU of its own. On one CPU shared by the
gateway and two workers, the hop and the switching between three processes cost more than the masking they
take off the event loop (measured with the demo pages, gateway pinned to one CPU, 16 connections: 18-41% more
requests/s masking in the gateway process). `workers = "auto"` therefore starts one worker fewer than the CPUs
the gateway may run on: none on one CPU (bodies over `inline_bytes` are then masked on a thread of the gateway,
under the same deadline but without a process to kill), one on two.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import threading
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

from .refusal import MaskingRefused

T = TypeVar("T")

SAMPLES = 5  # inline costs kept per resource; the median of them decides
AUTO_MAX_WORKERS = 4  # "auto" never starts more: each holds a whole masker in memory (scale out with instances)


def worker_count(setting: int | str, cpus: int | None = None) -> int:
    """The masking workers to start: `setting` as configured, or for "auto" one fewer than `cpus` (default: the
    CPUs this process may run on), at most AUTO_MAX_WORKERS."""
    if setting != "auto":
        return int(setting)
    if cpus is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(0, min(AUTO_MAX_WORKERS, cpus - 1))


class InlineRouter:
    """Decides per body whether it is masked inline; learns from the cost of the bodies it kept inline."""

    def __init__(self, inline_bytes: int, inline_ms: float, probe_every: int = 16):
        self.inline_bytes, self.inline_ms, self.probe_every = inline_bytes, inline_ms, probe_every
        self._costs: dict[str | None, deque[float]] = {}
        self._skipped: dict[str | None, int] = {}
        self._lock = threading.Lock()

    def inline(self, resource: str | None, size: int) -> bool:
        """True if a body of `size` bytes of `resource` is to be masked in the gateway process."""
        if size > self.inline_bytes:
            return False
        with self._lock:
            costs = self._costs.get(resource)
            if costs is None or len(costs) < SAMPLES or statistics.median(costs) <= self.inline_ms:
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
            self._costs.setdefault(resource, deque(maxlen=SAMPLES)).append(cpu_ms)

    def cost(self, resource: str | None) -> float | None:
        """The median of `resource`'s recent inline costs in CPU ms, or None before its first body."""
        with self._lock:
            costs = self._costs.get(resource)
            return statistics.median(costs) if costs else None


async def on_thread(call: Callable[..., T], timeout: float, *args: Any) -> T:
    """`call(*args)` on a thread of the default executor, awaited for at most `timeout` seconds: past it the
    caller gets MaskingRefused('masking_timeout'), as from a worker, and the result is dropped when it comes
    (the masker's own deadline, read between batches of work, ends the call soon after)."""
    try:
        return await asyncio.wait_for(asyncio.to_thread(call, *args), timeout)
    except TimeoutError:
        raise MaskingRefused("masking_timeout") from None
