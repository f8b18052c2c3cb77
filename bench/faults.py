"""Fault runs: a real gateway process under the faults issue 13 lists, and what must hold through each of them.

`python -m bench.faults [--kills 100]` (`make faults`) runs, each against a gateway of bench.stack:
- provider down (a port nothing listens on), slow (answers after the upstream timeout), reset mid-body
  (RST after part of the announced body), truncated (FIN after part of it): each answered 502/504 JSON;
- database locked 10 s (another connection holds an exclusive SQLite lock): calls are refused 503 while the
  trail cannot record them and served again once the lock is gone;
- disk full: the data directory on a small tmpfs (`mount -t tmpfs -o size=…`, root only), filled to the
  last byte: refused 503, served again once space is freed;
- `kill -9` of the gateway while it commits, `--kills` times, restarting it on the same data directory.
After every fault: every response a caller got has exactly one audit record (request id), that record's
status is the status the caller got (a 503 given because the trail could not record — database locked, disk
full — is recorded as that 503 once the store is back, never as the allow it would have been), and the hash
chain verifies. The kill -9 rounds kill after a random number (1-40) of 48 concurrent calls have been
answered. Prints one line per fault and a summary, writes
bench/results/faults-<UTC time>.json; exit status 0 when every fault passes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from .run import RESULTS_DIR
from .stack import CALLS, Stack, fetch

OK_BODY = json.dumps({"code": 0, "data": {"items": [{"qymc": "杭州示例科技有限公司", "bz": "年度复核通过。"}],
                                          "page": 1, "size": 1, "total": 1}}, ensure_ascii=False).encode()
ENTERPRISES = CALLS[0]  # SCJG's enterprise register, read by MZ: served by the faulty provider
HR = CALLS[1]  # RS's agencies, read by GA: RS is down


class FaultyProvider:
    """SCJG's API on a raw socket, misbehaving as `mode` says: ok | slow | reset | truncated."""

    def __init__(self):
        self.mode = "ok"
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d" % self.sock.getsockname()[1]

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            mode = self.mode
            if mode == "slow":
                self.stop.wait(30)
                return
            if mode in ("reset", "truncated"):
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
                             + OK_BODY[:60])
                if mode == "reset":
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                return
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(OK_BODY) + OK_BODY)

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


def dead_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(stack: Stack, request: tuple[str, str, str | None], n: int = 1, concurrency: int = 1) -> list:
    """`n` calls of one CALLS entry through the gateway; the Replies."""
    index = CALLS.index(request)
    host, port = stack.gateway.info["host"], stack.gateway.info["port"]

    async def run():
        async def one(i):
            reply, conn = await fetch(host, port, stack.request_bytes(index + len(CALLS) * i))
            if conn is not None:
                conn[1].close()
            return reply
        sem = asyncio.Semaphore(concurrency)

        async def bounded(i):
            async with sem:
                return await one(i)
        return await asyncio.gather(*(bounded(i) for i in range(n)))
    return asyncio.run(run())


def recorded_statuses(stack: Stack, request_ids: set[str]) -> dict[str, list]:
    """The statuses of the request records the trail holds for `request_ids` (one list entry per record)."""
    from sqlalchemy import select

    from gateway.audit import store
    from gateway.store import make_engine

    found: dict[str, list] = {}
    ids = sorted(request_ids)
    engine = make_engine(stack.config.db_url)
    try:
        with engine.connect() as conn:
            col = store.records.c
            for i in range(0, len(ids), 500):
                query = select(col.request_id, col.status).where(col.request_id.in_(ids[i:i + 500]),
                                                                 col.event == "request")
                for rid, status in conn.execute(query):
                    found.setdefault(rid, []).append(status)
    finally:
        engine.dispose()
    return found


def accounted(stack: Stack, replies: list, wait: float = 20.0) -> dict:
    """Every reply the caller got has exactly one record, with the status the caller got. Records owed for
    503s given while the store refused writes land once it is back: polled for (up to `wait` s) until every
    answered call is recorded."""
    got = {r.request_id: r.status for r in replies if r.status is not None}
    deadline = time.monotonic() + wait
    while True:
        recorded = recorded_statuses(stack, set(got)) if got else {}
        if set(got) <= set(recorded) or time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    missing = set(got) - set(recorded)
    released = {rid for rid, status in got.items() if status < 300}
    mismatched = sorted(rid for rid, statuses in recorded.items() if any(s != got[rid] for s in statuses))
    return {"answered": len(got), "released": len(released), "released_unrecorded": len(released & missing),
            "refusals_unrecorded": len(missing - released),
            "status_mismatch": len(mismatched),
            "mismatch_examples": [(rid[:8], got[rid], recorded[rid]) for rid in mismatched[:3]],
            "duplicated": sum(1 for statuses in recorded.values() if len(statuses) > 1),
            "no_response": sum(1 for r in replies if r.status is None)}


def faithful(acc: dict) -> bool:
    """Every answered call has exactly one record, and it says what the caller got."""
    return acc["released_unrecorded"] == acc["refusals_unrecorded"] == acc["status_mismatch"] \
        == acc["duplicated"] == 0


def statuses(replies: list) -> dict:
    out: dict[str, int] = {}
    for r in replies:
        key = str(r.status)
        out[key] = out.get(key, 0) + 1
    return out


def provider_faults(stack: Stack, provider: FaultyProvider) -> list[dict]:
    results = []
    for name, request, mode, expect in (("provider down", HR, None, 502), ("provider slow", ENTERPRISES, "slow", 504),
                                        ("provider reset mid-body", ENTERPRISES, "reset", 502),
                                        ("provider truncated body", ENTERPRISES, "truncated", 502)):
        provider.mode = mode or "ok"
        replies = call(stack, request, n=4, concurrency=4)
        provider.mode = "ok"
        after = call(stack, ENTERPRISES, n=2)
        acc = accounted(stack, replies + after)
        ok = all(r.status == expect for r in replies) and all(r.status == 200 for r in after) \
            and faithful(acc) and acc["no_response"] == 0
        results.append({"fault": name, "statuses": statuses(replies), "after": statuses(after), **acc, "passed": ok})
    return results


def database_locked(stack: Stack, seconds: float = 10.0) -> dict:
    db = Path(stack.config.db_url.removeprefix("sqlite:///"))
    lock = sqlite3.connect(db, isolation_level=None, timeout=30)
    lock.execute("BEGIN EXCLUSIVE")
    released_at = time.monotonic() + seconds
    replies = []
    try:
        while time.monotonic() < released_at - 1:
            replies += call(stack, ENTERPRISES, n=4, concurrency=4)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    after = call(stack, ENTERPRISES, n=4, concurrency=4)
    acc = accounted(stack, replies + after)
    ok = all(r.status in (200, 503) for r in replies) and all(r.status == 200 for r in after) \
        and faithful(acc) and acc["no_response"] == 0
    return {"fault": f"database locked {seconds:.0f} s", "statuses": statuses(replies), "after": statuses(after),
            **acc, "passed": ok}


def disk_full(workdir: Path) -> dict:
    mount = workdir / "tmpfs"
    mount.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        return {"fault": "disk full", "passed": False,
                "skipped": "mount -t tmpfs not permitted: " + done.stderr.decode(errors="replace").strip()}
    provider = FaultyProvider()
    stack = None
    try:
        stack = Stack(mount / "stack", overrides={"SCJG": provider.url})
        before = call(stack, ENTERPRISES, n=4)
        filler = mount / "filler"
        with open(filler, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * (1 << 20))
                    f.flush()
            except OSError:
                pass
        full = call(stack, ENTERPRISES, n=8, concurrency=4)
        filler.unlink()
        after = call(stack, ENTERPRISES, n=4)
        acc = accounted(stack, before + full + after)
        stack.stop_gateway()
        chain = stack.audit_counts()
        ok = all(r.status in (200, 503) for r in full) and all(r.status == 200 for r in before + after) \
            and faithful(acc) and acc["no_response"] == 0 and chain["chain_ok"]
        return {"fault": "disk full (tmpfs 96 MiB, filled)", "statuses": statuses(full), "after": statuses(after),
                **acc, "chain": chain["chain_detail"], "passed": ok}
    finally:
        if stack is not None:
            stack.close()
        provider.close()
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def kill_during_commits(workdir: Path, kills: int, seed: int = 13) -> dict:
    """kill -9 the gateway `kills` times while 16 callers are being answered; restart on the same data."""
    rng = random.Random(seed)
    stack = Stack(workdir / "kill", masking={"workers": 0})
    replies: list = []
    try:
        for k in range(kills):
            host, port = stack.gateway.info["host"], stack.gateway.info["port"]

            async def burst():
                async def one(i):
                    reply, conn = await fetch(host, port, stack.request_bytes(i), timeout=20)
                    if conn is not None:
                        conn[1].close()
                    return reply
                tasks = [asyncio.ensure_future(one(k * 64 + i)) for i in range(48)]
                wanted, pending = rng.randint(1, 40), set(tasks)  # kill once this many have been answered
                while len(tasks) - len(pending) < wanted and pending:
                    _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                return tasks
            loop = asyncio.new_event_loop()
            try:
                tasks = loop.run_until_complete(burst())
                stack.kill_gateway()
                replies += loop.run_until_complete(asyncio.gather(*tasks))
            finally:
                loop.close()
            stack.start_gateway()
        chain = stack.audit_counts()
        acc = accounted(stack, replies)
    finally:
        stack.close()
    return {"fault": f"kill -9 during commits x{kills}", "statuses": statuses(replies), **acc,
            "chain": chain["chain_detail"],
            "passed": chain["chain_ok"] and acc["released_unrecorded"] == 0 and acc["released"] > 0
            and acc["status_mismatch"] == acc["duplicated"] == 0}


def run_faults(kills: int = 100, results_dir: Path | None = RESULTS_DIR, verbose: bool = True) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="govshare-faults-"))
    say = print if verbose else (lambda *a, **k: None)
    results = []

    def report(r: dict) -> None:
        results.append(r)
        say(f"{'PASS' if r['passed'] else 'FAIL'}  {r['fault']}: " + ", ".join(
            f"{k} {v}" for k, v in r.items() if k not in ("fault", "passed")), flush=True)

    provider = FaultyProvider()
    stack = Stack(workdir / "providers", gateway={"upstream_timeout": 2.0},
                  overrides={"SCJG": provider.url, "RS": f"http://127.0.0.1:{dead_port()}"})
    try:
        for r in provider_faults(stack, provider):
            report(r)
        report(database_locked(stack))
        stack.stop_gateway()
        chain = stack.audit_counts()
        report({"fault": "chain after provider and database faults", "chain": chain["chain_detail"],
                "passed": chain["chain_ok"]})
    finally:
        stack.close()
        provider.close()
    report(disk_full(workdir))
    report(kill_during_commits(workdir, kills))
    result = {"when": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "faults": results,
              "records_lost": sum(r.get("released_unrecorded", 0) for r in results),
              "passed": all(r["passed"] for r in results)}
    if results_dir is not None:
        results_dir.mkdir(parents=True, exist_ok=True)
        out = results_dir / f"faults-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}.json"
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        say(f"written {out}")
    say(f"faults {'PASSED' if result['passed'] else 'FAILED'}: {len(results)} runs, "
        f"records lost {result['records_lost']}; work dir {workdir}")
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__.splitlines()[0])
    p.add_argument("--kills", type=int, default=100, help="kill -9 rounds (default 100)")
    args = p.parse_args(argv)
    return 0 if run_faults(args.kills)["passed"] else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
