"""AuditTrail: the one writer of the audit chain, and the checkpoints that anchor it.

`await trail.append(record)` validates the record in the caller's task, hands it to a single writer thread and
returns its seq only once the batch holding it is committed (durable). The writer commits up to `batch_max`
queued records per locked transaction (lingering a moment for more under concurrent load: group commit), then
wakes the waiting tasks with one `call_soon_threadsafe` per event loop. A write that fails, or takes longer
than `write_timeout_seconds`, raises AuditUnavailable: the gateway answers 503 and releases nothing.

A record the caller was told is not written is never written later: the writer claims a batch's records only
once it holds the chain lock, and a caller's timeout gives up its record only while it is not claimed (a
claimed record's caller waits the few milliseconds its locked insert takes, for its real outcome). What the
caller got instead — the 503 — is recorded with `append_later`: an owed record, retried until the store takes
it (first in the next batch), so every request has exactly one record. `wait_drained` waits until nothing is
queued, in flight or owed.

`append_sync` (CLI, administrator actions) writes through the same locked transaction, so a gateway and a CLI
appending at once still build one chain. A signed checkpoint is written every `checkpoint_every` records or
`checkpoint_seconds`, and at `close()`, then copied to every checkpoint sink (sinks.py); the signing key comes
from custody.py (outside the data directory).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from ..config import Config
from ..store import make_engine
from . import store
from .checkpoint import Checkpoint, append_checkpoint, checkpoint_path, last_checkpoint, make_checkpoint
from .errors import AuditUnavailable
from .hashing import chain_hash
from .record import Prepared, admin_record, prepare
from .custody import load_signer
from .perms import private_dir
from .sinks import Sinks

log = logging.getLogger("govshare.audit")

_STOP = object()

# A pending record's life: queued → claimed (inside a locked transaction) → done; or queued → expired (its
# caller timed out: the writer drops it unwritten). Changed only under AuditTrail._claim_lock.
QUEUED, CLAIMED, EXPIRED, DONE = range(4)
# Group commit: after a batch that had company, wait this long for more (a commit's transaction and fsync
# are most of a record's cost); a lone caller never waits.
LINGER_SECONDS = 0.003


@dataclass(slots=True)
class _Pending:
    prepared: Prepared
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future
    state: int = QUEUED


@dataclass(slots=True)
class _Owed:  # a record owed to the trail (append_later): written as soon as the store takes it
    prepared: Prepared


def _settle(outcomes: list) -> None:
    for future, seq, error in outcomes:
        if future.done():
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(seq)


def _wake(by_loop: dict) -> None:  # settle each event loop's waiting callers, one call per loop
    for loop, outcomes in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle, outcomes)
        except RuntimeError:  # the caller's loop is closed; nobody is waiting any more
            continue


def _describe(exc: BaseException) -> str:
    """A short cause for an exception, without SQL parameters (the DBAPI error, not SQLAlchemy's wrapper)."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).splitlines()[0] if str(orig) else ""
    return f"{type(orig).__name__}: {text}"[:160] if text else type(orig).__name__


class AuditTrail:
    """The tamper-evident audit chain of one data directory."""

    def __init__(self, config: Config, engine: Engine, *, owns_engine: bool):
        settings = config.audit
        self.config = config
        self.engine = engine
        self._owns_engine = owns_engine
        self.data_dir = Path(config.data_dir)
        self.hasher = chain_hash(settings.hash_algorithm)
        self.signer = load_signer(config)
        self.sinks = Sinks.parse(settings.checkpoint_sinks)
        self.checkpoint_file = checkpoint_path(self.data_dir)
        self._timeout = float(settings.write_timeout_seconds)
        self._batch_max = max(1, int(settings.batch_max))
        self._cp_every = max(1, int(settings.checkpoint_every))
        self._cp_seconds = max(0.001, float(settings.checkpoint_seconds))
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._cp_lock = threading.Lock()
        self._closed = False
        self._claim_lock = threading.Lock()  # QUEUED → CLAIMED (writer) against QUEUED → EXPIRED (timer)
        self._owed: list[Prepared] = []  # records owed to the trail (writer thread only; see append_later)
        self._retry_seconds = min(1.0, max(0.05, self._timeout))
        self._store_ok = True  # the last write went through (owed records left over are written at once)
        self._outstanding = 0  # records queued, in flight or owed
        self._drained = threading.Condition()
        last = last_checkpoint(self.checkpoint_file)
        self._cp_seq = last.seq if last else 0
        self._cp_time = time.monotonic()
        self._head: tuple[int, str] | None = None  # newest (seq, hash) this process committed
        self._driver_conn = None  # the writer thread's own SQLite connection (see store.append_chain_sqlite)
        self._driver_isolation: str | None = ""
        self._last_batch = 0  # records in the writer's last batch (group commit only under concurrency)

    # ------------------------------------------------------------------------------------------ opening
    @classmethod
    def open(cls, config: Config, *, engine: Engine | None = None) -> "AuditTrail":
        """Open (creating tables and the signing key on first use) the audit trail of `config`."""
        owns = engine is None
        if engine is None:
            engine = make_engine(config.db_url, busy_timeout_ms=int(config.audit.write_timeout_seconds * 1000))
        try:
            store.create_tables(engine)
            store.fix_hash_algorithm(engine, config.audit.hash_algorithm)
            private_dir(Path(config.data_dir) / "audit")
            trail = cls(config, engine, owns_engine=owns)
        except BaseException:
            if owns:
                engine.dispose()
            raise
        if trail.signer.created:  # a new checkpoint key is an administrative event of its own
            trail.append_admin("govshare-gateway", "system_admin", "key.create", target="audit-signing-key",
                               detail={"fingerprint": trail.signer.fingerprint})
        return trail

    def __enter__(self) -> "AuditTrail":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---------------------------------------------------------------------------------------- appending
    async def append(self, record: dict) -> int:
        """Append one record; its seq once committed. AuditRejected (invalid) / AuditUnavailable (not durable)."""
        prepared = prepare(record)
        if self._closed:
            raise AuditUnavailable("closed")
        self._ensure_writer()
        loop = asyncio.get_running_loop()
        pending = _Pending(prepared, loop, loop.create_future())
        self._track(1)
        self._queue.put(pending)
        # A plain timer rather than asyncio.wait_for, whose per-call machinery showed in every request's cost.
        timer = loop.call_later(self._timeout, self._expire, pending)
        try:
            return await pending.future
        finally:
            timer.cancel()

    def _expire(self, pending: _Pending) -> None:
        """The write timeout. A record the writer has not claimed is given up: its caller gets
        AuditUnavailable('timeout') and the writer drops it unwritten. A claimed one is being inserted under
        the chain lock: its caller gets the real outcome, which follows at once."""
        with self._claim_lock:
            if pending.state != QUEUED:
                return
            pending.state = EXPIRED
        if not pending.future.done():
            pending.future.set_exception(AuditUnavailable("timeout"))

    def append_later(self, record: dict) -> None:
        """Owe `record` to the trail without waiting: the writer writes it (first in its next batch) as soon
        as the store takes it, retrying every second or so while it does not. For what a caller got when
        its own record could not be written (the 503). AuditRejected when invalid; AuditUnavailable when
        the trail is closed."""
        prepared = prepare(record)
        if self._closed:
            raise AuditUnavailable("closed")
        self._ensure_writer()
        self._track(1)
        self._queue.put(_Owed(prepared))

    def _track(self, delta: int) -> None:
        with self._drained:
            self._outstanding += delta
            if self._outstanding <= 0:
                self._drained.notify_all()

    def wait_drained(self, timeout: float | None = None) -> bool:
        """Wait until no record is queued, being written or owed; False if `timeout` passed first."""
        with self._drained:
            return self._drained.wait_for(lambda: self._outstanding <= 0, timeout)

    @property
    def owed(self) -> int:
        """Records owed to the trail (append_later) and not written yet, as the writer last saw them."""
        return len(self._owed)

    def append_sync(self, record: dict) -> int:
        """Append one record from synchronous code (the CLI); returns its seq once committed."""
        prepared = prepare(record)
        if self._closed:
            raise AuditUnavailable("closed")
        try:
            [(seq, digest)] = store.append_chain(self.engine, self.hasher, [prepared])
        except Exception as exc:  # noqa: BLE001 - any failure means the record is not durable
            log.error("govshare audit record not written (%s)", _describe(exc))
            raise AuditUnavailable(_describe(exc)) from None
        self._committed(seq, digest)
        return seq

    def append_admin(self, actor: str, role: str, action: str, target: str | None = None,
                     digest_before: str | None = None, digest_after: str | None = None,
                     detail: dict | None = None, outcome: str = "success") -> int:
        """Record an administrator action (synchronously); returns its seq."""
        return self.append_sync(admin_record(actor, role, action, target, digest_before, digest_after,
                                             detail, outcome))

    # ----------------------------------------------------------------------------------------- the writer
    def _ensure_writer(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="govshare-audit-writer", daemon=True)
                self._thread.start()

    def _next_timeout(self) -> float | None:
        with self._cp_lock:
            if self._head is None or self._head[0] <= self._cp_seq:
                timeout = None
            else:
                timeout = max(0.0, self._cp_seconds - (time.monotonic() - self._cp_time))
        if self._owed:  # owed records: the rest at once after a success, else retried every so often
            retry = 0.0 if self._store_ok else self._retry_seconds
            timeout = retry if timeout is None else min(timeout, retry)
        return timeout

    def _run(self) -> None:
        stopping = False
        while not stopping:
            try:
                first = self._queue.get(timeout=self._next_timeout())
            except queue.Empty:
                if self._owed:
                    self._commit([])
                self._maybe_checkpoint()
                continue
            if first is _STOP:
                break
            batch: list[_Pending] = []
            item = first
            until = time.monotonic() + LINGER_SECONDS if self._last_batch >= 2 else 0.0
            while True:
                if isinstance(item, _Owed):
                    self._owed.append(item.prepared)
                else:
                    batch.append(item)
                if len(batch) + len(self._owed) >= self._batch_max:  # owed records share the batch
                    break
                try:
                    wait = until - time.monotonic()
                    item = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
            self._commit(batch)
            self._last_batch = len(batch)
        self._release_driver_conn()

    def _append(self, batch) -> list[tuple[int, str]]:
        """Write one batch from the writer thread: on SQLite through the thread's own driver connection,
        elsewhere through SQLAlchemy (store.append_chain). A failed write drops that connection."""
        if not store.supports_driver_append(self.engine):
            return store.append_chain(self.engine, self.hasher, batch)
        if self._driver_conn is None:
            fairy = self.engine.raw_connection()
            self._driver_isolation = fairy.driver_connection.isolation_level
            fairy.driver_connection.isolation_level = None  # autocommit: the transaction is ours
            self._driver_conn = fairy
        try:
            return store.append_chain_sqlite(self._driver_conn.driver_connection, self.hasher, batch)
        except BaseException:
            self._release_driver_conn(invalidate=True)
            raise

    def _release_driver_conn(self, invalidate: bool = False) -> None:
        fairy, self._driver_conn = self._driver_conn, None
        if fairy is None:
            return
        try:
            if invalidate:
                fairy.invalidate()  # closed, never handed out again
            else:
                fairy.driver_connection.isolation_level = self._driver_isolation  # as the pool gave it
                fairy.close()
        except Exception as exc:  # noqa: BLE001 - releasing must not hide the write's own outcome
            log.error("govshare audit writer connection not released cleanly (%s)", type(exc).__name__)

    def _commit(self, batch: list[_Pending]) -> None:
        """Write the owed records and the batch's unexpired records in one locked transaction. Records are
        claimed only once the chain lock is held (see _expire); a failure leaves nothing committed, fails
        the batch's callers and keeps the owed records for the next try."""
        # At most batch_max records per transaction (the tail window verify allows counts on it), and at
        # least one owed record per try, so owed records are never starved by a busy gateway.
        owed = self._owed[:max(1, self._batch_max - len(batch))]
        claimed: list[_Pending] = []
        by_loop: dict = defaultdict(list)

        def claim() -> list[Prepared]:
            with self._claim_lock:
                for p in batch:
                    if p.state == QUEUED:
                        p.state = CLAIMED
                        claimed.append(p)
            return owed + [p.prepared for p in claimed]

        written_owed = 0
        try:
            results = self._append(claim) if batch or owed else []
        except Exception as exc:  # noqa: BLE001 - report to every waiting caller, keep the writer alive
            cause = _describe(exc)
            with self._claim_lock:
                failed = [p for p in batch if p.state in (QUEUED, CLAIMED)]
                for p in failed:
                    p.state = DONE
            self._store_ok = False
            log.error("govshare audit batch of %d record(s) not written (%s)%s", len(failed) + len(owed), cause,
                      f"; {len(owed)} owed record(s) kept for retry" if owed else "")
            for p in failed:
                by_loop[p.loop].append((p.future, None, AuditUnavailable(cause)))
        else:
            self._store_ok = True
            written_owed = len(owed) if results else 0
            del self._owed[:written_owed]
            for p, (seq, _) in zip(claimed, results[written_owed:]):
                p.state = DONE
                by_loop[p.loop].append((p.future, seq, None))
            if results:
                self._committed(*results[-1])
        self._track(-(len(batch) + written_owed))
        _wake(by_loop)

    # ------------------------------------------------------------------------------------- checkpoints
    def _committed(self, seq: int, digest: str) -> None:
        with self._cp_lock:
            if self._head is None or seq > self._head[0]:
                self._head = (seq, digest)
        self._maybe_checkpoint()

    def _maybe_checkpoint(self) -> None:
        with self._cp_lock:
            if self._head is None or self._head[0] <= self._cp_seq:
                return
            due = (self._head[0] - self._cp_seq >= self._cp_every
                   or time.monotonic() - self._cp_time >= self._cp_seconds)
            if due:
                self._write_checkpoint(*self._head)

    def _write_checkpoint(self, seq: int, digest: str) -> Checkpoint | None:
        """Sign and append a checkpoint (caller holds _cp_lock). Failures are logged and retried later."""
        self._cp_time = time.monotonic()
        try:
            cp = make_checkpoint(self.signer, seq, digest, self.hasher.name)
            append_checkpoint(self.checkpoint_file, cp)
        except Exception as exc:  # noqa: BLE001 - records are durable; the next checkpoint covers them
            log.error("govshare audit checkpoint at seq %d not written (%s)", seq, _describe(exc))
            return None
        self._cp_seq = max(self._cp_seq, seq)
        self.sinks.send(cp.to_line())  # off the machine as it is made; failures are logged, never raised
        return cp

    def checkpoint(self) -> Checkpoint | None:
        """Sign the current chain head now (None when the chain is empty or already checkpointed there)."""
        seq, digest = store.read_head(self.engine)
        with self._cp_lock:
            if seq == 0:
                return None
            last = last_checkpoint(self.checkpoint_file)
            if last is not None and last.seq == seq and last.hash == digest:
                self._cp_seq = max(self._cp_seq, seq)
                return None
            return self._write_checkpoint(seq, digest)

    # ------------------------------------------------------------------------------------------ closing
    def close(self) -> None:
        """Flush queued records, write a final checkpoint and release the database."""
        if self._closed:
            return
        self._closed = True
        thread = self._thread
        if thread is not None and thread.is_alive():
            self._queue.put(_STOP)
            thread.join()
        self._fail_leftovers()
        if self._owed:  # one last try for what the trail still owes; the writer thread has ended
            self._commit([])
            self._release_driver_conn()
            if self._owed:
                log.error("govshare audit closing with %d owed record(s) not written", len(self._owed))
                self._track(-len(self._owed))
        try:
            self.checkpoint()
        except Exception as exc:  # noqa: BLE001
            log.error("govshare audit final checkpoint not written (%s)", _describe(exc))
        if self._owns_engine:
            self.engine.dispose()

    def _fail_leftovers(self) -> None:
        by_loop: dict = defaultdict(list)
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, _Owed):
                self._owed.append(item.prepared)
            elif item is not _STOP:
                by_loop[item.loop].append((item.future, None, AuditUnavailable("closed")))
                self._track(-1)
        _wake(by_loop)

    @property
    def closed(self) -> bool:
        return self._closed

    def verify(self):
        """verify() for this trail's configuration."""
        from .verify import verify

        return verify(self.config, engine=self.engine)
