"""InlineRouter: cheap resources mask inline, costly ones go to the workers and are looked at again now and then."""

from gateway.masking.routing import SAMPLES, InlineRouter


def learned(router: InlineRouter, resource: str, *costs: float) -> InlineRouter:
    for cost in costs:
        router.observe(resource, cost)
    return router


def test_bodies_over_the_size_limit_never_mask_inline():
    router = InlineRouter(inline_bytes=4096, inline_ms=1.0)
    assert router.inline("R", 4096)
    assert not router.inline("R", 4097)


def test_a_resource_is_inline_until_its_recent_median_cost_passes_the_limit():
    router = InlineRouter(inline_bytes=4096, inline_ms=1.0)
    learned(router, "CHEAP", *[0.3] * SAMPLES)
    learned(router, "COSTLY", *[4.0] * SAMPLES)
    assert router.inline("CHEAP", 100)
    assert not router.inline("COSTLY", 100)
    assert router.inline("NEW", 100)  # unseen: measured inline first
    learned(router, "FEW", *[4.0] * (SAMPLES - 1))
    assert router.inline("FEW", 100)  # not judged on fewer than SAMPLES bodies


def test_a_cold_first_call_or_one_pause_does_not_move_a_cheap_resource():
    router = learned(InlineRouter(inline_bytes=4096, inline_ms=1.0), "R", 40.0, 0.2, 0.3, 25.0, 0.2)
    assert router.cost("R") == 0.3
    assert router.inline("R", 100)


def test_a_costly_resource_is_probed_inline_every_nth_body_and_comes_back_when_cheap():
    router = learned(InlineRouter(inline_bytes=4096, inline_ms=1.0, probe_every=4), "R", *[5.0] * SAMPLES)
    decisions = [router.inline("R", 100) for _ in range(8)]
    assert decisions == [False, False, False, True, False, False, False, True]
    learned(router, "R", *[0.1] * SAMPLES)  # the probes found it cheap now
    assert router.inline("R", 100)


def test_services_mask_costly_small_bodies_in_a_worker(tmp_path):
    """Through Services.mask_body with a real worker pool: once a resource's inline bodies cost more than
    inline_ms, its next body is masked by a worker (the pool counts its jobs), with the same output."""
    import asyncio

    from gateway.masking.types import MaskingView
    from gateway.services import Services
    from tests.support.gateway import make_config

    config = make_config(tmp_path, {}, {"masking": {"workers": 1, "inline_ms": 0.0}})
    services = Services.open(config, with_audit=False)
    services.start_workers()
    try:
        # The job's masking deadline must not be spent on the worker's start (seconds on a loaded machine).
        assert services.pool.wait_ready(120)
        body = '{"bz": "申请人王小明，联系电话13812345678。"}'.encode()
        view = MaskingView(resource=None)
        first = [asyncio.run(services.mask_body(body, "application/json", None, view)) for _ in range(SAMPLES)]
        assert services.inline_router.cost(None) is not None  # measured inline
        assert services.pool.jobs == 0
        second = asyncio.run(services.mask_body(body, "application/json", None, view))
        assert services.pool.jobs == 1
        assert second.body == first[0].body
        assert b"13812345678" not in second.body
    finally:
        services.close()


def test_auto_starts_one_worker_fewer_than_the_cpus_and_a_number_is_taken_as_it_is():
    import os

    from gateway.masking.routing import AUTO_MAX_WORKERS, worker_count

    assert [worker_count("auto", cpus) for cpus in (1, 2, 3, 4)] == [0, 1, 2, 3]
    assert worker_count("auto", 64) == AUTO_MAX_WORKERS  # each worker holds a whole masker
    assert worker_count(0, 8) == 0 and worker_count(2, 1) == 2  # configured: as configured, whatever the machine
    assert worker_count("auto") == max(0, min(AUTO_MAX_WORKERS, len(os.sched_getaffinity(0)) - 1))


def test_on_thread_answers_masking_timeout_past_its_deadline_and_passes_results_and_refusals():
    import asyncio
    import threading

    import pytest

    from gateway.masking.refusal import MaskingRefused
    from gateway.masking.routing import on_thread

    release = threading.Event()
    ended = threading.Event()

    def stuck() -> str:  # cannot finish before the test lets it: the deadline must answer first
        release.wait(60)
        ended.set()
        return "late"

    def refuse() -> None:
        raise MaskingRefused("unsupported_content_type")

    with pytest.raises(MaskingRefused) as caught:
        asyncio.run(on_thread(stuck, 0.05))
    assert caught.value.reason == "masking_timeout"
    release.set()
    assert ended.wait(60)  # the thread ran on to its end; its result was dropped
    assert asyncio.run(on_thread(lambda a, b: a + b, 5.0, 2, 3)) == 5
    with pytest.raises(MaskingRefused) as caught:
        asyncio.run(on_thread(refuse, 5.0))
    assert caught.value.reason == "unsupported_content_type"


def test_services_without_workers_mask_large_bodies_on_a_thread_under_the_deadline(tmp_path):
    """workers = 0 (what "auto" gives on one CPU): a body over inline_bytes is masked off the event loop, and a
    call still masking at timeout_seconds is answered masking_timeout, as a worker's would be."""
    import asyncio
    import threading

    import pytest

    from gateway.masking.refusal import MaskingRefused
    from gateway.masking.types import MaskingView
    from gateway.services import Services
    from tests.support.gateway import make_config

    config = make_config(tmp_path, {}, {"masking": {"workers": 0, "inline_bytes": 16, "timeout_seconds": 0.2}})
    services = Services.open(config, with_audit=False)
    services.start_workers()
    try:
        assert services.pool is None
        body = '{"bz": "申请人王小明，联系电话13812345678。"}'.encode()
        view = MaskingView(resource=None)
        loop_thread: list[int] = []
        masked_on: list[int] = []
        real = services.masker.mask_body

        def recording(*args):
            masked_on.append(threading.get_ident())
            return real(*args)

        async def call():
            loop_thread.append(threading.get_ident())
            return await services.mask_body(body, "application/json", None, view)

        services.masker.mask_body = recording
        result = asyncio.run(call())
        assert b"13812345678" not in result.body
        assert masked_on and masked_on[0] != loop_thread[0]  # off the event loop's thread
        release = threading.Event()
        services.masker.mask_body = lambda *args: release.wait(60)
        with pytest.raises(MaskingRefused) as caught:
            asyncio.run(call())
        assert caught.value.reason == "masking_timeout"
        release.set()
    finally:
        services.close()
