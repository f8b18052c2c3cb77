"""Score the masking engine on the development corpus: recall per entity in fields and in free text, and
controls kept intact. A personal value counts as caught when it no longer appears anywhere in the masked
body; a control counts as kept when it still appears verbatim. `python -m tests.masking_corpus.score`
prints the table (markdown) and the misses with --misses; `--corpus heldout-ordinary|heldout-harsh` scores the
held-out corpora (heldout.py) instead of the development corpus.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

from gateway.config import MaskingSettings
from gateway.masking.engine import Masker, MaskingView
from gateway.masking.rules import load_rules

from .generate import FIELD, TEXT, Case, generate

ROOT = Path(__file__).resolve().parents[2]
CONTENT_TYPE = "application/json; charset=utf-8"


def production_masker(detector=None) -> Masker:
    """The gateway's masker: the shipped rules file and a real detector."""
    if detector is None:
        from gateway.masking.detector import Detector
        detector = Detector()
    return Masker(load_rules(ROOT / "policies" / "masking.yaml"), MaskingSettings(), detector)


def score(cases: list[Case], masker: Masker) -> dict:
    """Counts per (entity, where) of values seen and caught, per control kind of values seen and kept."""
    seen, caught, ctl_seen, ctl_kept = Counter(), Counter(), Counter(), Counter()
    misses: list[tuple[str, str, str, str]] = []
    view = MaskingView(resource=None)
    total_bytes, started = 0, time.perf_counter()
    for case in cases:
        body = json.dumps(case.doc, ensure_ascii=False).encode("utf-8")
        total_bytes += len(body)
        out = masker.mask_body(body, CONTENT_TYPE, None, view).body.decode("utf-8")
        for entity, value, where in case.truth:
            seen[(entity, where)] += 1
            if value in out:
                misses.append((case.shape, entity, where, value))
            else:
                caught[(entity, where)] += 1
        for kind, value in case.controls:
            ctl_seen[kind] += 1
            if value in out:
                ctl_kept[kind] += 1
            else:
                misses.append((case.shape, "control:" + kind, "-", value))
    elapsed = time.perf_counter() - started
    return {"seen": seen, "caught": caught, "ctl_seen": ctl_seen, "ctl_kept": ctl_kept, "misses": misses,
            "mb_s": total_bytes / elapsed / 1e6}


def totals(result: dict) -> dict[str, float]:
    """Overall recall in fields, in free text, and the share of controls kept."""
    def rate(where):
        s = sum(n for (e, w), n in result["seen"].items() if w == where)
        c = sum(n for (e, w), n in result["caught"].items() if w == where)
        return c / s if s else 1.0
    cs, ck = sum(result["ctl_seen"].values()), sum(result["ctl_kept"].values())
    return {"fields": rate(FIELD), "text": rate(TEXT), "controls": ck / cs if cs else 1.0}


def table(result: dict) -> str:
    """The markdown table for the README."""
    lines = ["| entity | fields caught | free text caught |", "|---|---|---|"]
    entities = sorted({e for e, _ in result["seen"]})
    for entity in entities:
        cells = []
        for where in (FIELD, TEXT):
            s, c = result["seen"][(entity, where)], result["caught"][(entity, where)]
            cells.append(f"{c}/{s} ({100 * c / s:.1f}%)" if s else "–")
        lines.append(f"| {entity} | {cells[0]} | {cells[1]} |")
    t = totals(result)
    lines.append(f"| **all** | **{100 * t['fields']:.2f}%** | **{100 * t['text']:.2f}%** |")
    lines += ["", "| control | kept |", "|---|---|"]
    for kind in sorted(result["ctl_seen"]):
        s, k = result["ctl_seen"][kind], result["ctl_kept"][kind]
        lines.append(f"| {kind} | {k}/{s} ({100 * k / s:.1f}%) |")
    lines.append(f"| **all** | **{100 * t['controls']:.2f}%** |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=["dev", "heldout-ordinary", "heldout-harsh"], default="dev")
    parser.add_argument("--seed", type=int, default=None, help="default 20261204 (dev), 20261205 (held-out)")
    parser.add_argument("--count", type=int, default=None, help="default 400")
    parser.add_argument("--misses", action="store_true")
    opts = parser.parse_args(argv)
    count = 400 if opts.count is None else opts.count
    if opts.corpus == "dev":
        cases = generate(20261204 if opts.seed is None else opts.seed, count)
    else:
        from .heldout import generate_set
        cases = generate_set(opts.corpus.removeprefix("heldout-"), 20261205 if opts.seed is None else opts.seed, count)
    result = score(cases, production_masker())
    print(table(result))
    print(f"\nin-process masking over the corpus: {result['mb_s']:.2f} MB/s")
    if opts.misses:
        for miss in result["misses"]:
            print(*miss, sep="\t")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
