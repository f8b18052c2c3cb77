"""What of a caller's request reaches a provider: method, body, protocol, request id and headers.

Pure functions, no proxy types: headers come in and go out as (name, value) pairs.
- `canonical_method`: the catalog serves reads only (GET, HEAD). Methods are case-sensitive (RFC 9110
  §9.1): `get` is not GET, so it is refused with 405 like any other method, never judged as one spelling
  and forwarded as another.
- `check_body`: a GET or HEAD carrying a body (Content-Length > 0, any Transfer-Encoding, or bytes) is
  refused with 400; a provider could read it as a second request or as parameters.
- `check_protocol`: `Upgrade` (even empty), `HTTP2-Settings`, `Connection: upgrade`, CONNECT and h2c's
  `PRI` are refused with 403: the gateway speaks plain HTTP requests and responses only.
- `check_query`: a query naming a method-override parameter (`_method`, `x-http-method-override`, ...) is
  refused with 400: some frameworks read the method from it.
- `new_request_id` / `correlation_id`: the gateway always assigns the request id; a caller's
  well-formed `X-Request-Id` is kept only as a separate correlation id.
- `forward_headers`: an allowlist. Everything not on it goes — hop-by-hop, method overrides, URL rewrites,
  forwarding and identity headers in any spelling, credentials, cookies, Range/If-Range, conditionals —
  then the gateway sets Host, X-Forwarded-For/-Proto/-Host and the caller's identity itself.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable
from typing import Protocol
from urllib.parse import quote, unquote

from .errors import BadRequest, Forbidden, MethodNotAllowed

READ_METHODS = ("GET", "HEAD")
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
# Content codings the gateway can decode before masking; a caller asking for others gets these only.
DECODABLE_ENCODINGS = ("gzip", "deflate", "identity")
# Request headers a provider receives from the caller, by lower-case name. Conditionals (If-None-Match,
# If-Modified-Since) are not on it: a provider's ETag is computed over the unmasked body, so a 304 would
# confirm a guessed value. Range/If-Range are not on it: two slices of a masked value rebuild it.
SINGLE = frozenset({"content-type", "user-agent"})
LIST = frozenset({"accept", "accept-language"})
ALLOWED = SINGLE | LIST | {"accept-encoding"}
# The headers the gateway sets itself, after dropping every caller header not on ALLOWED.
OWN = ("X-Govshare-Dept", "X-Govshare-App", "X-Govshare-Purpose", "X-Govshare-Correlation-Id", "X-Request-Id",
       "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host")
_TOKEN_RE = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_VALUE_RE = re.compile(r"^[\t\x20-\x7e\x80-\xff]*$")
_PROTOCOL_HEADERS = frozenset({"upgrade", "http2-settings"})
# Query parameter names (folded: lower case, '_' as '-', outer '-' stripped) that frameworks read as a method.
_OVERRIDE_PARAMS = frozenset({"httpmethod", "http-method", "x-http-method-override", "x-http-method",
                              "x-method-override", "method-override", "http-method-override"})


class RouteLike(Protocol):
    """What forward_headers needs of a route (gateway.catalog.Route has it)."""

    @property
    def host_header(self) -> str: ...


class PrincipalLike(Protocol):
    dept: str
    app: str | None
    purpose: str | None


def fold(name: str) -> str:
    """A header name as CGI/WSGI/PHP read it: case, '-' and '_' do not matter (X_Govshare_Dept = x-govshare-dept)."""
    return name.lower().replace("_", "-")


def canonical_method(method: str, allowed: Iterable[str] = READ_METHODS) -> str:
    """`method` when it is exactly one of `allowed` (upper case); MethodNotAllowed (405, Allow) otherwise."""
    allowed = tuple(allowed)
    if method not in allowed:
        raise MethodNotAllowed(allowed, f"this resource is read with {' or '.join(allowed)} only (methods are "
                                        "case-sensitive: send them in upper case)")
    return method


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes | bytearray) else value


def _pairs(incoming: Iterable[tuple[str | bytes, str | bytes]]) -> list[tuple[str, str]]:
    return [(_text(n), _text(v)) for n, v in incoming]


def check_body(method: str, incoming: Iterable[tuple[str | bytes, str | bytes]], body_length: int) -> None:
    """Refuse (400 `body_not_allowed`) a GET or HEAD that carries or announces a body."""
    if method not in READ_METHODS:
        return
    for name, value in _pairs(incoming):
        low = name.lower()
        if low == "transfer-encoding" or (low == "content-length" and value.strip() != "0"):
            raise BadRequest("body_not_allowed", f"a {method} request must not carry a body")
    if body_length:
        raise BadRequest("body_not_allowed", f"a {method} request must not carry a body")


def check_protocol(method: str, incoming: Iterable[tuple[str | bytes, str | bytes]]) -> None:
    """Refuse (403 `protocol_not_allowed`) protocol switches: CONNECT, PRI, Upgrade (even empty), h2c."""
    if method in ("CONNECT", "PRI"):
        raise Forbidden("protocol_not_allowed", "only plain HTTP requests are served")
    for name, value in _pairs(incoming):
        low = fold(name)
        if low in _PROTOCOL_HEADERS or (low == "connection" and "upgrade" in value.lower()):
            raise Forbidden("protocol_not_allowed", "protocol switches (Upgrade, h2c) are not served")


def check_query(query: str) -> None:
    """Refuse (400 `ambiguous_query`) a canonical query naming a method-override parameter: frameworks
    (Laravel, Symfony, Express's method-override, custom middleware) read `_method` and its kin from the
    query, which would turn a judged read into a write."""
    if not query:
        return
    for item in query.split("&"):
        folded = unquote(item.split("=", 1)[0]).replace("_", "-").lower()
        name = folded.strip("-")
        if name in _OVERRIDE_PARAMS or (name == "method" and folded != "method"):  # `_method`, not `method`
            raise BadRequest("ambiguous_query", "the query names a method-override parameter (_method, "
                                                "X-HTTP-Method-Override, ...); send the method itself")


def new_request_id() -> str:
    """A fresh request id (128 random bits, hex); the gateway's, never the caller's."""
    return os.urandom(16).hex()


def correlation_id(incoming: Iterable[tuple[str | bytes, str | bytes]]) -> str | None:
    """The caller's X-Request-Id when exactly one, well-formed one was sent; else None. Kept apart from
    the request id: it correlates the caller's logs with ours and identifies nothing on its own."""
    values = [v for n, v in _pairs(incoming) if fold(n) == "x-request-id"]
    if len(values) != 1 or not REQUEST_ID_RE.fullmatch(values[0]):
        return None
    return values[0]


def _accept_encoding(values: list[str]) -> str:
    """The caller's Accept-Encoding reduced to codings the gateway decodes; 'identity' when none is left."""
    kept: list[str] = []
    for value in values:
        for item in value.split(","):
            coding = item.split(";", 1)[0].strip().lower()
            if coding in DECODABLE_ENCODINGS and coding not in kept:
                kept.append(coding)
    return ", ".join(kept) if kept else "identity"


@functools.lru_cache(maxsize=1024)
def _header_purpose(purpose: str) -> str:
    """The purpose claim percent-encoded for its header (the same few purposes come back on every call)."""
    return quote(purpose, safe="")


def forward_headers(incoming: Iterable[tuple[str | bytes, str | bytes]], principal: PrincipalLike,
                    route: RouteLike, request_id: str, client_addr: str, *, proto: str = "https",
                    gateway_host: str = "", correlation: str | None = None) -> list[tuple[str, str]]:
    """The complete header list a provider receives, in order: Host, allowlisted caller headers, ours.

    Raises BadRequest (400 `ambiguous_header`) for a header a provider could read differently from us: a
    name that is not an RFC 9110 token, a value with control characters, or a repeated single-valued
    header. Every caller header not on ALLOWED is dropped, whatever its spelling (`X_Govshare_Dept`,
    `X-Forwarded-For`, `X-HTTP-Method-Override`, `X-Original-URL`, `Range`, `Cookie`, ...).
    """
    kept: list[tuple[str, str]] = []
    seen: set[str] = set()
    encodings: list[str] = []
    for name, value in _pairs(incoming):
        if not _TOKEN_RE.fullmatch(name) or not _VALUE_RE.fullmatch(value):
            raise BadRequest("ambiguous_header", "a request header with an invalid name or value")
        low = name.lower()
        if low not in ALLOWED:  # names with '_' are never on it: X_Govshare_Dept, Accept_Encoding go too
            continue
        if low in SINGLE and low in seen:
            raise BadRequest("ambiguous_header", f"{name} sent more than once")
        seen.add(low)
        if low == "accept-encoding":
            encodings.append(value)
            continue
        kept.append((name, value))
    out = [("Host", route.host_header)]
    out += kept
    out.append(("Accept-Encoding", _accept_encoding(encodings)))
    out += [("X-Forwarded-For", client_addr), ("X-Forwarded-Proto", proto)]
    if gateway_host:
        out.append(("X-Forwarded-Host", gateway_host))
    out += [("X-Govshare-Dept", principal.dept),
            ("X-Govshare-App", principal.app or ""),
            ("X-Govshare-Purpose", _header_purpose(principal.purpose or "")),
            ("X-Request-Id", request_id)]
    if correlation is not None:
        out.append(("X-Govshare-Correlation-Id", correlation))
    return out
