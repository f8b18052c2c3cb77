"""Where values hide in a JSON document beyond plain members, made visible to the walker and put back after.

Before the walker runs, `prepare` rewrites a parsed document in place so that every value sits under a key
that says what it is, and records how to undo each rewrite once masking is done:

- table-shaped arrays: an array whose first element is a header row (`["姓名","身份证号",…]`, at least one
  header a known key name) and whose other elements are rows, and `{"columns": […], "rows": [[…]]}`
  (also headers/fields + data/values/records): each row becomes an object keyed by its headers, and back;
- strings holding JSON documents (`"{\"xm\": …}"`): parsed, masked inside, re-serialized in the style
  they came in (compact or spaced, ASCII-escaped or not);
- URL query strings and `key=value` text inside strings (`https://…?xm=王凯&sjhm=…`, `xm=王凯;sjhm=…`):
  the values, decoded, sit under their keys; only values that masking changed are written back;
- financial rows: an object whose label member names a business figure (`{"xm": "营业收入", "je": …}`):
  its amount members are walked under `营业收入#je` (so they are trade secrets; Prepared.aliases), unless labelled;
- label/value rows (`{"label": "身份证号", "value": "…"}`): the value sits under its label while masking.

`needs_prepare(text)` is the cheap check on the raw JSON text that lets ordinary bodies skip the pass.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import quote, unquote_plus

from .keynames import key_hint
from .operators import parse_amount
from .refusal import Deadline
from .walker import SUSPECT_KEY

FINANCE_LABELS = frozenset("""
营业收入 营业总收入 主营业务收入 其他业务收入 营业成本 营业总成本 主营业务成本 利润总额 净利润 营业利润 毛利润 纳税总额
应纳税额 实缴税额 增值税 企业所得税 销售收入 销售额 营业额 研发投入 研发费用 销售费用 管理费用 财务费用 资产总额
负债总额 所有者权益 净资产 投标报价 中标金额 标底 成本 收入 利润 税额
""".split())
TABLE_HEADER_WORDS = frozenset("项目 科目 指标 金额 数值 本期金额 上期金额 本年累计 本期 上期 年度 item amount value".split())
LABEL_KEYS = frozenset({"label", "name", "key", "field", "title", "f", "k", "item", "zdmc", "字段", "名称", "项目",
                        "fieldName", "field_name", "attr", "attribute"})
VALUE_KEYS = frozenset({"value", "val", "v", "zdz", "值", "fieldValue", "field_value"})
HEADER_KEYS = ("columns", "headers", "header", "fields", "cols", "titles")
ROW_KEYS = ("rows", "data", "values", "records", "items", "list")
MAX_EMBEDDED = 1 << 20  # strings above this size are not parsed as embedded JSON
CHECK_EVERY = 512

# The cheap checks on the raw JSON text, one literal-led regex each (so the regex engine can skip ahead).
_TRIGGERS = (
    re.compile(r"\[\s*\["),  # an array of arrays
    re.compile(r'"(?:' + "|".join(HEADER_KEYS) + r')"\s*:'),  # a columns/rows object
    re.compile(r'"\s*[\[{]\s*(?:\\"|[\[{\]}])'),  # a string holding a JSON document
    re.compile(r"=(?!\s*[\"\\])"),  # a query string or key=value text (pairs are checked when parsed)
    re.compile(r'"(?:' + "|".join(sorted(VALUE_KEYS)) + r')"\s*:'),  # a label/value row
)
_FINANCE_LABEL = re.compile(r'"[一二三四五六七八九十、.（）() 0-9]*(?:' + "|".join(sorted(FINANCE_LABELS, key=len, reverse=True))
                            + ')"')  # a financial label as a whole JSON string, not the word 收入 inside a remark
_FINANCE_START = re.compile('"[一二三四五六七八九十、.（）() 0-9]*[' + "".join(sorted({w[0] for w in FINANCE_LABELS})) + "]")
_URL = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^\s?#]*\?|\?|)(?P<query>[^\s#]*)(?P<tail>#\S*)?")
_PAIR_KEY = re.compile(r"[A-Za-z_\u4e00-\u9fff][\w.\-\[\]\u4e00-\u9fff]{0,63}")
_KV = re.compile(r"\s*([A-Za-z_\u4e00-\u9fff][\w\u4e00-\u9fff]{0,31})\s*=\s*([^;&,，；|=\n]*)")
_KV_SEP = re.compile(r"\s*[;&,，；|]\s*")


@dataclass
class Prepared:
    """Undo steps, run in reverse order after masking, and the members walked under another key.

    `aliases` maps id(object) to (object, {key: key it is walked under}): a financial row's amounts are not
    moved but walked (classified, counted, hinted) under `<label>#<key>`, so there is nothing to undo."""

    fixups: list[Callable[[], None]] = field(default_factory=list)
    aliases: dict[int, tuple[dict, dict[str, str]]] = field(default_factory=dict)
    plans: dict[tuple, Any] = field(default_factory=dict, repr=False)  # financial rows' plans, by shape

    def restore(self) -> None:
        for fix in reversed(self.fixups):
            fix()
        self.fixups.clear()


def needs_prepare(text: str) -> bool:
    """False when the raw JSON text holds none of the shapes `prepare` rewrites."""
    if any(trigger.search(text) is not None for trigger in _TRIGGERS):
        return True
    return any(_FINANCE_LABEL.match(text, m.start()) for m in _FINANCE_START.finditer(text))


def prepare(holder: list, deadline: Deadline | None = None,
            labelled: Callable[[str], bool] = lambda key: False) -> Prepared:
    """Rewrite the document in holder[0] in place (see the module docstring); `labelled(key)` says whether
    the catalog labels a key (its members are never moved: labels win).

    Runs on every member of a body that may hold one of the shapes, so strings are looked at where they
    sit (only a string starting with `{`/`[` or holding `=` can be rewritten) and containers go on a stack."""
    out = Prepared()
    stack: list[tuple[Any, Any]] = [(holder, 0)]
    budget = CHECK_EVERY
    while stack:
        parent, slot = stack.pop()
        value = parent[slot]
        budget -= 1
        if budget <= 0 and deadline is not None:
            budget = CHECK_EVERY
            deadline.check_now()
        t = type(value)
        if t is dict:
            if not _HEADER_KEYS.isdisjoint(value):
                _columns_rows(value, out)
            if not _finance_row(value, out, labelled):
                _label_value_row(value, out, labelled)
            children = value.items()
        elif t is list:
            _header_table(value, out)
            children = enumerate(value)
        elif t is str:
            if _rewritten(parent, slot, value, out):
                stack.append((parent, slot))
            continue
        else:
            continue
        budget -= len(value)
        for k, child in children:
            tc = type(child)
            if tc is dict or tc is list:
                stack.append((value, k))
            elif tc is str and child and (child[0] in _EMBED_START or "=" in child or child[0].isspace()) \
                    and _rewritten(value, k, child, out):
                stack.append((value, k))  # now a document or a record: walked in its turn
    return out


_EMBED_START = frozenset("{[")
_VALUE_SHAPED = re.compile(r"\d{5}|[０-９]{5}|@")
_HEADER_KEYS = frozenset(HEADER_KEYS)


def _rewritten(parent: Any, slot: Any, text: str, out: Prepared) -> bool:
    """Whether the string at parent[slot] was replaced by the document or record it holds."""
    return (_embedded(parent, slot, text, out) or _pairs(parent, slot, text, out)) is not None


# --- tables -------------------------------------------------------------------------------------


def _usable_header(header: Any) -> list[str] | None:
    """`header` when it reads as a row of column names: distinct short strings, none shaped like a value (a
    run of 5+ digits, an @: the first data row of a table whose real header is elsewhere holds a phone
    number, which is a person key), and at least one a known key name or table word."""
    if type(header) is not list or len(header) < 2:
        return None
    if not all(type(h) is str and 0 < len(h) <= 32 for h in header) or len(set(header)) != len(header):
        return None
    if any(_VALUE_SHAPED.search(h) for h in header):
        return None
    if not any(key_hint(h) is not None or h in TABLE_HEADER_WORDS for h in header):
        return None
    return header


def _rows_to_records(rows: list, start: int, header: list[str], out: Prepared) -> None:
    lengths: dict[int, int] = {}
    for i in range(start, len(rows)):
        row = rows[i]
        if type(row) is not list or len(row) > len(header):
            return  # not a table after all: leave every row as it is
    for i in range(start, len(rows)):
        lengths[i] = len(rows[i])
        rows[i] = dict(zip(header, rows[i]))
    header = list(header)  # masking may rewrite the header row itself (a name as a header under `xm`)

    def restore() -> None:
        for i, n in lengths.items():
            record = rows[i]
            rows[i] = [record.get(h) for h in header[:n]]

    out.fixups.append(restore)


def _header_table(array: list, out: Prepared) -> None:
    if len(array) >= 2 and type(array[0]) is list:
        header = _usable_header(array[0])
        if header is not None:
            _rows_to_records(array, 1, header, out)


def _columns_rows(obj: dict, out: Prepared) -> None:
    for hk in HEADER_KEYS:
        if hk in obj:
            break
    else:
        return
    header = obj[hk]
    if type(header) is list and header and all(type(h) is dict for h in header):
        # Columns as objects ({"field": "c0", "title": "姓名"}): the first naming member that gives a usable
        # header, so opaque field ids (c0, c1, …) give way to the titles.
        header = next((names for n in ("name", "key", "field", "title", "label")
                       if _usable_header(names := [h.get(n) for h in header]) is not None), None)
    header = _usable_header(header)
    if header is None:
        return
    for rk in ROW_KEYS:
        rows = obj.get(rk)
        if type(rows) is list and rows and type(rows[0]) is list:
            _rows_to_records(rows, 0, header, out)
            return


# --- financial rows -----------------------------------------------------------------------------


def _finance_row(obj: dict, out: Prepared, labelled: Callable[[str], bool]) -> bool:
    """{"xm": "营业收入", "je": …}: each amount member is walked under `<label>#<key>` (a key that names the
    figure, so it is masked as a trade secret; Prepared.aliases), unless the catalog labels its own key."""
    if not 2 <= len(obj) <= 8:
        return False
    label_key = label = None
    for k, v in obj.items():
        if type(v) is str and v:
            if v in FINANCE_LABELS:
                label_key, label = k, v
                break
            if v[0] not in _FINANCE_LEAD and not v[0].isspace():
                continue  # what strip/lstrip below would leave starts with no label's first character
            word = v.strip().lstrip(_LABEL_NUMBERING)
            if word in FINANCE_LABELS:
                label_key, label = k, word
                break
    if label_key is None:
        return False
    # The rows of one statement repeat their keys and value types: what they come to is worked out once
    # (a row with a string besides its label is worked out on its own: parse_amount reads the string).
    types = tuple(map(type, obj.values()))
    memo = (label_key, label, tuple(obj), types) if types.count(str) == 1 else None
    plan = out.plans.get(memo, _NO_PLAN) if memo is not None else _NO_PLAN
    if plan is _NO_PLAN:
        plan = _finance_plan(obj, label_key, label, labelled)
        if memo is not None:
            out.plans[memo] = plan
    if plan is not None:
        aliased, renames = plan
        if aliased:
            out.aliases[id(obj)] = (obj, renames)
        else:
            _rename(obj, renames, out)  # a key that may be a value is masked as a key: moved for real
    return True


_NO_PLAN = object()


def _finance_plan(obj: dict, label_key: str, label: str,
                  labelled: Callable[[str], bool]) -> tuple[bool, dict[str, str]] | None:
    """(walked under aliases?, {key: `<label>#<key>`}) for a financial row, or None to leave it as it is."""
    renames = {k: f"{label}#{k}" for k, v in obj.items()
               if (type(v) is int or type(v) is float or type(v) is str and parse_amount(v) is not None)
               and k != label_key and not labelled(k)}
    if not renames or any(new in obj for new in renames.values()):
        return None  # (as _rename would: no member is moved onto another)
    return not any(SUSPECT_KEY.search(new) is not None for new in renames.values()), renames


_LABEL_NUMBERING = "一二三四五六七八九十、.（）() 0123456789"  # `一、营业收入`, `1. 利润总额`
_FINANCE_LEAD = frozenset(_LABEL_NUMBERING) | {w[0] for w in FINANCE_LABELS}


def _rename(obj: dict, renames: dict[str, str], out: Prepared) -> None:
    """Put members under other keys while masking; restore keys and order after (a member masking removed
    stays removed)."""
    if not renames or any(new in obj for new in renames.values()):
        return
    order = list(obj)
    items = [(renames.get(k, k), v) for k, v in obj.items()]
    obj.clear()
    obj.update(items)

    def restore() -> None:
        masked = dict(obj)
        obj.clear()
        for k in order:
            new = renames.get(k, k)
            if new in masked:
                obj[k] = masked[new]

    out.fixups.append(restore)


# --- label/value rows ---------------------------------------------------------------------------

def _label_value_row(obj: dict, out: Prepared, labelled: Callable[[str], bool]) -> None:
    """{"label": "身份证号", "value": "…"}: the value sits under its label while masking, then goes back."""
    if not 2 <= len(obj) <= 4 or LABEL_KEYS.isdisjoint(obj) or VALUE_KEYS.isdisjoint(obj):
        return
    label_key = next((k for k in obj if k in LABEL_KEYS and type(obj[k]) is str), None)
    value_key = next((k for k in obj if k in VALUE_KEYS and type(obj[k]) in (str, int, float)), None)
    if label_key is None or value_key is None or labelled(value_key):
        return
    label = obj[label_key].strip()
    if label and len(label) <= 32 and key_hint(label) is not None:
        _rename(obj, {value_key: label}, out)




# --- strings holding documents, queries and key=value text ----------------------------------------


def _embedded(parent: Any, slot: Any, text: str, out: Prepared) -> bool | None:
    stripped = text.strip()
    if len(stripped) < 2 or len(stripped) > MAX_EMBEDDED or (stripped[0], stripped[-1]) not in (("{", "}"), ("[", "]")):
        return None
    try:
        doc = json.loads(stripped)
    except ValueError:
        return None
    if type(doc) not in (dict, list):
        return None
    compact = '": ' not in stripped and '", "' not in stripped and ", " not in stripped
    ascii_only = "\\u" in stripped
    separators = (",", ":") if compact else None
    baseline = json.dumps(doc, ensure_ascii=ascii_only, separators=separators)
    parent[slot] = doc

    def restore() -> None:
        dumped = json.dumps(parent[slot], ensure_ascii=ascii_only, separators=separators)
        parent[slot] = text if dumped == baseline else dumped  # untouched inside: the caller's own text

    out.fixups.append(restore)
    return True


def _pairs(parent: Any, slot: Any, text: str, out: Prepared) -> bool | None:
    if "=" not in text or len(text) > 8192:
        return None
    m = _URL.fullmatch(text.strip())
    if m is not None and "=" in m.group("query") and (m.group("head") or "&" in m.group("query")):
        return _query(parent, slot, text, m, out)
    return _kv_text(parent, slot, text, out)


def _query(parent: Any, slot: Any, text: str, m: re.Match, out: Prepared) -> bool | None:
    raw_pairs = m.group("query").split("&")
    keys, values = [], []
    for raw in raw_pairs:
        k, eq, v = raw.partition("=")
        if not eq or not _PAIR_KEY.fullmatch(k):
            return None
        keys.append(k)
        values.append(unquote_plus(v))
    if len(set(keys)) != len(keys):
        return None
    record = dict(zip(keys, values))
    parent[slot] = record
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()):]

    def restore() -> None:
        masked = parent[slot]
        parts = []
        for k, raw, original in zip(keys, raw_pairs, values):
            new = masked.get(k)
            if new == original:
                parts.append(raw)
            else:
                parts.append(f"{k}={quote('' if new is None else str(new), safe='*')}")
        parent[slot] = lead + m.group("head") + "&".join(parts) + (m.group("tail") or "") + trail

    out.fixups.append(restore)
    return True


def _kv_text(parent: Any, slot: Any, text: str, out: Prepared) -> bool | None:
    pos, spans, keys = 0, [], []
    while pos < len(text):
        m = _KV.match(text, pos)
        if m is None:
            return None
        spans.append(m.span(2))
        keys.append(m.group(1))
        pos = m.end()
        sep = _KV_SEP.match(text, pos)
        if sep is None or sep.end() == pos:
            if text[pos:].strip():
                return None
            break
        pos = sep.end()
    if len(keys) < 2 or len(set(keys)) != len(keys):
        return None
    values = [text[a:b] for a, b in spans]
    parent[slot] = dict(zip(keys, values))

    def restore() -> None:
        masked = parent[slot]
        pieces, last = [], 0
        for k, (a, b), original in zip(keys, spans, values):
            new = masked.get(k)
            pieces.append(text[last:a])
            pieces.append(original if new == original else ("" if new is None else str(new)))
            last = b
        pieces.append(text[last:])
        parent[slot] = "".join(pieces)

    out.fixups.append(restore)
    return True
