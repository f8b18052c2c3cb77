"""The per-resource phase of the benchmark: every demo resource's page through bare mitmdump and through
govshare, back to back, and the same pages masked in process.

bench.run starts the processes (the bench upstream serves each page at `/r/<code>`, bare mitmproxy forwards
it, the full gateway serves the bench catalog's copy `BR-<code>`) and calls `proxy_rows` with them; each
resource gets a short measurement through bare and one through govshare per round (alternating, so that
drift on a shared machine hits both), and keeps its best round of each. `masking_rows` masks each page in
process with the caller's view (median CPU time of one call: one core).
"""

from __future__ import annotations

import statistics
import time
from typing import Callable

from .load import Target
from .resources import ResourcePage, all_pages, bench_code, check_released

CONTENT_TYPE = "application/json; charset=utf-8"
# Goals of issue 10, per resource and in process.
MIN_RATIO = 0.6
FREE_TEXT_MB_S = 2.0


def check_pair(page: ResourcePage, bare: Target, full: Target, fetch: Callable) -> None:
    """Bare must pass the page through unchanged; govshare must answer 200 with JSON and no labelled
    identifier raw. Raises RuntimeError naming the resource (never content)."""
    for _ in range(2):  # the first call warms caches
        status, body = fetch(bare.url, bare.headers)
    if status != 200 or body != page.body:
        raise RuntimeError(f"{page.code}: bare mitmproxy answered {status} or changed the page")
    for _ in range(2):
        status, body = fetch(full.url, full.headers)
    if status != 200:
        raise RuntimeError(f"{page.code}: govshare answered {status}, expected 200")
    check_released(page, body)


def proxy_rows(bare_url: str, full_url: str, auth: dict[str, str], pids: dict[str, list[int]], *,
               rounds: int, measure: Callable, fetch: Callable, say: Callable[[str], None]) -> list[dict]:
    """One row per page: bare and govshare requests/s (best round each), their ratio, p50/p99, CPU ms/req.

    `measure(targets, pids)` runs one load measurement; `fetch(url, headers)` is one plain GET."""
    pages = all_pages()
    targets = {p.code: (Target(bare_url + p.upstream_path), Target(full_url + p.gateway_path, auth))
               for p in pages}
    for page in pages:
        check_pair(page, *targets[page.code], fetch)
    runs: dict[str, dict[str, list[dict]]] = {p.code: {"bare": [], "govshare": []} for p in pages}
    for r in range(rounds):
        for page in pages:
            bare, full = targets[page.code]
            for name, target in (("bare", bare), ("govshare", full)):
                row = measure([target], pids[name])
                runs[page.code][name].append(row)
                say(f"round {r + 1} resource {page.code:<13} {name:<8} {row['rps']:>9.1f} req/s  "
                    f"p99 {row['p99_ms']:.2f} ms  ({row['tool']})")
    rows = []
    for page in pages:
        best = {name: max(rs, key=lambda x: x["rps"]) for name, rs in runs[page.code].items()}
        b, g = best["bare"], best["govshare"]
        ratio = round(g["rps"] / b["rps"], 4) if b["rps"] else None
        rows.append({
            "resource": page.code, "name": page.name, "share": page.share, "bytes": len(page.body),
            "bare_rps": b["rps"], "govshare_rps": g["rps"], "ratio": ratio,
            "bare_rounds_rps": [x["rps"] for x in runs[page.code]["bare"]],
            "govshare_rounds_rps": [x["rps"] for x in runs[page.code]["govshare"]],
            "bare_p99_ms": b["p99_ms"], "govshare_p99_ms": g["p99_ms"],
            "bare_cpu_ms_per_request": b.get("gateway_cpu_ms_per_request"),
            "govshare_cpu_ms_per_request": g.get("gateway_cpu_ms_per_request"),
            "non_2xx": g["non_2xx"] + b["non_2xx"], "errors": g["errors"] + b["errors"], "tool": g["tool"],
            "met": ratio is not None and ratio >= MIN_RATIO,
        })
    return rows


def masking_rows(services, dept: str, app: str, seconds: float) -> list[dict]:
    """Each page masked in process with the bench caller's view: median CPU ms per page and MB/s."""
    rows = []
    for page in all_pages():
        resource = services.catalog.current.resources[bench_code(page)]
        view = services.view_for(resource, None, dept, app)
        mask = services.masker.mask_body
        result = mask(page.body, CONTENT_TYPE, None, view)  # warm-up
        check_released(page, result.body)
        times = []
        started = time.perf_counter()
        while len(times) < 5 or time.perf_counter() - started < seconds:
            t0 = time.process_time()  # CPU time: other work on a shared machine does not count
            mask(page.body, CONTENT_TYPE, None, view)
            times.append(time.process_time() - t0)
        ms = statistics.median(times) * 1000
        rows.append({"resource": page.code, "bytes": len(page.body), "iterations": len(times),
                     "ms": round(ms, 3), "mb_per_s": round(len(page.body) / ms / 1000, 2) if ms else None,
                     "findings": len(result.findings)})
    return rows
