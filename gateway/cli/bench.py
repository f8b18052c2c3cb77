"""`govshare bench …`: hands its arguments to the benchmark, `python -m bench.run …`, in the source checkout.

The benchmark lives beside the package, not in it (it starts processes, loads them and writes results into
bench/results/), and owns its own arguments: this command only finds the checkout and runs the benchmark's
own entry point there as a child process with the same interpreter (`govshare bench --help` shows them).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from .common import EXIT_USAGE, err

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def register(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "bench", help="measure the gateway against bare mitmproxy (runs `python -m bench.run ARGS`)",
        add_help=False, description="Run the benchmark; every argument goes to `python -m bench.run`.")
    p.set_defaults(func=run)
    return p


def command(bench_args: list[str]) -> list[str]:
    return [sys.executable, "-m", "bench.run", *bench_args]


def run(args) -> int:
    if not (PROJECT_ROOT / "bench" / "run.py").is_file():
        err("bench", f"no bench/ directory in {PROJECT_ROOT}: the benchmark runs from a source checkout")
        return EXIT_USAGE
    return subprocess.run(command(args.bench_args), cwd=PROJECT_ROOT).returncode
