"""The canonical request target: one spelling of path and query, computed once, or a refusal.

A provider stack (Tomcat, IIS, PHP, Spring, a static file server) may read a request path differently from
the gateway: `..;/` is a dot segment to Tomcat, `%2f` a slash after decoding, `\\` a slash to IIS, a
trailing `.` or space is dropped by Windows, `%c0%ae` is an overlong `.`, `%ef%bc%8f` a full-width `/`.
If the policy judged one spelling and the provider ran another, the policy would judge the wrong thing.
So `canonical_target` normalises only what every stack reads the same way (percent-encoded unreserved
characters, `.` segments, `//`, hex case, the absolute form) and raises `AmbiguousTarget` (400) on
everything else. Its output path holds only `/` and the characters `[A-Za-z0-9._!$&'(),=@-]` — nothing
any stack decodes, splits or strips — so every stack reads it as the gateway does; the gateway judges it
and forwards exactly it. The query keeps its bytes (hex in upper case, unreserved characters decoded);
NUL, control characters, non-UTF-8 and malformed escapes in it are refused.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from .errors import BadRequest

MAX_TARGET_CHARS = 8192
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# What a canonical path segment may hold: no '%' (nothing left to decode), ';' (path parameters), ':' (NTFS
# streams), '~' (IIS 8.3 short names), '+' (decoded as a space by some), '*', '\\', spaces or controls.
_SEGMENT_RE = re.compile(r"[A-Za-z0-9._!$&'(),=@-]+")
_HEX = "0123456789ABCDEFabcdef"
_ABSOLUTE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")
# Printable ASCII a query may hold as is (RFC 3986 query characters, without '#').
_QUERY_CHARS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?%")


class AmbiguousTarget(BadRequest):
    """The request target could be read differently by the provider than by the gateway: 400."""

    status, reason = 400, "ambiguous_path"


class CanonicalTarget(NamedTuple):
    path: str  # starts with '/', no '..', '.', '//', ';', '%', '\\'
    query: str  # without the '?'; "" when there is none

    @property
    def target(self) -> str:
        """The origin-form request target the provider receives: path, and '?query' when there is one."""
        return f"{self.path}?{self.query}" if self.query else self.path


def _refuse(problem: str) -> AmbiguousTarget:
    return AmbiguousTarget(message=f"the request target is ambiguous: {problem}")


def _escapes(text: str) -> list[tuple[int, int]]:
    """(index, byte) of every '%XX' in text; raises on a '%' not followed by two hex digits (e.g. '%u002f')."""
    out = []
    at = text.find("%")
    while at != -1:
        pair = text[at + 1:at + 3]
        if len(pair) != 2 or pair[0] not in _HEX or pair[1] not in _HEX:
            raise _refuse("a '%' not followed by two hex digits")
        out.append((at, int(pair, 16)))
        at = text.find("%", at + 3)
    return out


def _check_utf8(text: str) -> None:
    """Every run of escapes must decode as UTF-8 (overlong and truncated forms are refused)."""
    data = bytearray()
    i = 0
    while i < len(text):
        if text[i] == "%":
            data.append(int(text[i + 1:i + 3], 16))
            i += 3
        else:
            if data:
                _decode_run(bytes(data))
                data.clear()
            i += 1
    if data:
        _decode_run(bytes(data))


def _decode_run(data: bytes) -> None:
    try:
        data.decode("utf-8", errors="strict")  # strict UTF-8 refuses overlong forms and surrogates
    except UnicodeDecodeError:
        raise _refuse("an escape sequence that is not UTF-8 (overlong or truncated)") from None


def _canonical_path(path: str) -> str:
    if not path.startswith("/"):
        raise _refuse("the path must start with '/'")
    decoded = []
    last = 0
    for at, byte in _escapes(path):
        char = chr(byte)
        if char not in _UNRESERVED or char in ".~":
            # Encoded '.', '/', '\\', ';', '%', NUL, non-ASCII (full-width, overlong) and the rest: a stack that
            # decodes before or after parsing would read another path. A canonical path holds no escapes.
            raise _refuse(f"the path holds the escape %{byte:02X}")
        decoded.append(path[last:at])
        decoded.append(char)
        last = at + 3
    decoded.append(path[last:])
    path = "".join(decoded)
    segments: list[str] = []
    for segment in path[1:].split("/"):
        if segment in ("", "."):
            continue  # '//' and '/./' read the same everywhere once collapsed; we forward the collapsed form
        if ".." in segment:
            raise _refuse("'..' in a path segment")
        if not _SEGMENT_RE.fullmatch(segment):
            raise _refuse("a path segment with a character stacks read differently (';', '\\\\', ':', '~', "
                          "'+', '*', spaces, controls or non-ASCII)")
        if segment.endswith("."):
            raise _refuse("a path segment ending in '.' (Windows servers drop it)")
        segments.append(segment)
    canonical = "/" + "/".join(segments)
    if path.endswith("/") and segments:
        canonical += "/"
    return canonical


def _canonical_query(query: str) -> str:
    for char in query:
        if char not in _QUERY_CHARS:
            raise _refuse("the query holds a character that must be percent-encoded")
    escapes = _escapes(query)
    if not escapes:
        return query
    _check_utf8(query)
    out = []
    last = 0
    for at, byte in escapes:
        if byte == 0 or byte < 0x20 or byte == 0x7F:
            raise _refuse("the query holds an encoded control character or NUL")
        out.append(query[last:at])
        char = chr(byte)
        out.append(char if char in _UNRESERVED else f"%{byte:02X}")
        last = at + 3
    out.append(query[last:])
    return "".join(out)


# Targets up to this long are remembered (canonical_target is pure: the same target gives the same answer),
# so a client repeating a page's URL costs a dictionary lookup; a refusal is never cached, only raised again.
CACHED_TARGET_CHARS = 512


def canonical_target(raw: str | bytes) -> CanonicalTarget:
    """canonical_target_uncached, remembered for the last 2048 short targets (see CACHED_TARGET_CHARS)."""
    if type(raw) in (str, bytes) and len(raw) <= CACHED_TARGET_CHARS:
        return _cached_target(raw)
    return canonical_target_uncached(raw)


def canonical_target_uncached(raw: str | bytes) -> CanonicalTarget:
    """The one spelling of a request target (origin or absolute form) the gateway judges and forwards.

    Raises AmbiguousTarget (400, reason `ambiguous_path`) for anything a provider could read differently:
    encoded '/', '\\\\', '.', ';', '%' or NUL, any ';' or '\\\\' in the path, '..' segments, fragments,
    control characters, non-ASCII and non-UTF-8 bytes, malformed escapes, asterisk and authority forms.
    The host of an absolute-form target is ignored: the gateway routes by path only.
    """
    if isinstance(raw, bytes | bytearray):
        try:
            raw = bytes(raw).decode("ascii")
        except UnicodeDecodeError:
            raise _refuse("raw non-ASCII bytes in the request target") from None
    if not isinstance(raw, str) or not raw:
        raise _refuse("an empty request target")
    if len(raw) > MAX_TARGET_CHARS:
        raise _refuse(f"longer than {MAX_TARGET_CHARS} characters")
    if not raw.isascii() or any(c <= " " or c == "\x7f" for c in raw):
        raise _refuse("spaces, control characters or non-ASCII in the request target")
    if "#" in raw:
        raise _refuse("a fragment ('#') is never part of a request target")
    absolute = _ABSOLUTE_RE.match(raw)
    if absolute:
        if not raw.lower().startswith(("http://", "https://")):
            raise _refuse("an absolute target with a scheme other than http(s)")
        raw = raw[absolute.end():] or "/"
        if raw.startswith("?"):
            raw = "/" + raw
    path, sep, query = raw.partition("?")
    return CanonicalTarget(_canonical_path(path), _canonical_query(query) if sep else "")


_cached_target = functools.lru_cache(maxsize=2048)(canonical_target_uncached)
