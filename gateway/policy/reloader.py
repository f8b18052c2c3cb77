"""Keeps the policy in force current: rebuilds the engine when the revision, catalog or files change.

`PolicyReloader` keeps the old engine in force when a rebuild fails and says why in `last_error`
(log-safe: file problems in full, database errors by class only).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ..catalog import Catalog
from ..config import Config
from ..yamlsrc import SourceError
from .engine import PolicyEngine
from .grants import GrantError
from .tables import ensure_schema, read_revision

log = logging.getLogger("govshare.policy")


class _Fingerprint(NamedTuple):
    revision: int
    catalog_digest: str
    model_stat: tuple | None
    policy_stat: tuple | None


def _stat(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def describe_error(error: BaseException) -> str:
    """A log-safe description: file problems in full, database and other errors by class only."""
    if isinstance(error, (SourceError, GrantError)):
        return str(error)
    if isinstance(error, OSError):
        return f"{type(error).__name__}: {error.strerror or ''}".strip()
    if isinstance(error, SQLAlchemyError):
        return f"database error ({type(error).__name__})"
    return type(error).__name__


class PolicyReloader:
    """Holds the engine in force (`current`) and swaps in a rebuilt one when something changed.

    Built once at start (raises when the first build fails: no policy, no service). `check()` polls the
    revision (one primary-key SELECT), the catalog digest and the model/policy file stats.
    """

    def __init__(self, config: Config, catalog_provider: Callable[[], Catalog], engine: Engine):
        self.config = config
        self.catalog_provider = catalog_provider
        self.engine = engine
        self.last_error: str | None = None
        catalog = catalog_provider()
        ensure_schema(engine)
        seen = self._fingerprint(catalog)
        self.current: PolicyEngine = PolicyEngine.build(config, catalog, engine)
        self._seen = seen._replace(revision=self.current.revision)

    def _fingerprint(self, catalog: Catalog) -> _Fingerprint:
        return _Fingerprint(read_revision(self.engine), catalog.digest, _stat(Path(self.config.model)),
                            _stat(Path(self.config.policy)))

    def check(self) -> bool:
        """Rebuild if anything changed. True when a new engine was put in force; False when nothing changed
        or the rebuild failed (then the old engine stays in force and `last_error` says why)."""
        try:
            catalog = self.catalog_provider()
            seen = self._fingerprint(catalog)
        except Exception as e:  # noqa: BLE001 - the old policy stays in force whatever went wrong
            self.last_error = describe_error(e)
            log.warning("policy check failed, version %s stays in force: %s", self.current.version, self.last_error)
            return False
        if seen == self._seen:
            return False
        try:
            engine = PolicyEngine.build(self.config, catalog, self.engine)
        except Exception as e:  # noqa: BLE001
            if isinstance(e, SourceError):  # a broken file stays broken until it changes: don't retry
                self._seen = seen
            self.last_error = describe_error(e)
            log.warning("policy not rebuilt, version %s stays in force: %s", self.current.version, self.last_error)
            return False
        self._seen = seen._replace(revision=engine.revision)
        previous, self.current, self.last_error = self.current.version, engine, None
        log.info("policy %s in force (was %s)", engine.version, previous)
        return True
