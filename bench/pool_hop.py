"""The masking worker hop, measured in process: `python -m bench.pool_hop [--page MZ-DB-0001] [--jobs 300]`.

Masks one demo page `--jobs` times through `MaskingPool.mask` from an asyncio loop, with 1 and with 16
concurrent tasks, on a pool of `--workers` workers, this process and its workers pinned to one CPU (`--cpu`),
the way the bench pins a gateway. Prints, per concurrency, wall ms per job and CPU ms per job of this process
plus every worker (utime + stime from /proc; this process's own share apart), and the in-process masker's CPU ms for the same page (the work
the hop adds to). One JSON line per concurrency. `--factory tests.support.echo_masker:build_masker` gives the
workers a masker that does nothing (the body reversed): what is left is the hop alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path

from .bodies import CONTENT_TYPE
from .fixture import CALLER_APP, CALLER_DEPT, write_catalog, write_config
from .pool_timing import cpu_seconds
from .resources import all_pages, bench_code


async def _run(pool, body, view, jobs: int, concurrency: int) -> None:
    queue = iter(range(jobs))

    async def task():
        for _ in queue:
            await pool.mask(body, CONTENT_TYPE, None, view, 30.0)
    await asyncio.gather(*(task() for _ in range(concurrency)))


def measure(page_code: str, jobs: int, workers: int, cpu: int, factory: str | None = None) -> list[dict]:
    from gateway.config import load_config
    from gateway.masking.pool import MaskingPool
    from gateway.services import Services, freeze_startup_heap

    os.sched_setaffinity(0, {cpu})  # the workers (forked from a forkserver started after this) inherit it
    out = []
    with tempfile.TemporaryDirectory(prefix="govshare-pool-hop-") as tmp_name:
        tmp = Path(tmp_name)
        catalog = write_catalog(tmp / "catalog.yaml", "http://127.0.0.1:9")
        services = Services.open(load_config(write_config(tmp / "mask", catalog)), with_audit=False)
        pool = MaskingPool(services.config, workers, **({"factory": factory} if factory else {}))
        try:
            page = next(p for p in all_pages() if p.code == page_code)
            view = services.view_for(services.catalog.current.resources[bench_code(page)], None, CALLER_DEPT,
                                     CALLER_APP)
            freeze_startup_heap()
            assert pool.wait_ready(600), "workers did not start"
            t0 = time.process_time()
            for _ in range(50):
                services.masker.mask_body(page.body, CONTENT_TYPE, None, view)
            inline_ms = (time.process_time() - t0) / 50 * 1000
            asyncio.run(_run(pool, page.body, view, 20, 2))  # warm: every worker has met the view
            for concurrency in (1, 16):
                pids = [os.getpid(), *pool.worker_pids()]
                cpu0, own0 = sum(cpu_seconds(pid) or 0.0 for pid in pids), time.process_time()
                wall0 = time.perf_counter()
                asyncio.run(_run(pool, page.body, view, jobs, concurrency))
                wall = time.perf_counter() - wall0
                cpu_used = sum(cpu_seconds(pid) or 0.0 for pid in pids) - cpu0
                own = time.process_time() - own0
                out.append({"page": page_code, "bytes": len(page.body), "workers": workers,
                            "concurrency": concurrency, "jobs": jobs, "wall_ms_per_job": round(wall / jobs * 1000, 3),
                            "cpu_ms_per_job": round(cpu_used / jobs * 1000, 3),
                            "parent_cpu_ms_per_job": round(own / jobs * 1000, 3),
                            "inline_cpu_ms": round(inline_ms, 3), "killed": pool.killed})
        finally:
            pool.close()
            services.close()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.pool_hop", description=__doc__.splitlines()[0])
    p.add_argument("--page", default="MZ-DB-0001")
    p.add_argument("--jobs", type=int, default=300)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--cpu", type=int, default=min(os.sched_getaffinity(0)))
    p.add_argument("--factory", help="the workers' masker factory, e.g. tests.support.echo_masker:build_masker "
                                      "(no masking work: the hop alone)")
    args = p.parse_args(argv)
    for row in measure(args.page, args.jobs, args.workers, args.cpu, args.factory):
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
