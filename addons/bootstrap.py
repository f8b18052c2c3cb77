"""Bootstrap: the gateway's options, its services, and the reload loop, mitmproxy's way.

Options are declared in `load` (`govshare_config`, `govshare_data_dir`) and validated in `configure`: a
configuration file that does not parse raises `OptionsError` naming the file, line and field, before any
traffic. The proxy options the pipeline relies on (lazy upstream connections, whole bodies, verified
upstream TLS, the provider's own Host) are forced here and only here (`enforce`), for `govshare run` (which
calls it through addons.runner.proxy_options) and for `mitmdump -s addons/govshare.py` alike. The listen
address is not among them: mitmdump binds its listeners before it loads a script (it loads `-s` scripts
asynchronously once running), so under mitmdump loopback needs `--listen-host 127.0.0.1` on the command line.

Under `govshare run` the runner hands in ready-built Services. Under mitmdump they are built in `running`,
once every option is in place, from the configuration validated in `configure`. The reload loop applies
catalog and policy changes within `[gateway] reload_interval` seconds, off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Optional

from mitmproxy import ctx, exceptions

from gateway.config import Config, ConfigError, load_config
from gateway.services import Services, freeze_startup_heap

from .context import Context

log = logging.getLogger("govshare")

# The proxy options every gateway process runs with, whoever started it.
ENFORCED_OPTIONS = {"connection_strategy": "lazy", "stream_large_bodies": None, "ssl_insecure": False,
                    "keep_host_header": False}


def enforce(opts) -> None:
    """Force ENFORCED_OPTIONS on `opts` (only the ones that differ, so no needless reconfiguration)."""
    changes = {k: v for k, v in ENFORCED_OPTIONS.items() if getattr(opts, k) != v}
    if changes:
        opts.update(**changes)


class Bootstrap:
    def __init__(self, context: Context):
        self.context = context
        self._reloader: asyncio.Task | None = None
        self._owns_services = False
        self._config: Config | None = None

    def load(self, loader) -> None:
        loader.add_option("govshare_config", Optional[str], None, "govshare configuration file (TOML)")
        loader.add_option("govshare_data_dir", Optional[str], None, "govshare data directory")

    def configure(self, updated) -> None:
        if not self.context.ready and ({"govshare_config", "govshare_data_dir"} & set(updated)
                                       or self._config is None):
            try:
                self._config = load_config(ctx.options.govshare_config, ctx.options.govshare_data_dir)
            except ConfigError as e:
                raise exceptions.OptionsError(f"govshare_config: {e}") from None
            if ctx.options.body_size_limit is None:
                ctx.options.update(body_size_limit=str(self._config.masking.max_body_bytes))
        enforce(ctx.options)

    def running(self) -> None:
        # Built here, once every option (including --set govshare_config=…) is in place; until then any
        # request would find the context empty and be refused with 503.
        if not self.context.ready:
            self.context.set(Services.open(self._config))
            self._owns_services = True
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
