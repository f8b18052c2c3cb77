"""The gateway's parsed state in one place: catalog, identity verifier, policy, masker, audit trail.

Built once at start (everything parsed, validated and warmed up), read by the pipeline stages, and refreshed
only by `reload()` from the reload loop — never from a hook. Each part swaps atomically, so a hook always sees
one consistent version. The CLI builds the same object, so `govshare mask` and `govshare policy check` run
exactly the code the gateway runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from .catalog import CatalogSource, Resource
from .config import Config

log = logging.getLogger("govshare.services")


@dataclass
class Services:
    config: Config
    catalog: CatalogSource
    verifier: object = None  # gateway.identity.Verifier
    policy: object = None  # gateway.policy.PolicyReloader
    masker: object = None  # gateway.masking.engine.Masker
    audit: object = None  # gateway.audit.AuditTrail
    pseudonyms: object = None  # gateway.masking.pseudonym.PseudonymKeys
    engine: object = None  # SQLAlchemy engine
    _closed: bool = field(default=False, repr=False)
    _last_problems: list = field(default_factory=list, repr=False)

    @classmethod
    def open(cls, config: Config, *, with_audit: bool = True, with_identity: bool = True) -> "Services":
        """Parse and validate everything; raises with a clear message on the first invalid file."""
        from .masking.engine import build_masker
        from .masking.pseudonym import PseudonymKeys
        from .policy import PolicyReloader
        from .store import make_engine

        config.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(config.db_url)
        catalog = CatalogSource(config.catalog)
        services = cls(config=config, catalog=catalog, engine=engine)
        services.policy = PolicyReloader(config, lambda: catalog.current, engine)
        services.masker = build_masker(config)
        services.pseudonyms = PseudonymKeys(config.data_dir)
        if with_identity:
            from .identity import build_verifier
            services.verifier = build_verifier(config)
        if with_audit:
            from .audit import AuditTrail
            services.audit = AuditTrail.open(config)
        return services

    def reload(self) -> list[str]:
        """Pick up catalog and policy changes; returns the problems that kept an old version in force."""
        problems = []
        err = self.catalog.check()
        if err is not None:
            problems.append(f"catalog not reloaded, old one stays in force: {err}")
        if not self.policy.check() and getattr(self.policy, "last_error", None):
            problems.append(f"policy not reloaded, old one stays in force: {self.policy.last_error}")
        if problems != self._last_problems:  # say it once, not every reload interval
            for p in problems:
                log.warning(p)
            self._last_problems = problems
        return problems

    def view_for(self, resource: Resource | None, decision=None, dept: str | None = None, app: str | None = None):
        """What a caller may see of `resource`, given its policy decision (grant, own department)."""
        from .masking.views import view_for_decision

        return view_for_decision(self.config, resource, decision, dept, app, keys=self.pseudonyms)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.audit is not None:
            self.audit.close()
        if self.engine is not None:
            self.engine.dispose()
