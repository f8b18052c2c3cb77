"""Shadow evaluation of a candidate catalog or base policy against recorded traffic (the audit trail).

The newest request records (department, application, resource, method, purpose — never a body or value)
are decided twice, at the same instant, by the policy in force and by a candidate built from the proposed
text with the gateway's own code; the calls decided differently are counted and shown with their resource
path prefix. This replays what callers did; it does not sit in the live request path (see the report).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from ..audit import store as audit_store
from ..catalog import load_catalog
from ..policy import Caller, PolicyEngine
from ..yamlsrc import SourceError

MAX_EXAMPLES = 20


@dataclass
class ShadowResult:
    calls: int = 0
    different: int = 0
    changes: Counter = field(default_factory=Counter)  # "allow->deny" etc.
    examples: list = field(default_factory=list)
    error: str | None = None


def _recorded_calls(engine, limit: int) -> list[dict]:
    recs = audit_store.records
    with engine.connect() as conn:
        rows = conn.execute(select(recs.c.canonical).where(recs.c.event == "request", recs.c.resource.is_not(None),
                                                          recs.c.dept.is_not(None))
                            .order_by(recs.c.seq.desc()).limit(limit)).all()
    return [json.loads(bytes(r.canonical)) for r in rows]


def _candidate(ctx, kind: str, text: str) -> PolicyEngine:
    live = Path(ctx.config.catalog if kind == "catalog" else ctx.config.policy)
    fd, tmp = tempfile.mkstemp(prefix=f".{live.name}.", suffix=".shadow", dir=live.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        if kind == "catalog":
            config, catalog = replace(ctx.config, catalog=Path(tmp)), load_catalog(tmp)
        else:
            config, catalog = replace(ctx.config, policy=Path(tmp)), ctx.catalog()
        return PolicyEngine.build(config, catalog, ctx.engine), catalog
    finally:
        Path(tmp).unlink(missing_ok=True)


def run_shadow(ctx, kind: str, text: str, limit: int = 5000, now: datetime | None = None) -> ShadowResult:
    result = ShadowResult()
    if kind not in ("catalog", "policy"):
        result.error = ("replaying recorded calls is for the catalog or the base policy (the trail keeps no "
                        "bodies); run a masking candidate in shadow on live traffic")
        return result
    try:
        candidate, candidate_catalog = _candidate(ctx, kind, text)
    except SourceError as e:
        result.error = str(e)
        return result
    current, current_catalog = ctx.policy(), ctx.catalog()
    now = now or ctx.now()
    for rec in _recorded_calls(ctx.engine, max(1, min(limit, 100_000))):
        caller = Caller(rec["dept"], rec.get("app"), rec.get("purpose"))
        method = rec.get("method") or "GET"
        old_res = current_catalog.resource(rec["resource"])
        new_res = candidate_catalog.resource(rec["resource"])
        old = current.decide(caller, method, old_res, now=now) if old_res else None
        new = candidate.decide(caller, method, new_res, now=now) if new_res else None
        result.calls += 1
        old_key = (old.allowed, old.reason) if old else (False, "unknown_resource")
        new_key = (new.allowed, new.reason) if new else (False, "unknown_resource")
        if old_key == new_key:
            continue
        result.different += 1
        change = f"{'allow' if old_key[0] else 'deny'}->{'allow' if new_key[0] else 'deny'}"
        result.changes[change] += 1
        if len(result.examples) < MAX_EXAMPLES:
            result.examples.append({"seq_ts": rec.get("ts"), "dept": rec["dept"], "app": rec.get("app"),
                                    "method": method, "resource": rec["resource"], "path": rec.get("path"),
                                    "now": f"{old_key[1]} ({old.rule if old else '-'})",
                                    "candidate": f"{new_key[1]} ({new.rule if new else '-'})"})
    return result
