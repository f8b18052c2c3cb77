"""Administrator accounts (one role each), argon2 password hashes, sign-in throttling and sessions.

Roles follow 三权分立: `system` (deploys, departments, upstreams, keys), `security` (catalog, policy,
applications, grants, masking) and `audit` (reads, verifies and exports the trail). An account holds exactly
one role. A session is a random cookie value of which only the SHA-256 is stored; it ends after
`idle_seconds` without use or `max_seconds` after sign-in. Sign-in is refused (throttled) after
`max_failures` failures within `window_seconds` for the same account or the same client address.

Sign-in with the identity service's JWT (`authenticate_token`) is the alternative to a password: the token
must verify with the gateway's own identity verifier (trusted issuer, audience, keys, expiry), live at most
`MAX_TOKEN_SECONDS`, and carry `console_account` (an existing, enabled account) and `console_role` (exactly
one role, the account's own); a security officer's token must name the account's department. The same
throttling counts its failures; a refused token is counted under the account it names (or `(token)`).
Nothing here writes the audit trail: the caller (console, CLI) records every outcome with the acting account.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..catalog import DEPT_RE
from .tables import AttemptRow, SessionRow, UserRow, ensure_admin_schema

ROLES = ("system", "security", "audit")
AUDIT_ROLE = {"system": "system_admin", "security": "security_admin", "audit": "audit_admin"}
NAME_RE = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")
MIN_PASSWORD_CHARS = 12
TOKEN_ACCOUNT_CLAIM, TOKEN_ROLE_CLAIM = "console_account", "console_role"
MAX_TOKEN_SECONDS = 600  # a sign-in token is for signing in now, not a long-lived credential
UNNAMED_TOKEN = "(token)"  # the throttling key of a token that names no usable account
MAX_PASSWORD_CHARS = 256

Clock = Callable[[], float]


class AccountError(ValueError):
    """An account could not be created or changed; the message names the problem (never the password)."""


class LoginRefused(Exception):
    """Sign-in refused: `.reason` is `bad_credentials`, `throttled` or `disabled`, or for a token
    `token_<identity reason>`, `token_claims`, `token_lifetime`, `token_role` or `token_dept` (shown to
    nobody but the trail)."""

    def __init__(self, reason: str, user: "User | None" = None):
        super().__init__(reason)
        self.reason = reason
        self.user = user


@dataclass(frozen=True)
class User:
    name: str
    role: str
    dept: str | None = None

    @property
    def audit_role(self) -> str:
        return AUDIT_ROLE[self.role]


@dataclass(frozen=True)
class SessionInfo:
    user: User
    csrf: str
    session_id: str


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError(f"the password must have at most {MAX_PASSWORD_CHARS} characters")


class Accounts:
    """Accounts, sign-in and sessions on the gateway's database engine."""

    def __init__(self, engine: Engine, *, clock: Clock = time.time, idle_seconds: int = 900,
                 max_seconds: int = 8 * 3600, max_failures: int = 5, window_seconds: int = 900):
        ensure_admin_schema(engine)
        self.engine = engine
        self.clock = clock
        self.idle_seconds, self.max_seconds = idle_seconds, max_seconds
        self.max_failures, self.window_seconds = max_failures, window_seconds
        self._hasher = PasswordHasher()
        self._dummy = self._hasher.hash(secrets.token_hex(16))  # unknown accounts cost the same time

    # ---------------------------------------------------------------------------------------- accounts
    def create_user(self, name: str, role: str, password: str, created_by: str, dept: str | None = None) -> User:
        name = (name or "").strip()
        if not NAME_RE.match(name):
            raise AccountError(f"account name {name!r} must match {NAME_RE.pattern}")
        if role not in ROLES:
            raise AccountError(f"role must be exactly one of {', '.join(ROLES)}")
        dept = (dept or "").strip() or None
        if dept is not None and not DEPT_RE.match(dept):
            raise AccountError(f"department {dept!r} is not of the form {DEPT_RE.pattern}")
        if dept is not None and role != "security":
            raise AccountError("only a security officer acts for one department")
        check_password(password)
        stamp = datetime.fromtimestamp(self.clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        row = UserRow(name=name, role=role, dept=dept, password_hash=self._hasher.hash(password),
                      created_at=stamp, created_by=created_by)
        try:
            with Session(self.engine) as session, session.begin():
                session.add(row)
        except IntegrityError:
            raise AccountError(f"account {name!r} exists already (one account, one role)") from None
        return User(name, role, dept)

    def set_password(self, name: str, password: str) -> None:
        """Replace an account's password (the demo resets its accounts on every start)."""
        check_password(password)
        with Session(self.engine) as session, session.begin():
            row = session.get(UserRow, name)
            if row is None:
                raise AccountError(f"no account {name!r}")
            row.password_hash = self._hasher.hash(password)

    def disable(self, name: str) -> User:
        """Disable an account (kept for the trail's sake, never deleted) and end its sessions."""
        now = int(self.clock())
        with Session(self.engine) as session, session.begin():
            row = session.get(UserRow, name)
            if row is None or row.disabled_at:
                raise AccountError(f"no active account {name!r}")
            row.disabled_at = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            session.execute(update(SessionRow).where(SessionRow.user == name, SessionRow.ended_at.is_(None))
                            .values(ended_at=now))
            return User(row.name, row.role, row.dept)

    def get(self, name: str) -> User | None:
        with Session(self.engine) as session:
            row = session.get(UserRow, name)
            if row is None or row.disabled_at:
                return None
            return User(row.name, row.role, row.dept)

    def list(self) -> list[User]:
        with Session(self.engine) as session:
            return [User(r.name, r.role, r.dept) for r in session.scalars(select(UserRow).order_by(UserRow.name))
                    if not r.disabled_at]

    # ----------------------------------------------------------------------------------------- sign-in
    def _failures(self, session: Session, column, value: str, since: int) -> int:
        return session.scalar(select(func.count()).select_from(AttemptRow)
                              .where(column == value, AttemptRow.at >= since, AttemptRow.ok == 0)) or 0

    def authenticate(self, name: str, password: str, client: str) -> User:
        """The account, when `password` is right and neither the account nor the client is throttled."""
        now = int(self.clock())
        name = (name or "").strip()[:64]
        client = (client or "unknown")[:64]
        refusal: LoginRefused | None = None
        with Session(self.engine) as session, session.begin():
            since = now - self.window_seconds
            row = session.get(UserRow, name) if NAME_RE.match(name) else None
            known = User(row.name, row.role, row.dept) if row is not None else None
            if (self._failures(session, AttemptRow.name, name, since) >= self.max_failures
                    or self._failures(session, AttemptRow.client, client, since) >= self.max_failures * 4):
                raise LoginRefused("throttled", known)  # nothing to count: rolled back
            ok = False
            try:
                ok = self._hasher.verify(row.password_hash if row else self._dummy, password or "")
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                ok = False
            ok = ok and row is not None
            session.add(AttemptRow(name=name, client=client, at=now, ok=1 if ok else 0))
            if not ok:
                refusal = LoginRefused("bad_credentials", known)
            elif row.disabled_at:
                refusal = LoginRefused("disabled", known)
            elif self._hasher.check_needs_rehash(row.password_hash):
                row.password_hash = self._hasher.hash(password)
        if refusal is not None:  # raised after the commit: the failed attempt counts
            raise refusal
        return known

    def authenticate_token(self, verify: Callable[[], tuple[str, dict]], client: str) -> User:
        """The account a sign-in token names. `verify()` checks the token with the identity verifier and
        returns (its verified department, its claims), or raises IdentityError. The client is checked for
        throttling before the token is (a signature check is the costly part); then the account it names."""
        from ..identity import IdentityError

        now = int(self.clock())
        client = (client or "unknown")[:64]
        since = now - self.window_seconds
        with Session(self.engine) as session:
            if self._failures(session, AttemptRow.client, client, since) >= self.max_failures * 4:
                raise LoginRefused("throttled")
        try:
            dept, claims = verify()
            refusal, name = None, claims.get(TOKEN_ACCOUNT_CLAIM)
        except IdentityError as e:
            refusal, name, dept, claims = f"token_{e.reason}", None, None, {}
        name = name.strip() if isinstance(name, str) and NAME_RE.match(name.strip()) else None
        with Session(self.engine) as session, session.begin():
            row = session.get(UserRow, name) if name else None
            known = User(row.name, row.role, row.dept) if row is not None else None
            if name and self._failures(session, AttemptRow.name, name, since) >= self.max_failures:
                raise LoginRefused("throttled", known)  # nothing to count: rolled back
            refusal = refusal or self._token_refusal(claims, row, dept)
            if refusal is None and row.disabled_at:
                refusal = "disabled"
            session.add(AttemptRow(name=name or UNNAMED_TOKEN, client=client, at=now, ok=0 if refusal else 1))
        if refusal is not None:  # raised after the commit: the failed attempt counts
            raise LoginRefused(refusal, known)
        return known

    @staticmethod
    def _token_refusal(claims: dict, row: "UserRow | None", dept: str | None) -> str | None:
        """Why verified `claims` do not sign `row` in (None: they do)."""
        role = claims.get(TOKEN_ROLE_CLAIM)
        if row is None or not isinstance(role, str):
            return "token_claims"  # no console claims (a data-access token), or no such account
        issued, expires = claims.get("iat"), claims.get("exp")
        if (not isinstance(issued, int) or not isinstance(expires, int) or isinstance(issued, bool)
                or expires - issued > MAX_TOKEN_SECONDS):
            return "token_lifetime"
        if role != row.role:
            return "token_role"
        if row.dept is not None and dept != row.dept:
            return "token_dept"
        return None

    # ---------------------------------------------------------------------------------------- sessions
    def start_session(self, user: User) -> tuple[str, SessionInfo]:
        """A new session for `user`: (cookie value, session info)."""
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = int(self.clock())
        sid = _hash_token(token)
        with Session(self.engine) as session, session.begin():
            session.add(SessionRow(id=sid, user=user.name, csrf=csrf, created_at=now, last_seen=now))
        return token, SessionInfo(user, csrf, sid)

    def session(self, token: str | None) -> SessionInfo | None:
        """The live session named by the cookie value (and it is touched), or None when absent or expired."""
        if not token or len(token) > 128:
            return None
        now = int(self.clock())
        sid = _hash_token(token)
        with Session(self.engine) as session, session.begin():
            row = session.get(SessionRow, sid)
            if row is None or row.ended_at is not None:
                return None
            if now - row.last_seen > self.idle_seconds or now - row.created_at > self.max_seconds:
                row.ended_at = now
                return None
            user = session.get(UserRow, row.user)
            if user is None or user.disabled_at:
                row.ended_at = now
                return None
            row.last_seen = now
            return SessionInfo(User(user.name, user.role, user.dept), row.csrf, sid)

    def end_session(self, token: str | None) -> None:
        if not token:
            return
        with Session(self.engine) as session, session.begin():
            session.execute(update(SessionRow).where(SessionRow.id == _hash_token(token),
                                                     SessionRow.ended_at.is_(None))
                            .values(ended_at=int(self.clock())))


def same_token(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two CSRF tokens (both must be present)."""
    return bool(a) and bool(b) and secrets.compare_digest(a.encode(), b.encode())

