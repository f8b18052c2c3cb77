"""What the console works on: one engine, the audit trail, accounts, applications, and the gateway's own
policy, masking and identity code built lazily (so `govshare admin serve` starts fast).

`record()` writes one administrator action to the trail with the acting account and its role; it raises
AuditUnavailable when it cannot, and callers refuse (or undo) the action then: nothing unaudited stays.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import UTC, datetime

from ..catalog import Catalog, CatalogSource
from ..config import Config
from ..store import make_engine
from .accounts import Accounts, Clock, User
from .applications import Applications

log = logging.getLogger("govshare.admin")


class AdminContext:
    def __init__(self, config: Config, *, clock: Clock = time.time, engine=None, audit=None):
        from ..audit import AuditTrail

        self.config = config
        self.clock = clock
        self._owns_engine = engine is None
        self.engine = engine if engine is not None else make_engine(config.db_url)
        self._owns_audit = audit is None
        self.audit = audit if audit is not None else AuditTrail.open(config, engine=self.engine)
        self.catalog_source = CatalogSource(config.catalog)
        self.accounts = Accounts(self.engine, clock=clock)
        self.applications = Applications(self.engine, self.catalog)
        self.metrics: Counter = Counter()
        self._lock = threading.Lock()
        self._policy = None
        self._masker = None
        self._masker_stamp = None
        self._verifier = None

    @classmethod
    def open(cls, config: Config, **kw) -> "AdminContext":
        config.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(config, **kw)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    # ------------------------------------------------------------------------------------ the gateway's code
    def catalog(self) -> Catalog:
        """The catalog in force (re-read when its file changed; a broken file keeps the last good one)."""
        self.catalog_source.check()
        return self.catalog_source.current

    def policy(self):
        """The policy engine the gateway would decide with now (same build as `govshare policy check`)."""
        from ..policy import PolicyReloader

        with self._lock:
            if self._policy is None:
                self._policy = PolicyReloader(self.config, self.catalog, self.engine)
            else:
                self._policy.check()
            return self._policy.current

    def masker(self):
        """The gateway's Masker (Presidio with our recognizers), built on first use and rebuilt when the
        masking rules file changed (a new version from the store of record), so the preview shows it at once."""
        from ..masking.engine import build_masker

        try:
            st = self.config.masking_rules.stat()
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            stamp = None
        with self._lock:
            if self._masker is None or stamp != self._masker_stamp:
                self._masker = build_masker(self.config)
                self._masker_stamp = stamp
            return self._masker

    def verifier(self):
        from ..identity import build_verifier

        with self._lock:
            if self._verifier is None:
                self._verifier = build_verifier(self.config)
            return self._verifier

    # ------------------------------------------------------------------------------------------ the trail
    def record(self, actor: User | str, action: str, target: str | None = None, *, role: str | None = None,
               outcome: str = "success", detail: dict | None = None, before: str | None = None,
               after: str | None = None) -> int:
        """Append one administrator action; `actor` is the acting account (or a name with `role`)."""
        name = actor.name if isinstance(actor, User) else actor
        audit_role = actor.audit_role if isinstance(actor, User) else (role or "system_admin")
        self.metrics[f"admin_actions_total|{outcome}"] += 1
        return self.audit.append_admin(name, audit_role, action, target, digest_before=before, digest_after=after,
                                       detail=detail, outcome=outcome)

    def close(self) -> None:
        if self._owns_audit:
            self.audit.close()
        if self._owns_engine:
            self.engine.dispose()
