"""The masking pool's wire, driven by the event loop: queueing, deadlines, dead workers, callers that leave,
big bodies, and threads and tasks sharing one pool. The workers are real (forked from a real template); their
masker is tests.support.echo_masker (the body reversed), so any size is cheap and a stall lasts for good."""

from __future__ import annotations

import asyncio
import os
import select
import signal
import socket
import struct
import threading
import time
from multiprocessing.connection import Connection, Pipe
from pathlib import Path
from types import SimpleNamespace

import pytest

from gateway.masking.engine import MaskingView
from gateway.masking.pool import MaskingPool
from gateway.masking.pool_hop import PENDING, VIEWS_KEPT, Reader, _serve, filed, frame, view_ref
from gateway.masking.refusal import MaskingRefused
from tests.support.echo_masker import REFUSE, EchoMasker
from tests.support.gateway import make_config
from tests.support.masking import POPULATION
from tests.support.stalling import STALL
from tests.support.waiting import wait_for

ECHO = "tests.support.echo_masker:build_masker"
JSON = "application/json"
VIEW = MaskingView(POPULATION)


@pytest.fixture
def pools(tmp_path):
    config = make_config(tmp_path, {})
    Path(config.data_dir).mkdir(parents=True, exist_ok=True)
    made = []

    def make(size: int) -> MaskingPool:
        pool = MaskingPool(config, size, factory=ECHO)
        made.append(pool)
        assert pool.wait_ready(120)
        return pool
    yield make
    for pool in made:
        pool.close()


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


async def until(condition) -> None:
    """Let the loop run until `condition()` holds (a worker taken, a waiter queued)."""
    while not condition():
        await asyncio.sleep(0.005)


# --- the frame -------------------------------------------------------------------------------------------


def test_the_pool_frames_exactly_as_the_workers_connection_does():
    ours, theirs = socket.socketpair()
    conn = Connection(theirs.detach())
    big = os.urandom(3 << 20)
    sender = threading.Thread(target=lambda: [ours.sendall(b) for b in frame(("job", big))])
    sender.start()
    assert conn.recv() == ("job", big)  # what the pool writes, Connection reads
    sender.join()
    replier = threading.Thread(target=conn.send, args=(("ok", big),))
    replier.start()
    reader = Reader()
    while (reply := reader.read(ours)) is PENDING:  # 3 MB come in pieces
        select.select([ours], [], [], 30)
    replier.join()
    assert reply == ("ok", big)  # and what Connection writes, the pool reads


def test_a_reply_read_in_pieces_waits_for_the_rest():
    ours, theirs = socket.socketpair()
    wire = b"".join(frame(("ok", b"x" * 100)))
    reader = Reader()
    assert reader.read(ours) is PENDING  # nothing yet
    theirs.sendall(wire[:3])  # not even the whole length
    assert reader.read(ours) is PENDING
    theirs.sendall(wire[3:50])
    assert reader.read(ours) is PENDING
    theirs.sendall(wire[50:])
    assert reader.read(ours) == ("ok", b"x" * 100)
    theirs.close()
    with pytest.raises(EOFError):
        Reader().read(ours)
    assert struct.unpack("!i", wire[:4])[0] == len(wire) - 4


def test_a_result_crosses_as_plain_tuples_and_comes_back_whole():
    import dataclasses
    import pickle

    from gateway.masking.pool_hop import outcome, packed
    from gateway.masking.types import Finding, MaskResult

    result = MaskResult(b"masked", [Finding("$.xm", "PERSON", "mask", 2), Finding("$.sfzh", "CN_ID_CARD", "hash", 1)],
                        "application/json", "gzip")
    back = outcome(pickle.loads(pickle.dumps(("ok", packed(result)))))
    assert [f.name for f in dataclasses.fields(MaskResult)] == ["body", "findings", "content_type",
                                                                 "content_encoding"]  # all of them cross
    assert back == result and all(type(f) is Finding for f in back.findings)


# --- what a job carries ----------------------------------------------------------------------------------


def test_a_view_goes_once_per_worker_then_by_key_and_the_worker_files_it():
    import itertools
    worker, keys = SimpleNamespace(views={}), itertools.count()

    def ref(view):
        sent = view_ref(worker, view, keys)
        filed(worker, sent)  # the job carrying it was framed
        return sent
    unsent = view_ref(worker, VIEW, keys)  # a job that never left (it did not pickle): nothing noted
    first = ref(VIEW)
    again = ref(MaskingView(POPULATION))  # an equal view, made for another request
    other = ref(MaskingView(POPULATION, reveal=frozenset({"xm"})))
    assert unsent[1] is VIEW and first[1] is VIEW and again == (first[0], None)
    assert other[0] != first[0] and other[1] is not None

    ours, theirs = Pipe()
    serving = threading.Thread(target=_serve, args=(theirs, EchoMasker()), daemon=True)
    serving.start()
    replies = []
    for ref in (first, again, (5, None)):
        ours.send((b"body", JSON, None, ref, 60.0, None))
        replies.append(ours.recv())
    ours.send(None)
    serving.join(30)
    assert replies[0] == replies[1] and replies[0][0] == "ok"  # the same view, sent once
    assert replies[2] == ("refused", "masking_error", "KeyError")  # a key it never got: fail closed


def test_both_view_tables_are_emptied_at_the_same_size():
    import itertools
    worker, keys = SimpleNamespace(views={}), itertools.count()
    ours, theirs = Pipe()
    serving = threading.Thread(target=_serve, args=(theirs, EchoMasker()), daemon=True)
    serving.start()

    def job(view):
        sent = view_ref(worker, view, keys)
        filed(worker, sent)
        ours.send((b"body", JSON, None, sent, 60.0, None))
        return sent, ours.recv()
    views = [MaskingView(POPULATION, grant_id=str(i)) for i in range(VIEWS_KEPT + 1)]
    sent = [job(view) for view in views]
    assert all(ref[1] is not None and reply[0] == "ok" for ref, reply in sent)
    assert len(worker.views) == 1  # emptied at VIEWS_KEPT, then the new one
    ref, reply = job(views[-1])  # held on both sides
    assert ref[1] is None and reply[0] == "ok"
    ref, reply = job(views[0])  # forgotten on both sides: sent again, filed again
    assert ref[1] is not None and reply[0] == "ok"
    ours.send(None)
    serving.join(30)


def test_the_rules_text_goes_until_the_worker_has_masked_with_it(pools):
    import pickle

    pool = pools(1)
    pool.rules = ("d1", "rules text")

    def job():
        with pool._cond:
            worker = pool._take_idle()
        sent = pool._job(worker, b"b", JSON, None, VIEW, time.monotonic() + 60)
        return worker, sent, pickle.loads(b"".join(sent[1])[4:])[5]
    worker, first, rules = job()
    assert rules == ("d1", "rules text") and first[0] == "d1"
    pool._settled(worker, first, True, ("refused", "masking_timeout", None))  # not known to hold it
    worker, again, rules = job()
    assert rules == ("d1", "rules text")
    pool._settled(worker, again, True, ("ok", None))
    worker, then, rules = job()
    assert rules == ("d1", None) and then[0] is None
    pool._settled(worker, then, True, ("ok", None))
    pool.rules = ("d2", "newer")
    worker, newer, rules = job()
    assert rules == ("d2", "newer")
    pool._release(worker)


def test_a_job_that_cannot_be_pickled_is_refused_and_its_worker_given_back(pools):
    pool = pools(1)
    with pytest.raises(MaskingRefused) as refused:
        pool.mask_sync(b"b", JSON, None, lambda: None, time.monotonic() + 60)  # a lambda does not pickle
    assert refused.value.reason == "masking_error" and pool.busy_workers == 0 and pool.killed == 0
    assert pool.mask_sync(b"b", JSON, None, VIEW, time.monotonic() + 60).body == b"b"


# --- jobs driven by the loop -----------------------------------------------------------------------------


def test_more_tasks_than_workers_wait_their_turn_and_each_gets_its_own_reply(pools):
    pool = pools(2)
    bodies = [f"body {i} ".encode() * (i + 1) for i in range(7)]

    async def run():
        return await asyncio.gather(*(pool.mask(b, JSON, None, VIEW, 60) for b in bodies))
    results = asyncio.run(run())
    assert [r.body for r in results] == [b[::-1] for b in bodies]
    assert pool.jobs == 7 and pool.killed == 0 and pool.busy_workers == 0 and not pool._waiters


def test_waiting_for_a_worker_counts_against_the_callers_deadline(pools):
    pool = pools(1)

    async def run():
        holder = asyncio.create_task(pool.mask(STALL, JSON, None, VIEW, 60))
        await until(lambda: pool.busy_workers == 1)
        with pytest.raises(MaskingRefused) as waited:
            await pool.mask(b"quick", JSON, None, VIEW, 0.2)  # no worker frees up within its 0.2 s
        assert not holder.done() and not pool._waiters
        pool.close()  # ends the stalled job too: masking_error, its worker killed
        with pytest.raises(MaskingRefused) as closed:
            await holder
        return waited.value, closed.value
    waited, closed = asyncio.run(run())
    assert (waited.reason, waited.status) == ("masking_timeout", 504)
    assert (closed.reason, closed.cause) == ("masking_error", "PoolClosed")


def test_a_stuck_job_is_killed_at_its_deadline_while_another_worker_finishes(pools):
    pool = pools(2)

    async def run():
        stuck = asyncio.create_task(pool.mask(STALL, JSON, None, VIEW, 2.0))
        await until(lambda: pool.busy_workers == 1)
        stuck_pid = next(iter(pool._busy)).pid
        quick = await pool.mask(b"quick", JSON, None, VIEW, 60)
        assert not stuck.done()  # answered on the other worker while the stuck one is still held
        with pytest.raises(MaskingRefused) as timed_out:
            await stuck
        return quick, timed_out.value, stuck_pid
    quick, timed_out, stuck_pid = asyncio.run(run())
    assert quick.body == b"kciuq" and timed_out.reason == "masking_timeout"
    assert pool.killed == 1
    wait_for(lambda: alive(stuck_pid), until=lambda a: not a, timeout=20)
    assert pool.wait_ready(60) and stuck_pid not in pool.worker_pids()


def test_a_worker_that_dies_mid_job_is_a_masking_error_and_is_replaced(pools):
    pool = pools(1)
    pid = pool.worker_pids()[0]

    async def run():
        job = asyncio.create_task(pool.mask(STALL, JSON, None, VIEW, 60))
        await until(lambda: pool.busy_workers == 1)
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(MaskingRefused) as failed:
            await job
        return failed.value
    failed = asyncio.run(run())
    assert (failed.reason, failed.cause) == ("masking_error", "EOFError")
    assert pool.killed == 1 and pool.wait_ready(60) and pid not in pool.worker_pids()


def test_a_refusal_from_the_worker_comes_back_as_it_is(pools):
    pool = pools(1)
    with pytest.raises(MaskingRefused) as sync:
        pool.mask_sync(REFUSE, JSON, None, VIEW, time.monotonic() + 60)

    async def run():
        with pytest.raises(MaskingRefused) as refused:
            await pool.mask(REFUSE + b"!", JSON, None, VIEW, 60)
        return refused.value
    assert sync.value.reason == asyncio.run(run()).reason == "invalid_json"
    assert pool.killed == 0


def test_a_caller_that_goes_away_leaves_its_worker_with_no_reply_in_its_socket(pools):
    pool = pools(1)
    pid = pool.worker_pids()[0]

    async def run():
        gone = asyncio.create_task(pool.mask(b"first", JSON, None, VIEW, 60))
        await asyncio.sleep(0)  # its job is written; the reply is not read yet
        assert pool.busy_workers == 1
        gone.cancel()
        with pytest.raises(asyncio.CancelledError):
            await gone
        return await pool.mask(b"second", JSON, None, VIEW, 60)  # the same worker, once it has answered
    assert asyncio.run(run()).body == b"dnoces"  # its own reply, not the one left behind
    assert pool.killed == 0 and pool.worker_pids() == [pid]


def test_a_caller_that_goes_away_from_a_stuck_job_still_has_its_worker_killed_at_the_deadline(pools):
    pool = pools(1)

    async def run():
        gone = asyncio.create_task(pool.mask(STALL, JSON, None, VIEW, 1.0))
        await until(lambda: pool.busy_workers == 1)
        gone.cancel()
        next_one = await pool.mask(b"next", JSON, None, VIEW, 60)  # served by the replacement
        return gone.cancelled(), next_one
    cancelled, next_one = asyncio.run(run())
    assert cancelled and next_one.body == b"txen" and pool.killed == 1


def test_bodies_bigger_than_a_socket_buffer_cross_both_ways(pools):
    pool = pools(2)
    bodies = [os.urandom(4 << 20), os.urandom(5 << 20)]

    async def run():
        return await asyncio.gather(*(pool.mask(b, JSON, None, VIEW, 120) for b in bodies))
    results = asyncio.run(run())
    assert [r.body for r in results] == [b[::-1] for b in bodies]
    assert pool.mask_sync(bodies[0], JSON, None, VIEW, time.monotonic() + 120).body == bodies[0][::-1]
    assert pool.killed == 0


# --- threads and tasks, one pool -------------------------------------------------------------------------


def test_a_thread_waiting_behind_a_task_gets_the_worker_that_replaces_a_stuck_one(pools):
    pool = pools(1)
    got = []

    async def run():
        stuck = asyncio.create_task(pool.mask(STALL, JSON, None, VIEW, 1.0))
        await until(lambda: pool.busy_workers == 1)
        thread = threading.Thread(target=lambda: got.append(
            pool.mask_sync(b"thread", JSON, None, VIEW, time.monotonic() + 60)))
        thread.start()
        await until(lambda: len(pool._waiters) == 1)
        with pytest.raises(MaskingRefused):
            await stuck
        await asyncio.to_thread(thread.join, 60)
    asyncio.run(run())
    assert [r.body for r in got] == [b"daerht"] and pool.killed == 1


def test_a_task_waiting_behind_a_thread_gets_the_worker_that_replaces_a_stuck_one(pools):
    pool = pools(1)
    refused = []

    def stuck():
        try:
            pool.mask_sync(STALL, JSON, None, VIEW, time.monotonic() + 1.0)
        except MaskingRefused as exc:
            refused.append(exc.reason)

    async def run():
        thread = threading.Thread(target=stuck)
        thread.start()
        await until(lambda: pool.busy_workers == 1)
        result = await pool.mask(b"task", JSON, None, VIEW, 60)  # handed across threads to this loop
        await asyncio.to_thread(thread.join, 60)
        return result
    assert asyncio.run(run()).body == b"ksat"
    assert refused == ["masking_timeout"] and pool.killed == 1
