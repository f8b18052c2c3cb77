"""addons.runner: `Gateway.start()` returns once the gateway is ready for traffic, not merely listening."""

from __future__ import annotations

import asyncio

import addons.pipeline
from addons.runner import Gateway
from gateway.services import Services
from tests.support.gateway import make_config


class SlowToRun:
    """An addon whose `running` hook yields to the event loop for a while before the bootstrap's runs."""

    async def running(self) -> None:
        await asyncio.sleep(0.5)


def test_start_returns_after_the_running_hooks_with_every_masking_worker_up(tmp_path, demo_upstreams, monkeypatch):
    # mitmproxy listens before it runs the addons' `running` hooks, and the bootstrap's starts the masking
    # workers there. A caller of start() (a test, the demo) must find them up, not a pool still None: here an
    # addon ahead of the bootstrap holds the running hooks open while the listener is already up.
    built = addons.pipeline.pipeline
    monkeypatch.setattr(addons.pipeline, "pipeline", lambda services=None: [SlowToRun(), *built(services)])
    config = make_config(tmp_path, demo_upstreams.urls, {"masking": {"workers": 2}})
    services = Services.open(config)
    gw = Gateway(config, services).start()
    try:
        pool = services.pool
        assert pool is not None and pool.ready_workers == 2
        assert gw.address[1] > 0
    finally:
        gw.stop()
        services.close()
