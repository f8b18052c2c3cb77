"""The deny vocabulary: every refusal the gateway gives is a GatewayError with a status and a reason code.

The JSON body built here is the only shape a caller ever sees for a refusal; it carries the request id
and a reason code, never a token, a body or a value from the request.
"""

from __future__ import annotations

import json


class GatewayError(Exception):
    """A refusal: HTTP status, machine-readable reason code, human message (no request data in it)."""

    status = 500
    reason = "internal_error"

    def __init__(self, reason: str | None = None, message: str = "", *, status: int | None = None,
                 extra: dict | None = None):
        self.reason = reason or type(self).reason
        self.status = status or type(self).status
        self.message = message or self.reason.replace("_", " ")
        self.extra = dict(extra or {})
        super().__init__(f"{self.status} {self.reason}: {self.message}")


class NotFound(GatewayError):
    status, reason = 404, "unknown_resource"


class Unauthenticated(GatewayError):
    status, reason = 401, "unauthenticated"


class Forbidden(GatewayError):
    status, reason = 403, "forbidden"


class BadGateway(GatewayError):
    status, reason = 502, "bad_gateway"


class Unavailable(GatewayError):
    status, reason = 503, "unavailable"


class GatewayTimeout(GatewayError):
    status, reason = 504, "upstream_timeout"


def deny_body(status: int, reason: str, message: str, request_id: str, extra: dict | None = None) -> bytes:
    """The JSON body of a refusal."""
    doc = {"error": reason, "status": status, "message": message, "request_id": request_id}
    if extra:
        doc.update(extra)
    return json.dumps(doc, ensure_ascii=False).encode()


class BadRequest(GatewayError):
    status, reason = 400, "bad_request"
