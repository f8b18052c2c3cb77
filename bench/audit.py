"""Audit writer throughput: `python -m bench.audit [records] [concurrent tasks]`.

Appends gateway-shaped request records from many asyncio tasks into a fresh SQLite trail in a temporary
directory (WAL, synchronous=FULL, so every acknowledged batch is fsynced), then verifies the chain. Prints
records/second for SHA-256 + Ed25519 and for SM3 + SM2.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from gateway.config import AuditSettings, Config
from gateway.audit.verify import verify
from gateway.audit.writer import AuditTrail


def sample_record(i: int) -> dict:
    return {
        "event": "request", "request_id": f"{i:032x}", "dept": ("MZJ", "SCJG", "RSJ")[i % 3], "app": "dibao-check",
        "subject": f"sub_{i:024x}", "client": "10.1.2.3", "method": "GET", "resource": "GA-RK-0001",
        "path": "/api/ga/population/…", "purpose": "最低生活保障审核", "decision": "allow", "reason": "grant",
        "rule": "grant", "policy_version": "sha256:" + "ab" * 32, "grant_id": "g-1", "status": 200,
        "bytes_in": 0, "bytes_out": 2048, "latency_ms": 12.345,
        "masking": [{"path": "$.data[*].sfzh", "entity": "CN_ID_CARD", "operator": "mask", "count": 20}],
        "error": None,
    }


@dataclass
class BenchResult:
    algorithms: str
    records: int
    seconds: float
    verify_seconds: float
    intact: bool

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


def run(records: int = 20_000, tasks: int = 200, **audit) -> BenchResult:
    with tempfile.TemporaryDirectory(prefix="govshare-audit-bench-") as tmp:
        # The checkpoint key stays in the benchmark's own custody, beside (not inside) its data directory and
        # apart from any key the environment names: each algorithm run signs with a key of its own kind.
        settings = replace(AuditSettings(), **audit)
        key = Path(tmp) / "custody" / f"audit-{settings.signature_algorithm}.key"
        config = Config(data_dir=Path(tmp) / "data", audit=replace(settings, signing_key=str(key)))
        trail = AuditTrail.open(config)
        per_task = max(1, records // tasks)

        async def worker(t: int) -> None:
            for k in range(per_task):
                await trail.append(sample_record(t * per_task + k))

        async def main() -> float:
            start = time.perf_counter()
            await asyncio.gather(*(worker(t) for t in range(tasks)))
            return time.perf_counter() - start

        seconds = asyncio.run(main())
        trail.close()
        start = time.perf_counter()
        result = verify(config)
        verify_seconds = time.perf_counter() - start
        name = f"{config.audit.hash_algorithm}+{config.audit.signature_algorithm}"
        return BenchResult(name, per_task * tasks, seconds, verify_seconds, result.ok)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    records = int(argv[0]) if argv else 20_000
    tasks = int(argv[1]) if len(argv) > 1 else 200
    for audit in ({}, {"hash_algorithm": "sm3", "signature_algorithm": "sm2"}):
        r = run(records, tasks, **audit)
        print(f"{r.algorithms:<16} {r.records} records from {tasks} tasks in {r.seconds:.2f}s = {r.rate:,.0f} "
              f"records/s (durable); verify {r.verify_seconds:.2f}s, intact={r.intact}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
