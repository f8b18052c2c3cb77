"""Tamper-evident audit trail (等级保护 2.0 level 3): records, hash chain, signed checkpoints, verify,
export, report, retention. Importable without mitmproxy.

    trail = AuditTrail.open(config)
    seq = await trail.append(record)          # durable before it returns; AuditUnavailable -> 503
    trail.append_admin(actor, role, action, ...)
    trail.close()                              # flush + final signed checkpoint
    verify(config) -> VerifyResult
"""

from .errors import AuditError, AuditRejected, AuditUnavailable
from .export import export
from .query import Filters, iter_rows, parse_time, tail
from .record import ADMIN_FIELDS, REQUEST_FIELDS, admin_record, canonical, scrub, utc_ms, validate
from .report import report
from .retention import ArchiveResult, archive
from .verify import KINDS, VerifyResult, verify
from .writer import AuditTrail

__all__ = [
    "ADMIN_FIELDS", "KINDS", "REQUEST_FIELDS", "ArchiveResult", "AuditError", "AuditRejected", "AuditTrail",
    "AuditUnavailable", "Filters", "VerifyResult", "admin_record", "archive", "canonical", "export", "iter_rows",
    "parse_time", "report", "scrub", "tail", "utc_ms", "validate", "verify",
]
