"""Caller identity: who is calling (`principal`), how a bearer token is verified (`verifier`), where the
verification keys come from (`sources`) and the gateway's own pilot key pair and key helpers
(`signing_keys`, formerly `gateway.keys`). Importers take the public API from here.
"""

from .principal import REASONS, IdentityError, Principal, bearer_token
from .signing_keys import (MAX_PILOT_TTL, PILOT_ALGORITHM, PilotKeys, compatible_algorithms, is_dept_code,
                           jwk_thumbprint, load_public_pem, public_jwk)
from .sources import JWKS_FETCH_TIMEOUT_SECONDS, JWKS_FILE_CHECK_SECONDS, JWKS_STALE_GRACE_SECONDS
from .verifier import VERIFIED_CACHE_SECONDS, VERIFIED_CACHE_SIZE, Verifier, build_verifier

__all__ = ["JWKS_FETCH_TIMEOUT_SECONDS", "JWKS_FILE_CHECK_SECONDS", "JWKS_STALE_GRACE_SECONDS", "MAX_PILOT_TTL",
           "PILOT_ALGORITHM", "REASONS", "VERIFIED_CACHE_SECONDS", "VERIFIED_CACHE_SIZE", "IdentityError",
           "PilotKeys", "Principal", "Verifier", "bearer_token", "build_verifier", "compatible_algorithms",
           "is_dept_code", "jwk_thumbprint", "load_public_pem", "public_jwk"]
