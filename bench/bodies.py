"""The benchmark's response bodies: JSON pages of population-register records, built deterministically.

Body `a` is a ~3.4 KB page of 20 personal records (name, sex, birth date, resident ID, mobile, current
address — every identifier passes its checksum), the shape perf-notes measured; `b` and `c` are the same
kind of page grown to at least 100 KiB and 1 MiB with further distinct records. The upstream serves these
exact bytes and the in-process masking benchmark masks them, so both measure the same thing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from gateway.demo.data import DEFAULT_SEED, generate_demo_data

RECORD_FIELDS = ("xm", "xb", "csrq", "sfzh", "sjhm", "zz")
CONTENT_TYPE = "application/json; charset=utf-8"
SMALL_RECORDS = 20
TARGET_BYTES = {"b": 100 * 1024, "c": 1024 * 1024}
POOL_SIZE = 7000  # enough distinct persons for 1 MiB
BODY_NAMES = ("a", "b", "c")


@dataclass(frozen=True)
class Body:
    name: str  # a | b | c
    data: bytes
    records: int

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def label(self) -> str:
        if self.size >= 1024 * 1024:
            return f"{self.size / (1024 * 1024):.1f} MiB"
        return f"{self.size / 1024:.1f} KiB"


def page(records: list[dict]) -> bytes:
    """One page in the demo departments' envelope, compact UTF-8 JSON."""
    doc = {"code": 0, "message": "success",
           "data": {"items": records, "page": 1, "size": len(records), "total": len(records)}}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@lru_cache(maxsize=1)
def person_pool(seed: int = DEFAULT_SEED) -> tuple[dict, ...]:
    data = generate_demo_data(seed, persons=POOL_SIZE, enterprises=0, subsidies=0, fugitives=0, hr_agencies=0)
    return tuple({k: r[k] for k in RECORD_FIELDS} for r in data.persons.records)


def _grown_to(pool: tuple[dict, ...], target: int) -> tuple[bytes, int]:
    per_record = len(page(list(pool[:100]))) / 100
    n = min(len(pool), int(target / per_record) + 1)
    while True:
        data = page(list(pool[:n]))
        if len(data) >= target or n >= len(pool):
            return data, n
        n = min(len(pool), n + max(1, int((target - len(data)) / per_record) + 1))


@lru_cache(maxsize=1)
def bench_bodies(seed: int = DEFAULT_SEED) -> dict[str, Body]:
    """The three bodies by name: a (20 records), b (>= 100 KiB), c (>= 1 MiB)."""
    pool = person_pool(seed)
    bodies = {"a": Body("a", page(list(pool[:SMALL_RECORDS])), SMALL_RECORDS)}
    for name, target in TARGET_BYTES.items():
        data, n = _grown_to(pool, target)
        bodies[name] = Body(name, data, n)
    return bodies


def first_record(seed: int = DEFAULT_SEED) -> dict:
    """The first record of every body (used to check that a response really was masked)."""
    return dict(person_pool(seed)[0])
