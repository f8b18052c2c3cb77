"""The gateway's parsed state in one place: catalog, identity verifier, policy, masker, audit trail.

Built once at start (everything parsed, validated and warmed up), read by the pipeline stages, and refreshed
only by `reload()` from the reload thread — never from a hook. Each part swaps atomically, so a hook always sees
one consistent version. `reload()` also checks the store of record (gateway.admin.store_watch): a new
masking-rules version becomes a new Masker sharing the warm detector (and the pool's jobs carry its text), a
row edited in the database keeps the last good version and raises one alarm. The CLI builds the same object, so `govshare mask` and `govshare policy check` run
exactly the code the gateway runs.

A running gateway also starts its workers here (`start_workers`): the reload thread (its own thread, never
the event loop or the default executor, so a revocation is in force within `reload_interval` whatever the
masking load) and the masking worker pool (gateway.masking.pool) that `mask_body` hands larger or costlier bodies to.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .catalog import CatalogSource, Resource
from .config import Config
from .masking.routing import InlineRouter, on_thread, worker_count

if TYPE_CHECKING:  # the parts are imported where they are built (open), so a command loads only what it uses
    from sqlalchemy.engine import Engine

    from .audit import AuditTrail
    from .identity import Verifier
    from .masking.engine import Masker, MaskResult
    from .masking.pool import MaskingPool
    from .masking.pseudonym import PseudonymKeys
    from .policy import PolicyReloader

log = logging.getLogger("govshare.services")


@dataclass
class Services:
    config: Config
    catalog: CatalogSource
    verifier: Verifier | None = None  # None when opened with_identity=False
    policy: PolicyReloader | None = None
    masker: Masker | None = None
    audit: AuditTrail | None = None  # None when opened with_audit=False
    pseudonyms: PseudonymKeys | None = None
    engine: Engine | None = None
    pool: MaskingPool | None = None  # masking workers, while a gateway runs (start_workers)
    shadow: object | None = None  # gateway.admin.live_shadow.ShadowObserver, while a gateway runs
    masking_factory: str = "gateway.masking.engine:build_masker"  # what a worker builds its masker with
    _closed: bool = field(default=False, repr=False)
    _stop_reload: threading.Event | None = field(default=None, repr=False)
    _reload_thread: threading.Thread | None = field(default=None, repr=False)
    _last_problems: list = field(default_factory=list, repr=False)
    _store_watch: object | None = field(default=None, repr=False)  # gateway.admin.store_watch.StoreWatch
    masking_version: int | None = None  # the store-of-record masking version in force (None: the file's)
    inline_router: InlineRouter | None = None  # which bodies mask here, which in a worker (masking.routing)

    def __post_init__(self) -> None:
        if self.inline_router is None:
            settings = self.config.masking
            self.inline_router = InlineRouter(settings.inline_bytes, settings.inline_ms)

    @classmethod
    def open(cls, config: Config, *, with_audit: bool = True, with_identity: bool = True) -> "Services":
        """Parse and validate everything; raises with a clear message on the first invalid file."""
        from .masking.engine import build_masker
        from .masking.pseudonym import PseudonymKeys
        from .policy import PolicyReloader
        from .store import make_engine

        config.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        engine = make_engine(config.db_url)
        catalog = CatalogSource(config.catalog)
        services = cls(config=config, catalog=catalog, engine=engine)
        services.policy = PolicyReloader(config, lambda: catalog.current, engine)
        services.masker = build_masker(config)
        keys_dir = config.data_dir / "keys"
        existed = {p.name for p in keys_dir.glob("*")} if keys_dir.is_dir() else set()
        services.pseudonyms = PseudonymKeys(config.data_dir)
        services.pseudonyms.key_for("gateway")  # creates the master secret now, not on the first call
        if with_identity:
            from .identity import build_verifier
            services.verifier = build_verifier(config)
        if with_audit:
            from .audit import AuditTrail
            services.audit = AuditTrail.open(config)
            created = sorted({p.name for p in keys_dir.glob("*")} - existed) if keys_dir.is_dir() else []
            for name in created:
                if not name.startswith("."):
                    services.admin_event("key.create", f"keys/{name}")
        return services

    def admin_event(self, action: str, target: str, before: str | None = None, after: str | None = None,
                    outcome: str = "success", detail: dict | None = None) -> None:
        """An administrative change the gateway itself applied (reload, key creation), for the trail."""
        if self.audit is None:
            return
        try:
            self.audit.append_admin("govshare-gateway", "system_admin", action, target, digest_before=before,
                                    digest_after=after, detail=detail, outcome=outcome)
        except Exception as exc:  # noqa: BLE001 - logged; the change itself is already in force or refused
            log.error("govshare could not audit %s (%s)", action, type(exc).__name__)

    def in_force(self) -> dict:
        """What this process enforces now, for its start and stop records: versions and digests, no content."""
        return {"pid": os.getpid(),
                "policy_version": self.policy.current.version if self.policy else None,
                "catalog_digest": self.catalog.current.digest,
                "masking_digest": self.masker.rules.digest if self.masker else None,
                "masking_version": self.masking_version}

    def reload(self) -> list[str]:
        """Pick up catalog, policy and masking-rules changes; returns the problems that kept an old version in
        force. A row edited in the store of record (a broken version chain, a grant differing from its seal)
        keeps the last good version in force and writes one alarm record to the trail."""
        problems = []
        store = self._check_store()
        catalog_before = self.catalog.current.digest
        err = self.catalog.check()
        target = str(self.config.catalog)
        if err is not None:
            problems.append(f"catalog not reloaded, old one stays in force: {err}")
            self.admin_event("catalog.reload", target, catalog_before, None, "failure",
                             {"line": err.line, "problem": err.problem[:200]})
        elif self.catalog.current.digest != catalog_before:
            self.admin_event("catalog.reload", target, catalog_before, self.catalog.current.digest)
        policy_before = self.policy.current.version
        if store is not None and "grants" in store.problems:
            problems.append(f"policy not reloaded, old one stays in force: {store.problems['grants']}")
        elif self.policy.check():
            self.admin_event("policy.reload", "policy", policy_before, self.policy.current.version)
        elif getattr(self.policy, "last_error", None):
            problems.append(f"policy not reloaded, old one stays in force: {self.policy.last_error}")
        problem = self._reload_masking(store)
        if problem:
            problems.append(problem)
        if problems != self._last_problems:  # say it (and audit it) once, not every reload interval
            for p in problems:
                log.warning(p)
                if p.startswith("policy"):
                    self.admin_event("policy.reload", "policy", policy_before, None, "failure",
                                     {"problem": p[:200]})
            self._last_problems = problems
        return problems

    def _check_store(self):
        """The store of record's state (gateway.admin.store_watch); one alarm record per new problem."""
        if self.engine is None:
            return None
        if self._store_watch is None:
            from .admin.store_watch import StoreWatch
            self._store_watch = StoreWatch(self.engine)
        state = self._store_watch.check()
        for kind, problem in state.new_alarms:
            in_force = {"masking": self.masker.rules.digest if self.masker else None,
                        "catalog": self.catalog.current.digest,
                        "policy": self.policy.current.version if self.policy else None,
                        "grants": self.policy.current.version if self.policy else None}.get(kind)
            detail = {"problem": problem[:200], "kept_in_force": in_force}
            if kind == "grants":  # the policy stays as last built until the rows are restored or revoked
                detail["grants"] = state.grants[:32]
            self.admin_event("alarm.tamper", kind, in_force, None, "alarm", detail)
            log.error("govshare store of record: %s; the last good version stays in force", problem[:200])
        return state

    def _reload_masking(self, store) -> str | None:
        """Put the store's newest good masking-rules version in force: a new Masker sharing the warm detector,
        swapped in one assignment, and the pool's workers told with each job. Returns a problem or None."""
        head = store.heads.get("masking") if store is not None else None
        if head is None or self.masker is None:
            return None
        if head.digest == self.masker.rules.digest:
            if self.pool is not None and (self.pool.rules is None or self.pool.rules[0] != head.digest):
                self.pool.rules = (head.digest, head.content)  # a pool started after the swap
            return None
        from .masking.rules_version import masker_with_rules, rules_from_text
        from .yamlsrc import SourceError

        before = self.masker.rules.digest
        try:
            rules = rules_from_text(head.content, f"masking version {head.version}")
        except SourceError as e:  # validated when stored, so only a parser change gets here; said once
            problem = f"masking rules version {head.version} not put in force: {e}"
            if problem not in self._last_problems:
                self.admin_event("masking.reload", "masking", before, None, "failure",
                                 {"version": head.version, "problem": str(e)[:200]})
            return problem
        masker = masker_with_rules(self.masker, rules)
        if self.pool is not None:
            self.pool.rules = (head.digest, head.content)
        self.masker, self.masking_version = masker, head.version
        self.admin_event("masking.reload", "masking", before, head.digest, detail={"version": head.version})
        log.info("masking rules version %s in force", head.version)
        return None

    async def mask_body(self, body: bytes, content_type: str | None, content_encoding: str | None,
                        view) -> MaskResult:
        """Mask one response body for `view`: small bodies of resources that mask cheaply here (InlineRouter),
        the others in a worker process under the `[masking] timeout_seconds` deadline (504 masking_timeout
        past it), or, without workers, on a thread under the same deadline. Same masker, same output."""
        settings, masker = self.config.masking, self.masker
        resource = view.resource.code if view.resource is not None else None
        if self.pool is None and len(body) > settings.inline_bytes:  # no workers: at least off the loop
            result = await on_thread(masker.mask_body, settings.timeout_seconds, body, content_type,
                                     content_encoding, view)
        elif self.pool is None or self.inline_router.inline(resource, len(body)):
            started = time.thread_time()
            result = masker.mask_body(body, content_type, content_encoding, view)
            self.inline_router.observe(resource, (time.thread_time() - started) * 1000)
        else:
            result = await self.pool.mask(body, content_type, content_encoding, view, settings.timeout_seconds)
        if self.shadow is not None:  # a candidate masking version in shadow looks the findings up again
            self.shadow.observe_masking(view, result.findings, masker.rules)
        return result

    def start_workers(self) -> None:
        """Start the reload thread and the masking pool (idempotent); `stop_workers` ends both."""
        if self._reload_thread is None:
            if self.shadow is None and self.engine is not None:
                from .admin import processes  # noqa: F401 - its table is created with the observer's
                from .admin.live_shadow import ShadowObserver
                self.shadow = ShadowObserver(self.config, self.engine, lambda: self.catalog.current)
            self._stop_reload = threading.Event()
            self._reload_thread = threading.Thread(target=self._reload_loop, args=(self._stop_reload,),
                                                   name="govshare-reload", daemon=True)
            self._reload_thread.start()
            self.admin_event("gateway.start", "gateway", None, self.catalog.current.digest, detail=self.in_force())
        workers = worker_count(self.config.masking.workers)
        if self.pool is None and workers > 0:
            from .masking.pool import MaskingPool
            self.pool = MaskingPool(self.config, workers, factory=self.masking_factory)

    def _reload_loop(self, stop: threading.Event) -> None:
        interval = self.config.gateway.reload_interval
        self.console_tick()  # the process is listed (and a running shadow picked up) before the first interval
        while not stop.wait(interval):
            try:
                self.reload()
            except Exception as exc:  # noqa: BLE001 - the loop must survive; the old state stays in force
                log.error("govshare reload failed (%s); the previous configuration stays in force",
                          type(exc).__name__)
            self.console_tick()

    def console_tick(self) -> None:
        """For the officers' console: the live shadow run's candidate and counts, and this process's
        heartbeat (policy version and catalog digest in force). Failures are logged; traffic is untouched."""
        from .admin import processes

        try:
            if self.shadow is not None:
                self.shadow.flush()
                self.shadow.refresh()
            if self.engine is not None:
                processes.heartbeat(self.engine, processes.process_id(),
                                    policy_version=self.policy.current.version if self.policy else None,
                                    catalog_digest=self.catalog.current.digest)
        except Exception as exc:  # noqa: BLE001 - the console's view lags; the gateway goes on
            log.error("govshare console heartbeat/shadow update failed (%s)", type(exc).__name__)

    def stop_workers(self) -> None:
        if self._stop_reload is not None:
            self._stop_reload.set()
        if self._reload_thread is not None:
            self._reload_thread.join(10)
            self.admin_event("gateway.stop", "gateway", self.catalog.current.digest, None, detail=self.in_force())
        self._stop_reload = self._reload_thread = None
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.close()

    def view_for(self, resource: Resource | None, decision=None, dept: str | None = None, app: str | None = None):
        """What a caller may see of `resource`, given its policy decision (grant, own department)."""
        from .masking.views import view_for_decision

        return view_for_decision(self.config, resource, decision, dept, app, keys=self.pseudonyms)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.stop_workers()
        if self.audit is not None:
            self.audit.close()
        if self.engine is not None:
            self.engine.dispose()


def freeze_startup_heap() -> None:
    """Move everything built so far (jieba's dictionary, Presidio, catalog, policy) out of the garbage
    collector's sight: it lives as long as the process, and the collector's full passes would otherwise walk
    those millions of objects again and again while requests allocate (a fifth of masking time, and half of
    it on a 1 MiB body). Called once the gateway's services are built, and by the benchmark before it masks."""
    gc.freeze()
