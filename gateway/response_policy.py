"""What of a provider's response head may reach the caller: statuses, headers and redirects.

The body is the masker's business; this module judges everything around it, and refuses (502) rather than
guess:

- Status: 1xx are never relayed (101 → 502 `upstream_protocol_switch`; interim 1xx are dropped before they
  get here, see addons.errorpatch); 206 → 502 `partial_content` (two slices of a labelled ID number rebuild
  it); every other status goes on, its body masked like a 200's.
- Head size: more than MAX_HEADERS fields or MAX_HEADER_BYTES of names and values → 502
  `upstream_headers_too_large` (mitmproxy itself reads any number of them).
- Framing: a head with both Content-Length and Transfer-Encoding is refused (502 `invalid_framing`, answered
  by addons.errorpatch before the body is read); we never relay either, we send our own Content-Length.
- Headers: an ALLOWLIST. Kept (their values still pass the masker; a value in which it finds anything is
  dropped, a header is metadata and a masked one is of no use): Content-Type (rebuilt by the mask stage
  from the parsed media type), Content-Language, Date, Expires, Vary. Set by us: Content-Length (of the
  masked body; none on HEAD, where it would describe the unmasked body), Content-Encoding (only the coding
  we re-encoded with), Cache-Control `no-store` (a masked view is per caller; no shared cache may keep it),
  X-Content-Type-Options `nosniff` (a client reads the body as the type we masked it as, never as HTML),
  X-Request-Id (the audit stage). Rewritten: Location (see below). Dropped, with everything else:
  ETag, Content-MD5, Digest, Last-Modified (they confirm or fingerprint the unmasked body), Set-Cookie,
  Link (Early Hints and preload lists name provider URLs), Content-Disposition (file names carry names
  and ID numbers), Server, X-Powered-By, X-Debug*, Alt-Svc, Accept-Ranges, Content-Range, trailers.
- Location: resolved against the provider URL that was called; kept only when it points into the same
  catalog entry's provider URL (same scheme and host, the entry's path on a segment boundary, no dot
  segments or encoded separators, and not into a more specific entry nested under it), then rewritten to
  the gateway path of that entry with its path and query masked; anything else → 502
  `redirect_outside_resource`. A fragment is dropped.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Callable, Iterable
from urllib.parse import quote, unquote, urljoin, urlsplit

from .catalog import UNSAFE_PATH_RE, Catalog, Route
from .errors import BadGateway, NotFound

MAX_HEADERS = 200
MAX_HEADER_BYTES = 64 * 1024

# Provider headers kept (lower case); each value is still scanned by the masker.
KEPT = frozenset({"content-language", "date", "expires", "vary"})
CACHE_CONTROL = "no-store"
# Every header name a released response may carry (the mask stage's head; the audit stage adds X-Request-Id).
OUTGOING = KEPT | {b.decode() for b in (b"content-type", b"content-length", b"content-encoding", b"cache-control",
                                        b"location", b"x-content-type-options")}
_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}"
SHAPES = {
    "date": re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                       r"\d{4} \d{2}:\d{2}:\d{2} GMT"),
    "vary": re.compile(rf"\*|{_TOKEN}(\s*,\s*{_TOKEN}){{0,31}}"),
    "content-language": re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8}){0,4}(\s*,\s*[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8}){0,4}){0,7}"),
}
SHAPES["expires"] = SHAPES["date"]
_NEEDS_SCAN = re.compile(r"\d|[^\x00-\x7f]")

# Statuses refused outright, with their reason code.
REFUSED_STATUS = {101: "upstream_protocol_switch", 206: "partial_content"}
REDIRECTS = frozenset({301, 302, 303, 307, 308})

# mask(text) -> (masked text, findings): the masker's free-text path for the caller's view.
MaskText = Callable[[str], tuple[str, list]]


class ResponseRefused(BadGateway):
    """The provider's response head cannot be relayed: 502 with a fixed reason code."""

    status, reason = 502, "upstream_response_refused"


def check_status(status: int) -> None:
    """Raise ResponseRefused for a status that is never relayed (1xx, 206)."""
    reason = REFUSED_STATUS.get(status)
    if reason is None and 100 <= status <= 199:
        reason = "upstream_interim_response"
    if reason is None and not 200 <= status <= 599:
        reason = "upstream_bad_status"
    if reason is not None:
        raise ResponseRefused(reason, "the providing department's answer cannot be relayed "
                                      f"({reason.replace('_', ' ')})")


@dataclasses.dataclass(frozen=True, slots=True)
class Head:
    """What the mask stage reads of a provider's head, taken in check_head's one pass over its fields (the
    mask stage used to walk them once per header it looked up)."""

    locations: tuple[str, ...]  # every Location value, as mitmproxy's Headers.get_all decodes them
    content_type: str | None  # as Headers.get gives it: every value, folded with ", "; None when absent
    content_encoding: str | None  # the same for Content-Encoding
    kept: tuple[tuple[bytes, bytes], ...]  # the fields whose names are allowlisted (KEPT), for kept_headers


_KEPT_BYTES = frozenset(name.encode() for name in KEPT)


def _native(value: bytes) -> str:
    return value.decode("utf-8", "surrogateescape")  # how mitmproxy's Headers decodes a value


def check_head(fields: Iterable[tuple[bytes, bytes]]) -> Head:
    """Raise ResponseRefused when the head has too many fields, too many bytes, or ambiguous framing; else
    the values the mask stage reads of it."""
    count = size = 0
    framing = set()
    locations: list[str] = []
    content_type: list[str] = []
    content_encoding: list[str] = []
    kept: list[tuple[bytes, bytes]] = []
    for name, value in fields:
        count += 1
        size += len(name) + len(value) + 4
        lname = name.lower()
        if lname in (b"content-length", b"transfer-encoding"):
            framing.add(lname)
        elif lname == b"content-type":
            content_type.append(_native(value))
        elif lname == b"content-encoding":
            content_encoding.append(_native(value))
        elif lname == b"location":
            locations.append(_native(value))
        elif lname in _KEPT_BYTES:
            kept.append((name, value))
        if count > MAX_HEADERS or size > MAX_HEADER_BYTES:
            raise ResponseRefused("upstream_headers_too_large",
                                  "the providing department sent more response headers than the gateway relays")
    if len(framing) == 2:
        raise ResponseRefused("invalid_framing", "the providing department's answer has ambiguous framing")
    return Head(tuple(locations), ", ".join(content_type) if content_type else None,
                ", ".join(content_encoding) if content_encoding else None, tuple(kept))


def kept_headers(fields: Iterable[tuple[bytes, bytes]], mask: MaskText) -> tuple[list[tuple[str, str]], list]:
    """The allowlisted provider headers (name, value) whose values have their header's shape and in which
    the masker finds nothing, and the findings of the values it dropped (path `header.<name>`). A value of
    the wrong shape is dropped unread; the masker runs on a value only where something could hide in its
    shape (digits or non-ASCII in Vary or Content-Language; an HTTP date has no room for anything)."""
    out: list[tuple[str, str]] = []
    findings: list = []
    for raw_name, raw_value in fields:
        name = raw_name.decode("latin-1").lower()
        if name not in KEPT:
            continue
        value = raw_value.decode("latin-1").strip()
        shape = SHAPES[name]
        if not shape.fullmatch(value):
            continue
        if name in ("date", "expires") or not _NEEDS_SCAN.search(value):
            out.append((_canonical(name), value))
            continue
        masked, found = mask(value)
        if found or masked != value:
            findings += [_at(f, f"header.{name}") for f in found]
            continue
        out.append((_canonical(name), value))
    return out, findings


def rewrite_location(location: str, route: Route, catalog: Catalog, mask: MaskText) -> tuple[str, list]:
    """The gateway URL (path and query) for a provider's Location, masked; raises ResponseRefused when it
    does not point into the provider URL of the route's own catalog entry."""
    refuse = ResponseRefused("redirect_outside_resource",
                             "the providing department redirected outside the shared resource")
    if any(ord(c) < 0x21 or ord(c) > 0x7e for c in location):
        raise refuse
    target = urlsplit(urljoin(route.upstream_url, location))
    base = urlsplit(route.resource.upstream)
    if (target.scheme.lower() != base.scheme.lower() or target.username or target.password
            or (target.hostname or "") != (base.hostname or "") or _port(target) != _port(base)):
        raise refuse
    path = target.path or "/"
    if UNSAFE_PATH_RE.search(path) or ";" in path:
        raise refuse
    prefix = base.path
    if not (path == prefix or path.startswith(prefix + "/")):
        raise refuse
    rest = path[len(prefix):]
    gateway_path = route.resource.path + rest
    try:
        other = catalog.resolve(gateway_path)
    except NotFound:
        raise refuse from None
    if other.resource.code != route.resource.code:
        raise refuse
    findings: list = []
    masked_rest, found = _mask_segments(rest, mask)
    findings += [_at(f, "header.location") for f in found]
    url = route.resource.path + masked_rest
    if target.query:
        masked_query, found = mask(unquote(target.query))
        findings += [_at(f, "header.location") for f in found]
        url += "?" + quote(masked_query, safe="=&*+,;:@/")
    return url, findings


def _mask_segments(rest: str, mask: MaskText) -> tuple[str, list]:
    if not rest:
        return rest, []
    decoded = unquote(rest)
    masked, found = mask(decoded)
    if masked == decoded:
        return rest, found
    return quote(masked, safe="/*"), found


def _port(parts) -> int | None:
    try:
        port = parts.port
    except ValueError:
        return -1
    if port is None:
        return {"http": 80, "https": 443}.get(parts.scheme.lower())
    return port


def _canonical(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-"))


def _at(finding, path: str):
    """A finding of a header value, with the header as its path (findings hold no value)."""
    try:
        return dataclasses.replace(finding, path=path)
    except TypeError:  # pragma: no cover - any finding type without a path field is kept as it is
        return finding
