"""Grant seals: the digest of every grant row as the grant store last wrote it, so a row edited directly in
the database (a widened `fields`, a later `until`, a cleared `revoked_at`) is found at the next reload.

`seal_grant(session, row)` is called by the grant store inside the transaction that adds or revokes a grant;
`check_grants(engine)` compares every row with its seal and names the grants that differ, lack a seal or
lost their row. Seals are plain SHA-256 (like the version chain): they catch an edit made outside the
gateway's code, not someone who also recomputes the seal. Portable SQL only.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import Column, String, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .tables import GrantRow, PolicyTables, ensure_schema

SEALED_COLUMNS = ("id", "dept", "app", "resource", "fields", "pseudonym_fields", "purpose", "until",
                  "created_at", "created_by", "revoked_at", "revoked_by")


class GrantSealRow(PolicyTables):
    __tablename__ = "grant_seals"

    grant_id = Column(String(32), primary_key=True)
    digest = Column(String(64), nullable=False)


def row_digest(row) -> str:
    """SHA-256 over the canonical JSON of a grant row's columns."""
    doc = {name: getattr(row, name) for name in SEALED_COLUMNS}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
                          .encode("utf-8")).hexdigest()


def seal_grant(session: Session, grant_id: str) -> None:
    """Record grant `grant_id` as the grant store wrote it (inside the caller's transaction). The first seal
    on a database with older, unsealed grants seals those as they stand (trust on first use)."""
    session.flush()
    if session.scalar(select(GrantSealRow.grant_id).limit(1)) is None:
        for row in session.scalars(select(GrantRow)):
            session.merge(GrantSealRow(grant_id=row.id, digest=row_digest(row)))
    row = session.get(GrantRow, grant_id)
    session.merge(GrantSealRow(grant_id=row.id, digest=row_digest(row)))


def ensure_seals(engine: Engine) -> int:
    """Create the table; on a database that has grants but no seal at all (made before seals existed), seal
    every row as it stands (trust on first use). Returns the number of rows sealed that way."""
    ensure_schema(engine)  # the policy's tables, this one among them
    with Session(engine) as s, s.begin():
        if s.scalar(select(GrantSealRow.grant_id).limit(1)) is not None:
            return 0
        rows = s.scalars(select(GrantRow)).all()
        for row in rows:
            s.add(GrantSealRow(grant_id=row.id, digest=row_digest(row)))
        return len(rows)


def check_grants(engine: Engine) -> list[tuple[str, str]]:
    """(grant id, what) for each grant whose row differs from its seal, has none, or lost its row; no values."""
    with Session(engine) as s:
        seals = {r.grant_id: r.digest for r in s.scalars(select(GrantSealRow))}
        problems = []
        seen = set()
        for row in s.scalars(select(GrantRow).order_by(GrantRow.id)):
            seen.add(row.id)
            sealed = seals.get(row.id)
            if sealed is None:
                problems.append((row.id, "inserted outside the grant store"))
            elif sealed != row_digest(row):
                problems.append((row.id, "altered in the database"))
        for grant_id in sorted(set(seals) - seen):
            problems.append((grant_id, "deleted from the database"))
    return problems
