"""Shadow mode on live traffic: a candidate catalog, base policy or masking-rules version runs beside the
one in force for a chosen period, deciding every call again without changing what the caller gets; the calls it would have
decided differently are counted and kept as examples (department, application, method, resource, path
prefix, both reasons — never a value). The officer then puts the candidate in force (a new version in the
store of record) or drops it.

Gateway side (the proxy's authorize stage and reload loop; a few lines to wire):
    observer = ShadowObserver(config, engine, catalog_provider)
    observer.observe(principal, method, resource, decision, path)   # after each policy decision
    observer.refresh(); observer.flush()                            # from the reload loop
`observe` costs one dictionary lookup when no run is active, and one more cached `decide` when one is.
A masking candidate is observed after each masked body (`observe_masking(view, findings, rules_in_force)`,
from Services.mask_body) by looking its findings up again (gateway.admin.masking_shadow): no second masking.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Column, Integer, String, Text, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .tables import AdminTables, Seconds, ensure_admin_schema

MAX_EXAMPLES = 20
MAX_HOURS = 24 * 14


class ShadowRunRow(AdminTables):
    __tablename__ = "shadow_runs"

    id = Column(String(32), primary_key=True)
    kind = Column(String(16), nullable=False)  # catalog | policy | masking
    content = Column(Text, nullable=False)
    digest = Column(String(64), nullable=False)
    created_by = Column(String(128), nullable=False)
    started_at = Column(Seconds, nullable=False)
    ends_at = Column(Seconds, nullable=False)
    status = Column(String(16), nullable=False)  # running | promoted | dropped
    calls = Column(Integer, nullable=False, default=0)
    different = Column(Integer, nullable=False, default=0)
    changes = Column(Text, nullable=False, default="{}")  # JSON {"allow->deny": n, ...}
    examples = Column(Text, nullable=False, default="[]")  # JSON list, at most MAX_EXAMPLES


def start_run(engine: Engine, versions, kind: str, text: str, hours: float, by: str, now: float) -> str:
    """Validate the candidate (as a version would be) and start a run; ends any other running one."""
    import hashlib

    from .versions import VersionError

    if kind not in ("catalog", "policy", "masking"):
        raise VersionError("live shadow runs for the catalog, the base policy or the masking rules")
    if not 0 < hours <= MAX_HOURS:
        raise VersionError(f"a shadow run lasts between a moment and {MAX_HOURS} hours")
    versions.validate(kind, text)
    ensure_admin_schema(engine)
    run_id = f"s-{secrets.token_hex(8)}"
    with Session(engine) as s, s.begin():
        s.execute(update(ShadowRunRow).where(ShadowRunRow.status == "running").values(status="dropped"))
        s.add(ShadowRunRow(id=run_id, kind=kind, content=text, digest=hashlib.sha256(text.encode()).hexdigest(),
                           created_by=by, started_at=int(now), ends_at=int(now + hours * 3600), status="running",
                           calls=0, different=0, changes="{}", examples="[]"))
    return run_id


def runs(engine: Engine, limit: int = 20) -> list[dict]:
    ensure_admin_schema(engine)
    with Session(engine) as s:
        rows = s.scalars(select(ShadowRunRow).order_by(ShadowRunRow.started_at.desc()).limit(limit)).all()
        return [{"id": r.id, "kind": r.kind, "digest": r.digest, "created_by": r.created_by,
                 "started_at": r.started_at, "ends_at": r.ends_at, "status": r.status, "calls": r.calls,
                 "different": r.different, "changes": json.loads(r.changes), "examples": json.loads(r.examples),
                 "content": r.content} for r in rows]


def finish_run(engine: Engine, run_id: str, status: str) -> dict | None:
    """Mark a running run promoted or dropped; returns it (None when it is not running)."""
    with Session(engine) as s, s.begin():
        changed = s.execute(update(ShadowRunRow).where(ShadowRunRow.id == run_id, ShadowRunRow.status == "running")
                            .values(status=status)).rowcount
    if not changed:
        return None
    return next(r for r in runs(engine, 1000) if r["id"] == run_id)


class ShadowObserver:
    """The gateway's side: the candidate engine of the running shadow run, and what it saw."""

    def __init__(self, config, engine: Engine, catalog_provider, *, clock=time.time):
        from ..policy import ensure_schema

        ensure_admin_schema(engine)
        ensure_schema(engine)
        self.config, self.engine, self.catalog_provider, self.clock = config, engine, catalog_provider, clock
        self._lock = threading.Lock()
        self._run: tuple[str, object, object, int] | None = None  # (id, candidate engine, its catalog, revision)
        self._masking: tuple[str, object] | None = None  # (id, candidate MaskingRules) of a masking run
        self._calls = 0
        self._changes: Counter = Counter()
        self._examples: list[dict] = []
        self._different = 0

    def refresh(self) -> None:
        """Load (or drop) the running run; rebuild its candidate when grants changed. From the reload loop."""
        from ..policy import read_revision

        now = int(self.clock())
        with Session(self.engine) as s:
            row = s.scalar(select(ShadowRunRow).where(ShadowRunRow.status == "running",
                                                      ShadowRunRow.ends_at > now).limit(1))
            found = (row.id, row.kind, row.content) if row is not None else None
        if found is None:
            self._run = self._masking = None
            return
        if found[1] == "masking":
            if self._masking is None or self._masking[0] != found[0]:
                from ..masking.rules_version import rules_from_text
                self._masking = (found[0], rules_from_text(found[2], f"shadow run {found[0]}"))
            self._run = None
            return
        self._masking = None
        revision = read_revision(self.engine)
        current = self._run
        if current is not None and current[0] == found[0] and current[3] == revision:
            return
        engine, catalog = self._build(found[1], found[2])
        self._run = (found[0], engine, catalog, revision)

    def _build(self, kind: str, text: str):
        import os
        import tempfile

        from ..catalog import load_catalog
        from ..policy import PolicyEngine

        live = Path(self.config.catalog if kind == "catalog" else self.config.policy)
        fd, tmp = tempfile.mkstemp(prefix=f".{live.name}.", suffix=".shadow", dir=live.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            if kind == "catalog":
                catalog = load_catalog(tmp)
                return PolicyEngine.build(replace(self.config, catalog=Path(tmp)), catalog, self.engine), catalog
            catalog = self.catalog_provider()
            return PolicyEngine.build(replace(self.config, policy=Path(tmp)), catalog, self.engine), catalog
        finally:
            Path(tmp).unlink(missing_ok=True)

    def observe(self, principal, method: str, resource, decision, path: str | None = None) -> None:
        """Decide the call again with the candidate; never raises, never changes the call."""
        run = self._run
        if run is None or resource is None:
            return
        try:
            candidate_resource = run[2].resource(resource.code)
            shadow = run[1].decide(principal, method, candidate_resource) if candidate_resource else None
            new = (shadow.allowed, shadow.reason) if shadow else (False, "unknown_resource")
            old = (decision.allowed, decision.reason)
        except Exception:  # noqa: BLE001 - the shadow must never touch the real answer; counted as an error
            new, old = (False, "shadow_error"), (decision.allowed, decision.reason)
        with self._lock:
            self._calls += 1
            if new == old:
                return
            self._different += 1
            self._changes[f"{'allow' if old[0] else 'deny'}->{'allow' if new[0] else 'deny'}"] += 1
            if len(self._examples) < MAX_EXAMPLES:
                self._examples.append({"dept": principal.dept, "app": principal.app, "method": method,
                                       "resource": resource.code, "path": path or resource.path,
                                       "now": f"{old[1]} ({decision.rule})",
                                       "candidate": f"{new[1]} ({shadow.rule if shadow else '-'})"})

    def observe_masking(self, view, findings, in_force) -> None:
        """Look a masked call's findings up with the candidate rules; never raises, never changes the call."""
        run = self._masking
        if run is None:
            return
        from .masking_shadow import differences

        try:
            found = differences(in_force, run[1], view, findings)
        except Exception:  # noqa: BLE001 - the shadow must never touch the real answer; counted as an error
            found = [{"resource": getattr(view.resource, "code", None), "path": "-", "entity": "-",
                      "now": "-", "candidate": "shadow_error", "count": 0}]
        with self._lock:
            self._calls += 1
            if not found:
                return
            self._different += 1  # the call; its changes are counted per field and entity
            for d in found:
                self._changes[f"{d['now']}->{d['candidate']}"] += 1
                if len(self._examples) < MAX_EXAMPLES:
                    self._examples.append(d)

    def flush(self) -> None:
        """Add what was seen since the last flush to the run's row. From the reload loop."""
        run = self._run or self._masking
        with self._lock:
            calls, changes, examples, different = self._calls, self._changes, self._examples, self._different
            self._calls, self._changes, self._examples, self._different = 0, Counter(), [], 0
        if run is None or not calls:
            return
        with Session(self.engine) as s, s.begin():
            row = s.get(ShadowRunRow, run[0])
            if row is None or row.status != "running":
                return
            merged = Counter(json.loads(row.changes)) + changes
            row.calls = row.calls + calls
            row.different = row.different + different
            row.changes = json.dumps(dict(merged))
            row.examples = json.dumps((json.loads(row.examples) + examples)[:MAX_EXAMPLES], ensure_ascii=False)
