"""The error tree: every refusal the gateway gives is a GatewayError carrying its HTTP status, a reason code
and a message the caller can act on.

    GatewayError (500 internal_error)
    ├── BadRequest        400   path not in canonical form, ...
    ├── Unauthenticated   401   └── gateway.identity.IdentityError (401; 503 for key_unavailable)
    ├── Forbidden         403   policy refusals, protocol switches, gate
    ├── NotFound          404   no catalogued resource
    ├── MethodNotAllowed  405   carries the methods the resource allows (Allow header)
    ├── BadGateway        502   └── gateway.masking.refusal.MaskingRefused (502; 504 for masking_timeout)
    ├── Unavailable       503   └── gateway.audit.errors.AuditUnavailable, AuditError
    └── GatewayTimeout    504   upstream_timeout

The core only raises these; the one translation into an HTTP response lives on the proxy side
(addons.failclosed.deny_response), using `document()` and `headers()` from here. The document carries the
request id and the reason code, never a token, a body or a value from the request.
"""

from __future__ import annotations


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

    def headers(self) -> dict[str, str]:
        """Response headers this refusal needs besides the standard ones (405's Allow)."""
        return {}

    def document(self, request_id: str) -> dict:
        """The JSON document of this refusal."""
        doc = {"error": self.reason, "status": self.status, "message": self.message, "request_id": request_id}
        doc.update(self.extra)
        return doc


class BadRequest(GatewayError):
    status, reason = 400, "bad_request"


class Unauthenticated(GatewayError):
    status, reason = 401, "unauthenticated"


class Forbidden(GatewayError):
    status, reason = 403, "forbidden"


class NotFound(GatewayError):
    status, reason = 404, "unknown_resource"


class MethodNotAllowed(GatewayError):
    """The resource exists but does not serve this method; `allow` names the methods it does serve."""

    status, reason = 405, "method_not_allowed"

    def __init__(self, allow: tuple[str, ...] | list[str], message: str = "", *, extra: dict | None = None):
        self.allow = tuple(allow)
        super().__init__("method_not_allowed", message or (
            f"this method is not served on shared resources; use {' or '.join(self.allow)}"),
            extra={**(extra or {}), "allow": list(self.allow)})

    def headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.allow)}


class BadGateway(GatewayError):
    status, reason = 502, "bad_gateway"


class Unavailable(GatewayError):
    status, reason = 503, "unavailable"


class GatewayTimeout(GatewayError):
    status, reason = 504, "upstream_timeout"

