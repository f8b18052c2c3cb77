"""The audit trail's exceptions. Messages name fields and causes, never a record value."""

from __future__ import annotations

from ..errors import Unavailable


class AuditError(Unavailable):
    """The audit trail cannot be opened or used as asked (configuration, key or state problem): 503."""

    reason = "audit_unavailable"

    def __init__(self, message: str):
        super().__init__("audit_unavailable", message)
        self.args = (message,)


class AuditUnavailable(Unavailable):
    """A record could not be made durable (write failed, timed out, or the trail is closed): answer 503."""

    reason = "audit_unavailable"

    def __init__(self, cause: str = "unavailable"):
        self.cause = cause
        super().__init__("audit_unavailable", f"the audit trail could not record this request ({cause})")


class AuditRejected(ValueError):
    """A record failed validation; `field` names where, `problem` says what (the value is never quoted)."""

    def __init__(self, field: str, problem: str):
        self.field, self.problem = field, problem
        super().__init__(f"audit record rejected: {field}: {problem}")
