"""The console's tables (accounts, sessions, sign-in attempts, share applications), portable SQL only.

Every column is a plain String/Text/Integer so the same schema runs on SQLite and PostgreSQL; times are
fixed-width UTC stamps (string order is time order), created by `ensure_admin_schema`.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from ..store import schema_transaction


class AdminTables(DeclarativeBase):
    """The tables this package owns."""


# Unix seconds: 64-bit on PostgreSQL (a 32-bit INTEGER ends in 2038), SQLite's INTEGER is 64-bit already.
Seconds = BigInteger().with_variant(Integer, "sqlite")


class UserRow(AdminTables):
    __tablename__ = "admin_users"

    name = Column(String(64), primary_key=True)
    role = Column(String(16), nullable=False)  # system | security | audit
    dept = Column(String(32))  # the department a security officer acts for (None: every department)
    password_hash = Column(String(255), nullable=False)
    created_at = Column(String(20), nullable=False)
    created_by = Column(String(128), nullable=False)
    disabled_at = Column(String(20))


class SessionRow(AdminTables):
    __tablename__ = "admin_sessions"

    id = Column(String(64), primary_key=True)  # SHA-256 of the cookie value, never the value itself
    user = Column(String(64), nullable=False, index=True)
    csrf = Column(String(64), nullable=False)
    created_at = Column(Seconds, nullable=False)
    last_seen = Column(Seconds, nullable=False)
    ended_at = Column(Seconds)


class AttemptRow(AdminTables):
    """One sign-in attempt (for throttling by account and by client address)."""

    __tablename__ = "admin_login_attempts"
    __table_args__ = (Index("ix_admin_attempt_name_at", "name", "at"), Index("ix_admin_attempt_client_at",
                                                                             "client", "at"))

    id = Column(Integer, primary_key=True, autoincrement=True)
    name = Column(String(64), nullable=False)
    client = Column(String(64), nullable=False)
    at = Column(Seconds, nullable=False)
    ok = Column(Integer, nullable=False)  # 1 success, 0 failure


class ApplicationRow(AdminTables):
    """A share application (共享申请): who asks which resource, which fields, why, until when — and the answer."""

    __tablename__ = "share_applications"

    id = Column(String(32), primary_key=True)
    dept = Column(String(32), nullable=False, index=True)  # applying (using) department
    app = Column(String(64))
    resource = Column(String(64), nullable=False)
    provider = Column(String(32), nullable=False, index=True)
    fields = Column(Text, nullable=False)  # JSON list
    pseudonym_fields = Column(Text, nullable=False)  # JSON list
    purpose = Column(Text, nullable=False)
    basis = Column(Text, nullable=False)  # legal or business basis
    until = Column(String(20), nullable=False)  # requested end of the period (UTC stamp)
    status = Column(String(16), nullable=False, index=True)  # pending | approved | refused | revoked
    submitted_at = Column(String(20), nullable=False)
    submitted_by = Column(String(128), nullable=False)
    due_date = Column(String(10), nullable=False)  # YYYY-MM-DD, 10 working days
    calendar_warning = Column(Text)
    decided_at = Column(String(20))
    decided_by = Column(String(128))
    reason = Column(Text)  # refusal reason or approval comment
    granted_fields = Column(Text)  # JSON list
    granted_pseudonym_fields = Column(Text)
    granted_until = Column(String(20))
    grant_id = Column(String(32))
    revoked_at = Column(String(20))
    revoked_by = Column(String(128))


def ensure_admin_schema(engine: Engine) -> None:
    """Create the console's tables when missing (idempotent)."""
    with schema_transaction(engine) as conn:  # several processes may open a new database at once
        AdminTables.metadata.create_all(conn)
