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
