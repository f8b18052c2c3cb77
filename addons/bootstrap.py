"""Bootstrap: the gateway's options, its services, and the reload loop, mitmproxy's way.

Options are declared in `load` (`govshare_config`, `govshare_data_dir`) and validated in `configure`: a
configuration file that does not parse raises `OptionsError` naming the file, line and field, before any
traffic. The proxy options the pipeline relies on (lazy upstream connections, whole bodies, verified
upstream TLS, the provider's own Host, HTTP/1 only) are forced here and only here (`enforce`), for `govshare run` (which
calls it through addons.runner.proxy_options) and for `mitmdump -s addons/govshare.py` alike. The listen
address is not among them: mitmdump binds its listeners before it loads a script (it loads `-s` scripts
asynchronously once running), so under mitmdump loopback needs `--listen-host 127.0.0.1` on the command line.

Under `govshare run` the runner hands in ready-built Services. Under mitmdump they are built in `running`,
once every option is in place, from the configuration validated in `configure`. Once running, the services
start their workers (gateway.services.Services.start_workers): the reload thread, which applies catalog,
policy and grant changes within `[gateway] reload_interval` seconds on a thread of its own (never the event
loop or the default executor, so masking load cannot hold a revocation back), and the masking worker pool.
`done` stops both.
"""

from __future__ import annotations

import logging
from typing import Optional

from mitmproxy import ctx, exceptions

from gateway.config import Config, ConfigError, load_config
from gateway.services import Services, freeze_startup_heap

from .context import Context

log = logging.getLogger("govshare")

WORKERS_START_TIMEOUT = 60.0  # seconds the start waits for the masking workers

# The proxy options every gateway process runs with, whoever started it. HTTP/2 and HTTP/3 are off: the
# request head limits (addons.limits, 431) and the refusal records of addons.auditpatch are built on
# mitmproxy's HTTP/1 reader, and department systems calling a REST gateway need neither. With `http2` off
# TLS ALPN never selects h2 (a client offering h2 and http/1.1 gets http/1.1; one offering only h2 gets no
# protocol, and its preface is refused as an HTTP/1 request), upstream connections offer only http/1.1, and
# no QUIC listener is opened (docs/SECURITY.md).
ENFORCED_OPTIONS = {"connection_strategy": "lazy", "stream_large_bodies": None, "ssl_insecure": False,
                    "keep_host_header": False, "http2": False, "http3": False}


def limit_options(opts, config: Config) -> None:
    """The request limits the HTTP/1 reader enforces (addons.limits), from `[gateway]` (when declared)."""
    gw = config.gateway
    wanted = {"govshare_max_header_bytes": gw.max_header_bytes, "govshare_max_headers": gw.max_headers,
              "govshare_max_request_body": gw.max_request_body_bytes}
    changes = {k: v for k, v in wanted.items() if hasattr(opts, k) and getattr(opts, k) != v}
    if changes:
        opts.update(**changes)


def enforce(opts) -> None:
    """Force ENFORCED_OPTIONS on `opts` (only the ones that differ, so no needless reconfiguration)."""
    changes = {k: v for k, v in ENFORCED_OPTIONS.items() if getattr(opts, k) != v}
    if changes:
        opts.update(**changes)


def anchor_tail(services: Services) -> None:
    """Sign the chain head a gateway finds at start when records lie past the last checkpoint: a gateway
    killed (kill -9, power loss) between a commit and its checkpoint leaves such a tail, which would
    otherwise stay unanchored — and fail verify's tail window — until this gateway's first own commit."""
    trail = services.audit
    if trail is None:
        return
    try:
        trail.checkpoint()  # silent: the checkpoint itself is the trace (its seq and time)
    except Exception as exc:  # noqa: BLE001 - the writer's own checkpoints cover the tail later
        log.error("govshare audit tail not anchored at start (%s)", type(exc).__name__)


class Bootstrap:
    def __init__(self, context: Context):
        self.context = context
        self._workers = False
        self._owns_services = False
        self._config: Config | None = None

    def load(self, loader) -> None:
        loader.add_option("govshare_config", Optional[str], None, "govshare configuration file (TOML)")
        loader.add_option("govshare_data_dir", Optional[str], None, "govshare data directory")
        # Set from [gateway] (limit_options); declared here so the HTTP/1 reader finds them (addons.limits).
        loader.add_option("govshare_max_header_bytes", Optional[int], None, "largest request head (bytes)")
        loader.add_option("govshare_max_headers", Optional[int], None, "most request header fields")
        loader.add_option("govshare_max_request_body", Optional[int], None, "largest announced request body")

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
        config = self.context.services.config if self.context.ready else self._config
        if config is not None:
            limit_options(ctx.options, config)

    def running(self) -> None:
        # Built here, once every option (including --set govshare_config=…) is in place; until then any
        # request would find the context empty and be refused with 503.
        if not self.context.ready:
            self.context.set(Services.open(self._config))
            self._owns_services = True
        if not self._workers:
            self._workers = True
            services = self.context.services
            anchor_tail(services)
            services.start_workers()
            # Serve only once the masking workers are up: a body that waited for them would spend its own
            # masking deadline on the gateway's start-up.
            if services.pool is not None and not services.pool.wait_ready(WORKERS_START_TIMEOUT):
                log.error("govshare masking workers not ready after %ss; larger bodies wait for them",
                          WORKERS_START_TIMEOUT)
            self.context.admin  # noqa: B018 - built now, once, not on the first application
            freeze_startup_heap()

    def done(self) -> None:
        if self._workers and self.context.ready:
            self.context.services.stop_workers()
        self._workers = False
        if self._owns_services and self.context.ready:
            self.context.services.close()
