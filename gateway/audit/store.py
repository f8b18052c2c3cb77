"""The audit tables and the one way to add to them: a locked, append-only chain transaction.

Tables (on the shared engine):
  audit_records   seq (contiguous from 1), canonical record bytes, chain hash, indexed query columns
  audit_meta      the chain's hash algorithm, fixed when the chain is created
  audit_segments  archived ranges (written only by retention, in the transaction that removes them)

The gateway only INSERTs. On SQLite, triggers refuse every UPDATE, and every DELETE of a record that is not
covered by an archived segment, so even a bug cannot rewrite history through the application.

`append_chain` takes the chain head inside the same write transaction as the INSERT, under a lock that
serialises every writer across processes: SQLite `BEGIN IMMEDIATE`; PostgreSQL a transaction-scoped
advisory lock. Two processes appending at once can therefore never fork the chain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import (BigInteger, Column, Index, Integer, LargeBinary, MetaData, String, Table, Text, func,
                        insert, inspect, select)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from .errors import AuditError
from .hashing import GENESIS, ChainHash
from .record import COLUMN_FIELDS, Prepared

metadata = MetaData()

SeqType = BigInteger().with_variant(Integer, "sqlite")

records = Table(
    "audit_records", metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=False),
    Column("ts", String(24), nullable=False),
    Column("event", String(16), nullable=False),
    Column("dept", String(512)),
    Column("app", String(512)),
    Column("resource", String(512)),
    Column("decision", String(8)),
    Column("status", Integer),
    Column("request_id", String(512)),
    Column("canonical", LargeBinary, nullable=False),
    Column("hash", String(128), nullable=False),
    Index("ix_audit_records_ts", "ts"),
    Index("ix_audit_records_event", "event"),
    Index("ix_audit_records_dept", "dept"),
    Index("ix_audit_records_app", "app"),
    Index("ix_audit_records_resource", "resource"),
    Index("ix_audit_records_decision", "decision"),
    Index("ix_audit_records_status", "status"),
    Index("ix_audit_records_request_id", "request_id"),
    # A search by caller, resource or decision within a time range (the console's audit search): without
    # these, the planner walks the single-column index of the equality (every record of a department) and
    # filters on time — over a second at 1,000,000 records (`govshare bench console`).
    Index("ix_audit_records_dept_ts", "dept", "ts"),
    Index("ix_audit_records_app_ts", "app", "ts"),
    Index("ix_audit_records_resource_ts", "resource", "ts"),
    Index("ix_audit_records_decision_ts", "decision", "ts"),
)

meta = Table(
    "audit_meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

segments = Table(
    "audit_segments", metadata,
    Column("first_seq", SeqType, primary_key=True, autoincrement=False),
    Column("last_seq", SeqType, nullable=False),
    Column("file", String(512), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("archived_at", String(24), nullable=False),
)

_SQLITE_GUARDS = (
    """CREATE TRIGGER IF NOT EXISTS audit_records_no_update BEFORE UPDATE ON audit_records
       BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_records_delete_archived_only BEFORE DELETE ON audit_records
       WHEN NOT EXISTS (SELECT 1 FROM audit_segments s WHERE OLD.seq BETWEEN s.first_seq AND s.last_seq)
       BEGIN SELECT RAISE(ABORT, 'only archived audit records may be removed'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_meta_no_update BEFORE UPDATE ON audit_meta
       BEGIN SELECT RAISE(ABORT, 'audit metadata is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_meta_no_delete BEFORE DELETE ON audit_meta
       BEGIN SELECT RAISE(ABORT, 'audit metadata is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_segments_no_update BEFORE UPDATE ON audit_segments
       BEGIN SELECT RAISE(ABORT, 'audit segments are append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_segments_no_delete BEFORE DELETE ON audit_segments
       BEGIN SELECT RAISE(ABORT, 'audit segments are append-only'); END""",
)

# Arbitrary constant naming the audit chain's advisory lock on PostgreSQL.
PG_ADVISORY_KEY = 0x61756469745F6331  # "audit_c1"


def create_tables(engine: Engine) -> None:
    """Create the audit tables, any missing index (and the SQLite guard triggers) under the chain lock, so a
    gateway and a CLI opening a new database at the same moment do not race each other."""
    with chain_transaction(engine) as conn:
        metadata.create_all(conn)
        for index in records.indexes:  # an existing table gets the indexes added since it was created
            index.create(conn, checkfirst=True)
        if engine.dialect.name == "sqlite":
            for ddl in _SQLITE_GUARDS:
                conn.exec_driver_sql(ddl)


def fix_hash_algorithm(engine: Engine, wanted: str) -> str:
    """The chain's hash algorithm: recorded on first use; afterwards a config asking for another one fails."""
    with engine.begin() as conn:
        stored = conn.execute(select(meta.c.value).where(meta.c.key == "hash_algorithm")).scalar()
        if stored is None:
            try:
                conn.execute(insert(meta).values(key="hash_algorithm", value=wanted))
                stored = wanted
            except IntegrityError:  # another process recorded it first
                stored = None
    if stored is None:
        stored = stored_hash_algorithm(engine)
    if stored != wanted:
        raise AuditError(f"the audit chain uses {stored}; [audit] hash_algorithm = {wanted!r} cannot change it")
    return stored


def stored_hash_algorithm(engine: Engine) -> str | None:
    if not inspect(engine).has_table(meta.name):
        return None
    with engine.connect() as conn:
        return conn.execute(select(meta.c.value).where(meta.c.key == "hash_algorithm")).scalar()


@contextmanager
def chain_transaction(engine: Engine) -> Iterator[Connection]:
    """A write transaction holding the chain lock; commits on success, rolls back on any error."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        dialect = engine.dialect.name
        if dialect == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif dialect == "postgresql":
            conn.exec_driver_sql("BEGIN")
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_ADVISORY_KEY})")
        else:  # pragma: no cover - only SQLite and PostgreSQL are supported
            raise AuditError(f"the audit chain does not support the {dialect} database")
        try:
            yield conn
        except BaseException:
            try:
                conn.exec_driver_sql("ROLLBACK")
            except Exception:  # noqa: BLE001 - the original error is the one that matters
                pass
            raise
        conn.exec_driver_sql("COMMIT")


def head(conn: Connection) -> tuple[int, str]:
    """(seq, hash) of the newest live record; (0, GENESIS) for an empty chain."""
    row = conn.execute(select(records.c.seq, records.c.hash).order_by(records.c.seq.desc()).limit(1)).first()
    return (row[0], row[1]) if row else (0, GENESIS)


Claim = Callable[[], Sequence[Prepared]]


def append_chain(engine: Engine, hasher: ChainHash, batch: Sequence[Prepared] | Claim) -> list[tuple[int, str]]:
    """Link and insert `batch` in one locked transaction; [(seq, hash)] in order, durable on return.

    `batch` may be a callable (a claim): it is called once the chain lock is held and returns what to write,
    so the writer decides which records go in only when nothing can stop the write any more but a failure
    (after which the transaction is rolled back and nothing of it is committed)."""
    if not callable(batch) and not batch:
        return []
    with chain_transaction(engine) as conn:
        if callable(batch):
            batch = batch()
            if not batch:
                return []
        seq, prev = head(conn)
        rows, out = [], []
        for item in batch:
            seq += 1
            prev = hasher.link(prev, item.canonical)
            rows.append({**item.columns, "seq": seq, "canonical": item.canonical, "hash": prev})
            out.append((seq, prev))
        conn.execute(insert(records), rows)
    return out


# The writer thread's hot path on SQLite: the same transaction as append_chain, through the driver's own
# connection (held by the writer for its lifetime), without SQLAlchemy's per-statement machinery — which
# cost more CPU than SQLite itself for the one- or two-record batches a gateway commits under normal load.
_ROW_COLUMNS = ("seq", *COLUMN_FIELDS, "canonical", "hash")
SQLITE_HEAD = f"SELECT seq, hash FROM {records.name} ORDER BY seq DESC LIMIT 1"
SQLITE_INSERT = (f"INSERT INTO {records.name} ({', '.join(_ROW_COLUMNS)}) "
                 f"VALUES ({', '.join('?' for _ in _ROW_COLUMNS)})")


def supports_driver_append(engine: Engine) -> bool:
    """True when append_chain_sqlite can write to this engine's database (SQLite through pysqlite)."""
    return engine.dialect.name == "sqlite" and engine.dialect.driver == "pysqlite"


def append_chain_sqlite(dbapi_conn, hasher: ChainHash, batch: Sequence[Prepared] | Claim) -> list[tuple[int, str]]:
    """append_chain on a sqlite3 connection in autocommit mode (isolation_level None): BEGIN IMMEDIATE,
    (claim), read the head, insert, COMMIT; any failure rolls back and raises (the caller then drops the
    connection)."""
    if not callable(batch) and not batch:
        return []
    cur = dbapi_conn.cursor()
    try:
        cur.execute("BEGIN IMMEDIATE")
        try:
            if callable(batch):
                batch = batch()
                if not batch:
                    cur.execute("ROLLBACK")
                    return []
            row = cur.execute(SQLITE_HEAD).fetchone()
            seq, prev = (row[0], row[1]) if row else (0, GENESIS)
            rows, out = [], []
            for item in batch:
                seq += 1
                prev = hasher.link(prev, item.canonical)
                columns = item.columns
                rows.append((seq, *[columns[name] for name in COLUMN_FIELDS], item.canonical, prev))
                out.append((seq, prev))
            cur.executemany(SQLITE_INSERT, rows)
            cur.execute("COMMIT")
        except BaseException:
            try:
                cur.execute("ROLLBACK")
            except Exception:  # noqa: BLE001 - the original error is the one that matters
                pass
            raise
    finally:
        cur.close()
    return out


def read_head(engine: Engine) -> tuple[int, str]:
    if not inspect(engine).has_table(records.name):
        return 0, GENESIS
    with engine.connect() as conn:
        return head(conn)


def live_bounds(conn: Connection) -> tuple[int | None, int | None]:
    row = conn.execute(select(func.min(records.c.seq), func.max(records.c.seq))).first()
    return (row[0], row[1]) if row else (None, None)
