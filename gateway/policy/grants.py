"""The grant register (共享申请批复): grants, their validation, and the time stamps and subjects they use.

A grant is an approved application for a conditional resource: who (a department, or one application of
it), which resource, which protected fields it reveals or pseudonymises, for what purpose and until when.
Each active grant is also a Casbin rule named `grant:<id>`, stored through Casbin's SQLAlchemy adapter in
`casbin_rule`; the grant's metadata lives in `grants`. Every change bumps the revision in `policy_meta`
in the same transaction, which is what running gateways poll to know they must rebuild their policy.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..catalog import DEPT_RE, Catalog, Share
from .seals import seal_grant
from .tables import GrantRow, PolicyAdapter, _bump_revision, read_revision

APP_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
GRANT_ID_RE = re.compile(r"^g-[0-9a-f]{16}$")
STAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # fixed width: string order is time order
READ_METHODS = ("GET", "HEAD")
READ_ACT = "|".join(READ_METHODS)
MAX_PURPOSE_CHARS = 200
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


class GrantError(ValueError):
    """A grant request or change is invalid; the message names the problem (never a data value)."""


# ---------------------------------------------------------------------------------------------- times


def utc_stamp(moment: datetime) -> str:
    """`moment` as ISO-8601 UTC with seconds, e.g. 2026-03-01T08:00:00Z; refuses naive datetimes."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no time zone; use an aware datetime")
    return moment.astimezone(UTC).strftime(STAMP_FORMAT)


_last_stamp: tuple[int, str] = (-1, "")


def now_stamp() -> str:
    """utc_stamp of the current time, formatted once per second (the policy asks on every request)."""
    global _last_stamp
    second = int(time.time())
    last = _last_stamp
    if last[0] != second:
        last = _last_stamp = (second, time.strftime(STAMP_FORMAT, time.gmtime(second)))
    return last[1]


def parse_instant(text: str) -> datetime:
    """An ISO-8601 datetime with an explicit offset or Z; raises GrantError otherwise."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise GrantError(f"{text!r} is not an ISO-8601 datetime (e.g. 2026-12-31T23:59:59+08:00)") from None
    if moment.tzinfo is None:
        raise GrantError(f"{text!r} has no time zone; add one (e.g. 2026-12-31T23:59:59+08:00 or ...Z)")
    return moment


def is_utc_stamp(text: str) -> bool:
    try:
        return datetime.strptime(text, STAMP_FORMAT).strftime(STAMP_FORMAT) == text
    except ValueError:
        return False


# ---------------------------------------------------------------------------------------------- subjects


def dept_subject(dept: str) -> str:
    return f"dept:{dept}"


def app_subject(dept: str, app: str) -> str:
    return f"app:{dept}/{app}"


def check_purpose(purpose: str, *, required: bool) -> str:
    purpose = (purpose or "").strip()
    if not purpose:
        if required:
            raise GrantError("a grant must state its purpose (shared data may be used only for it)")
        return ""
    if len(purpose) > MAX_PURPOSE_CHARS:
        raise GrantError(f"purpose is longer than {MAX_PURPOSE_CHARS} characters")
    if _CONTROL_RE.search(purpose):
        raise GrantError("purpose must not contain control characters")
    return purpose


# ---------------------------------------------------------------------------------------------- grants

RULE_NAME_COLUMN = 6  # p = sub, obj, act, eft, until, purpose, rule


@dataclass(frozen=True)
class Grant:
    id: str
    dept: str
    app: str | None
    resource: str
    fields: tuple[str, ...]
    pseudonym_fields: tuple[str, ...]
    purpose: str
    until: str  # ISO-8601 UTC, "...Z"
    created_at: str
    created_by: str
    revoked_at: str | None = None

    @property
    def rule_name(self) -> str:
        return f"grant:{self.id}"

    @property
    def subject(self) -> str:
        return app_subject(self.dept, self.app) if self.app else dept_subject(self.dept)

    def expired(self, now: datetime | str) -> bool:
        stamp = now if isinstance(now, str) else utc_stamp(now)
        return not stamp < self.until

    def status(self, now: datetime) -> str:
        if self.revoked_at:
            return "revoked"
        return "expired" if self.expired(now) else "active"

    def to_json(self) -> dict:
        doc = asdict(self)
        doc["fields"], doc["pseudonym_fields"] = list(self.fields), list(self.pseudonym_fields)
        return doc


def grant_rule(grant: Grant) -> list[str]:
    """The Casbin policy rule a grant compiles into: read access for its subject, until its expiry."""
    return [grant.subject, grant.resource, READ_ACT, "allow", grant.until, grant.purpose, grant.rule_name]


def _to_grant(row: GrantRow) -> Grant:
    return Grant(id=row.id, dept=row.dept, app=row.app, resource=row.resource,
                 fields=tuple(json.loads(row.fields)), pseudonym_fields=tuple(json.loads(row.pseudonym_fields)),
                 purpose=row.purpose, until=row.until, created_at=row.created_at, created_by=row.created_by,
                 revoked_at=row.revoked_at)


def load_grants(engine: Engine, *, include_revoked: bool = False) -> list[Grant]:
    with Session(engine) as session:
        query = select(GrantRow).order_by(GrantRow.created_at, GrantRow.id)
        if not include_revoked:
            query = query.where(GrantRow.revoked_at.is_(None))
        return [_to_grant(r) for r in session.scalars(query)]


def grants_digest(grants: list[Grant]) -> str:
    """SHA-256 over the canonical JSON of the given grants, sorted by id."""
    canonical = json.dumps(sorted((g.to_json() for g in grants), key=lambda d: d["id"]),
                           sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _admin_name(by: str, what: str) -> str:
    by = (by or "").strip()
    if not by or len(by) > 128 or _CONTROL_RE.search(by):
        raise GrantError(f"{what} must name the administrator (1-128 printable characters)")
    return by


def _field_list(names, resource_code: str, known: set[str], what: str) -> tuple[str, ...]:
    if isinstance(names, str):
        names = names.split(",")
    out: list[str] = []
    for name in names or ():
        name = name.strip()
        if not name:
            continue
        if name not in known:
            raise GrantError(f"{what}: resource {resource_code} has no field {name!r}")
        if name not in out:
            out.append(name)
    return tuple(out)


class GrantStore:
    """Adds, revokes and lists grants on the shared engine; every change bumps the policy revision.

    `catalog` is needed only to validate new grants (resource, fields, share attribute).
    """

    def __init__(self, engine: Engine, catalog: Catalog | None = None):
        self.engine = engine
        self.catalog = catalog
        self.adapter = PolicyAdapter(engine)

    def add(self, dept: str, app: str | None, resource: str, fields, pseudonym_fields, purpose: str,
            until: str | datetime, created_by: str, *, now: datetime | None = None) -> Grant:
        now = now or datetime.now(UTC)
        if self.catalog is None:
            raise GrantError("a catalog is needed to validate a new grant")
        dept = (dept or "").strip()
        if not DEPT_RE.match(dept):
            raise GrantError(f"department {dept!r} is not of the form {DEPT_RE.pattern}")
        app = (app or "").strip() or None
        if app is not None and not APP_RE.match(app):
            raise GrantError(f"application {app!r} is not of the form {APP_RE.pattern}")
        if dept not in self.catalog.departments:
            raise GrantError(f"department {dept} is not registered in the catalog")
        if not self.catalog.is_registered(dept, app):
            raise GrantError(f"application {app!r} is not registered for department {dept} in the catalog")
        res = self.catalog.resource((resource or "").strip())
        if res is None:
            raise GrantError(f"resource {resource!r} is not in the catalog")
        if res.share is Share.NONE:
            raise GrantError(f"resource {res.code} is not shared (不予共享): {res.legal_basis}")
        if res.provider == dept:
            raise GrantError(f"department {dept} provides {res.code} and reads it without a grant")
        known = {f.name for f in res.fields}
        revealed = _field_list(fields, res.code, known, "fields")
        pseudonymised = _field_list(pseudonym_fields, res.code, known, "pseudonym fields")
        both = set(revealed) & set(pseudonymised)
        if both:
            raise GrantError(f"fields {sorted(both)} cannot be both revealed and pseudonymised")
        purpose = check_purpose(purpose, required=True)
        moment = until if isinstance(until, datetime) else parse_instant(str(until))
        if moment.tzinfo is None:
            raise GrantError("'until' has no time zone")
        until_stamp = utc_stamp(moment)
        if not utc_stamp(now) < until_stamp:
            raise GrantError(f"'until' {until_stamp} is not in the future")
        grant = Grant(id=f"g-{secrets.token_hex(8)}", dept=dept, app=app, resource=res.code, fields=revealed,
                      pseudonym_fields=pseudonymised, purpose=purpose, until=until_stamp,
                      created_at=utc_stamp(now), created_by=_admin_name(created_by, "created_by"))
        with Session(self.engine) as session, session.begin():
            _bump_revision(session)  # write first: takes SQLite's write lock before anything else
            session.add(GrantRow(id=grant.id, dept=grant.dept, app=grant.app, resource=grant.resource,
                                 fields=json.dumps(list(grant.fields), ensure_ascii=False),
                                 pseudonym_fields=json.dumps(list(grant.pseudonym_fields), ensure_ascii=False),
                                 purpose=grant.purpose, until=grant.until, created_at=grant.created_at,
                                 created_by=grant.created_by))
            self.adapter.add_policy_in(session, "p", grant_rule(grant))
            seal_grant(session, grant.id)
        return grant

    def revoke(self, grant_id: str, by: str, *, now: datetime | None = None) -> Grant:
        by = _admin_name(by, "revoked by")
        if not GRANT_ID_RE.match(grant_id or ""):
            raise GrantError(f"no grant {grant_id!r} (grant ids look like g-0123456789abcdef)")
        stamp = utc_stamp(now or datetime.now(UTC))
        with Session(self.engine) as session, session.begin():
            changed = session.execute(
                update(GrantRow).where(GrantRow.id == grant_id, GrantRow.revoked_at.is_(None))
                .values(revoked_at=stamp, revoked_by=by)).rowcount
            if not changed:
                row = session.get(GrantRow, grant_id)
                if row is None:
                    raise GrantError(f"no grant {grant_id!r}")
                raise GrantError(f"grant {grant_id} was already revoked at {row.revoked_at}")
            self.adapter.remove_named_rule_in(session, "p", f"grant:{grant_id}", RULE_NAME_COLUMN)
            _bump_revision(session)
            seal_grant(session, grant_id)
            row = session.get(GrantRow, grant_id)
            return _to_grant(row)

    def get(self, grant_id: str) -> Grant | None:
        with Session(self.engine) as session:
            row = session.get(GrantRow, grant_id)
            return _to_grant(row) if row is not None else None

    def list(self, include_revoked: bool = False) -> list[Grant]:
        return load_grants(self.engine, include_revoked=include_revoked)

    def revision(self) -> int:
        return read_revision(self.engine)

    def digest(self) -> str:
        """Digest of all grants not revoked: compute it before and after a change for the admin audit."""
        return grants_digest(self.list())
