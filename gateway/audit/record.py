"""The audit record: its two shapes (request, admin), validation on append, and the canonical byte form.

Every record carries every key of its shape (null where not applicable). Validation refuses unknown keys,
wrong types, strings over 512 characters and — as defence in depth — any string value that contains a
resident ID number, a mainland mobile number or a bank card number, as gateway.identifiers proves them
(checksums, real birth dates, separators and full-width digits allowed). Error messages name the field,
never the value.

Canonical form: JSON with sorted keys, no spaces, non-ASCII kept (UTF-8), no NaN/Infinity. Those exact
bytes are what the hash chain covers.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from ..identifiers import find_personal_identifier, is_resident_id
from .errors import AuditRejected

MAX_STRING = 512
MAX_MASKING_ENTRIES = 256
MAX_DETAIL_KEYS = 32
MAX_DETAIL_LIST = 32

TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
ACTION_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
DETAIL_KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")
METHOD_RE = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$")  # an HTTP token
# A keyed hash: optional short tag ("sub_", "hmac:") then 16-128 hex digits.
SUBJECT_RE = re.compile(r"^(?:[a-z][a-z0-9]{0,7}[_:])?[0-9a-f]{16,128}$")

ROLES = ("system_admin", "security_admin", "audit_admin")
DECISIONS = ("allow", "deny")
OUTCOME_RE = re.compile(r"^[a-z][a-z_]{0,31}$")  # success, failure, denied, …


def utc_ms(moment: datetime | None = None) -> str:
    """UTC ISO-8601 with milliseconds and a Z: `2026-11-25T10:00:00.123Z`."""
    moment = (moment or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# ---------------------------------------------------------------------------------------------- PII guard
# Digest-shaped strings (hex with at least one letter, e.g. a uuid4 hex or a keyed hash) are not scanned:
# random hex digits would otherwise look like a phone number once in a few thousand records.
_DIGEST_RE = re.compile(r"^(?:[a-z][a-z0-9]{0,7}[_:-])?(?=[0-9a-fA-F-]*[a-fA-F])[0-9a-fA-F-]{16,128}$")


def is_valid_id_number(text: str) -> bool:
    """GB 11643-1999 18-character resident ID (gateway.identifiers: real province, birth date, check)."""
    return is_resident_id(text)


def looks_like_pii(text: str) -> str | None:
    """The identifier type found in `text` ("CN_ID_CARD" / "CN_MOBILE" / "CN_BANK_CARD"), or None — the one
    rule of gateway.identifiers, spelled plainly, with separators, full-width digits or a +86 prefix."""
    if len(text) < 11 or _DIGEST_RE.match(text):
        return None
    return find_personal_identifier(text)


# ------------------------------------------------------------------------------------------------ checks
Check = Callable[[str, Any], Any]

# Short strings that passed the personal-data scan and the UTF-8 check (so, by that check, hold no raw ID or
# mobile number): not scanned again. Bounded; cleared when full.
_PASSED: dict[str, None] = {}
PASSED_SIZE = 4096
PASSED_MAX_CHARS = 128


def _string(field: str, value: Any, *, pattern: re.Pattern | None = None, choices: tuple | None = None,
            scan: bool = True) -> str:
    if not isinstance(value, str):
        raise AuditRejected(field, f"must be a string, got {type(value).__name__}")
    if len(value) > MAX_STRING:
        raise AuditRejected(field, f"string longer than {MAX_STRING} characters")
    if choices is not None and value not in choices:
        raise AuditRejected(field, f"must be one of {', '.join(choices)}")
    if pattern is not None and not pattern.match(value):
        raise AuditRejected(field, f"does not have the expected form {pattern.pattern}")
    if value in _PASSED:  # the same paths, entity names, departments and rules come back on every request
        return value
    if scan:
        found = looks_like_pii(value)
        if found:
            raise AuditRejected(field, f"contains what looks like a raw {found} value")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise AuditRejected(field, "is not encodable as UTF-8") from None
    if scan and len(value) <= PASSED_MAX_CHARS:
        if len(_PASSED) >= PASSED_SIZE:
            _PASSED.clear()
        _PASSED[value] = None
    return value


def _int(field: str, value: Any, low: int = 0, high: int = 2**63 - 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise AuditRejected(field, f"must be an integer, got {type(value).__name__}")
    if not low <= value <= high:
        raise AuditRejected(field, f"must be between {low} and {high}")
    return value


def _number(field: str, value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AuditRejected(field, f"must be a number, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise AuditRejected(field, "must be finite")
    if value < 0:
        raise AuditRejected(field, "must not be negative")
    return value


def _text(field, value):
    if value.__class__ is str and value in _PASSED:  # what _string would find first: already scanned and clean
        return value
    return _string(field, value)


def _str_or_int(field, value):
    if isinstance(value, int) and not isinstance(value, bool):
        return _int(field, value)
    return _string(field, value)


def _masking(field: str, value: Any) -> list:
    if not isinstance(value, list):
        raise AuditRejected(field, f"must be a list, got {type(value).__name__}")
    if len(value) > MAX_MASKING_ENTRIES:
        raise AuditRejected(field, f"more than {MAX_MASKING_ENTRIES} entries")
    out = []
    for i, entry in enumerate(value):
        if entry.__class__ is dict and len(entry) == 4:  # the common case, without building field names
            path, entity, operator, count = (entry.get("path"), entry.get("entity"), entry.get("operator"),
                                             entry.get("count"))
            if (path.__class__ is str and entity.__class__ is str and operator.__class__ is str
                    and path in _PASSED and entity in _PASSED and operator in _PASSED
                    and count.__class__ is int and 0 <= count <= 2**63 - 1):
                # keys in sorted order: prepare()'s encoding relies on it
                out.append({"count": count, "entity": entity, "operator": operator, "path": path})
                continue
        where = f"{field}[{i}]"
        if not isinstance(entry, dict):
            raise AuditRejected(where, "must be an object with path, entity, operator, count")
        if set(entry) != {"path", "entity", "operator", "count"}:
            raise AuditRejected(where, "must have exactly the keys path, entity, operator, count")
        checked_path = _string(f"{where}.path", entry["path"])
        checked_entity = _string(f"{where}.entity", entry["entity"])
        checked_operator = _string(f"{where}.operator", entry["operator"])
        out.append({"count": _int(f"{where}.count", entry["count"]), "entity": checked_entity,
                    "operator": checked_operator, "path": checked_path})
    return out


def _scalar(field: str, value: Any):
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if looks_like_pii(str(value)):
            raise AuditRejected(field, "contains what looks like a raw personal identifier")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise AuditRejected(field, "must be finite")
        return value
    if isinstance(value, str):
        return _string(field, value)
    raise AuditRejected(field, f"must be a string, number, boolean or null, got {type(value).__name__}")


def _detail(field: str, value: Any) -> dict:
    if not isinstance(value, dict):
        raise AuditRejected(field, f"must be an object, got {type(value).__name__}")
    if len(value) > MAX_DETAIL_KEYS:
        raise AuditRejected(field, f"more than {MAX_DETAIL_KEYS} keys")
    out = {}
    for key, item in value.items():
        if not isinstance(key, str) or not DETAIL_KEY_RE.match(key):
            raise AuditRejected(field, f"keys must match {DETAIL_KEY_RE.pattern}")
        where = f"{field}.{key}"
        if isinstance(item, list):
            if len(item) > MAX_DETAIL_LIST:
                raise AuditRejected(where, f"lists hold at most {MAX_DETAIL_LIST} items")
            out[key] = [_scalar(f"{where}[{i}]", v) for i, v in enumerate(item)]
        else:
            out[key] = _scalar(where, item)
    return out


def _ts(field, value):
    return _string(field, value, pattern=TS_RE, scan=False)


def _choice(*choices):
    return lambda field, value: _string(field, value, choices=choices, scan=False)


def _pattern(pattern, *, scan=True):
    return lambda field, value: _string(field, value, pattern=pattern, scan=scan)


def _subject(field, value):
    return _string(field, value, pattern=SUBJECT_RE, scan=False)


def _status(field, value):
    return _int(field, value, 100, 599)


def _nonempty(check: Check) -> Check:
    def wrapped(field, value):
        value = check(field, value)
        if value == "":
            raise AuditRejected(field, "must not be empty")
        return value
    return wrapped


@dataclass(frozen=True)
class Shape:
    event: str
    checks: dict[str, Check]
    required: frozenset[str]


REQUEST = Shape("request", {
    "ts": _ts, "event": _choice("request"), "request_id": _nonempty(_text), "dept": _text, "app": _text,
    "subject": _subject, "client": _text, "method": _pattern(METHOD_RE), "resource": _text,
    "path": _text, "query": _text, "purpose": _text, "decision": _choice(*DECISIONS), "reason": _text, "rule": _text,
    "policy_version": _str_or_int, "grant_id": _str_or_int, "status": _status, "bytes_in": _int,
    "bytes_out": _int, "latency_ms": _number, "masking": _masking, "error": _text,
    "correlation_id": _text,  # the caller's own X-Request-Id, if any: never the request id
}, frozenset({"ts", "event", "request_id", "decision"}))

ADMIN = Shape("admin", {
    "ts": _ts, "event": _choice("admin"), "actor": _nonempty(_text), "role": _choice(*ROLES),
    "action": _pattern(ACTION_RE, scan=False), "target": _text, "digest_before": _text, "digest_after": _text,
    "detail": _detail, "outcome": _pattern(OUTCOME_RE, scan=False),
}, frozenset({"ts", "event", "actor", "role", "action", "outcome"}))

SHAPES = {REQUEST.event: REQUEST, ADMIN.event: ADMIN}
# The order validate() emits a shape's fields in: sorted, as the canonical form sorts them (see prepare).
_ORDER = {shape.event: tuple(sorted(shape.checks)) for shape in SHAPES.values()}
# (name, check, required) per field, in that order: validate()'s loop without a lookup per field.
_PLAN = {shape.event: tuple((name, shape.checks[name], name in shape.required) for name in _ORDER[shape.event])
         for shape in SHAPES.values()}
REQUEST_FIELDS = tuple(REQUEST.checks)
ADMIN_FIELDS = tuple(ADMIN.checks)
# Indexed copies of record values kept beside the canonical form for queries.
COLUMN_FIELDS = ("ts", "event", "dept", "app", "resource", "decision", "status", "request_id")


def validate(record: dict) -> dict:
    """A complete, checked copy of `record` (missing optional keys become null; `ts` defaults to now)."""
    if not isinstance(record, dict):
        raise AuditRejected("record", f"must be a dict, got {type(record).__name__}")
    shape = SHAPES.get(record.get("event"))  # type: ignore[arg-type]
    if shape is None:
        raise AuditRejected("event", f"must be one of {', '.join(SHAPES)}")
    unknown = [k for k in record if k not in shape.checks]
    if unknown:
        names = ", ".join(sorted(str(k)[:40] for k in unknown))
        raise AuditRejected("record", f"unknown key(s) for a {shape.event} record: {names}")
    out: dict = {}
    get = record.get
    for name, check, required in _PLAN[shape.event]:
        value = get(name)
        if value is not None:
            out[name] = check(name, value)
        elif name == "ts":
            out[name] = check(name, utc_ms())
        elif required:
            raise AuditRejected(name, "is required")
        else:
            out[name] = None
    return out


REMOVED = "[removed]"


def scrub(record: dict) -> tuple[dict, list[str]]:
    """A copy of a request record that passes validation, and the names of the fields that had to change.

    For the gateway's fallback when `append` raised AuditRejected on a request record built from caller
    input (say an X-Request-Id that is a phone number): the request is still audited, with each offending
    value replaced by "[removed]" (or null where the field cannot hold that marker) and unknown keys dropped.
    """
    if not isinstance(record, dict) or record.get("event") != REQUEST.event:
        raise AuditRejected("event", "only request records can be scrubbed")
    out: dict = {}
    changed: list[str] = [str(k)[:40] for k in record if k not in REQUEST.checks]
    for name, check in REQUEST.checks.items():
        value = record.get(name)
        if value is None:
            out[name] = utc_ms() if name == "ts" else None
            if name in REQUEST.required and name != "ts":
                out[name] = {"request_id": REMOVED, "decision": "deny"}[name]
                changed.append(name)
            continue
        try:
            out[name] = check(name, value)
        except AuditRejected:
            changed.append(name)
            fallback = {"decision": "deny", "ts": utc_ms(), "event": REQUEST.event}.get(name, REMOVED)
            try:
                out[name] = check(name, fallback)
            except AuditRejected:
                out[name] = None
    return validate(out), changed


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
# For a validated request record, whose keys validate() emitted in sorted order at every level (the record's
# own, and each masking entry's): the same bytes as _CANONICAL without sorting again, and without the
# circular-reference bookkeeping (validate() builds the record and its masking list and dicts afresh, so
# nothing in it can refer back to itself): about a third of the encoding time of every request's record.
_PRESORTED = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False, check_circular=False)


def canonical(record: dict) -> bytes:
    """The exact bytes the chain hashes: sorted keys, no spaces, UTF-8, no NaN."""
    return _CANONICAL.encode(record).encode("utf-8")


def columns_of(record: dict) -> dict:
    """The indexed columns stored beside a record (None for keys the record's shape does not have)."""
    return {name: record.get(name) for name in COLUMN_FIELDS}


@dataclass(frozen=True, slots=True)
class Prepared:
    """A validated record ready for the chain: canonical bytes plus the indexed column values."""

    canonical: bytes
    columns: dict


def prepare(record: dict) -> Prepared:
    checked = validate(record)
    if checked["event"] == REQUEST.event:  # nothing in it but validate()'s sorted dicts and scalars
        data = _PRESORTED.encode(checked).encode("utf-8")
    else:  # an admin record's detail keeps its caller's key order
        data = canonical(checked)
    return Prepared(data, columns_of(checked))


def admin_record(actor: str, role: str, action: str, target: str | None = None, digest_before: str | None = None,
                 digest_after: str | None = None, detail: dict | None = None, outcome: str = "success",
                 ts: str | None = None) -> dict:
    return {"ts": ts or utc_ms(), "event": "admin", "actor": actor, "role": role, "action": action,
            "target": target, "digest_before": digest_before, "digest_after": digest_after, "detail": detail,
            "outcome": outcome}
