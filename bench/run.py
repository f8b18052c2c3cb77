"""The benchmark orchestrator: every figure in one run, written to bench/results/<timestamp>.json and latest.json.

Steps (each gateway in its own process, the load generator and the upstream in others):
1. the fixed-body upstream (bench.upstream), measured alone first (`direct`);
2. bare mitmproxy (reverse mode, no addons), govshare with identity + policy only, and govshare full
   (one process per variant; the full pipeline serves labelled and unlabelled resources), each loaded with
   bodies a (3.4 KB, 20 records), b (100 KiB) and c (1 MiB); requests/s, p50, p99, the gateway's CPU time
   per request, and each as a ratio to bare mitmproxy. With several rounds, each cell keeps its best round;
   then the service latency on body a with one connection (no request queues behind another);
3. scaling: 1..N full gateway processes on N ports, the load dealt round-robin across them (mitmproxy
   12's listener does not set SO_REUSEPORT, so processes cannot share one port);
4. every demo resource with its real page, through bare mitmproxy and through govshare back to back
   (bench.side_by_side, a few seconds each), and the ratio per resource;
5. in-process masking throughput on a, b, c, the time to mask the 1 MiB body, and every demo resource's
   page and the free-text page masked in process;
6. audit append throughput on SQLite (bench.audit);
7. any further phase registered in EXTRA_PHASES;
8. the goals, met or not.

On a machine with two or more CPUs the gateways under test are pinned to CPUs other than the first, and
the orchestrator, load generator and upstream to the first (`--no-pin` turns this off); the scaling run
unpins the gateways.

`python -m bench.run [--quick] [--duration S] [--resource-duration S] [--connections N] [--rounds R]
[--load-tool wrk|asyncio] [--results-dir D] [--no-readme]`
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from . import machine
from .bodies import BODY_NAMES, bench_bodies, first_record
from .fixture import caller_token, gateway_path, upstream_path, write_catalog, write_config
from .load import Target, choose_tool, run_load, tool_description
from . import side_by_side

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
README = ROOT / "README.md"
RESULTS_VERSION = 1
START_TIMEOUT = 120.0

# The rows of the proxy table, in order; `full_unlabelled` is the full gateway on the unlabelled resources,
# loaded with body a only (detection costs ~2 s of CPU per 1 MiB response: see the in-process masking table).
PATHS = ("direct", "bare", "lean", "policy", "full", "full_unlabelled")
UNLABELLED_BODIES = ("a",)
LEAN_BODIES = ("a",)  # the gateway's mitmproxy master without stages: body a is enough to show its share
# A row whose slowest response, times the connections, exceeds this share of the measurement time is loaded
# by the asyncio client, which waits for the responses in flight at the end (wrk would drop them).
WRK_MAX_WAVE_SHARE = 0.25
LATENCY_BODY = "a"  # the body of the one-connection latency table
GOALS = {
    "rps_ratio_a": ("full pipeline ≥ 80% of bare mitmproxy's requests/s on (a), the labelled 3 KB fixture",
                    0.8, "×", ">="),
    "resource_ratio_min": ("every demo resource ≥ 60% of bare mitmproxy's requests/s on its real page (the "
                           "worst resource)", side_by_side.MIN_RATIO, "×", ">="),
    "p99_added_a": ("p99 latency added over bare mitmproxy ≤ 5 ms on (a), one connection", 5.0, "ms", "<="),
    "p99_added_a_saturated": ("the same at saturation (the proxy table's connections: mostly queueing, so it "
                              "follows throughput)", 5.0, "ms", "<="),
    "mask_1mb_ms": ("a 1 MB JSON body masked in ≤ 150 ms (labelled, in-process)", 150.0, "ms", "<="),
    "audit_rps": ("audit ≥ 5,000 records/s on SQLite (SHA-256 + Ed25519)", 5000.0, "records/s", ">="),
    "mask_labelled_mb_s": ("in-process masking of labelled JSON ≥ 5 MB/s, one core (the slowest of a, b, c)",
                           5.0, "MB/s", ">="),
    "mask_free_text_mb_s": ("in-process masking of free-text-heavy JSON ≥ 2 MB/s, one core (every demo "
                            "remark in one page)", side_by_side.FREE_TEXT_MB_S, "MB/s", ">="),
}

# Further phases (e.g. another module's console benchmark) register here: name -> callable(opts) returning a
# JSON-able dict; each runs after the in-process figures, on the whole machine, and lands in results[name].
EXTRA_PHASES: dict[str, object] = {}


@dataclass
class BenchOptions:
    quick: bool = False
    duration: float | None = None  # seconds per measurement
    resource_duration: float | None = None  # seconds per measurement of one demo resource through one proxy
    warmup: float | None = None
    connections: int = 16
    rounds: int | None = None
    load_tool: str = "auto"
    scale: tuple[int, ...] | None = None
    pin: bool = True
    mask_seconds: float | None = None
    audit_records: int | None = None
    results_dir: Path = RESULTS_DIR
    readme: Path | None = README
    log: object = field(default=sys.stderr, repr=False)

    def resolved(self) -> "BenchOptions":
        quick = self.quick
        return replace(
            self,
            duration=self.duration if self.duration is not None else (1.0 if quick else 5.0),
            resource_duration=self.resource_duration if self.resource_duration is not None
            else (self.duration if quick and self.duration is not None else (1.0 if quick else 3.0)),
            warmup=self.warmup if self.warmup is not None else (0.2 if quick else 1.0),
            rounds=self.rounds if self.rounds is not None else (1 if quick else 2),
            scale=self.scale if self.scale is not None else ((1, 2) if quick else (1, 2, 3)),
            mask_seconds=self.mask_seconds if self.mask_seconds is not None else (0.1 if quick else 2.0),
            audit_records=self.audit_records if self.audit_records is not None else (1000 if quick else 20_000),
        )


# -- processes ---------------------------------------------------------------------------------------------

class Child:
    """A process under test that prints one JSON readiness line on stdout."""

    def __init__(self, name: str, argv: list[str], log_path: Path):
        self.name = name
        self.log_path = log_path
        self._log = open(log_path, "wb")
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=self._log,
                                     stdin=subprocess.DEVNULL)
        self.info: dict = {}

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def url(self) -> str:
        return f"http://{self.info['host']}:{self.info['port']}"

    def wait_ready(self, timeout: float = START_TIMEOUT) -> "Child":
        deadline = time.monotonic() + timeout
        line = b""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if ready:
                line = self.proc.stdout.readline()
                break
            if self.proc.poll() is not None:
                break
        try:
            info = json.loads(line) if line else {}
        except ValueError:
            info = {}
        if not info.get("ready"):
            tail = self.log_tail()
            self.stop()
            raise RuntimeError(f"{self.name} did not start ({info.get('error', 'no readiness line')}); "
                               f"log tail:\n{tail}")
        self.info = info
        return self

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 15.0) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._log.close()


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


# -- checks and measurements -------------------------------------------------------------------------------

def fetch(url: str, headers: dict[str, str]) -> tuple[int, bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.request("GET", parts.path, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def check_path(name: str, target: Target, expected: bytes) -> float:
    """Fail loudly (status and reason only, never body content) when a path does not behave as benchmarked;
    returns the seconds the (second) call took."""
    fetch(target.url, target.headers)
    started = time.perf_counter()
    status, body = fetch(target.url, target.headers)
    elapsed = time.perf_counter() - started
    if status != 200:
        raise RuntimeError(f"{name}: {target.url} answered {status}, expected 200")
    if name.startswith("full"):
        if first_record()["sfzh"].encode() in body:
            raise RuntimeError(f"{name}: {target.url} released an unmasked resident ID")
        json.loads(body)
    elif body != expected:
        raise RuntimeError(f"{name}: {target.url} did not pass the upstream body through unchanged")
    return elapsed


def row_tool(tool: str, slowest_seconds: float, opts: BenchOptions) -> str:
    """wrk for rows whose responses all fit many times into a measurement, else the draining asyncio client."""
    if tool == "wrk" and slowest_seconds * opts.connections > WRK_MAX_WAVE_SHARE * opts.duration:
        return "asyncio"
    return tool


def total_cpu(pids: list[int]) -> float | None:
    values = [machine.cpu_seconds(p) for p in pids]
    return None if not values or None in values else sum(values)


def process_tree(pids: list[int]) -> list[int]:
    """`pids` and all their descendants, from /proc/<pid>/task/*/children: a gateway's CPU per request is its
    own and its masking workers' (forkserver -> template -> workers), or the hop to a worker would look free."""
    out, todo = [], list(pids)
    while todo:
        pid = todo.pop()
        out.append(pid)
        for children in Path(f"/proc/{pid}/task").glob("*/children"):
            try:
                todo += [int(c) for c in children.read_text().split()]
            except OSError:
                pass  # that thread or process has just ended
    return out


def wait_idle(pids: list[int], timeout: float = 120.0, interval: float = 0.25, busy: float = 0.1) -> bool:
    """Wait until the processes use less than `busy` of a CPU each: a gateway finishes the responses a
    load generator gave up on after it stopped, and that work must not land in the next measurement."""
    if not pids:
        return True
    pids = process_tree(pids)
    deadline = time.monotonic() + timeout
    before = total_cpu(pids)
    while before is not None and time.monotonic() < deadline:
        time.sleep(interval)
        now = total_cpu(pids)
        if now is None or now - before < interval * busy * len(pids):
            return True
        before = now
    return False


def measure(targets: list[Target], pids: list[int], opts: BenchOptions, tool: str) -> dict:
    if opts.warmup > 0:
        warm_tool = tool if tool == "asyncio" or opts.warmup >= 1 else "asyncio"
        run_load(targets, duration=opts.warmup, connections=opts.connections, tool=warm_tool, drain=False)
    wait_idle(pids)
    cpu_before = {p: machine.cpu_seconds(p) for p in process_tree(pids)}
    result = run_load(targets, duration=opts.duration, connections=opts.connections, tool=tool)
    cpu_after = {p: machine.cpu_seconds(p) for p in process_tree(pids)}  # workers started meanwhile count whole
    wait_idle(pids)
    out = result.to_dict()
    if pids and None not in (*(cpu_before.get(p) for p in pids), *(cpu_after.get(p) for p in pids)):
        cpu = sum(after - (cpu_before.get(p) or 0.0) for p, after in cpu_after.items()
                  if after is not None and (p not in cpu_before or cpu_before[p] is not None))
        out["gateway_cpu_seconds"] = round(cpu, 3)
        out["gateway_cpu_ms_per_request"] = round(cpu * 1000 / result.requests, 4) if result.requests else None
    return out


def add_ratios(row: dict, bare: dict) -> dict:
    """Each figure of `row` as a ratio to bare mitmproxy's, plus the latency it adds."""
    def ratio(key: str) -> float | None:
        return round(row[key] / bare[key], 4) if bare.get(key) else None

    row["rps_ratio"] = ratio("rps")
    row["p50_ratio"] = ratio("p50_ms")
    row["p99_ratio"] = ratio("p99_ms")
    row["p50_added_ms"] = round(row["p50_ms"] - bare["p50_ms"], 3)
    row["p99_added_ms"] = round(row["p99_ms"] - bare["p99_ms"], 3)
    if row.get("gateway_cpu_ms_per_request") is not None and bare.get("gateway_cpu_ms_per_request"):
        row["cpu_ratio"] = round(row["gateway_cpu_ms_per_request"] / bare["gateway_cpu_ms_per_request"], 4)
    return row


def best_round(rounds: list[dict]) -> dict:
    """The round with the most requests/s (noise from other work on the machine only ever slows a round)."""
    best = dict(max(rounds, key=lambda r: r["rps"]))
    best["rounds_rps"] = [r["rps"] for r in rounds]
    return best


def best_latency(rounds: list[dict]) -> dict:
    """The round with the lowest p99 (noise from other work on the machine only ever adds latency)."""
    best = dict(min(rounds, key=lambda r: r["p99_ms"]))
    best["rounds_p99_ms"] = [r["p99_ms"] for r in rounds]
    return best


def evaluate_goals(results: dict) -> list[dict]:
    measured = {
        "rps_ratio_a": results["proxy"]["a"]["full"].get("rps_ratio"),
        "p99_added_a": results["latency"]["full"].get("p99_added_ms"),
        "p99_added_a_saturated": results["proxy"]["a"]["full"].get("p99_added_ms"),
        "mask_1mb_ms": results["masking"]["one_mb_ms"]["labelled"],
        "audit_rps": results["audit"][0]["records_per_s"],
        "resource_ratio_min": min((r["ratio"] for r in results["resources"]["proxy"] if r["ratio"] is not None),
                                  default=None),
        "mask_labelled_mb_s": min(rows["labelled"]["mb_per_s"] for rows in results["masking"]["bodies"].values()),
        "mask_free_text_mb_s": next(r["mb_per_s"] for r in results["resources"]["masking"]
                                    if r["resource"] == "FREE-TEXT"),
    }
    goals = []
    for key, (text, target, unit, sense) in GOALS.items():
        value = measured[key]
        met = value is not None and (value >= target if sense == ">=" else value <= target)
        goals.append({"id": key, "goal": text, "target": target, "unit": unit, "measured": value, "met": met})
    return goals


# -- the run -----------------------------------------------------------------------------------------------

def say(opts: BenchOptions, message: str) -> None:
    if opts.log is not None:
        print(f"[bench] {message}", file=opts.log, flush=True)


def run_benchmark(options: BenchOptions | None = None) -> dict:
    opts = (options or BenchOptions()).resolved()
    tool = choose_tool(opts.load_tool)
    started = datetime.now(timezone.utc)
    t0 = time.monotonic()
    bodies = bench_bodies()
    cpus = machine.usable_cpus()
    pin = opts.pin and len(cpus) >= 2
    load_cpus, gateway_cpus = (cpus[:1], cpus[1:]) if pin else (cpus, cpus)
    original_affinity = set(cpus)
    if pin:
        machine.pin(os.getpid(), load_cpus)  # children (upstream, wrk) inherit the load CPU
    children: list[Child] = []
    try:
        with tempfile.TemporaryDirectory(prefix="govshare-bench-") as tmp_name:
            tmp = Path(tmp_name)
            say(opts, f"load generator: {tool}; {opts.duration:g}s per measurement, {opts.connections} connections, "
                      f"{opts.rounds} round(s); CPUs {'pinned' if pin else 'not pinned'}")
            upstream = Child("upstream", python_module("bench.upstream"), tmp / "upstream.log")
            children.append(upstream)
            upstream.wait_ready()
            catalog = write_catalog(tmp / "catalog.yaml", upstream.url)

            # One config (own data directory, keys, SQLite) per gateway process.
            n_full = max(opts.scale)
            specs = [("bare", "bare"), ("lean", "lean"), ("policy", "policy")] + [(f"full{i}", "full")
                                                                                 for i in range(n_full)]
            tokens: dict[str, str] = {}
            gateways: dict[str, Child] = {}
            for name, variant in specs:
                config = write_config(tmp / name, catalog)
                if variant not in ("bare", "lean"):
                    tokens[name] = caller_token(tmp / name / "var")
                argv = python_module("bench.gateway_proc", "--variant", variant, "--config", str(config),
                                     "--upstream", upstream.url)
                if pin and (variant != "full" or name == "full0"):
                    argv += ["--cpus", ",".join(map(str, gateway_cpus))]
                gateways[name] = Child(name, argv, tmp / f"{name}.log")
                children.append(gateways[name])
            for child in gateways.values():
                child.wait_ready()
            say(opts, f"started upstream and {len(gateways)} gateway processes in {time.monotonic() - t0:.1f}s")

            def targets_for(body: str) -> dict[str, tuple[Target, list[int]]]:
                auth = {"Authorization": f"Bearer {tokens['full0']}"}
                rows = {
                    "direct": (Target(upstream.url + upstream_path(body)), []),
                    "bare": (Target(gateways["bare"].url + upstream_path(body)), [gateways["bare"].pid]),
                    **({"lean": (Target(gateways["lean"].url + upstream_path(body)), [gateways["lean"].pid])}
                       if body in LEAN_BODIES else {}),
                    "policy": (Target(gateways["policy"].url + gateway_path(body),
                                      {"Authorization": f"Bearer {tokens['policy']}"}), [gateways["policy"].pid]),
                    "full": (Target(gateways["full0"].url + gateway_path(body), auth), [gateways["full0"].pid]),
                }
                if body in UNLABELLED_BODIES:
                    rows["full_unlabelled"] = (Target(gateways["full0"].url + gateway_path(body, labelled=False),
                                                      auth), [gateways["full0"].pid])
                return rows

            tools: dict[str, str] = {}
            for body in BODY_NAMES:
                slowest = max(check_path(name, target, bodies[body].data)
                              for name, (target, _) in targets_for(body).items())
                tools[body] = row_tool(tool, slowest, opts)

            rounds: dict[str, dict[str, list[dict]]] = {b: {} for b in BODY_NAMES}
            for r in range(opts.rounds):
                for body in BODY_NAMES:
                    for name, (target, pids) in targets_for(body).items():
                        row = measure([target], pids, opts, tools[body])
                        rounds[body].setdefault(name, []).append(row)
                        say(opts, f"round {r + 1} body {body} {name:<16} {row['rps']:>10.1f} req/s  "
                                  f"p50 {row['p50_ms']:.2f} ms  p99 {row['p99_ms']:.2f} ms  ({row['tool']})")
            proxy: dict[str, dict] = {}
            for body in BODY_NAMES:
                cells = {name: best_round(rows) for name, rows in rounds[body].items()}
                for name, cell in cells.items():
                    if name != "bare":
                        add_ratios(cell, cells["bare"])
                cells["bytes"] = bodies[body].size
                cells["records"] = bodies[body].records
                cells["load_tool"] = tools[body]
                proxy[body] = cells

            # Service latency: one connection, so no request waits behind another (at saturation the
            # latency is mostly queueing: connections / throughput).
            single = replace(opts, connections=1)
            latency_rounds: dict[str, list[dict]] = {}
            for r in range(opts.rounds):
                for name, (target, pids) in targets_for(LATENCY_BODY).items():
                    if name == "direct":
                        continue
                    row = measure([target], pids, single, tools[LATENCY_BODY])
                    latency_rounds.setdefault(name, []).append(row)
                    say(opts, f"round {r + 1} latency {name:<16} p50 {row['p50_ms']:.2f} ms  p99 {row['p99_ms']:.2f} ms")
            latency = {name: best_latency(rows) for name, rows in latency_rounds.items()}
            for name, cell in latency.items():
                if name != "bare":
                    add_ratios(cell, latency["bare"])

            # Scaling: N full gateways on N ports, unpinned, the load dealt round-robin across them.
            full = [gateways[f"full{i}"] for i in range(n_full)]
            for child in full:
                machine.pin(child.pid, original_affinity)
            scaling = []
            previous = 0.0
            for n in opts.scale:
                targets = [Target(c.url + gateway_path("a"), {"Authorization": f"Bearer {tokens[f'full{i}']}"})
                           for i, c in enumerate(full[:n])]
                row = measure(targets, [c.pid for c in full[:n]], opts, tool)
                row["processes"] = n
                row["rps_per_process"] = round(row["rps"] / n, 1)
                row["rps_added"] = round(row["rps"] - previous, 1)
                previous = row["rps"]
                scaling.append(row)
                say(opts, f"scaling {n} process(es): {row['rps']:.1f} req/s")
            if pin:  # the per-resource phase pins govshare as the proxy table did
                machine.pin(gateways["full0"].pid, gateway_cpus)

            # Every demo resource's real page through bare mitmproxy and govshare, back to back.
            resource_opts = replace(opts, duration=opts.resource_duration,
                                    warmup=min(opts.warmup, opts.resource_duration / 4))
            resource_tool = row_tool(tool, 0.0, resource_opts)
            resource_proxy = side_by_side.proxy_rows(
                gateways["bare"].url, gateways["full0"].url, {"Authorization": f"Bearer {tokens['full0']}"},
                {"bare": [gateways["bare"].pid], "govshare": [gateways["full0"].pid]},
                rounds=opts.rounds, fetch=fetch, say=lambda m: say(opts, m),
                measure=lambda targets, pids: measure(targets, pids, resource_opts, resource_tool))
            for child in reversed(children):
                child.stop()
            children.clear()

        # In-process figures, with the machine to ourselves again.
        if pin:
            machine.pin(os.getpid(), original_affinity)
        masking, resource_masking = measure_masking(opts, bodies, catalog_upstream="http://127.0.0.1:9")
        say(opts, f"masking 1 MiB: {masking['one_mb_ms']['labelled']:.1f} ms labelled, "
                  f"{masking['one_mb_ms']['unlabelled']:.1f} ms unlabelled")
        from .inprocess import audit_throughput
        audit = [audit_throughput(opts.audit_records),
                 audit_throughput(max(200, opts.audit_records // 4), hash_algorithm="sm3", signature_algorithm="sm2")]
        say(opts, f"audit: {audit[0]['records_per_s']:.0f} records/s ({audit[0]['algorithms']})")
        extra = {name: phase(opts) for name, phase in EXTRA_PHASES.items()}
    finally:
        for child in reversed(children):
            child.stop()
        if pin:
            machine.pin(os.getpid(), original_affinity)

    results = {
        "version": RESULTS_VERSION,
        "started": started.isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - t0, 1),
        "quick": opts.quick,
        "machine": machine.describe(tool_description(tool)),
        "settings": {"duration_s": opts.duration, "warmup_s": opts.warmup, "connections": opts.connections,
                     "rounds": opts.rounds, "pinned": pin, "load_cpus": load_cpus if pin else None,
                     "gateway_cpu": "the gateway process and its descendants (masking workers included)",
                     "gateway_cpus": gateway_cpus if pin else None, "scale": list(opts.scale),
                     "so_reuseport": False},
        "bodies": {b: {"bytes": bodies[b].size, "records": bodies[b].records} for b in BODY_NAMES},
        "proxy": proxy,
        "latency": {"body": LATENCY_BODY, "connections": 1, **latency},
        "scaling": scaling,
        "masking": masking,
        "audit": audit,
        "resources": {"duration_s": opts.resource_duration, "proxy": resource_proxy, "masking": resource_masking},
        **extra,
    }
    results["goals"] = evaluate_goals(results)
    return results


def measure_masking(opts: BenchOptions, bodies: dict, catalog_upstream: str) -> dict:
    from gateway.config import load_config
    from gateway.services import Services, freeze_startup_heap

    from .inprocess import CALLER_APP, CALLER_DEPT, mask_throughput

    with tempfile.TemporaryDirectory(prefix="govshare-bench-mask-") as tmp_name:
        tmp = Path(tmp_name)
        catalog = write_catalog(tmp / "catalog.yaml", catalog_upstream)
        services = Services.open(load_config(write_config(tmp / "mask", catalog)), with_audit=False)
        freeze_startup_heap()  # as the gateway does once its services are built
        try:
            rows = {}
            for body in BODY_NAMES:
                rows[body] = {}
                for labelled in (True, False):
                    variant = "labelled" if labelled else "unlabelled"
                    rows[body][variant] = mask_throughput(services, bodies[body], labelled,
                                                          min_seconds=opts.mask_seconds,
                                                          min_iterations=1 if opts.quick else 3)
            resources = side_by_side.masking_rows(services, CALLER_DEPT, CALLER_APP, opts.mask_seconds)
        finally:
            services.close()
    return ({"bodies": rows, "one_mb_ms": {v: rows["c"][v]["ms_median"] for v in ("labelled", "unlabelled")}},
            resources)


def write_results(results: dict, results_dir: Path) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.fromisoformat(results["started"]).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(results, ensure_ascii=False, indent=2) + "\n"
    path = results_dir / f"{stamp}{'-quick' if results['quick'] else ''}.json"
    path.write_text(text, encoding="utf-8")
    # A quick run is a smoke test, not figures to quote: it never replaces latest.json.
    (results_dir / ("latest-quick.json" if results["quick"] else "latest.json")).write_text(text, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["console"]:  # `govshare bench console`: the console over 1,000,000 audit records (bench.console)
        from .console import main as console_main
        return console_main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    return run_from_args(args)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The benchmark's options (`python -m bench.run`, and `govshare bench`, which passes them here)."""
    p.add_argument("--quick", action="store_true", help="short measurements: a smoke run, not figures to quote")
    p.add_argument("--duration", type=float, help="seconds per measurement (default 5; with --quick 1)")
    p.add_argument("--resource-duration", type=float,
                   help="seconds per measurement of one demo resource through one proxy (default 3; with --quick "
                        "the --duration)")
    p.add_argument("--connections", type=int, default=16, help="concurrent keep-alive connections (default 16)")
    p.add_argument("--rounds", type=int, help="rounds of the proxy table; each cell keeps its best (default 2)")
    p.add_argument("--load-tool", choices=("auto", "wrk", "asyncio"), default="auto",
                   help="load generator (default: wrk when on PATH, else the built-in asyncio client)")
    p.add_argument("--no-pin", dest="pin", action="store_false", help="do not pin processes to CPUs")
    p.add_argument("--results-dir", type=Path, default=RESULTS_DIR,
                   help="where the result JSON files go (default bench/results)")
    p.add_argument("--no-readme", dest="readme", action="store_false",
                   help="do not update the README's benchmark section")


def run_from_args(args) -> int:
    from .readme_table import render, update_readme

    if args.duration is not None and args.duration <= 0 or args.connections < 1 \
            or (args.resource_duration is not None and args.resource_duration <= 0) \
            or (args.rounds is not None and args.rounds < 1):
        print("bench: --duration, --connections and --rounds must be positive", file=sys.stderr)
        return 2
    options = BenchOptions(quick=args.quick, duration=args.duration, resource_duration=args.resource_duration,
                           connections=args.connections,
                           rounds=args.rounds, load_tool=args.load_tool, pin=args.pin,
                           results_dir=args.results_dir, readme=README if args.readme else None)
    results = run_benchmark(options)
    path = write_results(results, options.results_dir)
    print(render(results))
    print(f"\nresults: {path}")
    if options.readme is not None and not results["quick"]:
        if update_readme(options.readme, results):
            print(f"README benchmark section updated: {options.readme}")
    return 0  # a missed goal is a figure to act on, not a failed run


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
