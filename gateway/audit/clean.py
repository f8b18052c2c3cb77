"""Clean record values: what a request brings in (query string, raw path, request id, purpose, findings'
JSON paths) made safe before it reaches an audit record. Pure functions over strings and one HMAC key.

- Tokens are never stored: a query parameter whose name says token (`access_token`, `token`, `jwt`,
  `id_token`, `api_key`, `password`, …) or whose value looks like a JWT becomes `[token]`.
- Every other query value goes through the masking engine when the caller passes its `mask` function
  (`110101********4514` keeps the trail readable); whatever still carries a run of 7 or more digits, or what
  the audit guard calls an identifier, is stored as a keyed hash `h_<16 hex>` (same input, same hash: joinable,
  not reversible without the key). Parameter names that are not plain identifiers are hashed too.
- A raw path (requests no route matched) and a caller-chosen request id are stored as keyed hashes.
- A findings path `$.records.张伟.sfzh` keeps field names (catalog fields, known key spellings, plain ASCII
  identifiers) and hashes every other object key — names, addresses or IDs used as keys: `$.records.#h_….sfzh`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Callable, Collection
from urllib.parse import parse_qsl, quote

from .record import MAX_STRING, looks_like_pii

TOKEN_MARK = "[token]"
_TOKEN_NAMES = frozenset({"token", "jwt", "accesstoken", "idtoken", "refreshtoken", "bearer", "apikey", "key",
                          "secret", "clientsecret", "password", "passwd", "pwd", "auth", "authorization",
                          "sessionid", "session", "sid", "sig", "signature", "ticket", "code", "xapikey"})
_JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}")
_LONG_DIGITS = re.compile(r"\d{7}")
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-\[\]]{0,63}$")
_ASCII_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,63}$")
_SUSPECT_KEY = re.compile(r"\d{5}|@|\d{3}[\s-]\d{4}")
# A normalised JSON path: `$`, then `.name`, `.*`, `[*]` or `['quoted name']`.
_SEGMENT = re.compile(r"\.([^.\[]+)|\[\*\]|\['((?:[^'\\]|\\.)*)'\]|\[(\d+)\]")


class Cleaner:
    """Keyed hashing and cleaning of caller-supplied record values (one key per data directory)."""

    def __init__(self, key: bytes, known_key: Callable[[str], bool] | None = None):
        self._key = key
        self._known_key = known_key or (lambda _k: False)

    def hash(self, text: str, tag: str = "h") -> str:
        """`h_<16 hex>`: a keyed hash that joins equal inputs and reveals none."""
        return f"{tag}_" + hmac.new(self._key, text.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:16]

    # ---------------------------------------------------------------------------------------- queries
    def query(self, query: str | None, mask: Callable[[str], str] | None = None) -> str | None:
        """The query string as the record may hold it; None when there is none."""
        if not query:
            return None
        pairs = parse_qsl(query, keep_blank_values=True)
        if not pairs:
            return self.hash(query)
        tokens = {i for i, (name, value) in enumerate(pairs) if _is_token(name, value)}
        masked_values: list[str] | None = None
        if mask is not None:
            rest = "&".join(f"{quote(n, safe='')}={quote(v, safe='')}" for i, (n, v) in enumerate(pairs)
                            if i not in tokens)
            try:
                masked = parse_qsl(mask(rest), keep_blank_values=True) if rest else []
            except Exception:  # noqa: BLE001 - a value the engine cannot mask is hashed instead
                masked = None
            if masked is not None and len(masked) == len(pairs) - len(tokens):
                masked_values = [v for _, v in masked]
        parts, j = [], 0
        for i, (name, value) in enumerate(pairs):
            shown_name = name if _NAME_RE.match(name) and not looks_like_pii(name) else self.hash(name)
            if i in tokens:
                shown = TOKEN_MARK
            else:
                candidate = masked_values[j] if masked_values is not None else value
                j += 1
                shown = candidate if _is_plain(candidate) else self.hash(value)
            parts.append(f"{quote(shown_name, safe='')}={quote(shown, safe='*[]_')}")
        return _bounded("&".join(parts))

    # --------------------------------------------------------------------------------- other values
    def raw_path(self, path: str | None) -> str | None:
        """A path no route matched: a keyed hash of it (the query string is recorded separately)."""
        return self.hash(path.partition("?")[0]) if path else None

    def request_id(self, rid: str, supplied_by_caller: bool) -> str:
        """The gateway's own request id as is; a caller-chosen one as a keyed hash (`rid_…`)."""
        return self.hash(rid, "rid") if supplied_by_caller else rid

    def text(self, value: str | None, mask: Callable[[str], str] | None = None) -> str | None:
        """Caller-supplied free text (the purpose claim, …): masked, and hashed if anything still looks raw."""
        if value is None:
            return None
        try:
            shown = mask(value) if mask is not None else value
        except Exception:  # noqa: BLE001 - text the engine cannot mask is hashed instead
            return self.hash(value)
        return shown if _is_plain(shown) and len(shown) <= MAX_STRING else self.hash(value)

    def finding_path(self, path: str, fields: Collection[str] = ()) -> str:
        """A findings JSON path whose object keys that are not field names are replaced by keyed hashes."""
        if path.startswith("header.") and _HEADER_NAME.fullmatch(path[7:]):
            return path  # a response header the masker read (gateway.response_policy): a name, never a value
        if not path.startswith("$"):
            return self.hash(path)
        out, pos = ["$"], 1
        while pos < len(path):
            m = _SEGMENT.match(path, pos)
            if m is None:  # not a path we made: keep what was clean, hash the rest
                out.append(".#" + self.hash(path[pos:]))
                break
            pos = m.end()
            name = m.group(1) if m.group(1) is not None else m.group(2)
            if name is None:
                out.append(m.group(0))  # [*] or [n]
            elif name == "*" or self._is_field_name(name.replace("\\'", "'").replace("\\\\", "\\"), fields):
                out.append(m.group(0))
            else:
                out.append(".#" + self.hash(name))
        return _bounded("".join(out))

    def _is_field_name(self, name: str, fields: Collection[str]) -> bool:
        if name in fields:
            return True
        if _SUSPECT_KEY.search(name) or looks_like_pii(name):
            return False
        return bool(_ASCII_KEY.match(name)) or self._known_key(name)


_HEADER_NAME = re.compile(r"[A-Za-z0-9-]{1,64}")


def _is_token(name: str, value: str) -> bool:
    squashed = re.sub(r"[\s_\-.]", "", name).lower()
    return (squashed in _TOKEN_NAMES or squashed.endswith(("token", "jwt", "secret", "password"))
            or _JWT_RE.search(value) is not None)


def _is_plain(value: str) -> bool:
    """True when `value` holds no run of 7+ digits (also full-width ones) and nothing the guard calls raw."""
    folded = unicodedata.normalize("NFKC", value)
    digits_only = re.sub(r"[\s\-+().]", "", folded)
    return not (_LONG_DIGITS.search(digits_only) or looks_like_pii(folded))


def _bounded(text: str) -> str:
    if len(text) <= MAX_STRING:
        return text
    cut = text[:MAX_STRING - 2]
    return cut[:cut.rfind("&")] + "&…" if "&" in cut else cut + "…"
