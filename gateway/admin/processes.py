"""What is in force on each gateway process: every process reports (heartbeat) its policy version and
catalog digest; the system administrator's page lists them, stale ones marked.

The gateway's reload loop calls `heartbeat(engine, process_id(), policy_version=..., catalog_digest=...)`
after each check (one UPDATE, or an INSERT the first time); portable SQL only.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass

from sqlalchemy import Column, String, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .tables import AdminTables, Seconds, ensure_admin_schema

STALE_SECONDS = 10
_STARTED = int(time.time())


class ProcessRow(AdminTables):
    __tablename__ = "gateway_processes"

    id = Column(String(128), primary_key=True)
    kind = Column(String(16), nullable=False)  # gateway | console
    started_at = Column(Seconds, nullable=False)
    seen_at = Column(Seconds, nullable=False)
    policy_version = Column(String(64))
    catalog_digest = Column(String(64))


@dataclass(frozen=True)
class ProcessInfo:
    id: str
    kind: str
    started_at: int
    seen_at: int
    policy_version: str | None
    catalog_digest: str | None

    def stale(self, now: float) -> bool:
        return now - self.seen_at > STALE_SECONDS


def process_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{_STARTED}"


def heartbeat(engine: Engine, pid: str, *, kind: str = "gateway", policy_version: str | None = None,
              catalog_digest: str | None = None, now: float | None = None) -> None:
    now_s = int(now if now is not None else time.time())
    values = {"seen_at": now_s, "policy_version": policy_version, "catalog_digest": catalog_digest}
    with Session(engine) as s, s.begin():
        if s.execute(update(ProcessRow).where(ProcessRow.id == pid).values(**values)).rowcount:
            return
    try:
        with Session(engine) as s, s.begin():
            s.add(ProcessRow(id=pid, kind=kind, started_at=now_s, **values))
    except IntegrityError:  # two heartbeats of one process raced: the other one inserted; say when
        with Session(engine) as s, s.begin():
            s.execute(update(ProcessRow).where(ProcessRow.id == pid).values(**values))


def processes(engine: Engine) -> list[ProcessInfo]:
    ensure_admin_schema(engine)
    with Session(engine) as s:
        return [ProcessInfo(r.id, r.kind, r.started_at, r.seen_at, r.policy_version, r.catalog_digest)
                for r in s.scalars(select(ProcessRow).order_by(ProcessRow.seen_at.desc()))]
