"""Runs the gateway: mitmproxy 12 started programmatically in reverse mode with the govshare pipeline.

The proxy side's wiring of the core's Services into a mitmproxy master. `serve()` runs until stopped;
`Gateway` runs one in a background thread (used by `govshare demo`, the end-to-end tests and the benchmark)
and reports the address it actually listens on (port 0 picks a free one).

The core's CLI (gateway.cli) never imports this module: the installed `govshare` command is addons/cli.py,
which registers `run` and `demo` on top of the core's commands (see docs/ARCHITECTURE.md, import layers).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading
from pathlib import Path

from gateway.audit import logfilter
from gateway.config import Config
from gateway.services import Services

from . import auditpatch, dispatch, errorpatch, limits, typecheck
from .bootstrap import WORKERS_START_TIMEOUT, enforce, limit_options

log = logging.getLogger("govshare.runner")

# The reverse target is never contacted: the route stage points each request at its provider.
PLACEHOLDER_TARGET = "http://127.0.0.1:9"
RUNNING_TIMEOUT = WORKERS_START_TIMEOUT + 30  # seconds `Gateway.start` waits for the running hooks


def _upstream_ca_bundle(services: Services) -> str | None:
    """One CA file with the system's roots plus every department's own CA bundle (None if none has one)."""
    bundles = [d.ca_bundle for d in services.catalog.current.departments.values() if d.ca_bundle]
    if not bundles:
        return None
    out = services.config.data_dir / "upstream-ca.pem"
    parts = []
    default = ssl.get_default_verify_paths().cafile
    if default and Path(default).is_file():
        parts.append(Path(default).read_text())
    parts += [Path(b).read_text() for b in bundles]
    out.write_text("\n".join(parts))
    return str(out)


def proxy_options(opts, config: Config, reverse_target: str = PLACEHOLDER_TARGET) -> None:
    """The proxy options every gateway process runs with: reverse mode, listen address, confdir, whole bodies
    under the size limit, and the options addons.bootstrap forces (lazy upstream connections, no streaming,
    verified upstream TLS). The benchmark's bare and lean processes use exactly these too, pointed at
    `reverse_target`."""
    gw = config.gateway
    confdir = config.data_dir / "mitmproxy"
    confdir.mkdir(mode=0o700, parents=True, exist_ok=True)  # mitmproxy's CA key lives here: owner-only
    confdir.chmod(0o700)
    opts.update(
        mode=[f"reverse:{reverse_target}"],
        listen_host=gw.listen_host,
        listen_port=gw.listen_port,
        confdir=str(confdir),
        body_size_limit=str(config.masking.max_body_bytes),
    )
    enforce(opts)
    limit_options(opts, config)


def configure_options(opts, config: Config, services: Services) -> None:
    """Set the proxy options the gateway needs (after the master loaded the addons that define them)."""
    gw = config.gateway
    proxy_options(opts, config)
    if gw.tls_cert:
        pem = config.data_dir / "listen-cert.pem"
        pem.write_text(Path(gw.tls_cert).read_text() + "\n" + Path(gw.tls_key).read_text())
        pem.chmod(0o600)
        opts.update(certs=[f"*={pem}"])
    ca = _upstream_ca_bundle(services)
    if ca:
        opts.update(ssl_verify_upstream_trusted_ca=ca)


def proxy_addons() -> list:
    """mitmproxy's own addons that a reverse gateway needs, and no others.

    `mitmdump` loads some thirty addons made for interactive interception (the mitm.it onboarding app, map
    local/remote, replay, sticky cookies, flow saving, scripts, ...). A gateway has no use for them, and some
    would be holes in it (onboarding serves pages, maplocal serves files). Each loaded addon also costs every
    hook of every request a dispatch, whether or not it handles that hook: with the full set that dispatch was
    about a third of the gateway's CPU per request. Kept: option checks (core), the client block list, the
    proxy server and its layer selection, TLS and the start-up error check. Two more are covered by the
    pipeline itself: h2c upgrades and HTTP/2 prior knowledge (disable_h2c) are refused by the route stage
    (Upgrade header, `PRI *`), and Alt-Svc (update_alt_svc) is removed by the mask stage, since a gateway
    must never tell callers about another way to reach a provider.
    """
    from mitmproxy.addons import block, core, errorcheck, next_layer, proxyserver, tlsconfig

    class TlsConfig(tlsconfig.TlsConfig):
        """mitmproxy's TLS set-up without its `request` hook, which answers a path ending in mitmproxy's CRL
        name with mitmproxy's own CRL (and kills eMudhra revocation lookups, which a reverse gateway never
        forwards): a gateway answers no request itself outside the pipeline (the gate denied such an answer
        anyway), and the hook cost every request an option read (a deep copy) and a path check."""

        request = None  # mitmproxy and addons.dispatch skip a hook attribute that is None

    return [core.Core(), block.Block(), proxyserver.Proxyserver(), next_layer.NextLayer(), TlsConfig(),
            errorcheck.ErrorCheck()]


def gateway_master(opts, stages: list):
    """A mitmproxy master with only the proxy addons a gateway needs, then the govshare stages.

    Also installs addons.errorpatch and addons.limits (idempotent), so upstream failures are answered with
    our JSON deny and request heads are read only up to their limits: done here, in the wiring, and in addons/govshare.py for mitmdump — never from an addon hook.
    Its hooks are dispatched by addons.dispatch (handlers looked up once per hook, not walked per event)."""
    from mitmproxy.master import Master

    errorpatch.install()
    limits.install()
    auditpatch.install()  # requests mitmproxy refuses before a flow exists still get their audit record
    logfilter.install()  # mitmproxy's log lines never carry the raw bytes they quote
    typecheck.install()  # mitmproxy's type check of every message, compiled once per message class
    master = Master(opts, with_termlog=True)
    master.addons.add(*proxy_addons())
    master.addons.add(*stages)
    dispatch.install(master.addons)  # each hook's handlers looked up once, not walked per event
    return master


async def listening_address(master, run: asyncio.Future, timeout: float) -> tuple[str, int] | None:
    """(host, port) the master's proxy server listens on, once it does; None if `run` ended or `timeout`
    passed first."""
    proxyserver = master.addons.get("proxyserver")
    for _ in range(max(1, int(timeout / 0.01))):
        await asyncio.sleep(0.01)
        if run.done():
            return None
        addrs = proxyserver.listen_addrs()
        if addrs:
            return addrs[0][0], addrs[0][1]
    return None


async def serve(config: Config, services: Services, started: threading.Event | None = None,
                holder: dict | None = None) -> None:
    """Run the gateway until its master is shut down."""
    from mitmproxy.options import Options

    from .pipeline import pipeline

    opts = Options()
    running = RunningSeen()
    master = gateway_master(opts, pipeline(services) + [running])
    configure_options(opts, config, services)
    if holder is not None:
        holder["master"] = master
        holder["loop"] = asyncio.get_running_loop()
    run = asyncio.ensure_future(master.run())
    if started is not None:
        address = await listening_address(master, run, timeout=5.0)
        # mitmproxy listens before its `running` hooks: started means the bootstrap's has finished too
        # (its masking workers are up), as it will have before the first flow is handled.
        await asyncio.wait([run, asyncio.ensure_future(running.seen.wait())], timeout=RUNNING_TIMEOUT,
                           return_when=asyncio.FIRST_COMPLETED)
        if address is not None and holder is not None and running.seen.is_set():
            holder["address"] = address
        started.set()
    await run


class RunningSeen:
    """The last addon of a gateway started by `Gateway`: notes that every addon's `running` hook has run."""

    def __init__(self):
        self.seen = asyncio.Event()

    def running(self) -> None:
        self.seen.set()


class Gateway:
    """A gateway running in a background thread: `with Gateway(config, services) as gw: gw.url`.

    One per process: mitmproxy keeps its master in a process-wide context (`mitmproxy.ctx`), so a second
    master in the same process would take over the first one's connections. Run more gateways as more
    processes (`govshare run`), which is also how they scale across cores.
    """

    _active = threading.Lock()

    def __init__(self, config: Config, services: Services):
        self.config, self.services = config, services
        self._holder: dict = {}
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._main, name="govshare-gateway", daemon=True)
        self._error: BaseException | None = None

    def _main(self) -> None:
        try:
            asyncio.run(serve(self.config, self.services, self._started, self._holder))
        except BaseException as exc:  # noqa: BLE001 - reported to the starting thread
            self._error = exc
            self._started.set()

    def start(self) -> "Gateway":
        if not Gateway._active.acquire(blocking=False):
            raise RuntimeError("a gateway is already running in this process (mitmproxy allows one master "
                               "per process); stop it first or start another process")
        self._holds_lock = True
        self._thread.start()
        self._started.wait(RUNNING_TIMEOUT + 10)
        if self._error is not None:
            raise RuntimeError(f"gateway failed to start: {self._error}") from self._error
        if "address" not in self._holder:
            self.stop()
            raise RuntimeError("gateway did not start listening")
        return self

    @property
    def address(self) -> tuple[str, int]:
        return self._holder["address"]

    @property
    def url(self) -> str:
        host, port = self.address
        scheme = "https" if self.config.gateway.tls_cert else "http"
        return f"{scheme}://{host}:{port}"

    def stop(self) -> None:
        master, loop = self._holder.get("master"), self._holder.get("loop")
        if master is not None and loop is not None and loop.is_running():
            loop.call_soon_threadsafe(master.shutdown)
        self._thread.join(15)
        if getattr(self, "_holds_lock", False) and not self._thread.is_alive():
            self._holds_lock = False
            Gateway._active.release()

    def __enter__(self) -> "Gateway":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
