"""The soak: many requests over every demo resource through a real gateway process, then the checks of issue 13.

`python -m bench.soak [--requests 200000] [--concurrency 32] [--size 10]` (`make soak`) drives `--requests`
GETs, round-robin over bench.stack.CALLS (pages 1-5 of `--size` records each) from `--concurrency` keep-alive
connections, and checks:
- the answers are the policy's: the never-shared resource refused (403) every time, the others served (200);
- records == responses: one audit record per response received, and no request left without a response;
  and the records' statuses are the responses' (as many 200 records as 200 responses, and so on);
- the hash chain verifies;
- 0 canaries (bench.stack.canaries) in any response (no soak caller is entitled to one), in the audit
  store (database file and WAL) or in the gateway's log;
- memory growth < 10% between the end of the warm-up (the first tenth of the requests) and the end, for the
  gateway process and all its descendants together (forkserver, masking template, workers); the gateway's open file descriptors stable (±5).
Prints a summary and writes bench/results/soak-<UTC time>.json. Exit status 0 when every check passes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from .run import RESULTS_DIR
from .stack import CALLS, REFUSED, Stack, fetch, leaked

REFUSED_PATHS = frozenset(path for path, _, _ in CALLS[-REFUSED:])  # share: none — refused to every caller

WARMUP_SHARE = 0.1
MAX_MEMORY_GROWTH = 0.10
FD_TOLERANCE = 5


def _children(pid: int) -> list[int]:
    """Every descendant of `pid`: the masking workers are forked by the pool's template, itself started by
    multiprocessing's forkserver, so they are descendants of the gateway, not its children."""
    out, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                found = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            out += found
            todo += found
    return out


def record_statuses(config) -> dict[str, int]:
    """How many request records the trail holds per status (as the responses are tallied)."""
    from sqlalchemy import func, select

    from gateway.audit import store
    from gateway.store import make_engine

    engine = make_engine(config.db_url)
    try:
        with engine.connect() as conn:
            col = store.records.c
            rows = conn.execute(select(col.status, func.count()).where(col.event == "request")
                                .group_by(col.status)).all()
    finally:
        engine.dispose()
    return {str(status): int(n) for status, n in rows}


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def sample(pid: int) -> dict:
    """RSS of the gateway and of its masking workers (KiB), and the gateway's open descriptors."""
    workers = _children(pid)
    try:
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        fds = -1
    gateway = _rss_kib(pid)
    return {"rss_gateway_kib": gateway, "rss_total_kib": gateway + sum(_rss_kib(w) for w in workers),
            "workers": len(workers), "fds": fds}


def settle(pid: int, baseline_fds: int, timeout: float = 10.0) -> dict:
    """A sample once the load's connections are closed: the gateway's descriptors back near `baseline_fds`
    (polled until then, at most `timeout` seconds; the last sample otherwise)."""
    end = time.monotonic() + timeout
    while True:
        s = sample(pid)
        if s["fds"] <= baseline_fds + FD_TOLERANCE or time.monotonic() > end:
            return s
        time.sleep(0.1)


class Tally:
    def __init__(self):
        self.sent = self.responses = self.no_response = 0
        self.statuses: dict[int, int] = {}
        self.leaks: set[str] = set()
        self.leaking_responses = 0


async def drive(stack: Stack, requests: int, concurrency: int, size: int, on_progress=None) -> Tally:
    host, port = stack.gateway.info["host"], stack.gateway.info["port"]
    tally = Tally()
    counter = iter(range(requests))

    async def connection() -> None:
        conn = None
        for i in counter:
            tally.sent += 1
            reply, conn = await fetch(host, port, stack.request_bytes(i, size), conn)
            if reply.status is None:
                tally.no_response += 1
                continue
            tally.responses += 1
            tally.statuses[reply.status] = tally.statuses.get(reply.status, 0) + 1
            found = leaked(reply.body) if reply.body else set()
            if found:
                tally.leaking_responses += 1
                tally.leaks |= found
            if on_progress is not None:
                on_progress(tally)
        if conn is not None:
            conn[1].close()

    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return tally


def run_soak(requests: int = 200_000, concurrency: int = 32, size: int = 10, workdir: Path | None = None,
             results_dir: Path | None = RESULTS_DIR, verbose: bool = True) -> dict:
    own = workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="govshare-soak-")) if own else Path(workdir)
    say = print if verbose else (lambda *a, **k: None)
    stack = Stack(workdir)
    try:
        pid = stack.gateway.pid
        warm_at = max(1, int(requests * WARMUP_SHARE))
        marks: dict = {"start": sample(pid)}
        step = max(1, requests // 20)

        def progress(t: Tally) -> None:
            if t.responses == warm_at and "warm" not in marks:
                marks["warm"] = sample(pid)
            if verbose and t.responses % step == 0:
                rate = t.responses / max(time.monotonic() - started, 1e-9)
                say(f"  {t.responses:>7}/{requests} responses, {rate:.0f} req/s, rss "
                    f"{sample(pid)['rss_total_kib'] / 1024:.0f} MiB", flush=True)

        say(f"soak: {requests} requests at concurrency {concurrency} (pages of {size}), work dir {workdir}")
        started = time.monotonic()
        tally = asyncio.run(drive(stack, requests, concurrency, size, progress))
        elapsed = time.monotonic() - started
        marks["end"] = sample(pid)
        marks.setdefault("warm", marks["start"])
        marks["idle_after"] = settle(pid, marks["start"]["fds"])
        stored = stack.stored_canaries()  # while running: the WAL holds the newest records
        stack.stop_gateway()
        audit = stack.audit_counts()
        audit["statuses"] = record_statuses(stack.config)
        for name, n in stack.stored_canaries().items():
            stored[name] = max(n, stored.get(name, 0))
    finally:
        stack.close()
    warm, end = marks["warm"], marks["end"]
    growth = (end["rss_total_kib"] - warm["rss_total_kib"]) / max(warm["rss_total_kib"], 1)
    refused = sum(1 for i in range(requests) if CALLS[i % len(CALLS)][0] in REFUSED_PATHS)
    checks = {
        # the policy's answers: the never-shared resources refused every time, the others served (a provider
        # connection failing now and then under load is allowed for, one in a thousand)
        "answers_as_the_policy_says": (tally.statuses.get(403, 0) == refused
                                       and tally.statuses.get(200, 0) >= 0.999 * (requests - refused)),
        "records_equal_responses": audit["records"] == tally.responses and tally.no_response == 0,
        "record_statuses_equal_responses": audit["statuses"] == {str(k): v for k, v in tally.statuses.items()},
        "chain_verifies": audit["chain_ok"],
        "no_canary_to_callers": not tally.leaks,
        "no_canary_in_store_or_logs": not any(stored.values()),
        "memory_growth_under_10pct": growth < MAX_MEMORY_GROWTH,
        "fds_stable": marks["idle_after"]["fds"] - marks["start"]["fds"] <= FD_TOLERANCE,
    }
    result = {
        "when": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "requests": requests,
        "concurrency": concurrency, "page_size": size, "seconds": round(elapsed, 1),
        "requests_per_second": round(tally.responses / elapsed, 1) if elapsed else None,
        "responses": tally.responses, "no_response": tally.no_response,
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "records": audit["records"], "record_statuses": audit["statuses"], "chain": audit["chain_detail"], "checkpoints": audit["checkpoints"],
        "canaries_known": len(__import__("bench.stack", fromlist=["canaries"]).canaries()),
        "canaries_to_callers": len(tally.leaks), "leaking_responses": tally.leaking_responses,
        "canaries_in_store_or_logs": stored, "memory": marks,
        "memory_growth_after_warmup": round(growth, 4), "checks": checks, "passed": all(checks.values()),
    }
    if results_dir is not None:
        results_dir.mkdir(parents=True, exist_ok=True)
        out = results_dir / f"soak-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}.json"
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        result["written"] = str(out)
    if own and result["passed"]:
        shutil.rmtree(workdir, ignore_errors=True)
    say(summary(result))
    return result


def summary(r: dict) -> str:
    lines = [f"soak: {r['responses']} responses to {r['requests']} requests in {r['seconds']} s "
             f"({r['requests_per_second']} req/s, concurrency {r['concurrency']}); statuses {r['statuses']}",
             f"  audit records {r['records']} (responses {r['responses']}, no response {r['no_response']}); "
             f"chain: {r['chain']}",
             f"  canaries ({r['canaries_known']} known): {r['canaries_to_callers']} to callers, "
             f"store/logs {r['canaries_in_store_or_logs']}",
             f"  memory (gateway + workers) {r['memory']['warm']['rss_total_kib'] // 1024} MiB after warm-up -> "
             f"{r['memory']['end']['rss_total_kib'] // 1024} MiB at the end "
             f"({r['memory_growth_after_warmup'] * 100:+.1f}%); gateway fds idle {r['memory']['start']['fds']} "
             f"before, {r['memory']['end']['fds']} at the end of the load, {r['memory']['idle_after']['fds']} idle after"]
    lines += [f"  {'PASS' if ok else 'FAIL'}  {name}" for name, ok in r["checks"].items()]
    lines.append(f"soak {'PASSED' if r['passed'] else 'FAILED'}" + (f"; {r['written']}" if r.get("written") else ""))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=200_000)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--size", type=int, default=10, help="records per page")
    p.add_argument("--workdir", type=Path, help="keep the stack's files here (default: a temporary directory, "
                                                "removed when the soak passes)")
    args = p.parse_args(argv)
    result = run_soak(args.requests, args.concurrency, args.size, args.workdir)
    return 0 if result["passed"] else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
