"""The load generator: HTTP/1.1 keep-alive GETs from N connections for a fixed time; requests/s, p50, p99.

`wrk` (Debian package `wrk`) is used when it is on PATH: it costs the machine least, which matters when the
gateway and the load share two cores. Its figures come from a small Lua `done` hook that prints them as
JSON. Without wrk, a built-in asyncio client does the same job (each connection sends its next request as
soon as the previous response is complete); it is slower per request than wrk but still an order of
magnitude faster than the gateway.

Several targets (one per gateway process, for the scaling run) are driven at once: the connections are
dealt round-robin across them. With wrk that is one wrk process per target; their request counts add up
exactly, while the latency percentiles cannot be merged from wrk's summary, so p50 is the request-weighted
mean of the targets' p50s and p99 the worst target's p99 (`latency_merge` says which was used).

`python -m bench.load URL [--duration S] [--connections N] [--header 'Name: value'] [--tool wrk|asyncio]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

TOOLS = ("auto", "wrk", "asyncio")
REQUEST_TIMEOUT_SECONDS = 30.0

WRK_SCRIPT = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%.0f,"duration_us":%.0f,"bytes":%.0f,"connect":%.0f,"read":%.0f,"write":%.0f,' ..
    '"status":%.0f,"timeout":%.0f,"p50_us":%.0f,"p90_us":%.0f,"p99_us":%.0f,"mean_us":%.1f,"max_us":%.0f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
end
"""


@dataclass(frozen=True)
class Target:
    """One URL to load, with the headers every request carries (e.g. Authorization)."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class LoadResult:
    tool: str
    targets: int
    connections: int
    seconds: float  # measured wall time of the run
    requests: int  # completed responses (any status)
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    errors: int  # connect/read/write errors and timeouts
    non_2xx: int  # responses with a status outside 200-399
    bytes_read: int
    latency_merge: str = "exact"  # exact | weighted-p50,worst-p99
    drained: bool = False  # in-flight requests at the end were waited for and counted (asyncio client)

    def to_dict(self) -> dict:
        return asdict(self)


def wrk_path() -> str | None:
    return shutil.which("wrk")


def choose_tool(tool: str = "auto") -> str:
    if tool not in TOOLS:
        raise ValueError(f"unknown load tool {tool!r} (choose from {', '.join(TOOLS)})")
    if tool == "auto":
        return "wrk" if wrk_path() else "asyncio"
    if tool == "wrk" and not wrk_path():
        raise RuntimeError("wrk is not on PATH (Debian: apt-get install -y wrk)")
    return tool


def tool_description(tool: str) -> str:
    """What generated the load, for the results' machine description."""
    if tool == "wrk":
        try:
            out = subprocess.run([wrk_path() or "wrk", "--version"], capture_output=True, text=True, timeout=10)
            first = (out.stdout or out.stderr).splitlines()[0]
            return " ".join(first.split()[:2])  # "wrk debian/4.1.0-3+b2"
        except (OSError, IndexError, subprocess.SubprocessError):
            return "wrk"
    return f"built-in asyncio client (Python {sys.version.split()[0]})"


def split_connections(connections: int, targets: int) -> list[int]:
    """Deal `connections` round-robin over `targets` (each gets at least one)."""
    connections = max(connections, targets)
    return [connections // targets + (1 if i < connections % targets else 0) for i in range(targets)]


def run_load(targets: list[Target], *, duration: float, connections: int, tool: str = "auto",
             drain: bool = True) -> LoadResult:
    """Load every target at once for `duration` seconds with `connections` connections in total.

    wrk counts only the responses completed within `duration`. The asyncio client stops sending at
    `duration` and, with `drain`, waits for the requests in flight and counts them (its wall time then
    runs to the last response), so it measures slow responses that wrk would never see complete; without
    `drain` (a warm-up) it abandons them.
    """
    if not targets:
        raise ValueError("no targets")
    tool = choose_tool(tool)
    if tool == "wrk":
        return _run_wrk(targets, duration, connections)
    return asyncio.run(_run_asyncio(targets, duration, connections, drain))


# -- wrk ---------------------------------------------------------------------------------------------------

def wrk_seconds(duration: float) -> int:
    """wrk takes whole seconds."""
    return max(1, int(math.ceil(duration - 1e-9)))


def parse_wrk_output(text: str) -> dict:
    """The figures our Lua hook printed (raises ValueError when wrk printed none, e.g. it failed)."""
    for line in text.splitlines():
        if line.startswith("WRKJSON "):
            return json.loads(line[len("WRKJSON "):])
    raise ValueError("wrk printed no result line")


def _run_wrk(targets: list[Target], duration: float, connections: int) -> LoadResult:
    seconds = wrk_seconds(duration)
    shares = split_connections(connections, len(targets))
    with tempfile.TemporaryDirectory(prefix="govshare-bench-wrk-") as tmp:
        script = Path(tmp) / "report.lua"
        script.write_text(WRK_SCRIPT)
        procs = []
        for target, share in zip(targets, shares):
            cmd = [wrk_path() or "wrk", "-t1", f"-c{share}", f"-d{seconds}s", "--timeout",
                   f"{int(REQUEST_TIMEOUT_SECONDS)}s", "-s", str(script)]
            for name, value in target.headers.items():
                cmd += ["-H", f"{name}: {value}"]
            cmd.append(target.url)
            procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        parts = []
        for proc in procs:
            out, err = proc.communicate(timeout=seconds + REQUEST_TIMEOUT_SECONDS + 30)
            try:
                parts.append(parse_wrk_output(out))
            except ValueError:
                raise RuntimeError(f"wrk failed (exit {proc.returncode}): {err.strip()[:300]}") from None
    return merge_wrk(parts, connections=sum(shares))


def merge_wrk(parts: list[dict], connections: int) -> LoadResult:
    requests = int(sum(p["requests"] for p in parts))
    wall = max(p["duration_us"] for p in parts) / 1e6
    rps = sum(p["requests"] / (p["duration_us"] / 1e6) for p in parts if p["duration_us"])
    weights = [p["requests"] for p in parts]
    total = sum(weights) or 1

    def weighted(key: str) -> float:
        return sum(p[key] * w for p, w in zip(parts, weights)) / total / 1000

    exact = len(parts) == 1
    return LoadResult(
        tool="wrk", targets=len(parts), connections=connections, seconds=round(wall, 3), requests=requests,
        rps=round(rps, 1),
        p50_ms=round(weighted("p50_us"), 3),
        p90_ms=round(weighted("p90_us") if not exact else parts[0]["p90_us"] / 1000, 3),
        p99_ms=round(max(p["p99_us"] for p in parts) / 1000, 3),
        mean_ms=round(weighted("mean_us"), 3),
        max_ms=round(max(p["max_us"] for p in parts) / 1000, 3),
        errors=int(sum(p["connect"] + p["read"] + p["write"] + p["timeout"] for p in parts)),
        non_2xx=int(sum(p["status"] for p in parts)),
        bytes_read=int(sum(p["bytes"] for p in parts)),
        latency_merge="exact" if exact else "weighted-p50,worst-p99",
    )


# -- built-in asyncio client -------------------------------------------------------------------------------

@dataclass
class _Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    non_2xx: int = 0
    bytes_read: int = 0


def _request_bytes(target: Target) -> tuple[str, int, bytes]:
    parts = urlsplit(target.url)
    if parts.scheme != "http":
        raise ValueError("the built-in client speaks plain http only")
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = [f"GET {path} HTTP/1.1", f"Host: {parts.netloc}"]
    lines += [f"{name}: {value}" for name, value in target.headers.items()]
    return host, port, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, int]:
    """Read one response; returns (status, bytes read)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length, chunked = None, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    size = len(head)
    if chunked:
        while True:
            size_line = await reader.readuntil(b"\r\n")
            n = int(size_line.split(b";")[0].strip(), 16)
            data = await reader.readexactly(n + 2)
            size += len(size_line) + len(data)
            if n == 0:
                break
    elif length is not None:
        await reader.readexactly(length)
        size += length
    else:
        raise ConnectionError("response without a length on a keep-alive connection")
    return status, size


async def _connection(target: Target, stop_at: float, tally: _Tally) -> None:
    host, port, request = _request_bytes(target)
    clock = time.perf_counter
    writer = None
    while clock() < stop_at:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            start = clock()
            writer.write(request)
            status, size = await _read_response(reader)
            tally.latencies.append(clock() - start)
            tally.bytes_read += size
            if not 200 <= status < 400:
                tally.non_2xx += 1
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, ConnectionError):
            tally.errors += 1
            if writer is not None:
                writer.close()
            writer = None
            await asyncio.sleep(0.01)
    if writer is not None:
        writer.close()


async def _run_asyncio(targets: list[Target], duration: float, connections: int, drain: bool = True) -> LoadResult:
    tally = _Tally()
    shares = split_connections(connections, len(targets))
    started = time.perf_counter()
    stop_at = started + duration
    tasks = [asyncio.create_task(_connection(target, stop_at, tally))
             for target, share in zip(targets, shares) for _ in range(share)]
    done, pending = await asyncio.wait(tasks, timeout=duration + (REQUEST_TIMEOUT_SECONDS if drain else 0))
    for task in pending:  # drained: a request still in flight after the timeout counts as an error
        task.cancel()
        if drain:
            tally.errors += 1
    await asyncio.gather(*pending, return_exceptions=True)
    wall = time.perf_counter() - started
    lat = sorted(tally.latencies)
    n = len(lat)

    def pct(p: float) -> float:
        return lat[min(n - 1, max(0, math.ceil(p / 100 * n) - 1))] * 1000 if n else 0.0

    return LoadResult(
        tool="asyncio", targets=len(targets), connections=sum(shares), seconds=round(wall, 3), requests=n,
        rps=round(n / wall, 1) if wall else 0.0, p50_ms=round(pct(50), 3), p90_ms=round(pct(90), 3),
        p99_ms=round(pct(99), 3), mean_ms=round(sum(lat) / n * 1000, 3) if n else 0.0,
        max_ms=round(lat[-1] * 1000, 3) if n else 0.0, errors=tally.errors, non_2xx=tally.non_2xx,
        bytes_read=tally.bytes_read, drained=drain,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="+")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--header", action="append", default=[], help="'Name: value' (repeatable)")
    parser.add_argument("--tool", choices=TOOLS, default="auto")
    args = parser.parse_args(argv)
    headers = dict(h.split(":", 1) for h in args.header)
    headers = {k.strip(): v.strip() for k, v in headers.items()}
    result = run_load([Target(u, headers) for u in args.url], duration=args.duration,
                      connections=args.connections, tool=args.tool)
    print(json.dumps(result.to_dict(), indent=2))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
