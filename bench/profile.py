"""Where a gateway's time goes under load: py-spy samples one gateway process while the load generator runs.

`python -m bench.profile [--variant full|policy|lean|bare] [--body a|b|c | --resource CODE] [--unlabelled]
[--seconds 20] [--connections 16] [--top 25] [--out profile.txt] [--subprocesses]` starts the bench upstream
and one gateway process (the same processes as bench.run), loads it, samples it with `py-spy record --format raw` (py-spy is a
profiling aid, not a project dependency: `pip install py-spy`), and prints the functions with the largest
share of the samples, by own time and by inclusive time (GIL-holding samples only, unless --all-samples).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

from . import machine
from .fixture import caller_token, gateway_path, upstream_path, write_catalog, write_config
from .load import Target, run_load
from .resources import all_pages
from .run import Child, python_module


def summarize(collapsed: str, top: int = 25) -> tuple[int, list[tuple[str, int]], list[tuple[str, int]]]:
    """From py-spy's collapsed stacks ("f1;f2;...;fn count" per line): total samples, and the `top`
    frames by own samples (innermost frame) and by inclusive samples (anywhere on the stack, once)."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [f for f in stack.split(";") if f]
        if not frames:
            continue
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    return total, own.most_common(top), inclusive.most_common(top)


def _short(frame: str) -> str:
    frame = frame.replace(str(Path(sys.prefix)), "<venv>")
    return frame.replace("/lib/python3.12/site-packages/", "/").replace(str(Path(__file__).parents[1]) + "/", "")


def render(total: int, own: list, inclusive: list) -> str:
    lines = [f"{total} samples", "", "own time (innermost frame):"]
    lines += [f"  {n / total * 100:5.1f}%  {_short(f)}" for f, n in own]
    lines += ["", "inclusive time (anywhere on the stack):"]
    lines += [f"  {n / total * 100:5.1f}%  {_short(f)}" for f, n in inclusive]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=("bare", "lean", "policy", "full"), default="full")
    parser.add_argument("--body", choices=("a", "b", "c"), default="a")
    parser.add_argument("--unlabelled", action="store_true", help="the unlabelled resource (detection only)")
    parser.add_argument("--resource", metavar="CODE",
                        help="a demo resource's real page (bench.resources, e.g. GA-ZT-0001) instead of --body")
    parser.add_argument("--subprocesses", action="store_true",
                        help="also sample the gateway's child processes (masking workers)")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", type=Path, help="also write the collapsed stacks here (for flame graphs)")
    parser.add_argument("--all-samples", action="store_true",
                        help="also count threads that do not hold the GIL (I/O waits such as the audit fsync); "
                             "by default only GIL-holding samples count, i.e. the Python CPU time that limits "
                             "a gateway process's throughput")
    args = parser.parse_args(argv)
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        print("py-spy is not installed (pip install py-spy)", file=sys.stderr)
        return 2
    cpus = machine.usable_cpus()
    pin = len(cpus) >= 2
    if pin:
        machine.pin(os.getpid(), cpus[:1])
    children: list[Child] = []
    try:
        with tempfile.TemporaryDirectory(prefix="govshare-bench-profile-") as tmp_name:
            tmp = Path(tmp_name)
            upstream = Child("upstream", python_module("bench.upstream"), tmp / "upstream.log")
            children.append(upstream)
            upstream.wait_ready()
            config = write_config(tmp / "gw", write_catalog(tmp / "catalog.yaml", upstream.url))
            argv_gw = python_module("bench.gateway_proc", "--variant", args.variant, "--config", str(config),
                                    "--upstream", upstream.url)
            if pin:
                argv_gw += ["--cpus", ",".join(map(str, cpus[1:]))]
            gateway = Child(args.variant, argv_gw, tmp / "gateway.log")
            children.append(gateway)
            gateway.wait_ready()
            page = next((p for p in all_pages() if p.code == args.resource), None) if args.resource else None
            if args.resource and page is None:
                raise SystemExit(f"no demo resource page {args.resource!r}")
            if page is not None and args.variant in ("bare", "lean"):
                target = Target(gateway.url + page.upstream_path)
            elif page is not None:
                target = Target(gateway.url + page.gateway_path,
                                {"Authorization": f"Bearer {caller_token(tmp / 'gw' / 'var')}"})
            elif args.variant in ("bare", "lean"):
                target = Target(gateway.url + upstream_path(args.body))
            else:
                token = caller_token(tmp / "gw" / "var")
                target = Target(gateway.url + gateway_path(args.body, labelled=not args.unlabelled),
                                {"Authorization": f"Bearer {token}"})
            run_load([target], duration=2, connections=args.connections, drain=False)  # warm up
            raw = tmp / "stacks.txt"
            result: dict = {}
            loader = threading.Thread(target=lambda: result.update(
                load=run_load([target], duration=args.seconds + 1, connections=args.connections)))
            loader.start()
            cmd = [spy, "record", "--pid", str(gateway.pid), "--duration", str(args.seconds), "--rate", "250",
                   "--format", "raw", "--nolineno", "--output", str(raw)]
            if not args.all_samples:
                cmd.append("--gil")
            if args.subprocesses:
                cmd.append("--subprocesses")
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            loader.join()
            collapsed = raw.read_text()
            if args.out:
                args.out.write_text(collapsed)
    finally:
        for child in reversed(children):
            child.stop()
    load = result.get("load")
    if load is not None:
        what = f"resource {args.resource}" if args.resource else \
            f"body {args.body}{' unlabelled' if args.unlabelled else ''}"
        print(f"{args.variant} {what}: {load.rps:.1f} req/s, "
              f"p50 {load.p50_ms:.2f} ms, p99 {load.p99_ms:.2f} ms (while sampled)")
    print(render(*summarize(collapsed, args.top)))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
