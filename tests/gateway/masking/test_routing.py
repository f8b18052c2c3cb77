"""InlineRouter: cheap resources mask inline, costly ones go to the workers and are looked at again now and then."""

from gateway.masking.routing import InlineRouter


def test_bodies_over_the_size_limit_never_mask_inline():
    router = InlineRouter(inline_bytes=4096, inline_ms=1.0)
    assert router.inline("R", 4096)
    assert not router.inline("R", 4097)


def test_a_resource_is_inline_until_its_average_cost_passes_the_limit():
    router = InlineRouter(inline_bytes=4096, inline_ms=1.0)
    router.observe("CHEAP", 0.3)
    router.observe("COSTLY", 4.0)
    assert router.inline("CHEAP", 100)
    assert not router.inline("COSTLY", 100)
    assert router.inline("NEW", 100)  # unseen: measured inline first


def test_one_slow_body_moves_the_average_but_does_not_flip_a_cheap_resource():
    router = InlineRouter(inline_bytes=4096, inline_ms=1.0)
    for _ in range(20):
        router.observe("R", 0.2)
    router.observe("R", 3.0)
    assert router.cost("R") < 1.0
    assert router.inline("R", 100)


def test_a_costly_resource_is_probed_inline_every_nth_body_and_comes_back_when_cheap():
    router = InlineRouter(inline_bytes=4096, inline_ms=1.0, probe_every=4)
    router.observe("R", 5.0)
    decisions = [router.inline("R", 100) for _ in range(8)]
    assert decisions == [False, False, False, True, False, False, False, True]
    for _ in range(30):  # the probes found it cheap now
        router.observe("R", 0.1)
    assert router.inline("R", 100)


def test_services_mask_costly_small_bodies_in_a_worker(tmp_path):
    """Through Services.mask_body with a real worker pool: after one costly inline body, the next body of
    that resource is masked by a worker (the pool counts its jobs), with the same output."""
    import asyncio

    from gateway.masking.types import MaskingView
    from tests.support.gateway import make_config
    from gateway.services import Services

    config = make_config(tmp_path, {}, {"masking": {"workers": 1, "inline_ms": 0.0}})
    services = Services.open(config, with_audit=False)
    services.start_workers()
    try:
        body = '{"bz": "申请人王小明，联系电话13812345678。"}'.encode()
        view = MaskingView(resource=None)
        first = asyncio.run(services.mask_body(body, "application/json", None, view))
        assert services.inline_router.cost(None) is not None  # measured inline
        jobs_before = services.pool.jobs
        second = asyncio.run(services.mask_body(body, "application/json", None, view))
        assert services.pool.jobs == jobs_before + 1
        assert second.body == first.body
        assert b"13812345678" not in second.body
    finally:
        services.close()
