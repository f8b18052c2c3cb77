"""The policy's tables in the gateway's database and the Casbin SQLAlchemy adapter over them.

Owns `casbin_rule` (the adapter's table, eight value columns), `grants` (grant metadata),
`policy_meta` (the revision every change bumps and every gateway polls) and `PolicyAdapter`.
"""

from __future__ import annotations

import casbin_sqlalchemy_adapter
from sqlalchemy import Column, Integer, String, Text, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session

from ..store import schema_transaction


class PolicyTables(DeclarativeBase):
    """The tables this module owns (created on first use)."""


class RuleRow(PolicyTables):
    """One Casbin rule (`casbin_rule`, the adapter's table) with room for the 7 policy columns."""

    __tablename__ = "casbin_rule"

    id = Column(Integer, primary_key=True)
    ptype = Column(String(255))
    v0 = Column(String(255))
    v1 = Column(String(255))
    v2 = Column(String(255))
    v3 = Column(String(255))
    v4 = Column(String(255))
    v5 = Column(String(255))
    v6 = Column(String(255))
    v7 = Column(String(255))

    def values(self) -> list[str]:
        """The rule's values up to the first unset column (Casbin's convention)."""
        out = []
        for v in (self.v0, self.v1, self.v2, self.v3, self.v4, self.v5, self.v6, self.v7):
            if v is None:
                break
            out.append(v)
        return out

    def __str__(self) -> str:
        return ", ".join([self.ptype, *self.values()])


class GrantRow(PolicyTables):
    __tablename__ = "grants"

    id = Column(String(32), primary_key=True)
    dept = Column(String(32), nullable=False, index=True)
    app = Column(String(64))
    resource = Column(String(64), nullable=False, index=True)
    fields = Column(Text, nullable=False)  # JSON list
    pseudonym_fields = Column(Text, nullable=False)  # JSON list
    purpose = Column(Text, nullable=False)
    until = Column(String(20), nullable=False)
    created_at = Column(String(20), nullable=False)
    created_by = Column(String(128), nullable=False)
    revoked_at = Column(String(20))
    revoked_by = Column(String(128))


class PolicyMetaRow(PolicyTables):
    """A single row (id 1) whose revision every policy change bumps; gateways poll it."""

    __tablename__ = "policy_meta"

    id = Column(Integer, primary_key=True)
    revision = Column(Integer, nullable=False, default=0)


def ensure_schema(engine: Engine) -> None:
    """Create the policy tables and the revision row when missing (safe to call from several processes)."""
    with schema_transaction(engine) as conn:  # several processes may open a new database at once
        PolicyTables.metadata.create_all(conn)
    with Session(engine) as session:
        if session.get(PolicyMetaRow, 1) is None:
            session.add(PolicyMetaRow(id=1, revision=0))
            try:
                session.commit()
            except IntegrityError:  # another process created it first
                session.rollback()


def read_revision(engine: Engine) -> int:
    """The policy revision: one primary-key SELECT, cheap enough to poll every second."""
    with engine.connect() as conn:
        value = conn.execute(select(PolicyMetaRow.revision).where(PolicyMetaRow.id == 1)).scalar()
    return int(value or 0)


def _bump_revision(session: Session) -> None:
    session.execute(update(PolicyMetaRow).where(PolicyMetaRow.id == 1)
                    .values(revision=PolicyMetaRow.revision + 1))


class PolicyAdapter(casbin_sqlalchemy_adapter.Adapter):
    """Casbin's SQLAlchemy adapter on `casbin_rule` with eight value columns.

    Rules are handed to Casbin as value lists, not re-parsed from a comma-joined string, so a purpose
    containing a comma or a bracket survives the round trip.
    """

    def __init__(self, engine: Engine):
        ensure_schema(engine)
        super().__init__(engine, db_class=RuleRow, create_all_models=False)

    def load_policy(self, model) -> None:
        for _row_id, ptype, values in self.rows():
            sec = ptype[:1]
            if sec in model.model and ptype in model.model[sec]:
                model.model[sec][ptype].policy.append(values)

    def rows(self) -> list[tuple[int, str, list[str]]]:
        """Every stored rule as (row id, ptype, values), in insertion order."""
        with self.session_local() as session:
            return [(r.id, r.ptype, r.values()) for r in session.scalars(select(RuleRow).order_by(RuleRow.id))]

    def add_policy_in(self, session: Session, ptype: str, rule: list[str]) -> None:
        """Add a rule inside the caller's transaction (so a grant, its rule and the revision commit together)."""
        self._save_policy_line(ptype, rule, session=session)

    @staticmethod
    def remove_named_rule_in(session: Session, ptype: str, rule_name: str, name_column: int) -> int:
        """Delete the rules of `ptype` whose column `name_column` equals `rule_name`; returns the count."""
        column = getattr(RuleRow, f"v{name_column}")
        rows = session.scalars(select(RuleRow).where(RuleRow.ptype == ptype, column == rule_name)).all()
        for row in rows:
            session.delete(row)
        return len(rows)
