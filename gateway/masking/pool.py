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
gateway goes away (their pipes close). The parent's side of a job runs on the pool's own threads, never the
event loop and never the default executor.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import multiprocessing
import os
import select
import signal
import socket
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from multiprocessing import reduction
from multiprocessing.connection import Connection
from typing import Any

from ..config import Config
from .refusal import MaskingRefused

log = logging.getLogger("govshare.masking.pool")

DEFAULT_FACTORY = "gateway.masking.engine:build_masker"
# Imported once in the forkserver, so every worker starts with them loaded.
PRELOAD = ["gateway.masking.engine", "gateway.masking.detector", "gateway.masking.nlp_engine"]
START_TIMEOUT = 120.0  # seconds a new worker may take to build its masker
RESPAWN_BACKOFF = 1.0  # seconds before retrying a worker that failed to start
GRACE = 0.5  # seconds past the deadline the event loop waits for the pool's own answer
MAX_WAITING = 256  # pool threads: jobs in flight or waiting for a free worker
VIEWS_KEPT = 512  # callers' views a worker keeps to reuse its per-resource rules (_interned)


def _load_factory(spec: str):
    module, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module), attr)


def _template_main(conn, config: Config, factory: str) -> None:
    """The template's life: build the masker once, say ready, then fork one worker per request (None or a
    closed pipe ends it). Each worker's pool end of a socket pair is sent back over `conn`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the gateway decides when workers stop
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped by the kernel as they exit
    try:
        masker = _load_factory(factory)(config)
        import gc
        gc.collect()
        gc.freeze()  # the masker lives as long as its workers: keep the collector (and copy-on-write) off it
        conn.send(("ready", os.getpid()))
    except BaseException as exc:  # noqa: BLE001 - reported to the gateway by class only
        conn.send(("failed", type(exc).__name__))
        return
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return  # the gateway is gone
        if request is None:
            return
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:  # the worker: single-threaded, the masker already built
            code = 0
            try:
                conn.close()
                ours.close()
                worker = Connection(theirs.detach())
                worker.send(("ready", os.getpid()))
                _serve(worker, masker)
            except BaseException:  # noqa: BLE001 - a worker's end is the pool's to notice (EOF)
                code = 1
            finally:
                os._exit(code)
        theirs.close()
        try:
            conn.send(("forked", pid))
            reduction.send_handle(conn, ours.fileno(), 0)
        except (EOFError, OSError):
            return
        finally:
            ours.close()


def _serve(conn, masker) -> None:
    """A worker's life: mask jobs until the pipe closes (or None arrives)."""
    settings = getattr(masker, "settings", None)
    views: dict = {}  # view -> the first equal view this worker met (_interned)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return  # the gateway is gone
        if job is None:
            return
        body, content_type, content_encoding, view, budget, *rules = job
        try:
            view = _interned(views, view)
            if rules and rules[0] is not None and rules[0][0] != getattr(masker.rules, "digest", None):
                masker = _rules_version(masker, rules[0])  # a new masking-rules version is in force
            if settings is not None:
                masker.settings = replace(settings, timeout_seconds=max(budget, 0.001))
            reply: tuple = ("ok", masker.mask_body(body, content_type, content_encoding, view))
        except MaskingRefused as refused:
            reply = ("refused", refused.reason, refused.cause)
        except BaseException as exc:  # noqa: BLE001 - fail closed; the class only, never the message
            reply = ("refused", "masking_error", type(exc).__name__)
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return


def _interned(views: dict, view):
    """The first view equal to `view` this worker has met. Every job arrives with a freshly unpickled view, and
    the masker remembers its per-resource rules by the resource object (Masker.rules_for): without this, a
    worker would work out every field's rule again on every body (measured: +0.4-0.6 ms on a demo page)."""
    try:
        return views.setdefault(view, view)
    except TypeError:  # an unhashable view (not a MaskingView): mask it as it came
        return view
    finally:
        if len(views) > VIEWS_KEPT:
            views.clear()


def _rules_version(masker, rules: tuple[str, str]):
    """The worker's masker for the rules version `(digest, text)` the gateway has in force."""
    from .rules_version import masker_with_rules, rules_from_text

    return masker_with_rules(masker, rules_from_text(rules[1]))


class _Worker:
    """A forked worker: its pid, a pidfd (signals never reach a recycled pid) and the job connection."""

    __slots__ = ("pid", "pidfd", "conn")

    def __init__(self, pid: int, conn: Connection):
        self.pid, self.conn = pid, conn
        self.pidfd = os.pidfd_open(pid)

    def is_alive(self) -> bool:
        return not select.select([self.pidfd], [], [], 0)[0]  # a pidfd turns readable when the process exits

    def wait(self, timeout: float) -> bool:
        """True once the process has exited (within `timeout` seconds)."""
        return bool(select.select([self.pidfd], [], [], timeout)[0])

    def kill(self) -> None:
        if self.pidfd < 0:
            return
        try:
            signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
        except OSError:
            pass  # already gone
        self.conn.close()
        self.wait(5)
        os.close(self.pidfd)
        self.pidfd = -1


class MaskingPool:
    """`size` masking worker processes; `mask()` (async) and `mask_sync()` (blocking) run one body."""

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
        self._cond = threading.Condition()
        self._closed = False
        self._threads = ThreadPoolExecutor(max_workers=MAX_WAITING, thread_name_prefix="govshare-mask")
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
        worker = _Worker(pid, Connection(fd))
        try:
            reply = worker.conn.recv() if worker.conn.poll(START_TIMEOUT) else ("failed", "StartTimeout")
        except (EOFError, OSError) as exc:
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
                    worker.kill()
                    return
                self._idle.append(worker)
                self._cond.notify()
            return

    def _acquire(self, deadline: float) -> _Worker:
        with self._cond:
            while True:
                if self._closed:
                    raise MaskingRefused("masking_error", cause="PoolClosed")
                while self._idle:
                    worker = self._idle.popleft()
                    if worker.is_alive():
                        self._busy.add(worker)
                        return worker
                    self._lost(worker)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise MaskingRefused("masking_timeout")
                self._cond.wait(left)

    def _release(self, worker: _Worker) -> None:
        with self._cond:
            self._busy.discard(worker)
            if self._closed:
                worker.kill()
                return
            self._idle.append(worker)
            self._cond.notify()

    def _lost(self, worker: _Worker) -> None:
        """Kill `worker` (stuck past a deadline, or dead) and start its replacement."""
        self._busy.discard(worker)
        self.killed += 1
        worker.kill()
        if not self._closed:
            self._spawn_later()

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

    def mask_sync(self, body: bytes, content_type: str | None, content_encoding: str | None, view: Any,
                  deadline: float):
        """Mask one body in a worker before `deadline` (time.monotonic()); MaskResult or MaskingRefused."""
        worker = self._acquire(deadline)
        self.jobs += 1
        try:
            worker.conn.send((body, content_type, content_encoding, view, deadline - time.monotonic(), self.rules))
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                with self._cond:
                    self._lost(worker)
                raise MaskingRefused("masking_timeout")
            reply = worker.conn.recv()
        except (EOFError, OSError) as exc:
            with self._cond:
                self._lost(worker)
            raise MaskingRefused("masking_error", cause=type(exc).__name__) from None
        self._release(worker)
        if reply[0] == "ok":
            return reply[1]
        raise MaskingRefused(reply[1], cause=reply[2])

    async def mask(self, body: bytes, content_type: str | None, content_encoding: str | None, view: Any,
                   timeout: float):
        """Mask one body off the event loop within `timeout` seconds from now (504 masking_timeout after)."""
        deadline = time.monotonic() + timeout
        loop = asyncio.get_running_loop()
        job = loop.run_in_executor(self._threads, self.mask_sync, body, content_type, content_encoding, view,
                                   deadline)
        try:
            return await asyncio.wait_for(job, timeout + GRACE)
        except TimeoutError:
            raise MaskingRefused("masking_timeout") from None

    def close(self) -> None:
        with self._cond:
            self._closed = True
            workers = list(self._idle) + list(self._busy)
            self._idle.clear()
            self._cond.notify_all()
        for worker in workers:
            try:
                worker.conn.send(None)
            except (EOFError, OSError):
                pass
        for worker in workers:
            worker.wait(2)
            worker.kill()  # gone already: only its descriptors are closed
        with self._template_lock:
            self._stop_template()
        self._threads.shutdown(wait=False, cancel_futures=True)
