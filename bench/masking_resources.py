"""In-process masking of every demo resource's real bodies: ms per body and MB/s, one core.

For each catalog resource served by the demo departments, the page the demo upstream returns
(`size` records, JSON exactly as the upstream serialises it) is masked with the view a caller without a
grant gets, the way the mask stage calls it; the median CPU time of one call is reported. `python -m bench.masking_resources [--size 20] [--profile]`.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import time
from pathlib import Path

from gateway.catalog import load_catalog
from gateway.config import MaskingSettings
from gateway.demo.data import demo_data
from gateway.demo.upstreams import DEPARTMENT_APIS
from gateway.masking.detector import Detector
from gateway.masking.engine import Masker, MaskingView
from gateway.masking.rules import load_rules

ROOT = Path(__file__).resolve().parents[1]
CONTENT_TYPE = "application/json; charset=utf-8"


def resource_bodies(size: int) -> list[tuple[object, bytes]]:
    """(resource, body) for every demo resource: page 1 of `size` records as the upstream serves it."""
    catalog = load_catalog(ROOT / "policies" / "catalog.yaml")
    datasets = demo_data().datasets()
    out = []
    for resource in catalog.resources.values():
        for endpoint in DEPARTMENT_APIS.get(resource.provider, ()):
            if resource.upstream.endswith(endpoint.path):
                items = [dict(r) for r in datasets[endpoint.dataset].records[:size]]
                doc = {"code": 0, "message": "ok", "data": {"items": items, "page": 1, "size": size,
                                                             "total": len(datasets[endpoint.dataset])}}
                out.append((resource, json.dumps(doc, ensure_ascii=False).encode("utf-8")))
    return out


def measure(masker: Masker, resource, body: bytes, seconds: float) -> dict:
    view = MaskingView(resource=resource)
    masker.mask_body(body, CONTENT_TYPE, None, view)
    times = []
    started = time.perf_counter()
    while len(times) < 5 or time.perf_counter() - started < seconds:
        t0 = time.process_time()  # CPU time of this process: other work on a shared machine does not count
        masker.mask_body(body, CONTENT_TYPE, None, view)
        times.append(time.process_time() - t0)
    ms = statistics.median(times) * 1000
    return {"resource": resource.code, "bytes": len(body), "ms": round(ms, 2), "mb_s": round(len(body) / ms / 1000, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--profile", action="store_true")
    opts = parser.parse_args(argv)
    masker = Masker(load_rules(ROOT / "policies" / "masking.yaml"), MaskingSettings(), Detector())
    bodies = resource_bodies(opts.size)
    if opts.profile:
        prof = cProfile.Profile()
        prof.enable()
        for resource, body in bodies:
            for _ in range(5):
                masker.mask_body(body, CONTENT_TYPE, None, MaskingView(resource=resource))
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
        return 0
    for resource, body in bodies:
        row = measure(masker, resource, body, opts.seconds)
        print(f"{row['resource']:<14} {row['bytes']:>7} B {row['ms']:>8.2f} ms {row['mb_s']:>6.2f} MB/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
