"""The gateway's database: one SQLAlchemy engine per URL (embedded SQLite by default, PostgreSQL later).

SQLite files are owner-only (0600). SQLite is opened in WAL mode with synchronous=FULL and a busy timeout, so the gateway, the CLI and the
audit writer can share one file safely. Tables are created by the modules that own them, inside
`schema_transaction`: on PostgreSQL several gateway processes opening a new database at once would otherwise
race between CREATE TABLE's existence check and the creation (a duplicate-type error in all but one).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy import create_engine

SQLITE_BUSY_TIMEOUT_MS = 5000
# Arbitrary constant naming the schema's advisory lock on PostgreSQL (the audit chain has its own).
PG_SCHEMA_LOCK_KEY = 0x676F765F73636831  # "gov_sch1"


def _owner_only(db: Path) -> None:
    """Create the database file 0600 (its directory 0700 when created here) before SQLite opens it: SQLite
    gives its WAL and shared-memory files the database file's mode, so none of them is readable by others."""
    db.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Never open (and close) an existing database file: closing any descriptor of a file drops every POSIX
    # lock this process holds on it, so a second engine in a process whose first engine has the database
    # open would silently drop that engine's SQLite locks. Another process then takes itself for the last
    # user, checkpoints and deletes the WAL under us, and this process's later commits go to a deleted WAL
    # nobody else sees (lost at a crash).
    try:
        os.close(os.open(db, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # new: not open anywhere yet
        return
    except FileExistsError:
        mode = os.stat(db).st_mode
    if mode & 0o077:
        os.chmod(db, 0o600)


def make_engine(url: str, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> Engine:
    """An engine for `url`; for SQLite creates the parent directory and sets the pragmas on connect."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, future=True)
    if parsed.database and parsed.database != ":memory:":
        _owner_only(Path(parsed.database))
    engine = create_engine(url, future=True, connect_args={"timeout": busy_timeout_ms / 1000,
                                                           "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # pragma: no cover - exercised by every sqlite test
        cur = dbapi_conn.cursor()
        _use_wal(cur, busy_timeout_ms / 1000)
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    return engine


def _use_wal(cur, patience: float) -> None:
    """Switch a connection's database to WAL. Switching needs the database to itself and SQLite answers
    "database is locked" at once, busy handler or not, when another connection of a new database's first
    moments holds it (several threads of a starting gateway open it together): then wait, within the busy
    timeout, until that connection has switched it or let go."""
    deadline = time.monotonic() + patience
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if time.monotonic() >= deadline:
                raise
        try:
            if cur.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                return  # another connection switched it: WAL is a property of the database file
        except sqlite3.OperationalError:
            pass  # still held: wait below and ask again
        time.sleep(0.005)


@contextmanager
def schema_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction to create tables in (`metadata.create_all(conn)`) that holds the database's schema lock
    until it commits, so the next connection's existence check sees the tables the first one created: an
    advisory lock on PostgreSQL; on SQLite the write lock, taken up front by BEGIN IMMEDIATE (Python's sqlite3
    opens no transaction before DDL, so two threads of one gateway could both find a table missing)."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_SCHEMA_LOCK_KEY})")
            yield conn
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # waits (busy timeout) while another connection creates
        try:
            yield conn
        except BaseException:
            conn.exec_driver_sql("ROLLBACK")
            raise
        conn.exec_driver_sql("COMMIT")
