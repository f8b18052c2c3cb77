"""A whole gateway stack in processes of its own, for the soak and the fault runs: the demo departments, a
gateway (`python -m bench.gateway_proc --variant full`, exactly what `govshare run` runs), the callers'
grants and tokens, and a small asyncio HTTP/1.1 client that keeps its connections alive.

`Stack(workdir)` writes the catalog and configuration into `workdir` (its own data directory), adds the
grants the readers need, and starts the processes; `stack.restart_gateway()` starts a new gateway on the same
data directory (after a kill -9). The canaries are every checksum-valid personal identifier of the seeded
demo data (resident IDs, mobiles, bank cards): none of the soak's callers is entitled to any of them.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .run import Child, python_module

# The callers' applications, as the catalog registers them (an unregistered application is refused 403).
APPS = {"MZ": "dibao-review", "GA": "population-check"}
# (gateway path, calling department, purpose): one reader per demo resource that is not its provider, with
# a grant revealing no field where the share is conditional; the fugitives list is never shared (403).
CALLS: tuple[tuple[str, str, str | None], ...] = (
    ("/scjg/enterprises", "MZ", None),
    ("/rs/hr-agencies", "GA", None),
    ("/ga/population", "MZ", "最低生活保障资格核查"),
    ("/scjg/annual-reports", "GA", "涉案企业经营状况核查"),
    ("/mz/subsidies", "GA", "救助对象身份核查"),
    ("/scjg/financial-statements", "GA", "涉案企业经营状况核查"),
    ("/mz/households", "GA", "救助对象身份核查"),
    ("/ga/fugitives", "MZ", None),                    # the three never shared: refused every time
    ("/ga/population-sensitive", "MZ", "最低生活保障资格核查"),
    ("/ga/population-archive", "MZ", "最低生活保障资格核查"),
)
REFUSED = 3  # the last three CALLS
GRANTS = (("MZ", "GA-RK-0001", "最低生活保障资格核查"), ("GA", "SCJG-NB-0001", "涉案企业经营状况核查"),
          ("GA", "MZ-DB-0001", "救助对象身份核查"), ("GA", "SCJG-CW-0001", "涉案企业经营状况核查"),
          ("GA", "MZ-HJ-0001", "救助对象身份核查"))


@lru_cache(maxsize=1)
def canaries() -> frozenset[str]:
    """Every personal identifier of the seeded demo data (the values no soak caller may ever receive)."""
    from gateway.demo.data import demo_data
    from tests.support.pii_scan import find_identifiers

    found: set[str] = set()
    for dataset in demo_data().datasets().values():
        for record in dataset.records:
            found.update(leak.value.upper() for leak in
                         find_identifiers(json.dumps(record, ensure_ascii=False)))
    return frozenset(found)


def leaked(data: bytes | str) -> set[str]:
    """The canaries found in `data`."""
    from tests.support.pii_scan import find_identifiers

    return {leak.value.upper() for leak in find_identifiers(data)} & canaries()


def serve_upstreams() -> int:
    """`python -m bench.stack --upstreams`: the demo departments on free ports, one JSON line, until killed."""
    import threading

    from gateway.demo.upstreams import start_demo_upstreams

    ups = start_demo_upstreams("127.0.0.1")
    print(json.dumps({"ready": True, "urls": ups.urls, "host": "127.0.0.1", "port": 0}), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    threading.Event().wait()
    return 0


class Stack:
    def __init__(self, workdir: Path, gateway: dict | None = None, masking: dict | None = None,
                 overrides: dict[str, str] | None = None, start: bool = True):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.upstreams = Child("upstreams", python_module("bench.stack", "--upstreams"),
                               self.workdir / "upstreams.log").wait_ready()
        self.urls = {**self.upstreams.info["urls"], **(overrides or {})}
        self.config_path = self._write_config(gateway or {}, masking or {})
        from gateway.config import load_config

        self.config = load_config(self.config_path)
        self._grant_readers()
        self.tokens = self._tokens()
        self.gateway: Child | None = None
        self.generation = 0
        if start:
            self.start_gateway()

    @property
    def data_dir(self) -> Path:
        return self.config.data_dir

    @property
    def log_path(self) -> Path:
        return self.workdir / f"gateway-{self.generation}.log"

    def _write_config(self, gateway: dict, masking: dict) -> Path:
        from gateway.demo.catalog import demo_catalog_for

        catalog = demo_catalog_for(self.urls, self.workdir / "catalog.yaml")
        settings = {"listen_port": 0, "upstream_timeout": 10.0, **gateway}
        lines = [f'data_dir = "{self.workdir / "var"}"', f'catalog = "{catalog}"', "[gateway]"]
        lines += [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
        if masking:
            lines += ["[masking]"] + [f"{k} = {json.dumps(v)}" for k, v in masking.items()]
        path = self.workdir / "govshare.toml"
        path.write_text("\n".join(lines) + "\n")
        return path

    def _grant_readers(self) -> None:
        from datetime import datetime, timedelta, timezone

        from gateway.policy.grants import GrantStore
        from gateway.services import Services

        services = Services.open(self.config, with_audit=False)
        try:
            store = GrantStore(services.engine, services.catalog.current)
            until = (datetime.now(timezone.utc) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
            if not store.list():
                for dept, resource, purpose in GRANTS:
                    store.add(dept, None, resource, (), (), purpose, until, "soak-officer")
        finally:
            services.close()

    def _tokens(self) -> dict[tuple[str, str | None], str]:
        from gateway.identity import PilotKeys

        keys = PilotKeys(self.data_dir)
        return {(dept, purpose): keys.issue(dept, app=APPS[dept], purpose=purpose, ttl=12 * 3600)
                for _, dept, purpose in CALLS}

    def start_gateway(self) -> None:
        self.generation += 1
        self.gateway = Child("gateway", python_module("bench.gateway_proc", "--variant", "full", "--config",
                                                      str(self.config_path)), self.log_path).wait_ready()

    def kill_gateway(self) -> None:
        """kill -9 the gateway (its masking workers exit when their pipe closes)."""
        if self.gateway is not None and self.gateway.proc.poll() is None:
            os.kill(self.gateway.pid, signal.SIGKILL)
            self.gateway.proc.wait(10)
            self.gateway.stop()

    def stop_gateway(self) -> None:
        if self.gateway is not None:
            self.gateway.stop(60)

    def close(self) -> None:
        self.stop_gateway()
        if self.upstreams is not None:
            self.upstreams.stop()

    def request_bytes(self, i: int, size: int = 10) -> bytes:
        path, dept, purpose = CALLS[i % len(CALLS)]
        page = (i // len(CALLS)) % 5 + 1
        return (f"GET {path}?page={page}&size={size} HTTP/1.1\r\nHost: gateway\r\n"
                f"Authorization: Bearer {self.tokens[(dept, purpose)]}\r\n\r\n").encode()

    def audit_counts(self) -> dict:
        """Request records in the trail, and the chain's verification."""
        from sqlalchemy import func, select

        from gateway.audit import store
        from gateway.audit.verify import verify
        from gateway.store import make_engine

        engine = make_engine(self.config.db_url)
        try:
            with engine.connect() as conn:
                n = conn.execute(select(func.count()).select_from(store.records)
                                 .where(store.records.c.event == "request")).scalar_one()
            result = verify(self.config, engine=engine)
        finally:
            engine.dispose()
        return {"records": int(n), "chain_ok": result.ok, "chain_detail": result.detail,
                "checkpoints": result.checkpoints}

    def recorded(self, request_ids: set[str]) -> set[str]:
        """Those of `request_ids` the trail holds a request record for."""
        from sqlalchemy import select

        from gateway.audit import store
        from gateway.store import make_engine

        found: set[str] = set()
        ids = sorted(request_ids)
        engine = make_engine(self.config.db_url)
        try:
            with engine.connect() as conn:
                for i in range(0, len(ids), 500):
                    col = store.records.c.request_id
                    found |= {r[0] for r in conn.execute(select(col).where(col.in_(ids[i:i + 500])))}
        finally:
            engine.dispose()
        return found

    def stored_canaries(self) -> dict[str, int]:
        """Canaries in the audit store's files (database, WAL) and the gateway logs."""
        found = {}
        db = Path(self.config.db_url.removeprefix("sqlite:///"))
        for path in [db, db.with_name(db.name + "-wal"), *self.workdir.glob("gateway-*.log")]:
            if path.exists():
                found[path.name] = len(leaked(path.read_bytes().decode("utf-8", "replace")))
        return found


@dataclass
class Reply:
    status: int | None  # None: no response (connection failed or closed)
    body: bytes = b""
    request_id: str | None = None


async def fetch(host: str, port: int, request: bytes, reader_writer=None, timeout: float = 60.0):
    """Send one request on a (possibly reused) connection; returns (Reply, connection or None)."""
    try:
        if reader_writer is None:
            reader_writer = await asyncio.open_connection(host, port)
        reader, writer = reader_writer
        writer.write(request)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length, close, rid = 0, False, None
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and "close" in value.lower():
                close = True
            elif name == "x-request-id":
                rid = value.strip()
        body = await asyncio.wait_for(reader.readexactly(length), timeout) if length else b""
        if close:
            writer.close()
            reader_writer = None
        return Reply(status, body, rid), reader_writer
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError):
        if reader_writer is not None:
            reader_writer[1].close()
        return Reply(None), None


def main(argv: list[str] | None = None) -> int:
    import sys

    args = sys.argv[1:] if argv is None else argv
    if args == ["--upstreams"]:
        return serve_upstreams()
    print("usage: python -m bench.stack --upstreams", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
