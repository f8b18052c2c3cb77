"""The helpers the grant and policy commands share: the command context (config, catalog, engine), the
error wrapper that turns grant, file and database errors into exit codes, and the security administrator's
audit record (kept apart so `policy`, `grant_ops` and `catalog` import it without importing each other)."""

from __future__ import annotations

import sys
from contextlib import contextmanager

from sqlalchemy.exc import SQLAlchemyError

from ..catalog import load_catalog
from ..policy import GrantError, describe_error
from ..store import make_engine
from ..yamlsrc import SourceError
from .common import EXIT_REFUSED, EXIT_USAGE, Refused, load

EXIT_BROKEN = EXIT_USAGE


class _Broken(Exception):
    pass


@contextmanager
def _context(args, *, with_catalog: bool = True):
    """Config, catalog and database engine for one command; file problems become exit code 2.

    Listing and revoking do not read the catalog, so a broken catalog never blocks a revocation.
    """
    try:
        config = load(args)
        catalog = load_catalog(config.catalog) if with_catalog else None
    except SourceError as e:
        raise _Broken(str(e)) from None
    engine = make_engine(config.db_url)
    try:
        yield config, catalog, engine
    finally:
        engine.dispose()


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def _run(handler):
    def wrapped(args) -> int:
        try:
            return handler(args)
        except Refused as e:
            _error(str(e))
            return EXIT_REFUSED
        except _Broken as e:
            _error(str(e))
            return EXIT_BROKEN
        except GrantError as e:
            _error(str(e))
            return EXIT_REFUSED
        except SourceError as e:  # the model or policy.csv
            _error(str(e))
            return EXIT_BROKEN
        except SQLAlchemyError as e:
            _error(describe_error(e))
            return EXIT_BROKEN
    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


def _audit_admin(config, engine, actor: str, action: str, target: str, before: str, after: str,
                 detail: dict) -> None:
    """Every security-administrator action goes into the audit trail (raises when it cannot)."""
    from ..audit import AuditTrail

    trail = AuditTrail.open(config, engine=engine)
    try:
        trail.append_admin(actor, "security_admin", action, target, digest_before=before, digest_after=after,
                           detail=detail)
    finally:
        trail.close()


def _why(exc: Exception) -> str:
    """Why an audit write failed: a rejection names the field and the problem (never the value)."""
    from ..audit import AuditRejected

    return str(exc) if isinstance(exc, AuditRejected) else type(exc).__name__


def _grant_detail(grant) -> dict:
    return {"grant_id": grant.id, "dept": grant.dept, "app": grant.app, "resource": grant.resource,
            "fields": list(grant.fields), "pseudonym_fields": list(grant.pseudonym_fields), "until": grant.until}
