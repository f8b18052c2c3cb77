"""The request side in one call: which method, target and route a caller's request is admitted as, or why not.

`admit` runs the checks in the order a refusal should be reported — protocol switch (403), method (405),
body on a read (400), ambiguous target or a method-override query parameter (400), unknown or nested
resource (404) — and returns what the gateway judges and forwards: the exact method, the canonical target
and the Route built from it. Identity (`Catalog.require_caller`), the policy decision and
`request_policy.forward_headers` follow, in the proxy's stages, on this result. Pure: no proxy types, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .catalog import Catalog, Route
from .request_policy import READ_METHODS, canonical_method, check_body, check_protocol, check_query, correlation_id
from .target import CanonicalTarget, canonical_target


@dataclass(frozen=True, slots=True)
class Admitted:
    method: str  # exactly GET or HEAD
    target: CanonicalTarget  # the gateway-side path and query, canonical
    route: Route  # resource, department and provider URL (built from the canonical target)
    correlation_id: str | None  # the caller's validated X-Request-Id, if any (never the request id)


def admit(method: str, raw_target: str | bytes, incoming: Iterable[tuple[str | bytes, str | bytes]],
          body_length: int, catalog: Catalog) -> Admitted:
    """Admit a request or raise the GatewayError that refuses it (see the module docstring for the order)."""
    incoming = list(incoming)
    check_protocol(method, incoming)
    method = canonical_method(method, READ_METHODS)
    check_body(method, incoming, body_length)
    target = canonical_target(raw_target)
    check_query(target.query)
    route = catalog.resolve(target.target)
    return Admitted(method, target, route, correlation_id(incoming))
