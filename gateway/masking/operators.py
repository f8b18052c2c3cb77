"""Masking operators: the functions that turn one sensitive value into what a caller may see.

Each operator is a small immutable object built once from the rules file (parameters validated at
build time) and called per value: `op(value, ctx) -> str | None | REMOVE`. `None` means JSON null,
`REMOVE` means "drop the field" (or, inside free text, drop the span). Operators never raise on odd
input: a value an operator cannot interpret (a "date" that is no date, an "email" without @) falls
back to a full redaction, so nothing leaks because a value was unusual.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from dataclasses import dataclass
from typing import Any, ClassVar

from .opcore import FULL_REDACTION, REMOVE, OpContext, Operator, OperatorError, _Remove
from .text_operators import (  # noqa: F401 - re-exported: operators are looked up here
    COMPOUND_SURNAMES, Address, Email, Name, address_cut)

__all__ = ["Address", "Band", "Email", "FULL_REDACTION", "Hash", "Keep", "Name", "Null", "OPERATORS", "OpContext",
           "Operator", "OperatorError", "Plain", "REMOVE", "Redact", "Remove", "Scan", "YearOnly", "address_cut",
           "build_operator", "normalise_for_hash", "parse_amount", "pseudonym", "year_of"]


# --- keep / redact / remove / null / plain ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Keep(Operator):
    """Keep the first `first` and last `last` letters/digits, replace the others with `char`.

    Separators (spaces, hyphens, dots) are kept in place and not counted, so `138-1234-5678` becomes
    `138-****-5678`. `keep_prefix` is an optional regex for a leading part shown as is and not counted
    (a country code `+86 `, a landline area code `010-`). When the value is too short for the kept
    parts to leave at least a quarter of it (and at least one character) hidden, everything is masked.
    """

    first: int = 0
    last: int = 0
    char: str = "*"
    keep_prefix: re.Pattern | None = None
    name: ClassVar[str] = "keep"
    params: ClassVar[tuple[str, ...]] = ("first", "last", "char", "keep_prefix")

    def __call__(self, value: str, ctx: OpContext) -> str:
        prefix = ""
        if self.keep_prefix is not None:
            m = self.keep_prefix.match(value)
            if m and m.end() < len(value):
                prefix, value = value[: m.end()], value[m.end():]
        first, last = self.first, self.last
        if value.isalnum():  # the common case (ID, card and mobile numbers): plain slicing
            n = len(value)
            if n - first - last < max(1, n // 4):
                first = last = 0
            return prefix + value[:first] + self.char * (n - first - last) + value[n - last:]
        positions = [i for i, ch in enumerate(value) if ch.isalnum()]
        n = len(positions)
        if n == 0:
            return prefix + self.char * len(value) if value else prefix
        if n - first - last < max(1, n // 4):  # too short to hide enough: show nothing
            first = last = 0
        hidden = set(positions[first: n - last])
        return prefix + "".join(self.char if i in hidden else ch for i, ch in enumerate(value))


@dataclass(frozen=True, slots=True)
class Redact(Operator):
    """Replace the whole value with a fixed text; `{entity}` in it becomes the entity type."""

    replacement: str = FULL_REDACTION
    name: ClassVar[str] = "redact"
    params: ClassVar[tuple[str, ...]] = ("replacement",)

    def __call__(self, value: str, ctx: OpContext) -> str:
        return self.replacement.replace("{entity}", ctx.entity or "REDACTED")


@dataclass(frozen=True, slots=True)
class Remove(Operator):
    """Drop the field (or, inside free text, the span)."""

    name: ClassVar[str] = "remove"

    def __call__(self, value: str, ctx: OpContext) -> _Remove:
        return REMOVE


@dataclass(frozen=True, slots=True)
class Null(Operator):
    """Replace the value with JSON null (inside free text: drop the span)."""

    name: ClassVar[str] = "null"

    def __call__(self, value: str, ctx: OpContext) -> None:
        return None


@dataclass(frozen=True, slots=True)
class Plain(Operator):
    """Leave the value as it is (public entities such as the unified social credit code)."""

    name: ClassVar[str] = "plain"

    def __call__(self, value: str, ctx: OpContext) -> str:
        return value


@dataclass(frozen=True, slots=True)
class Scan(Operator):
    """Marker for free text: the value is not masked as a whole, its content goes through detection."""

    name: ClassVar[str] = "scan"

    def __call__(self, value: str, ctx: OpContext) -> str:  # the engine never calls it on a value
        return FULL_REDACTION


# --- hash (pseudonym) -------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s\-]+")
_COUNTRY = re.compile(r"^(?:\+86|0086)")
_COMPACT_ENTITIES = frozenset({"CN_ID_CARD", "CN_MOBILE", "CN_LANDLINE", "CN_BANK_CARD", "CN_USCC",
                               "CN_PASSPORT", "CN_SOCIAL_SECURITY", "CN_LICENSE_PLATE"})


def normalise_for_hash(value: str, entity: str = "") -> str:
    """The canonical form hashed, so `138-1234-5678` and `+86 13812345678` join to the same token."""
    value = value.strip()
    if entity in _COMPACT_ENTITIES:
        value = _SEPARATORS.sub("", value).upper()
        if entity == "CN_MOBILE":
            value = _COUNTRY.sub("", value)
    elif entity == "EMAIL_ADDRESS":
        value = value.lower()
    return value


@dataclass(frozen=True, slots=True)
class Hash(Operator):
    """Keyed pseudonym: `prefix` + the first `length` hex digits of HMAC-SHA256(key, value).

    The same value and key always give the same token (records stay joinable); without the key the
    token cannot be recomputed from a guessed value. An empty key is refused (an unkeyed hash of an
    ID number is reversible by enumeration).
    """

    prefix: str = "PSN_"
    length: int = 16
    name: ClassVar[str] = "hash"
    params: ClassVar[tuple[str, ...]] = ("prefix", "length")

    def __call__(self, value: str, ctx: OpContext) -> str:
        return pseudonym(value, ctx.pseudonym_key, entity=ctx.entity, prefix=self.prefix, length=self.length)


def pseudonym(value: str, key: bytes, *, entity: str = "", prefix: str = "PSN_", length: int = 16) -> str:
    """The keyed pseudonym of `value` (see Hash)."""
    if not key:
        raise OperatorError("pseudonym_key", "a keyed pseudonym needs a non-empty key")
    digest = hmac.new(key, normalise_for_hash(value, entity).encode("utf-8"), hashlib.sha256).hexdigest()
    return prefix + digest[:length]


# --- year_only ----------------------------------------------------------------------------------

_DATE_PATTERNS = (
    re.compile(r"^\s*((?:1[89]|20)\d{2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?:[ T].*)?\s*$"),
    re.compile(r"^\s*((?:1[89]|20)\d{2})(\d{2})(\d{2})\s*$"),
    re.compile(r"^\s*((?:1[89]|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(?:(\d{1,2})\s*[日号])?\s*$"),
    re.compile(r"^\s*((?:1[89]|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$"),
    re.compile(r"^\s*((?:1[89]|20)\d{2})\s*年?\s*$"),
)


_ISO_DATE = re.compile(r"((?:1[89]|20)\d{2})-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])")


def year_of(value: str) -> str | None:
    """The four-digit year of a date written in one of the usual Chinese/ISO forms, else None."""
    m = _ISO_DATE.fullmatch(value)  # the common case, 1990-05-17
    if m:
        return m.group(1)
    for pattern in _DATE_PATTERNS:
        m = pattern.match(value)
        if not m:
            continue
        groups = m.groups()
        if len(groups) >= 2 and groups[1] is not None and not 1 <= int(groups[1]) <= 12:
            return None
        if len(groups) >= 3 and groups[2] is not None and not 1 <= int(groups[2]) <= 31:
            return None
        return groups[0]
    return None


@dataclass(frozen=True, slots=True)
class YearOnly(Operator):
    """Dates become their year: `1990-05-17`, `19900517`, `1990年5月17日` → `1990`."""

    name: ClassVar[str] = "year_only"

    def __call__(self, value: str, ctx: OpContext) -> str:
        year = year_of(value)
        return year if year is not None else FULL_REDACTION


# --- band ---------------------------------------------------------------------------------------

_NUMBER = re.compile(r"^\s*([-+]?\d[\d,，]*(?:\.\d+)?|[-+]?\.\d+)\s*(亿元|万元|亿|万|元)?\s*$")
DEFAULT_BAND_EDGES = (0.0, 1e6, 5e6, 1e7, 5e7, 1e8, 1e9)
_UNIT = {None: 1, "元": 1, "万": 10_000, "万元": 10_000, "亿": 100_000_000, "亿元": 100_000_000}


def parse_amount(value: str) -> float | None:
    """A number written as `12345678`, `1,234.5`, `1200万`, `3.5亿元`; None if it is not one."""
    m = _NUMBER.match(value)
    if not m:
        return None
    try:
        number = float(m.group(1).replace(",", "").replace("，", ""))
    except ValueError:
        return None
    number *= _UNIT[m.group(2)]
    return number if math.isfinite(number) else None


def _cn_amount(x: float) -> str:
    for unit, size in (("亿", 100_000_000), ("万", 10_000)):
        if abs(x) >= size:
            q = x / size
            return f"{q:g}{unit}" if q != int(q) else f"{int(q)}{unit}"
    return f"{x:g}" if x != int(x) else str(int(x))


def _sci(x: float) -> str:
    if x != int(x):
        return f"{x:g}"
    n = int(x)
    if n == 0:
        return "0"
    k = 0
    while n % 10 == 0:
        n //= 10
        k += 1
    return f"{n}e{k}" if k >= 3 else str(int(x))


@dataclass(frozen=True, slots=True)
class Band(Operator):
    """Numbers become the band between two configured edges: `1000万-5000万` (style `cn`) or
    `[1e6,5e6)` (style `interval`); below the first edge `<X`, from the last edge on `≥X`."""

    edges: tuple[float, ...] = DEFAULT_BAND_EDGES
    style: str = "cn"
    name: ClassVar[str] = "band"
    params: ClassVar[tuple[str, ...]] = ("edges", "style")

    def __call__(self, value: str, ctx: OpContext) -> str:
        x = parse_amount(value)
        if x is None:
            return FULL_REDACTION
        edges = self.edges
        if x < edges[0]:
            return f"(-inf,{_sci(edges[0])})" if self.style == "interval" else f"<{_cn_amount(edges[0])}"
        for lo, hi in zip(edges, edges[1:]):
            if lo <= x < hi:
                if self.style == "interval":
                    return f"[{_sci(lo)},{_sci(hi)})"
                return f"{_cn_amount(lo)}-{_cn_amount(hi)}"
        top = edges[-1]
        return f"[{_sci(top)},inf)" if self.style == "interval" else f"≥{_cn_amount(top)}"


# --- construction from rules --------------------------------------------------------------------

OPERATORS: dict[str, type[Operator]] = {cls.name: cls for cls in (
    Keep, Redact, Remove, Null, Plain, Scan, Hash, YearOnly, Band, Name, Address, Email)}


def _int(params: dict, key: str, default: int, lo: int, hi: int) -> int:
    value = params.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise OperatorError(key, f"must be an integer between {lo} and {hi}")
    return value


def _text(params: dict, key: str, default: str, *, nonempty: bool = True, max_len: int = 64) -> str:
    value = params.get(key, default)
    if not isinstance(value, str) or (nonempty and not value) or len(value) > max_len:
        raise OperatorError(key, f"must be a {'non-empty ' if nonempty else ''}string of at most {max_len} characters")
    return value


def build_operator(name: str, params: dict[str, Any] | None = None) -> Operator:
    """An operator from its name and parameters; raises OperatorError on anything unknown or invalid."""
    params = dict(params or {})
    cls = OPERATORS.get(name)
    if cls is None:
        raise OperatorError(None, f"unknown operator {name!r} (known: {', '.join(sorted(OPERATORS))})")
    unknown = set(params) - set(cls.params)
    if unknown:
        allowed = ", ".join(cls.params) or "none"
        raise OperatorError(sorted(unknown)[0], f"unknown parameter for operator {name} (allowed: {allowed})")
    if cls is Keep:
        char = _text(params, "char", "*", max_len=1)
        prefix = params.get("keep_prefix")
        compiled = None
        if prefix is not None:
            if not isinstance(prefix, str) or not prefix:
                raise OperatorError("keep_prefix", "must be a non-empty regular expression")
            try:
                compiled = re.compile(prefix)
            except re.error as e:
                raise OperatorError("keep_prefix", f"invalid regular expression: {e}") from None
        return Keep(_int(params, "first", 0, 0, 64), _int(params, "last", 0, 0, 64), char, compiled)
    if cls is Redact:
        return Redact(_text(params, "replacement", FULL_REDACTION))
    if cls is Hash:
        prefix = _text(params, "prefix", "PSN_", nonempty=False, max_len=16)
        return Hash(prefix, _int(params, "length", 16, 8, 64))
    if cls is Band:
        edges = params.get("edges", list(DEFAULT_BAND_EDGES))
        if (not isinstance(edges, list) or len(edges) < 2
                or not all(isinstance(e, (int, float)) and not isinstance(e, bool) and math.isfinite(e)
                           for e in edges)):
            raise OperatorError("edges", "must be a list of at least two finite numbers")
        if any(b <= a for a, b in zip(edges, edges[1:])):
            raise OperatorError("edges", "must be strictly increasing")
        style = params.get("style", "cn")
        if style not in ("cn", "interval"):
            raise OperatorError("style", "must be 'cn' or 'interval'")
        return Band(tuple(float(e) for e in edges), style)
    if cls in (Name, Email):
        return cls(_text(params, "char", "*", max_len=1))
    if cls is Address:
        return Address(_text(params, "replacement", "****"))
    return cls()
