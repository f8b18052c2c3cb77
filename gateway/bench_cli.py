"""`govshare bench`: run the benchmark (bench/ in the source tree) and print its figures.

The benchmark lives beside the package, not in it (it starts processes, loads them and writes results into
bench/results/), so this command finds it in the project root of this checkout. It needs no configuration:
it writes its own catalog and data directories in a temporary directory.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def register(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "bench", help="measure the gateway against bare mitmproxy (requests/s, latency, masking, audit)",
        description="Run the benchmark: the fixed-body upstream, bare mitmproxy, the identity + policy pipeline "
                    "and the full pipeline, each in its own process, side by side in one run; in-process masking "
                    "and audit throughput; scaling across gateway processes. Writes bench/results/ and updates "
                    "the README's benchmark section (not with --quick).")
    add_arguments(p)
    p.set_defaults(func=run)
    return p


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The benchmark's options, shared by `govshare bench` and `python -m bench.run`."""
    p.add_argument("--quick", action="store_true", help="short measurements: a smoke run, not figures to quote")
    p.add_argument("--duration", type=float, help="seconds per measurement (default 8; with --quick 1)")
    p.add_argument("--connections", type=int, default=16, help="concurrent keep-alive connections (default 16)")
    p.add_argument("--rounds", type=int, help="rounds of the proxy table; each cell keeps its best (default 2)")
    p.add_argument("--load-tool", choices=("auto", "wrk", "asyncio"), default="auto",
                   help="load generator (default: wrk when on PATH, else the built-in asyncio client)")
    p.add_argument("--no-pin", dest="pin", action="store_false", help="do not pin processes to CPUs")
    p.add_argument("--results-dir", type=Path, default=PROJECT_ROOT / "bench" / "results",
                   help="where the result JSON files go (default bench/results)")
    p.add_argument("--no-readme", dest="readme", action="store_false",
                   help="do not update the README's benchmark section")


def _bench_run():
    """bench.run from this checkout (bench/ is not part of the installed package)."""
    if not (PROJECT_ROOT / "bench" / "run.py").is_file():
        raise FileNotFoundError(f"no bench/ directory in {PROJECT_ROOT}: `govshare bench` runs from a source checkout")
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    return importlib.import_module("bench.run")


def run(args) -> int:
    try:
        bench_run = _bench_run()
    except FileNotFoundError as e:
        print(f"govshare: {e}", file=sys.stderr)
        return 2
    return bench_run.run_from_args(args)
