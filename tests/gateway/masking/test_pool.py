"""The masking worker pool: workers are forked from one template that built the masker once."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from gateway.masking.pool import MaskingPool
from tests.support.gateway import make_config
from tests.support.waiting import wait_for

FACTORY = "tests.support.counting_masker:build_masker"
JSON = "application/json; charset=utf-8"


@pytest.fixture
def config(tmp_path):
    config = make_config(tmp_path, {})
    Path(config.data_dir).mkdir(parents=True, exist_ok=True)
    return config


def builds(config) -> list[int]:
    path = Path(config.data_dir) / "masker-builds"
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])


def replace_one(pool: MaskingPool) -> None:
    """Kill an idle worker the way a deadline does, and wait until its replacement is ready."""
    with pool._cond:
        pool._lost(pool._idle.popleft())
    wait_for(lambda: pool.ready_workers, until=lambda n: n == pool.size, timeout=60)


def test_workers_and_their_replacements_start_from_one_masker_build_in_a_template(config):
    pool = MaskingPool(config, 2, factory=FACTORY)
    try:
        assert pool.wait_ready(120)
        first = set(pool.worker_pids())
        for _ in range(3):
            replace_one(pool)
        assert pool.started == 5 and pool.killed == 3
        assert first.isdisjoint(pool.worker_pids())  # both first workers were replaced
        (template,) = builds(config)  # one build, in the template; none in any worker
        assert template not in pool.worker_pids() and template != os.getpid()
        assert all(parent_of(pid) == template for pid in pool.worker_pids())  # forked from it, not from us
    finally:
        pool.close()


def test_pooled_masking_is_byte_for_byte_the_in_process_masker(config):
    from gateway.masking.engine import build_masker
    from gateway.masking.views import view_for_decision

    masker = build_masker(config)
    body = json.dumps({"data": {"items": [{"xm": "张伟", "sfzh": "110101199003077777", "sjhm": "13800138000",
                                           "bz": "申请人张伟，住北京市朝阳区建国路88号。"}]}},
                      ensure_ascii=False).encode()
    view = view_for_decision(config, None, None, None, None)
    pool = MaskingPool(config, 1, factory=FACTORY)
    try:
        assert pool.wait_ready(120)
        pooled = pool.mask_sync(body, JSON, None, view, time.monotonic() + 60)
        replace_one(pool)
        again = pool.mask_sync(body, JSON, None, view, time.monotonic() + 60)
    finally:
        pool.close()
    inline = masker.mask_body(body, JSON, None, view)
    assert (pooled.body, pooled.findings) == (again.body, again.findings) == (inline.body, inline.findings)
    assert b"110101199003077777" not in pooled.body


def test_a_template_that_died_is_started_again_for_the_next_worker(config):
    pool = MaskingPool(config, 1, factory=FACTORY)
    try:
        assert pool.wait_ready(120)
        process, _conn = pool._template
        process.kill()
        process.join(10)
        replace_one(pool)
        assert len(builds(config)) == 2  # the second template built its own masker
        assert pool.ready_workers == 1
    finally:
        pool.close()


def test_closing_the_pool_ends_its_workers_and_template(config):
    pool = MaskingPool(config, 2, factory=FACTORY)
    assert pool.wait_ready(120)
    pids = pool.worker_pids() + [pool._template[0].pid]
    pool.close()

    def alive(pid):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            return False
        return state != "Z"
    wait_for(lambda: [p for p in pids if alive(p)], until=lambda left: left == [], timeout=20)


def test_a_worker_reuses_its_rules_for_a_view_that_arrives_again(config):
    """Each job brings a freshly unpickled view; the worker masks it with the first equal view it met, so the
    rules it worked out for that resource are used again instead of being worked out per body."""
    import threading
    from multiprocessing import Pipe

    from gateway.masking.engine import MaskingView, build_masker
    from gateway.masking.pool import _serve
    from tests.support.masking import POPULATION

    masker = build_masker(config)
    ours, theirs = Pipe()
    worker = threading.Thread(target=_serve, args=(theirs, masker), daemon=True)
    worker.start()
    body = json.dumps({"items": [{"xm": "张伟", "sfzh": "110101199003077777"}]}, ensure_ascii=False).encode()
    views = [MaskingView(POPULATION), MaskingView(POPULATION), MaskingView(POPULATION, reveal=frozenset({"xm"}))]
    replies = []
    for view in views:
        ours.send((body, JSON, None, view, 60.0, None))  # pickled on the way, as the pool sends it
        replies.append(ours.recv())
    ours.send(None)
    worker.join(30)
    assert [r[0] for r in replies] == ["ok"] * 3
    assert replies[0][1].body == replies[1][1].body != replies[2][1].body
    assert len(masker._view_rules) == 2  # one per distinct view, not one per job
