"""In-process figures: masking throughput (MB/s, ms per body) and audit append throughput (records/s).

Masking calls `services.masker.mask_body` exactly as the mask stage does, with the view the bench caller
gets on the labelled and on the unlabelled resource. Audit reuses bench.audit (a fresh SQLite trail,
WAL + synchronous=FULL, many concurrent appenders, then a full chain verification).
"""

from __future__ import annotations

import statistics
import time

from .bodies import CONTENT_TYPE, Body, first_record
from .fixture import CALLER_APP, CALLER_DEPT, resource_code

WARM_UP_BELOW_BYTES = 256 * 1024


def masking_view(services, body: str, labelled: bool):
    resource = services.catalog.current.resources[resource_code(body, labelled)]
    return services.view_for(resource, None, CALLER_DEPT, CALLER_APP)


def mask_throughput(services, body: Body, labelled: bool, *, min_seconds: float, min_iterations: int = 3) -> dict:
    """Mask `body` repeatedly for at least `min_seconds` and `min_iterations` (small bodies after one
    warm-up call), then check that the first record's resident ID did not survive."""
    view = masking_view(services, body.name, labelled)
    mask = services.masker.mask_body
    if body.size < WARM_UP_BELOW_BYTES:
        mask(body.data, CONTENT_TYPE, None, view)  # warm-up (caches, lazy imports); big bodies amortise it
    times: list[float] = []
    result = None
    started = time.perf_counter()
    while len(times) < min_iterations or time.perf_counter() - started < min_seconds:
        t0 = time.perf_counter()
        result = mask(body.data, CONTENT_TYPE, None, view)
        times.append(time.perf_counter() - t0)
    if first_record()["sfzh"].encode() in result.body:
        raise RuntimeError(f"masking check failed: body {body.name} left a resident ID unmasked")
    total = sum(times)
    return {
        "body": body.name, "bytes": body.size, "records": body.records,
        "variant": "labelled" if labelled else "unlabelled",
        "iterations": len(times),
        "mb_per_s": round(body.size * len(times) / total / 1e6, 3),
        "ms_median": round(statistics.median(times) * 1000, 3),
        "ms_min": round(min(times) * 1000, 3),
        "ms_max": round(max(times) * 1000, 3),
        "findings": len(result.findings),
    }


def audit_throughput(records: int, tasks: int = 200, **algorithms) -> dict:
    from .audit import run

    r = run(records, tasks, **algorithms)
    return {"algorithms": r.algorithms, "records": r.records, "tasks": tasks, "seconds": round(r.seconds, 3),
            "records_per_s": round(r.rate, 1), "verify_seconds": round(r.verify_seconds, 3), "intact": r.intact}
