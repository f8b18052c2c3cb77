"""Bootstrap: loads the gateway's state when mitmproxy starts and keeps it fresh while it runs.

Under `govshare run` the runner hands in ready-built Services. Under `mitmdump -s addons/govshare.py` this
addon builds them from its options (`govshare_config`, `govshare_data_dir`). It also forces the proxy options
the pipeline relies on (lazy upstream connections, no body streaming) and runs the reload loop that applies
catalog and policy changes within `[gateway] reload_interval` seconds, off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Optional

from mitmproxy import ctx

from gateway.config import load_config
from gateway.services import Services, freeze_startup_heap

from .context import Context

log = logging.getLogger("govshare")

ENFORCED_OPTIONS = {"connection_strategy": "lazy", "stream_large_bodies": None}


class Bootstrap:
    def __init__(self, context: Context):
        self.context = context
        self._reloader: asyncio.Task | None = None
        self._owns_services = False

    def load(self, loader) -> None:
        loader.add_option("govshare_config", Optional[str], None, "govshare configuration file (TOML)")
        loader.add_option("govshare_data_dir", Optional[str], None, "govshare data directory")

    def configure(self, updated) -> None:
        changes = {k: v for k, v in ENFORCED_OPTIONS.items() if getattr(ctx.options, k) != v}
        if changes:
            ctx.options.update(**changes)

    def running(self) -> None:
        # Built here, once every option (including --set govshare_config=…) is in place; until then any
        # request would find the context empty and be refused with 503.
        if not self.context.ready:
            config = load_config(ctx.options.govshare_config, ctx.options.govshare_data_dir)
            self.context.set(Services.open(config))
            self._owns_services = True
            if ctx.options.body_size_limit is None:
                ctx.options.update(body_size_limit=str(config.masking.max_body_bytes))
        if self._reloader is None:
            self._reloader = asyncio.get_running_loop().create_task(self._reload_loop())
            freeze_startup_heap()

    async def _reload_loop(self) -> None:
        services = self.context.services
        interval = services.config.gateway.reload_interval
        while True:
            await asyncio.sleep(interval)
            try:
                await asyncio.to_thread(services.reload)
            except Exception as exc:  # noqa: BLE001 - the loop must survive; the old state stays in force
                log.error("govshare reload failed (%s); the previous configuration stays in force",
                          type(exc).__name__)

    def done(self) -> None:
        if self._reloader is not None:
            self._reloader.cancel()
        if self._owns_services and self.context.ready:
            self.context.services.close()
