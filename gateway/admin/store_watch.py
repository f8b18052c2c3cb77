"""What the gateway's reload thread checks in the store of record every interval, and the alarms it raises.

`StoreWatch.check()` reads every version row's chained fields (no content: cheap) and each kind's head with
its content, and answers, per kind, the head that verifies (chain intact, content matching its digest) or the
problem that keeps the last good version in force; and the grants whose rows differ from their seals
(gateway.policy.seals). A problem is reported as new once (the caller writes one alarm record for it) and
again only after it cleared. Rows in the middle of a chain are checked by their chained fields every
interval; their content when they become a head again (a rollback is a new head carrying old content).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .tables import ensure_admin_schema
from .versions import GENESIS, KINDS, Version, VersionRow, chain_hash


@dataclass
class StoreState:
    heads: dict[str, Version] = field(default_factory=dict)  # kind -> head that verifies
    problems: dict[str, str] = field(default_factory=dict)  # kind (or "grants") -> what is wrong
    new_alarms: list[tuple[str, str]] = field(default_factory=list)  # (kind, problem) not reported before
    grants: list[str] = field(default_factory=list)  # ids of the grants behind a "grants" problem


def chain_problem(kind: str, rows: list) -> str | None:
    """The first break in `rows` (oldest first, chained fields only), or None."""
    prev = GENESIS
    for expected, r in enumerate(rows, start=1):
        if r.version != expected:
            return f"{kind} version {expected} is missing"
        if r.prev_hash != prev or r.hash != chain_hash(prev, kind, r.version, r.action, r.digest, r.author, r.at,
                                                       r.comment):
            return f"{kind} version {r.version} was altered in the database"
        prev = r.hash
    return None


class StoreWatch:
    def __init__(self, engine: Engine):
        from ..policy.seals import ensure_seals

        ensure_admin_schema(engine)
        ensure_seals(engine)
        self.engine = engine
        self._reported: dict[str, tuple] = {}
        self._lock = threading.Lock()  # the reload thread and a direct reload() must not both report an alarm

    def check(self) -> StoreState:
        with self._lock:
            return self._check()

    def _check(self) -> StoreState:
        from ..policy.seals import check_grants

        state = StoreState()
        cols = (VersionRow.kind, VersionRow.version, VersionRow.action, VersionRow.digest, VersionRow.author,
                VersionRow.at, VersionRow.comment, VersionRow.prev_hash, VersionRow.hash)
        with Session(self.engine) as s:
            rows = s.execute(select(*cols).order_by(VersionRow.kind, VersionRow.version)).all()
            by_kind: dict[str, list] = {}
            for r in rows:
                by_kind.setdefault(r.kind, []).append(r)
            for kind in KINDS:
                chain = by_kind.get(kind)
                if not chain:
                    continue
                problem = chain_problem(kind, chain)
                if problem is None:
                    head = s.scalar(select(VersionRow).where(VersionRow.kind == kind,
                                                             VersionRow.version == chain[-1].version))
                    if hashlib.sha256(head.content.encode("utf-8")).hexdigest() != head.digest:
                        problem = f"{kind} version {head.version} was altered in the database"
                    else:
                        state.heads[kind] = Version(head.kind, head.version, head.action, head.digest, head.author,
                                                    head.at, head.comment, head.hash, head.content)
                if problem is not None:
                    state.problems[kind] = problem
        grants = check_grants(self.engine)
        if grants:
            whats = sorted({what for _, what in grants})
            state.problems["grants"] = f"{len(grants)} grant(s) {', '.join(whats)}"
            state.grants = [grant_id for grant_id, _ in grants]
        reported = {k: (p, tuple(state.grants) if k == "grants" else ()) for k, p in state.problems.items()}
        for kind, problem in state.problems.items():
            if self._reported.get(kind) != reported[kind]:
                state.new_alarms.append((kind, problem))
        self._reported = reported
        return state
