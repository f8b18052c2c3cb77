"""Masking speed and output fingerprint in one quick run, for work on the detection hot path.

`python -m bench.masking_check [--seconds 0.5] [--digest-only] [--save F] [--compare F]` masks, with the
bench caller's view, every demo resource page, the free-text page, the labelled/unlabelled 3 KB and 1 MB
bench bodies, and the development corpus; prints CPU ms and MB/s for each, and a SHA-256 of every masked
output and its findings so a change to the hot path can show it changed no byte (`--save` then `--compare`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from .bodies import CONTENT_TYPE, bench_bodies
from .fixture import CALLER_APP, CALLER_DEPT, resource_code, write_catalog, write_config
from .resources import all_pages, bench_code


def _cpu_ms(call, seconds: float) -> float:
    call()
    times = []
    started = time.perf_counter()
    while len(times) < 3 or time.perf_counter() - started < seconds:
        t0 = time.process_time()
        call()
        times.append(time.process_time() - t0)
    return statistics.median(times) * 1000


def _digest(result) -> str:
    """SHA-256 of the masked body and the findings (path, entity, operator, count) the audit record gets."""
    h = hashlib.sha256(result.body)
    for f in result.findings:
        h.update(f"\0{f.path}\0{f.entity}\0{f.operator}\0{f.count}".encode())
    return h.hexdigest()[:16]


def run(seconds: float, digest_only: bool, profile: str | None = None) -> dict[str, str]:
    from gateway.config import load_config
    from gateway.services import Services

    digests: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="govshare-mask-check-") as tmp_name:
        tmp = Path(tmp_name)
        catalog = write_catalog(tmp / "catalog.yaml", "http://127.0.0.1:9")
        services = Services.open(load_config(write_config(tmp / "mask", catalog)), with_audit=False)
        try:
            mask = services.masker.mask_body
            jobs = []
            for page in all_pages():
                resource = services.catalog.current.resources[bench_code(page)]
                jobs.append((page.code, page.body, services.view_for(resource, None, CALLER_DEPT, CALLER_APP)))
            for name, body in bench_bodies().items():
                for labelled in (True, False):
                    resource = services.catalog.current.resources[resource_code(name, labelled)]
                    view = services.view_for(resource, None, CALLER_DEPT, CALLER_APP)
                    jobs.append((f"body-{name}-{'lab' if labelled else 'unl'}", body.data, view))
            if profile:  # pyinstrument (a profiling aid, not a dependency: pip install pyinstrument)
                from pyinstrument import Profiler
                code, body, view = next(job for job in jobs if job[0] == profile)
                profiler = Profiler(interval=0.0001)
                profiler.start()
                for _ in range(max(1, int(2e6 // len(body)))):
                    mask(body, CONTENT_TYPE, None, view)
                profiler.stop()
                print(profiler.output_text(unicode=False, color=False))
                return {}
            for code, body, view in jobs:
                digests[code] = _digest(mask(body, CONTENT_TYPE, None, view))
                if digest_only or (len(body) > 500_000 and seconds < 0.2):
                    print(f"{code:<16} {len(body):>8} B  {digests[code]}")
                    continue
                ms = _cpu_ms(lambda: mask(body, CONTENT_TYPE, None, view), seconds)
                print(f"{code:<16} {len(body):>8} B {ms:8.2f} ms {len(body) / ms / 1000:7.2f} MB/s  {digests[code]}")
        finally:
            services.close()
    from tests.masking_corpus.generate import generate
    from tests.masking_corpus.score import production_masker
    masker = production_masker()
    from gateway.masking.engine import MaskingView
    outs, size = [], 0
    started = time.process_time()
    for case in generate():
        body = json.dumps(case.doc, ensure_ascii=False).encode("utf-8")
        size += len(body)
        outs.append(_digest(masker.mask_body(body, CONTENT_TYPE, None, MaskingView(resource=None))).encode())
    cpu = time.process_time() - started
    digests["corpus"] = hashlib.sha256(b"\0".join(outs)).hexdigest()[:16]
    print(f"{'corpus':<16} {size:>8} B {cpu * 1000:8.0f} ms {size / cpu / 1e6:7.2f} MB/s  {digests['corpus']}")
    return digests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.5)
    parser.add_argument("--digest-only", action="store_true")
    parser.add_argument("--profile", metavar="CODE", help="profile masking one page (pyinstrument)")
    parser.add_argument("--save")
    parser.add_argument("--compare")
    opts = parser.parse_args(argv)
    digests = run(opts.seconds, opts.digest_only, opts.profile)
    if opts.profile:
        return 0
    if opts.save:
        Path(opts.save).write_text(json.dumps(digests, indent=1))
    if opts.compare:
        before = json.loads(Path(opts.compare).read_text())
        changed = sorted(k for k in before if before[k] != digests.get(k))
        print("changed outputs:", ", ".join(changed) if changed else "none")
        return 1 if changed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
