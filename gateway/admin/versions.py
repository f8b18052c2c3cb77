"""The versioned store of record for the catalog, the Casbin base policy and the masking rules.

Every change is a version row: kind, number, the full text, its SHA-256, who, when, why, and a chain hash
over the previous version's hash and all of that — so a row edited in the database breaks the chain and
`verify()` names it. Text is validated with the gateway's own parsers before it is stored, then
materialised atomically to the file the configuration names (for the demo a copy beside the database,
never the repository's policies/: gateway.admin.demo.demo_store). Running gateways reload the catalog and
policy files, and take masking-rules versions from the store itself (gateway.admin.store_watch), within
their reload interval. A file changed outside the store is reported as drift by `verify()`. Rollback is a
new version carrying an old text, refused when that old row was altered in the database.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Column, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..config import Config
from ..yamlsrc import SourceError
from .tables import AdminTables, ensure_admin_schema

KINDS = ("catalog", "policy", "masking")
GENESIS = "0" * 64
MAX_TEXT = 2 * 1024 * 1024


class VersionError(ValueError):
    """A change was refused: invalid text (names file line and field), unknown version, lost race."""


class VersionRow(AdminTables):
    __tablename__ = "config_versions"
    __table_args__ = (UniqueConstraint("kind", "version", name="uq_config_versions_kind_version"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    kind = Column(String(16), nullable=False)
    version = Column(Integer, nullable=False)
    action = Column(String(16), nullable=False)  # seed | edit | rollback
    content = Column(Text, nullable=False)
    digest = Column(String(64), nullable=False)
    author = Column(String(128), nullable=False)
    at = Column(String(20), nullable=False)
    comment = Column(Text, nullable=False)
    prev_hash = Column(String(64), nullable=False)
    hash = Column(String(64), nullable=False)


@dataclass(frozen=True)
class Version:
    kind: str
    version: int
    action: str
    digest: str
    author: str
    at: str
    comment: str
    hash: str
    content: str


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chain_hash(prev: str, kind: str, version: int, action: str, digest: str, author: str, at: str,
               comment: str) -> str:
    fields = [prev, kind, str(version), action, digest, author, at, comment]
    return hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()


def _version(row: VersionRow) -> Version:
    return Version(row.kind, row.version, row.action, row.digest, row.author, row.at, row.comment, row.hash,
                   row.content)


class VersionStore:
    def __init__(self, engine: Engine, config: Config):
        ensure_admin_schema(engine)
        self.engine = engine
        self.config = config

    def path(self, kind: str) -> Path:
        if kind not in KINDS:
            raise VersionError(f"kind must be one of {', '.join(KINDS)}")
        return Path({"catalog": self.config.catalog, "policy": self.config.policy,
                     "masking": self.config.masking_rules}[kind])

    # ------------------------------------------------------------------------------------------- reading
    def history(self, kind: str) -> list[Version]:
        self.path(kind)
        with Session(self.engine) as s:
            return [_version(r) for r in s.scalars(select(VersionRow).where(VersionRow.kind == kind)
                                                   .order_by(VersionRow.version.desc()))]

    def get(self, kind: str, version: int) -> Version | None:
        with Session(self.engine) as s:
            row = s.scalar(select(VersionRow).where(VersionRow.kind == kind, VersionRow.version == version))
            return _version(row) if row is not None else None

    def head(self, kind: str) -> Version | None:
        with Session(self.engine) as s:
            top = s.scalar(select(func.max(VersionRow.version)).where(VersionRow.kind == kind))
        return self.get(kind, top) if top else None

    def diff(self, kind: str, a: int, b: int) -> list[str]:
        old, new = self.get(kind, a), self.get(kind, b)
        if old is None or new is None:
            raise VersionError(f"no {kind} version {a if old is None else b}")
        return list(difflib.unified_diff(old.content.splitlines(), new.content.splitlines(),
                                         f"{kind} v{a}", f"{kind} v{b}", lineterm=""))

    # ------------------------------------------------------------------------------------------ changing
    def validate(self, kind: str, text: str) -> None:
        """Parse `text` as the gateway would (in a file beside the live one); raises VersionError."""
        from ..catalog import load_catalog
        from ..masking.rules import load_rules
        from ..policy import read_policy_csv

        if len(text) > MAX_TEXT:
            raise VersionError(f"the {kind} text is larger than {MAX_TEXT} bytes")
        live = self.path(kind)
        fd, tmp = tempfile.mkstemp(prefix=f".{live.name}.", suffix=".check", dir=live.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            if kind == "catalog":
                catalog = load_catalog(tmp)
                read_policy_csv(Path(self.config.policy), catalog)  # the base rules must still fit
            elif kind == "policy":
                read_policy_csv(Path(tmp), load_catalog(self.config.catalog))
            else:
                load_rules(tmp)
        except SourceError as e:
            raise VersionError(str(e).replace(tmp, f"{live.name} (proposed)")) from None
        finally:
            Path(tmp).unlink(missing_ok=True)

    def seed(self, kind: str, author: str = "govshare") -> Version | None:
        """Version 1 from the live file, when the kind has no version yet."""
        if self.head(kind) is not None:
            return None
        return self._commit(kind, self.path(kind).read_text(encoding="utf-8"), author, "seeded from the file",
                            "seed", expected=0)

    def commit(self, kind: str, text: str, author: str, comment: str, *, action: str = "edit",
               now: datetime | None = None) -> Version:
        comment = (comment or "").strip()
        if not comment:
            raise VersionError("a change needs a comment saying why")
        self.seed(kind)
        self.validate(kind, text)
        head = self.head(kind)
        if head is not None and head.digest == _sha(text):
            raise VersionError(f"{kind} is already at this text (version {head.version})")
        return self._commit(kind, text, author, comment[:500], action, expected=head.version if head else 0,
                            now=now)

    def rollback(self, kind: str, version: int, author: str, comment: str) -> Version:
        old = self.get(kind, version)
        if old is None:
            raise VersionError(f"no {kind} version {version}")
        if _sha(old.content) != old.digest:
            raise VersionError(f"{kind} version {version} was altered in the database; it is not rolled back to")
        return self.commit(kind, old.content, author, comment or f"rollback to version {version}",
                           action="rollback")

    def _commit(self, kind: str, text: str, author: str, comment: str, action: str, *, expected: int,
                now: datetime | None = None) -> Version:
        at = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        prev = self.get(kind, expected).hash if expected else GENESIS
        number, digest = expected + 1, _sha(text)
        row = VersionRow(kind=kind, version=number, action=action, content=text, digest=digest, author=author,
                         at=at, comment=comment, prev_hash=prev,
                         hash=chain_hash(prev, kind, number, action, digest, author, at, comment))
        try:
            with Session(self.engine) as s, s.begin():
                s.add(row)
        except IntegrityError:
            raise VersionError(f"someone else changed {kind} meanwhile; reload and try again") from None
        self._materialise(kind, text)
        return self.get(kind, number)

    def _materialise(self, kind: str, text: str) -> None:
        live = self.path(kind)
        fd, tmp = tempfile.mkstemp(prefix=f".{live.name}.", suffix=".new", dir=live.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, live)

    # ----------------------------------------------------------------------------------------- verifying
    def verify(self, kind: str) -> list[str]:
        """Problems found: a broken chain (a row edited or removed), or the live file drifting from the head."""
        problems = []
        prev = GENESIS
        rows = list(reversed(self.history(kind)))
        for expected, v in enumerate(rows, start=1):
            if v.version != expected:
                problems.append(f"{kind} version {expected} is missing")
                break
            if _sha(v.content) != v.digest or v.hash != chain_hash(prev, kind, v.version, v.action, v.digest,
                                                                    v.author, v.at, v.comment):
                problems.append(f"{kind} version {v.version} was altered in the database")
                break
            prev = v.hash
        if rows and not problems:
            try:
                live = self.path(kind).read_text(encoding="utf-8")
            except OSError:
                live = None
            if live is None or _sha(live) != rows[-1].digest:
                problems.append(f"the {kind} file differs from version {rows[-1].version} (edited outside "
                                "the store)")
        return problems
