"""Masking worker pool start and respawn, measured: `python -m bench.pool_timing [--workers 2] [--respawns 3]`.

Cold start: from `MaskingPool(...)` in a fresh interpreter until every worker is ready (this includes the
forkserver's own start). Respawn: one idle worker killed the way the pool kills a worker stuck past its
deadline, until its replacement is ready; with the replacement's own CPU time (from /proc), which is what a
kill costs the machine. start_cpu_s: the CPU time of every process the start ran (forkserver, template,
workers). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path


def cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def pool_pids(pool) -> list[int]:
    """The forkserver, the template (when the pool has one) and the workers: every process the start cost."""
    from multiprocessing import forkserver

    pids = list(pool.worker_pids())
    server = getattr(forkserver._forkserver, "_forkserver_pid", None)
    template = getattr(pool, "_template", None)
    return pids + [pid for pid in (server, template[0].pid if template else None) if pid]


def measure(workers: int, respawns: int) -> dict:
    from gateway.config import load_config
    from gateway.demo.catalog import demo_catalog_for
    from gateway.masking.pool import MaskingPool

    work = Path(tempfile.mkdtemp(prefix="govshare-pool-timing-"))
    catalog = demo_catalog_for({}, work / "catalog.yaml")
    (work / "govshare.toml").write_text(f'data_dir = "{work / "var"}"\ncatalog = "{catalog}"\n')
    config = load_config(work / "govshare.toml")
    started = time.monotonic()
    pool = MaskingPool(config, workers)
    assert pool.wait_ready(600), "workers did not start"
    out = {"workers": workers, "cold_start_s": round(time.monotonic() - started, 3),
           "start_cpu_s": round(sum(cpu_seconds(pid) or 0.0 for pid in pool_pids(pool)), 2), "respawn_s": [],
           "respawn_worker_cpu_s": []}
    try:
        for _ in range(respawns):
            before = set(pool.worker_pids())
            t0 = time.monotonic()
            with pool._cond:
                pool._lost(pool._idle.popleft())
            while pool.ready_workers < workers:
                time.sleep(0.005)
            out["respawn_s"].append(round(time.monotonic() - t0, 3))
            (new,) = set(pool.worker_pids()) - before
            out["respawn_worker_cpu_s"].append(cpu_seconds(new))
    finally:
        pool.close()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.pool_timing", description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--respawns", type=int, default=3)
    args = p.parse_args(argv)
    print(json.dumps(measure(args.workers, args.respawns)), flush=True)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
