"""The machine the benchmark runs on: its description, CPU pinning and per-process CPU time (Linux /proc)."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def usable_cpus() -> list[int]:
    try:
        return sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return list(range(os.cpu_count() or 1))


def mitmproxy_version() -> str:
    try:
        from mitmproxy.version import VERSION
        return VERSION
    except Exception:  # noqa: BLE001 - a description, never a failure
        return "unknown"


def describe(load_generator: str) -> dict:
    return {
        "cpu_model": cpu_model(),
        "cores": os.cpu_count() or 1,
        "usable_cpus": len(usable_cpus()),
        "python": sys.version.split()[0],
        "mitmproxy": mitmproxy_version(),
        "platform": platform.platform(terse=True),
        "load_generator": load_generator,
        "load_average": _load_average(),
    }


def _load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def pin(pid: int, cpus: list[int] | set[int]) -> bool:
    """Pin every thread of process `pid` to `cpus` (new threads inherit it); False when not possible."""
    cpus = set(cpus)
    try:
        tasks = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        tasks = [pid]
    ok = True
    for tid in tasks:
        try:
            os.sched_setaffinity(tid, cpus)
        except (AttributeError, OSError):
            ok = False
    return ok


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process `pid` (all its threads) in seconds, or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    # After the command name: state is fields[0], utime is field 14 of the full line -> index 11 here.
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    return (int(fields[11]) + int(fields[12])) / ticks
