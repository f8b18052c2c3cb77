"""Who is calling, and why a caller could not be identified.

Owns `Principal` (the verified caller the policy judges), `IdentityError` with its closed set of reason
codes (`REASONS`) and `bearer_token`, which takes the token out of an `Authorization` header. Nothing from
a token ever appears in an IdentityError: its message names the reason and, at most, a claim's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import Unauthenticated

REASONS = frozenset({"missing_token", "malformed", "bad_signature", "expired", "not_yet_valid", "wrong_audience",
                     "wrong_issuer", "missing_claim", "unknown_key", "disallowed_algorithm", "key_unavailable"})
_MESSAGES = {
    "missing_token": "no bearer token was presented",
    "malformed": "the token is not a well-formed JWT",
    "bad_signature": "the token signature does not verify",
    "expired": "the token has expired",
    "not_yet_valid": "the token is not valid yet",
    "wrong_audience": "the token is not meant for this gateway (audience)",
    "wrong_issuer": "the token was not issued by the trusted issuer",
    "missing_claim": "the token lacks a required claim",
    "unknown_key": "the token names a signing key that is not trusted",
    "disallowed_algorithm": "the token's signing algorithm is not accepted",
    "key_unavailable": "the verification keys are unavailable",
}

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the department (the one the policy judges), application, subject and token facts."""

    dept: str
    app: str | None
    sub: str
    purpose: str | None
    issuer: str
    jti: str | None
    expires_at: int  # unix seconds


class IdentityError(Unauthenticated):
    """The caller could not be identified. `.reason` is a code from REASONS; `.message` holds no token data.
    HTTP status 401, or 503 when the keys cannot be had (key_unavailable)."""

    def __init__(self, reason: str, message: str = ""):
        if reason not in REASONS:
            raise ValueError(f"unknown identity failure reason {reason!r}")
        super().__init__(reason, message or _MESSAGES[reason], status=503 if reason == "key_unavailable" else 401)
        self.args = (f"{reason}: {self.message}",)


def bearer_token(authorization_header: str | None) -> str:
    """The token from an `Authorization: Bearer <token>` header value."""
    if authorization_header is None or not authorization_header.strip():
        raise IdentityError("missing_token")
    parts = authorization_header.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        raise IdentityError("malformed", "the Authorization header is not of the form 'Bearer <token>'")
    return parts[1]
