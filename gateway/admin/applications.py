"""Share applications (共享申请): a using department applies, the providing department's security officer
approves (possibly narrowing fields and period) or refuses with a reason; approval creates the grant.

Pure functions over the database: no HTTP, no audit. The console and the gateway's `/_govshare/applications`
endpoint (gateway.admin.gateway_api) call these and record every step in the trail. The answer is due
10 working days after submission (gateway.admin.workdays); a pending application past it is overdue.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..catalog import DEPT_RE, Catalog, Share
from ..errors import GatewayError
from ..policy.grants import APP_RE, GrantError, GrantStore, check_purpose, parse_instant, utc_stamp
from .accounts import User
from .tables import ApplicationRow, ensure_admin_schema
from .workdays import answer_deadline, is_overdue, local_date

APPLICATION_ID_RE = re.compile(r"^a-[0-9a-f]{16}$")
MAX_BASIS_CHARS = 300
MAX_REASON_CHARS = 500
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
STATUSES = ("pending", "approved", "refused", "revoked")


class ApplicationError(GatewayError):
    """A refused application step: `.status` (400, 403, 404, 409), `.reason` (= `.code`) and `.message`."""

    status = 400
    reason = "invalid_application"

    def __init__(self, message: str, status: int = 400, code: str = "invalid_application"):
        super().__init__(code, message, status=status)

    @property
    def code(self) -> str:
        return self.reason


@dataclass(frozen=True)
class Application:
    id: str
    dept: str
    app: str | None
    resource: str
    provider: str
    fields: tuple[str, ...]
    pseudonym_fields: tuple[str, ...]
    purpose: str
    basis: str
    until: str
    status: str
    submitted_at: str
    submitted_by: str
    due_date: str
    calendar_warning: str | None = None
    decided_at: str | None = None
    decided_by: str | None = None
    reason: str | None = None
    granted_fields: tuple[str, ...] | None = None
    granted_pseudonym_fields: tuple[str, ...] | None = None
    granted_until: str | None = None
    grant_id: str | None = None
    revoked_at: str | None = None

    def overdue(self, now: datetime) -> bool:
        return self.status == "pending" and is_overdue(self.due_date, local_date(now))

    def to_json(self, now: datetime | None = None) -> dict:
        doc = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}
        doc["overdue"] = self.overdue(now or datetime.now(UTC))
        return doc


def _row_to_app(row: ApplicationRow) -> Application:
    def lst(text):
        return tuple(json.loads(text)) if text is not None else None
    return Application(
        id=row.id, dept=row.dept, app=row.app, resource=row.resource, provider=row.provider,
        fields=lst(row.fields), pseudonym_fields=lst(row.pseudonym_fields), purpose=row.purpose, basis=row.basis,
        until=row.until, status=row.status, submitted_at=row.submitted_at, submitted_by=row.submitted_by,
        due_date=row.due_date, calendar_warning=row.calendar_warning, decided_at=row.decided_at,
        decided_by=row.decided_by, reason=row.reason, granted_fields=lst(row.granted_fields),
        granted_pseudonym_fields=lst(row.granted_pseudonym_fields), granted_until=row.granted_until,
        grant_id=row.grant_id, revoked_at=row.revoked_at)


def _plain(error: Exception) -> str:
    """The message of an error from the grant register (a GatewayError's message without its status)."""
    return getattr(error, "message", None) or str(error)


def _names(value) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ApplicationError("fields must be a list of field names")
    out: list[str] = []
    for v in value:
        v = v.strip()
        if v and v not in out:
            out.append(v)
    return tuple(out)


def _text(value, what: str, limit: int, *, required: bool = True) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise ApplicationError(f"{what} is required")
    if len(text) > limit:
        raise ApplicationError(f"{what} is longer than {limit} characters")
    if _CONTROL_RE.search(text):
        raise ApplicationError(f"{what} must not contain control characters")
    return text


class Applications:
    """Submit, answer, revoke and list applications; grants go through the GrantStore of `engine`."""

    def __init__(self, engine: Engine, catalog: Callable[[], Catalog]):
        ensure_admin_schema(engine)
        self.engine = engine
        self.catalog = catalog

    # -------------------------------------------------------------------------------------- submitting
    def submit(self, dept: str, app: str | None, resource: str, fields, pseudonym_fields, purpose: str,
               basis: str, until: str, submitted_by: str, *, now: datetime | None = None) -> Application:
        now = now or datetime.now(UTC)
        catalog = self.catalog()
        if not isinstance(dept, str) or not DEPT_RE.match(dept):
            raise ApplicationError(f"department {dept!r} is not a department code")
        app = app.strip() if isinstance(app, str) and app.strip() else None
        if app is not None and not APP_RE.match(app):
            raise ApplicationError(f"application {app!r} is not of the form {APP_RE.pattern}")
        res = catalog.resource(resource.strip() if isinstance(resource, str) else "")
        if res is None:
            raise ApplicationError(f"resource {resource!r} is not in the catalog", 404, "unknown_resource")
        if res.share is Share.NONE:
            raise ApplicationError(f"resource {res.code} is not shared (不予共享): {res.legal_basis}", 403,
                                   "not_shared")
        if not catalog.is_registered(dept, app):
            raise ApplicationError(f"department {dept}{'/' + app if app else ''} is not registered in the catalog",
                                   403, "unknown_caller")
        if res.provider == dept:
            raise ApplicationError(f"department {dept} provides {res.code} and needs no application")
        known = {f.name for f in res.fields}
        wanted, pseudo = _names(fields), _names(pseudonym_fields)
        unknown = sorted((set(wanted) | set(pseudo)) - known)
        if unknown:
            raise ApplicationError(f"resource {res.code} has no field(s) {', '.join(unknown)}")
        if set(wanted) & set(pseudo):
            raise ApplicationError("a field cannot be both revealed and pseudonymised")
        try:
            purpose = check_purpose(purpose if isinstance(purpose, str) else "", required=True)
            moment = parse_instant(until) if isinstance(until, str) else None
        except GrantError as e:
            raise ApplicationError(_plain(e)) from None
        if moment is None:
            raise ApplicationError("until (end of the period) is required")
        until_stamp = utc_stamp(moment)
        if not utc_stamp(now) < until_stamp:
            raise ApplicationError(f"the period ends {until_stamp}, which is not in the future")
        basis = _text(basis, "the legal or business basis", MAX_BASIS_CHARS)
        deadline = answer_deadline(now)
        row = ApplicationRow(
            id=f"a-{secrets.token_hex(8)}", dept=dept, app=app, resource=res.code, provider=res.provider,
            fields=json.dumps(list(wanted), ensure_ascii=False), pseudonym_fields=json.dumps(list(pseudo)),
            purpose=purpose, basis=basis, until=until_stamp, status="pending", submitted_at=utc_stamp(now),
            submitted_by=submitted_by[:128], due_date=deadline.due.isoformat(), calendar_warning=deadline.warning)
        with Session(self.engine) as session, session.begin():
            session.add(row)
            application = _row_to_app(row)
        return application

    # ----------------------------------------------------------------------------------------- reading
    def get(self, application_id: str) -> Application | None:
        if not isinstance(application_id, str) or not APPLICATION_ID_RE.match(application_id):
            return None
        with Session(self.engine) as session:
            row = session.get(ApplicationRow, application_id)
            return _row_to_app(row) if row is not None else None

    def list(self, *, provider: str | None = None, dept: str | None = None, status: str | None = None,
             limit: int = 500) -> list[Application]:
        query = select(ApplicationRow).order_by(ApplicationRow.submitted_at.desc(), ApplicationRow.id)
        if provider:
            query = query.where(ApplicationRow.provider == provider)
        if dept:
            query = query.where(ApplicationRow.dept == dept)
        if status:
            query = query.where(ApplicationRow.status == status)
        with Session(self.engine) as session:
            return [_row_to_app(r) for r in session.scalars(query.limit(limit))]

    # --------------------------------------------------------------------------------------- answering
    def _answerable(self, application_id: str, officer: User) -> Application:
        application = self.get(application_id)
        if application is None:
            raise ApplicationError(f"no application {application_id!r}", 404, "unknown_application")
        if officer.role != "security" or (officer.dept is not None and officer.dept != application.provider):
            raise ApplicationError(f"only a security officer of {application.provider} answers this application",
                                   403, "not_your_department")
        return application

    def _finish(self, application_id: str, from_status: str, values: dict) -> Application:
        with Session(self.engine) as session, session.begin():
            changed = session.execute(update(ApplicationRow).where(ApplicationRow.id == application_id,
                                                                   ApplicationRow.status == from_status)
                                      .values(**values)).rowcount
            if not changed:
                raise ApplicationError(f"application {application_id} is no longer {from_status}", 409,
                                       "conflict")
            return _row_to_app(session.get(ApplicationRow, application_id))

    def approve(self, application_id: str, officer: User, *, fields=None, pseudonym_fields=None,
                until: str | None = None, comment: str = "", now: datetime | None = None) -> Application:
        """Approve, narrowed to `fields`/`pseudonym_fields`/`until` when given; creates the grant."""
        now = now or datetime.now(UTC)
        application = self._answerable(application_id, officer)
        if application.status != "pending":
            raise ApplicationError(f"application {application_id} is {application.status}, not pending", 409,
                                   "conflict")
        granted = _names(fields) if fields is not None else application.fields
        pseudo = _names(pseudonym_fields) if pseudonym_fields is not None else application.pseudonym_fields
        asked = set(application.fields) | set(application.pseudonym_fields)
        if not set(granted) <= set(application.fields) or not set(pseudo) <= asked:
            raise ApplicationError("an approval may narrow the requested fields, never widen them")
        if set(granted) & set(pseudo):
            raise ApplicationError("a field cannot be both revealed and pseudonymised")
        granted_until = application.until
        if until:
            try:
                granted_until = utc_stamp(parse_instant(until))
            except GrantError as e:
                raise ApplicationError(_plain(e)) from None
            if granted_until > application.until:
                raise ApplicationError("an approval may shorten the requested period, never extend it")
        comment = _text(comment, "the comment", MAX_REASON_CHARS, required=False)
        store = GrantStore(self.engine, self.catalog())
        try:
            grant = store.add(application.dept, application.app, application.resource, granted, pseudo,
                              application.purpose, granted_until, officer.name, now=now)
        except GrantError as e:
            raise ApplicationError(_plain(e)) from None
        try:
            return self._finish(application_id, "pending", {
                "status": "approved", "decided_at": utc_stamp(now), "decided_by": officer.name,
                "reason": comment or None, "granted_fields": json.dumps(list(granted), ensure_ascii=False),
                "granted_pseudonym_fields": json.dumps(list(pseudo), ensure_ascii=False),
                "granted_until": granted_until, "grant_id": grant.id})
        except ApplicationError:
            store.revoke(grant.id, officer.name, now=now)  # answered meanwhile by someone else
            raise

    def refuse(self, application_id: str, officer: User, reason: str, *,
               now: datetime | None = None) -> Application:
        """Refuse; a reason is mandatory (national rules: a refusal must say why)."""
        now = now or datetime.now(UTC)
        self._answerable(application_id, officer)
        reason = _text(reason, "a refusal reason", MAX_REASON_CHARS)
        return self._finish(application_id, "pending", {"status": "refused", "decided_at": utc_stamp(now),
                                                         "decided_by": officer.name, "reason": reason})

    def revoke(self, application_id: str, officer: User, *, now: datetime | None = None) -> Application:
        """Withdraw an approved application: its grant is revoked at once."""
        now = now or datetime.now(UTC)
        application = self._answerable(application_id, officer)
        if application.status != "approved" or not application.grant_id:
            raise ApplicationError(f"application {application_id} is {application.status}; only an approved "
                                   "one can be revoked", 409, "conflict")
        store = GrantStore(self.engine)
        grant = store.get(application.grant_id)
        if grant is not None and grant.revoked_at is None:
            store.revoke(application.grant_id, officer.name, now=now)
        return self._finish(application_id, "approved", {"status": "revoked", "revoked_at": utc_stamp(now),
                                                          "revoked_by": officer.name})
