"""Masking in worker processes: one body can never stall the gateway, and its deadline is enforced for real.

`MaskingPool` keeps `[masking] workers` processes, each with its own Masker built from the configuration by
the same `build_masker` the CLI uses (the masker is deterministic, so `govshare mask` and the gateway give
identical output). A job carries the body, its content headers, the caller's MaskingView and the time left
until its deadline; the worker masks it with that budget and sends back the MaskResult or the refusal.

The deadline is the caller's, counted from when the gateway asked for masking (time spent waiting for a free
worker counts). The engine checks it between items; a worker stuck inside one item (a regex over a huge
string) is killed when the deadline passes and a fresh one takes its place, so a stuck job costs one worker
for at most its own deadline and never holds another caller. The caller gets 504 `masking_timeout`.

Workers start from an already-built masker. The pool keeps one *template* process (started from
multiprocessing's forkserver, whose preloaded modules are the masking engine's imports, so it never forks the
gateway's threads): it builds the masker once, then on request forks a worker from itself — single-threaded,
the masker inherited copy-on-write — and hands the pool that worker's end of a fresh socket pair (SCM_RIGHTS).
A worker is therefore ready in milliseconds, at start and after a kill, instead of rebuilding its masker
(about a second of CPU each). The template reaps its children; the pool signals a worker through a pidfd, so a
recycled pid is never hit. A template that dies is started again. Workers and the template exit when the
gateway goes away (their pipes close).

The parent's side of a job (gateway.masking.pool_hop) is driven by the event loop itself for `mask()` — no
thread per job, which on a one-core gateway cost a tenth to a third of the throughput of pages sent to
workers — and by the calling thread for `mask_sync()`; both share one wait queue and one bookkeeping (see
MaskingPool for the locking rule).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import multiprocessing
import pickle
import socket
import threading
import time
from collections import deque
from multiprocessing import reduction
from typing import Any

from ..config import Config
from .pool_hop import (LoopJob, Worker as _Worker, _serve, _template_main, exchange_sync, filed, frame, goodbye,
                       outcome, receive_sync, view_ref)
from .refusal import MaskingRefused

__all__ = ["MaskingPool", "_serve"]  # _serve (the worker's loop, in pool_hop) stays importable from here

log = logging.getLogger("govshare.masking.pool")

DEFAULT_FACTORY = "gateway.masking.engine:build_masker"
# Imported once in the forkserver, so every worker starts with them loaded.
PRELOAD = ["gateway.masking.engine", "gateway.masking.detector", "gateway.masking.nlp_engine"]
START_TIMEOUT = 120.0  # seconds a new worker may take to build its masker
RESPAWN_BACKOFF = 1.0  # seconds before retrying a worker that failed to start


class _Waiter:
    """A caller waiting for a free worker: a thread (`loop` None; woken through the pool's condition) or a
    task on `loop` (woken through `future`). MaskingPool._give hands a freed worker to the first one directly."""

    __slots__ = ("worker", "loop", "future", "thread")

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None):
        self.worker: _Worker | None = None
        self.loop, self.thread = loop, threading.get_ident()
        self.future = loop.create_future() if loop is not None else None


def _on_loop(loop, thread: int, call, *args) -> bool:
    """`call(*args)` on `loop`: now when that is this thread's loop, else soon; False if the loop is closed."""
    if thread == threading.get_ident():
        call(*args)
        return True
    try:
        loop.call_soon_threadsafe(call, *args)
    except RuntimeError:
        return False
    return True


def _fail(future: asyncio.Future, exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)


class MaskingPool:
    """`size` masking worker processes; `mask()` (async) and `mask_sync()` (blocking) run one body.

    Threads and the event loop share the pool. The rule: the bookkeeping (idle, busy, waiters, loop jobs,
    started/killed) changes only under `_cond`'s lock, held for a few dict/deque operations and never
    across I/O or a process wait, so the event loop may take it; a worker in `_busy` belongs to the one caller
    that took it (only that caller writes to or reads from its socket) until `_release` or `_lost`; an
    asyncio future is touched only on its own loop's thread (call_soon_threadsafe from any other)."""

    def __init__(self, config: Config, size: int, *, factory: str = DEFAULT_FACTORY,
                 start_method: str = "forkserver"):
        if size < 1:
            raise ValueError("a masking pool needs at least one worker")
        self.config, self.size, self.factory = config, size, factory
        self._ctx = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            self._ctx.set_forkserver_preload(PRELOAD)
        self._idle: deque[_Worker] = deque()
        self._busy: set[_Worker] = set()
        self._waiters: deque[_Waiter] = deque()  # callers waiting for a free worker, first come first served
        self._loop_jobs: dict[_Worker, LoopJob] = {}  # jobs an event loop drives (close ends them)
        self._cond = threading.Condition()
        self._closed = False
        self._view_keys = itertools.count()
        self._template = None  # (process, connection) of the template that forks workers
        self._template_lock = threading.Lock()  # one fork request at a time
        self.started = 0  # workers started, replacements included
        self.killed = 0  # workers killed at a deadline (or found dead)
        self.jobs = 0  # bodies handed to a worker
        self.rules: tuple[str, str] | None = None  # (digest, text) of the masking rules in force, sent with jobs
        for _ in range(size):
            self._spawn_later()

    # --- workers ---------------------------------------------------------------------------------

    def _spawn_later(self) -> None:
        threading.Thread(target=self._spawn, name="govshare-mask-spawn", daemon=True).start()

    def _start_template(self):
        """Start the template process and wait until its masker is built; (process, conn)."""
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=_template_main, args=(child, self.config, self.factory),
                                    name="govshare-masker-template", daemon=True)
        try:
            process.start()
        finally:
            child.close()
        try:
            reply = parent.recv() if parent.poll(START_TIMEOUT) else ("failed", "StartTimeout")
        except (EOFError, OSError) as exc:
            reply = ("failed", type(exc).__name__)
        if reply[0] != "ready":
            parent.close()
            process.kill()
            process.join(5)
            raise RuntimeError(f"the masking template failed to build its masker ({reply[1]})")
        return process, parent

    def _fork_worker(self) -> _Worker:
        """One worker forked from the template (started, or started again, as needed)."""
        with self._template_lock:
            if self._closed:
                raise RuntimeError("closed")
            if self._template is None or not self._template[0].is_alive():
                self._stop_template()
                self._template = self._start_template()
            conn = self._template[1]
            try:
                conn.send("fork")
                if not conn.poll(START_TIMEOUT):
                    raise TimeoutError("the masking template did not fork")
                tag, pid = conn.recv()
                fd = reduction.recv_handle(conn)
            except BaseException:
                self._stop_template()  # out of step with us: a new one next time
                raise
        worker = _Worker(pid, socket.socket(fileno=fd))
        try:
            reply = receive_sync(worker.sock, time.monotonic() + START_TIMEOUT)
        except TimeoutError:
            reply = ("failed", "StartTimeout")
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            reply = ("failed", type(exc).__name__)
        if reply != ("ready", pid):
            worker.kill()
            raise RuntimeError(f"the masking worker did not start ({reply[1]})")
        return worker

    def _stop_template(self) -> None:
        template, self._template = self._template, None
        if template is None:
            return
        process, conn = template
        try:
            conn.send(None)
        except (EOFError, OSError):
            pass
        conn.close()
        process.join(2)
        if process.is_alive():
            process.kill()
            process.join(5)

    def _spawn(self) -> None:
        while not self._closed:
            try:
                worker = self._fork_worker()
            except Exception as exc:  # noqa: BLE001 - retried; the pool runs short meanwhile
                if self._closed:
                    return
                log.error("govshare masking worker could not start (%s)", type(exc).__name__)
                time.sleep(RESPAWN_BACKOFF)
                continue
            with self._cond:
                self.started += 1
                if self._closed:
                    worker.kill(wait=False)
                    return
                self._give(worker)
                self._cond.notify_all()  # wait_ready
            return

    # --- who holds which worker (all under self._cond) ------------------------------------------

    def _take_idle(self) -> _Worker | None:
        """An idle live worker, now marked busy, or None. Under the lock."""
        while self._idle:
            worker = self._idle.popleft()
            if worker.is_alive():
                self._busy.add(worker)
                return worker
            self._lost(worker)
        return None

    def _give(self, worker: _Worker) -> None:
        """A free `worker` to the first waiter (it stays busy, now theirs), or to the idle list. Under the lock."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if waiter.loop is None:  # a thread in _acquire
                waiter.worker = worker
                self._cond.notify_all()
            elif waiter.thread == threading.get_ident():  # a task on the loop this thread runs
                if waiter.future.done():
                    continue  # cancelled; its task has not left the queue yet
                waiter.future.set_result(worker)
            elif not _on_loop(waiter.loop, waiter.thread, self._deliver, waiter, worker):
                continue  # that loop is closed: no one waits there any more
            self._busy.add(worker)
            return
        self._idle.append(worker)

    def _deliver(self, waiter: _Waiter, worker: _Worker) -> None:
        """On the waiter's loop: the worker `_give` sent across threads; back if the waiter has gone (or the
        pool closed meanwhile: the worker is killed then, and the caller told)."""
        if self._closed:
            _fail(waiter.future, MaskingRefused("masking_error", cause="PoolClosed"))
        if waiter.future.done():
            self._release(worker)
        else:
            waiter.future.set_result(worker)

    def _release(self, worker: _Worker) -> None:
        with self._cond:
            self._free(worker)

    def _free(self, worker: _Worker) -> None:
        """`worker`, its job done, to a waiter or the idle list (killed once the pool is closed). Under the lock."""
        self._busy.discard(worker)
        if self._closed:
            worker.kill(wait=False)
        else:
            self._give(worker)

    def _lost(self, worker: _Worker) -> None:
        """Kill `worker` (stuck past a deadline, or dead) and start its replacement. Under the lock."""
        self._busy.discard(worker)
        self.killed += 1
        worker.kill(wait=False)
        if not self._closed:
            self._spawn_later()

    def _acquire(self, deadline: float) -> _Worker:
        """A worker for this thread, waiting (in turn with tasks) until `deadline` at most."""
        with self._cond:
            if self._closed:
                raise MaskingRefused("masking_error", cause="PoolClosed")
            worker = self._take_idle()
            if worker is not None:
                return worker
            waiter = _Waiter()
            self._waiters.append(waiter)
            while waiter.worker is None:
                left = deadline - time.monotonic()
                if self._closed:
                    raise MaskingRefused("masking_error", cause="PoolClosed")  # close() emptied the queue
                if left <= 0:
                    self._waiters.remove(waiter)
                    raise MaskingRefused("masking_timeout")
                self._cond.wait(left)
            return waiter.worker

    async def _acquire_async(self, loop: asyncio.AbstractEventLoop, deadline: float) -> _Worker:
        """A worker for this task, waiting (in turn with threads) until `deadline` at most, without a thread."""
        with self._cond:
            if self._closed:
                raise MaskingRefused("masking_error", cause="PoolClosed")
            worker = self._take_idle()
            if worker is not None:
                return worker
            waiter = _Waiter(loop)
            self._waiters.append(waiter)
        timer = loop.call_later(max(deadline - time.monotonic(), 0), self._waited_too_long, waiter)
        try:
            return await waiter.future
        except BaseException:  # timed out, pool closed, or the caller went away (cancelled)
            with self._cond:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
            future = waiter.future
            if future.done() and not future.cancelled() and future.exception() is None:
                self._release(future.result())  # handed to us just as we were leaving
            raise
        finally:
            timer.cancel()

    def _waited_too_long(self, waiter: _Waiter) -> None:
        with self._cond:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
        if not waiter.future.done():
            waiter.future.set_exception(MaskingRefused("masking_timeout"))

    @property
    def ready_workers(self) -> int:
        with self._cond:
            return len(self._idle) + len(self._busy)

    @property
    def busy_workers(self) -> int:
        with self._cond:
            return len(self._busy)

    def worker_pids(self) -> list[int]:
        with self._cond:
            return [w.pid for w in (*self._idle, *self._busy) if w.pid is not None]

    def wait_ready(self, timeout: float) -> bool:
        """True once every worker is up (for start-up and tests)."""
        end = time.monotonic() + timeout
        with self._cond:
            while len(self._idle) + len(self._busy) < self.size:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    # --- jobs ------------------------------------------------------------------------------------

    def _job(self, worker: _Worker, body: bytes, content_type: str | None, content_encoding: str | None,
             view: Any, deadline: float) -> tuple[str | None, list]:
        """The framed job for `worker` (held by the caller), and the rules digest it carries the text of: a
        view the worker holds goes by key, the rules text only until the worker has masked with it. A job
        that cannot be pickled gives the worker back (nothing was sent) and is refused."""
        self.jobs += 1
        rules = self.rules
        if rules is not None and rules[0] == worker.rules:
            rules = (rules[0], None)
        try:
            ref = view_ref(worker, view, self._view_keys)
            job = frame((body, content_type, content_encoding, ref, deadline - time.monotonic(), rules))
        except Exception as exc:  # noqa: BLE001 - the class only, never the message
            self._release(worker)
            raise MaskingRefused("masking_error", cause=type(exc).__name__) from None
        filed(worker, ref)
        return (rules[0] if rules and rules[1] is not None else None), job

    def _settled(self, worker: _Worker, job: tuple, ok: bool, reply: Any) -> None:
        """A job on `worker` ended: give it back (its reply read in full) or replace it."""
        if ok and job[0] is not None and reply[0] == "ok":
            worker.rules = job[0]  # the worker masked with that version: it holds it
        with self._cond:
            self._loop_jobs.pop(worker, None)
            if ok:
                self._free(worker)
            elif worker in self._busy:  # not already ended by close()
                self._lost(worker)

    def mask_sync(self, body: bytes, content_type: str | None, content_encoding: str | None, view: Any,
                  deadline: float):
        """Mask one body in a worker before `deadline` (time.monotonic()); MaskResult or MaskingRefused."""
        worker = self._acquire(deadline)
        job = self._job(worker, body, content_type, content_encoding, view, deadline)
        try:
            reply = exchange_sync(worker.sock, job[1], deadline)
        except TimeoutError:
            self._settled(worker, job, False, None)
            raise MaskingRefused("masking_timeout") from None
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            self._settled(worker, job, False, None)
            raise MaskingRefused("masking_error", cause=type(exc).__name__) from None
        self._settled(worker, job, True, reply)
        return outcome(reply)

    async def mask(self, body: bytes, content_type: str | None, content_encoding: str | None, view: Any,
                   timeout: float):
        """Mask one body in a worker within `timeout` seconds from now (504 masking_timeout after), driven by
        the event loop itself (pool_hop.LoopJob): no thread per job."""
        deadline = time.monotonic() + timeout
        loop = asyncio.get_running_loop()
        worker = await self._acquire_async(loop, deadline)
        job = self._job(worker, body, content_type, content_encoding, view, deadline)
        running = LoopJob(loop, worker.sock, job[1], deadline, lambda ok, reply: self._settled(worker, job, ok, reply))
        if not running.finished:
            with self._cond:
                self._loop_jobs[worker] = running
        try:
            reply = await running.future
        except TimeoutError:
            raise MaskingRefused("masking_timeout") from None
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            raise MaskingRefused("masking_error", cause=type(exc).__name__) from None
        return outcome(reply)

    def close(self) -> None:
        """End every worker and the template. Callers waiting for a worker, and jobs an event loop drives, end
        in masking_error (PoolClosed); a thread's job in progress ends in masking_error with its worker."""
        with self._cond:
            self._closed = True
            idle, busy, loop_jobs = list(self._idle), list(self._busy), dict(self._loop_jobs)
            waiters = list(self._waiters)
            self._idle.clear()
            self._waiters.clear()
            self._cond.notify_all()  # threads waiting for a worker see the pool closed
        closed = MaskingRefused("masking_error", cause="PoolClosed")
        for waiter in waiters:
            if waiter.loop is not None:
                _on_loop(waiter.loop, waiter.thread, _fail, waiter.future, closed)
        for worker, job in loop_jobs.items():  # killed on their loop, which reads their sockets
            if not _on_loop(job.loop, job.thread, job.abort, closed):
                worker.kill()  # that loop is closed: no one reads the socket any more
        for worker in idle:
            goodbye(worker)
        for worker in idle:
            worker.wait(2)
            worker.kill()  # gone already: only its descriptors are closed
        for worker in busy:
            if worker not in loop_jobs:
                worker.kill()
        with self._template_lock:
            self._stop_template()
