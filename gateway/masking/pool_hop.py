"""The wire between the masking pool and its workers: the worker processes' side (the template that forks them,
`_serve`), the pool's side of one job, and driving that job from a thread or from the event loop.

A job is a pickled tuple (body, content type, content encoding, view reference, seconds left, rules) in the
frame multiprocessing's Connection uses — a 4-byte big-endian signed length (or -1 and then an 8-byte length
for a payload over 2 GiB), then the pickle. The worker (`_serve`) reads and answers with Connection; the pool
writes and reads exactly that frame itself, with non-blocking calls (MSG_DONTWAIT) on the worker's socket,
which stays in blocking mode, so that one job can be driven two ways by the same code:

- `exchange_sync` from a caller's thread (mask_sync: the CLI, tests): select() until the socket is ready or
  the deadline passes;
- `LoopJob` from the event loop itself (MaskingPool.mask): the frame written as far as the socket takes it
  (add_writer for the rest of a big body), the reply read as it arrives (add_reader), a timer at the deadline;
  no thread and no executor hop per job.

A `LoopJob` lives until its worker answers or its deadline passes, whether or not anyone still awaits its
future: when the caller went away (its task cancelled) the reply is still read, then dropped, so a worker is
never handed on with half a reply in its socket, and a stuck one is still killed at the deadline.

What a job need not carry again: a worker files the views it is sent under a key (`view_ref`: pickling a view
costs about as much as the rest of the job), and the rules text goes only until the worker has masked with it.
"""

from __future__ import annotations

import asyncio
import importlib
import operator
import os
import pickle
import select
import signal
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import fields, replace
from multiprocessing import reduction
from multiprocessing.connection import Connection
from typing import Any, NamedTuple

from .refusal import MaskingRefused
from .types import Finding, MaskResult

VIEWS_KEPT = 512  # views a worker (and the pool, per worker) keeps; both tables are emptied at this size
_DONTWAIT = socket.MSG_DONTWAIT
_SMALL = 16384  # frames up to this size are written as one buffer (header and pickle together)
_CHUNK = 65536  # first read of a reply: the whole of most replies, header included
PENDING = object()  # a read that needs the socket to be readable again


# --- the worker's end ----------------------------------------------------------------------------------


def _load_factory(spec: str):
    module, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module), attr)


def _template_main(conn: Connection, config, factory: str) -> None:
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


def _serve(conn: Connection, masker) -> None:
    """A worker's life: mask jobs until the pipe closes (or None arrives)."""
    settings = getattr(masker, "settings", None)
    interned: dict = {}  # view -> the first equal view this worker met (views sent as they are)
    numbered: dict = {}  # key -> view (views the pool sent by key; mirrors Worker.views)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return  # the gateway is gone
        if job is None:
            return
        body, content_type, content_encoding, view, budget, *rules = job
        try:
            view = _numbered(numbered, view) if type(view) is tuple else _interned(interned, view)
            if rules and rules[0] is not None and rules[0][0] != getattr(masker.rules, "digest", None):
                masker = _rules_version(masker, rules[0])  # a new masking-rules version is in force
            if settings is not None:
                masker.settings = replace(settings, timeout_seconds=max(budget, 0.001))
            reply: tuple = ("ok", packed(masker.mask_body(body, content_type, content_encoding, view)))
        except MaskingRefused as refused:
            reply = ("refused", refused.reason, refused.cause)
        except BaseException as exc:  # noqa: BLE001 - fail closed; the class only, never the message
            reply = ("refused", "masking_error", type(exc).__name__)
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return


def _numbered(numbered: dict, ref: tuple):
    """The view of `(key, view)`: filed under key when it comes with the view, looked up when it does not."""
    key, view = ref
    if view is None:
        return numbered[key]  # KeyError: out of step with the pool, refused as masking_error
    if len(numbered) >= VIEWS_KEPT:
        numbered.clear()  # the pool empties its copy of this table at the same size
    numbered[key] = view
    return view


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


def _rules_version(masker, rules: tuple[str, str | None]):
    """The worker's masker for the rules version `(digest, text)` the gateway has in force."""
    from .rules_version import masker_with_rules, rules_from_text

    if rules[1] is None:  # the pool believed this worker held that version: it does not
        raise LookupError("rules version text not sent")
    return masker_with_rules(masker, rules_from_text(rules[1]))


# --- the pool's end ------------------------------------------------------------------------------------


class Worker:
    """A forked worker: its pid, a pidfd (signals never reach a recycled pid), the job socket, and what it
    already holds — the views it was sent, by key (`view_ref`), the rules version it has masked with."""

    __slots__ = ("pid", "pidfd", "sock", "views", "rules")

    def __init__(self, pid: int, sock: socket.socket):
        self.pid, self.sock = pid, sock
        self.pidfd = os.pidfd_open(pid)
        self.views: dict = {}  # view -> its key in this worker's table (the worker's `numbered`)
        self.rules: str | None = None  # digest of the masking-rules version this worker has masked with

    def is_alive(self) -> bool:
        return not select.select([self.pidfd], [], [], 0)[0]  # a pidfd turns readable when the process exits

    def wait(self, timeout: float) -> bool:
        """True once the process has exited (within `timeout` seconds)."""
        return bool(select.select([self.pidfd], [], [], timeout)[0])

    def kill(self, wait: bool = True) -> None:
        """SIGKILL it and close its descriptors; `wait` for it to exit (never on the event loop nor under the
        pool's lock: there the signal is enough, and the template's kernel reaping does the rest)."""
        if self.pidfd < 0:
            return
        try:
            signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
        except OSError:
            pass  # already gone
        self.sock.close()
        if wait:
            self.wait(5)
        os.close(self.pidfd)
        self.pidfd = -1


def view_ref(worker: Worker, view: Any, keys) -> Any:
    """What a job to `worker` (held by the caller) carries for `view`: (key, None) for a view the worker
    holds, (key, view) for a new one, the view itself when it cannot be a dictionary key. Nothing is noted
    until the job is framed (`filed`), so a job that never leaves cannot put the two tables out of step."""
    try:
        key = worker.views.get(view)
    except TypeError:
        return view
    return (key, None) if key is not None else (next(keys), view)


def filed(worker: Worker, ref: Any) -> None:
    """The job carrying `ref` is going to `worker`: a new view is noted as held, as `_numbered` files it."""
    if type(ref) is tuple and ref[1] is not None:
        if len(worker.views) >= VIEWS_KEPT:
            worker.views.clear()  # as _numbered does in the worker, at the same size
        worker.views[ref[1]] = ref[0]


class Packed(NamedTuple):
    """A MaskResult as it crosses the wire, its findings as plain tuples: pickling and unpickling the
    dataclasses (slots, frozen: per-object Python __getstate__/__setstate__) cost 45-110 µs a demo page's
    reply, this 12-25 µs with the MaskResult built again on the pool's side."""

    body: bytes
    findings: list[tuple]
    content_type: str | None
    content_encoding: str | None


_FINDING = operator.attrgetter(*(f.name for f in fields(Finding)))


def packed(result: MaskResult) -> Packed:
    return Packed(result.body, [_FINDING(f) for f in result.findings], result.content_type,
                  result.content_encoding)


def outcome(reply: tuple) -> MaskResult:
    """The MaskResult of a worker's reply, or its refusal raised as it came."""
    if reply[0] == "ok":
        body, findings, content_type, content_encoding = reply[1]
        return MaskResult(body, [Finding(*f) for f in findings], content_type, content_encoding)
    raise MaskingRefused(reply[1], cause=reply[2])


def frame(obj: Any) -> list[memoryview]:
    """`obj` pickled and framed as Connection.send frames it; the buffers to write, in order."""
    payload = pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)
    n = len(payload)
    if n > 0x7FFFFFFF:
        return [memoryview(struct.pack("!iQ", -1, n)), memoryview(payload)]
    header = struct.pack("!i", n)
    if n > _SMALL:
        return [memoryview(header), memoryview(payload)]
    return [memoryview(header + payload)]


def goodbye(worker: Worker) -> None:
    """Tell an idle worker to end (None, framed); it may be gone already."""
    try:
        worker.sock.send(frame(None)[0], _DONTWAIT)
    except OSError:
        pass  # gone, or its socket full: it is killed after a short wait anyway


class Writer:
    """Writes a frame's buffers to a socket without blocking, as far as it takes them."""

    __slots__ = ("buffers",)

    def __init__(self, buffers: list[memoryview]):
        self.buffers = buffers

    def write(self, sock: socket.socket) -> bool:
        """True once everything is written; False when the socket is full (wait until it is writable)."""
        buffers = self.buffers
        while buffers:
            try:
                sent = sock.send(buffers[0], _DONTWAIT)
            except (BlockingIOError, InterruptedError):
                return False
            if sent == len(buffers[0]):
                buffers.pop(0)
            else:
                buffers[0] = buffers[0][sent:]
        return True


class Reader:
    """Reads one frame from a socket without blocking and unpickles it; EOFError when the worker is gone."""

    __slots__ = ("head", "body", "got")

    def __init__(self):
        self.head = b""
        self.body: bytearray | None = None
        self.got = 0

    def read(self, sock: socket.socket) -> Any:
        """The reply once it is complete, else PENDING (wait until the socket is readable again)."""
        while self.body is None:
            try:
                chunk = sock.recv(_CHUNK, _DONTWAIT)
            except (BlockingIOError, InterruptedError):
                return PENDING
            if not chunk:
                raise EOFError("the masking worker closed its socket")
            head = self.head + chunk
            if len(head) < 4 or (head[:4] == b"\xff\xff\xff\xff" and len(head) < 12):
                self.head = head
                continue
            (size,), start = struct.unpack_from("!i", head), 4
            if size == -1:
                (size,), start = struct.unpack_from("!Q", head, 4), 12
            got = len(head) - start
            if got > size:  # one reply per job: more is a worker out of step
                raise EOFError("the masking worker sent more than one reply")
            if got == size:  # the usual case: the whole reply in the first read
                return pickle.loads(memoryview(head)[start:])
            self.body = bytearray(size)
            self.body[:got] = memoryview(head)[start:]
            self.got = got
        view = memoryview(self.body)
        while self.got < len(self.body):
            try:
                n = sock.recv_into(view[self.got:], 0, _DONTWAIT)
            except (BlockingIOError, InterruptedError):
                return PENDING
            if n == 0:
                raise EOFError("the masking worker closed its socket")
            self.got += n
        return pickle.loads(self.body)


def exchange_sync(sock: socket.socket, job: list[memoryview], deadline: float) -> Any:
    """Send the framed `job` and return the reply, blocking this thread until `deadline` (time.monotonic())
    at most; TimeoutError past it, EOFError/OSError when the worker is gone."""
    writer = Writer(job)
    while not writer.write(sock):
        _wait(sock, deadline, write=True)
    return receive_sync(sock, deadline)


def receive_sync(sock: socket.socket, deadline: float) -> Any:
    """The next frame from `sock`, unpickled, blocking this thread until `deadline` at most."""
    reader = Reader()
    while (reply := reader.read(sock)) is PENDING:
        _wait(sock, deadline, write=False)
    return reply


def _wait(sock: socket.socket, deadline: float, *, write: bool) -> None:
    left = max(deadline - time.monotonic(), 0)
    ready = select.select([], [sock], [], left) if write else select.select([sock], [], [], left)
    if not any(ready):
        raise TimeoutError


class LoopJob:
    """One job on one worker, driven by the event loop `loop` (on its thread only): `future` gets the reply,
    or the exception (TimeoutError at the deadline, EOFError/OSError/UnpicklingError when the worker is gone).
    `done(ok, reply)` is called once, before the future is resolved: with ok True the reply has been read in
    full and the worker may be given back; with ok False it must be replaced."""

    __slots__ = ("loop", "thread", "sock", "fd", "future", "writer", "reader", "timer", "done", "finished",
                 "writing")

    def __init__(self, loop: asyncio.AbstractEventLoop, sock: socket.socket, job: list[memoryview],
                 deadline: float, done: Callable[[bool, Any], None]):
        self.loop, self.thread, self.sock, self.fd, self.done = loop, threading.get_ident(), sock, sock.fileno(), done
        self.future: asyncio.Future = loop.create_future()
        self.writer, self.reader = Writer(job), Reader()
        self.finished = self.writing = False
        self.timer = loop.call_later(max(deadline - time.monotonic(), 0), self._finish, False, TimeoutError())
        self._writable()

    def _writable(self) -> None:
        try:
            written = self.writer.write(self.sock)
        except OSError as exc:
            self._finish(False, exc)
            return
        if written:
            if self.writing:
                self.writing = False
                self.loop.remove_writer(self.fd)
            self.loop.add_reader(self.fd, self._readable)
        elif not self.writing:  # a big body: the rest once the worker has read some
            self.writing = True
            self.loop.add_writer(self.fd, self._writable)

    def _readable(self) -> None:
        try:
            reply = self.reader.read(self.sock)
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            self._finish(False, exc)
            return
        if reply is not PENDING:
            self._finish(True, reply)

    def abort(self, exc: BaseException) -> None:
        """End the job now (the pool is closing): the worker is not given back."""
        self._finish(False, exc)

    def _finish(self, ok: bool, outcome: Any) -> None:
        if self.finished:
            return
        self.finished = True
        self.timer.cancel()
        if self.writing:
            self.loop.remove_writer(self.fd)
        self.loop.remove_reader(self.fd)
        self.done(ok, outcome if ok else None)  # the worker is back (or replaced) before anyone hears
        if not self.future.done():  # done: the caller went away (cancelled); the reply is dropped
            if ok:
                self.future.set_result(outcome)
            else:
                self.future.set_exception(outcome)
