"""The Masker: decides, per JSON field, what one caller may see, and rewrites the body accordingly.

Decision per object member (first match wins):
1. key in `view.pseudonymise` → keyed pseudonym (hash with the grant's key), whatever its label;
2. key in `view.reveal` → shown plain, recorded as a finding with operator `reveal`
   (an unlabelled revealed key is still scanned so the finding names what was revealed);
3. a per-field override in the rules file;
4. a labelled catalog field: protected classes (personal, sensitive, trade_secret) are masked with the
   entity's operator, else the class default (trade_secret → remove), without detection — except
   FREE_TEXT fields, which are scanned; public/internal fields stay plain but are scanned as free text
   (no key-name hints) when the class says `scan: true`;
5. an unlabelled field: detection with the key as context; every span is masked with its entity's
   operator (public entities such as CN_USCC stay plain). A labelled container passes its decision to
   unlabelled members below it.

All strings of one document are collected first and sent to the detector as one batch (split every
DETECT_BATCH strings so the watchdog can be checked between calls), then the spans are applied.
A public entity (CN_USCC) stays plain only if its characters are not also a valid ID or card number.
Findings aggregate a count per (path, entity, operator) and never hold a value.
Fail closed: any exception inside masking becomes MaskingRefused('masking_error'); a watchdog time
budget checked between items becomes MaskingRefused('masking_timeout').
"""

from __future__ import annotations

import copy
import functools
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import parse_qsl, quote

from ..catalog import Field, FieldClass, Resource
from ..config import Config, MaskingSettings
from . import body as bodyio
from .operators import (REMOVE, Hash, OpContext, Operator, Plain, Redact, Remove, Scan, parse_amount, year_of)
from .pseudonym import PseudonymKeys
from .recognizers.cn_bank_card import luhn_valid
from .recognizers.cn_id_card import is_valid_resident_id
from .refusal import Deadline, MaskingRefused
from .rules import PROTECTED_CLASSES, MaskingRules, load_rules
from .walker import SUSPECT_KEY, KeyRef, Leaf, REMOVE_MEMBER, SKIP_SUBTREE, member_path, walk

if TYPE_CHECKING:  # the detector is built by build_masker; tests may pass any object with the same API
    from .detector import Detector

__all__ = ["Finding", "MaskResult", "Masker", "MaskingRefused", "MaskingView", "build_masker"]

CLASS_ENTITY = {
    FieldClass.PUBLIC: "PUBLIC", FieldClass.INTERNAL: "INTERNAL", FieldClass.PERSONAL: "PERSONAL",
    FieldClass.SENSITIVE: "SENSITIVE", FieldClass.TRADE_SECRET: "TRADE_SECRET",
}
DETECT_BATCH = 2000  # strings per detect_many call (the watchdog is checked between calls)
APPLY_CHUNK = 256  # leaves masked between two reads of the watchdog clock
VIEW_RULES_CACHE = 256  # views whose per-key rules are remembered across calls
VIEW_RULES_KEYS = 512  # keys remembered per view (plain field names only)
MIN_NUMBER_DIGITS = 5  # JSON integers with at least this many digits are checked as identifiers
# Entities a key name may hint at that the detector does not find as spans by itself: applied to the
# whole value of an unlabelled field when the value has the entity's shape.
_HINT_SHAPES: dict[str, Callable[[str], bool]] = {
    "DATE_OF_BIRTH": lambda text: year_of(text) is not None,
    "TRADE_SECRET": lambda text: parse_amount(text) is not None,
}


@dataclass(frozen=True)
class MaskingView:
    """What one caller may see of one resource."""

    resource: Resource | None  # None: unlabelled, detection only
    reveal: frozenset[str] = frozenset()  # field names shown plain (from the grant)
    pseudonymise: frozenset[str] = frozenset()  # field names replaced by keyed pseudonyms
    pseudonym_key: bytes = b""
    grant_id: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    path: str
    entity: str
    operator: str
    count: int


@dataclass
class MaskResult:
    body: bytes
    findings: list[Finding]
    content_type: str | None
    content_encoding: str | None  # coding of `body` (None = identity): set Content-Encoding to it


@dataclass(frozen=True, slots=True, eq=False)
class _Rule:
    """What happens to one member: remove | skip | apply (operator) | detect | scan | reveal.

    Compared and hashed by identity (a session makes one per key), so it is a cheap dictionary key."""

    action: str
    operator: Operator | None = None
    entity: str = ""
    finding: str | None = None  # operator name recorded once per occurrence (remove, reveal)


_DETECT = _Rule("detect")  # detection with the key as context
_SCAN = _Rule("scan")  # detection without key hints (labelled plain fields)
_REVEAL = _Rule("reveal")  # detection for the findings only; values stay plain
_SKIP = _Rule(SKIP_SUBTREE)


def _entity_of(field: Field | None) -> str | None:
    if field is None:
        return None
    return field.entity or CLASS_ENTITY[field.klass]


def _fail_closed(method):
    """Any exception inside masking becomes MaskingRefused('masking_error') carrying only its class name."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except MaskingRefused:
            raise
        except RecursionError:
            raise MaskingRefused("too_deep") from None
        except Exception as e:  # noqa: BLE001 - fail closed on anything
            raise MaskingRefused("masking_error", cause=type(e).__name__) from None

    return wrapper


class Masker:
    """Masks documents, text, bodies and query strings for one MaskingView at a time (thread-safe)."""

    def __init__(self, rules: MaskingRules, settings: MaskingSettings, detector: "Detector", *,
                 pseudonym_keys: PseudonymKeys | None = None):
        self.rules = rules
        self.settings = settings
        self.detector = detector
        self._keys = pseudonym_keys
        self._hash = Hash()
        self._hint_cache: dict[str | None, str | None] = {}
        self._plain_contexts: dict[str, OpContext] = {}
        # (id(resource), reveal, pseudonymise) -> (resource, {key: rule}): the rule of a field name depends on
        # nothing else, and the same few views serve every call (the resource is held, so its id stays its own).
        self._view_rules: dict[tuple, tuple[Resource | None, dict[str, "_Rule | None"]]] = {}

    # --- public API ------------------------------------------------------------------------------

    @_fail_closed
    def mask_document(self, doc: Any, view: MaskingView) -> tuple[Any, list[Finding]]:
        """A masked copy of a parsed JSON document and the findings."""
        session = _Session(self, view)
        root = session.collect(copy.deepcopy(doc))
        session.run()
        return root[0], session.findings()

    @_fail_closed
    def mask_text(self, text: str, view: MaskingView, key: str | None = None) -> tuple[str, list[Finding]]:
        """Masked free text; `key` (a field or column name) gives context and its label applies."""
        session = _Session(self, view)
        holder: list[Any] = [text]
        if session.add_value(holder, 0, key, text) is None:
            session.run()
            return "", session.findings()
        session.run()
        value = holder[0]
        return ("" if value is None else str(value)), session.findings()

    @_fail_closed
    def mask_query(self, query: str, view: MaskingView) -> tuple[str, list[Finding]]:
        """A query string with its values masked by the same rules (for the audit trail)."""
        if not query:
            return query, []
        session = _Session(self, view)
        pairs = parse_qsl(query, keep_blank_values=True)
        values: list[Any] = [v for _, v in pairs]
        kept = [session.add_value(values, i, k, value, prefix="query") is not None
                for i, (k, value) in enumerate(pairs)]
        session.run()
        parts = []
        for (k, _), v, keep in zip(pairs, values, kept):
            if keep:
                parts.append(f"{quote(k, safe='')}={quote('' if v is None else str(v), safe='*')}")
        return "&".join(parts), session.findings()

    @_fail_closed
    def mask_body(self, body: bytes, content_type: str | None, content_encoding: str | None,
                  view: MaskingView) -> MaskResult:
        """Decode, mask and re-encode one response body; raises MaskingRefused(reason) when it cannot."""
        if not body:
            return MaskResult(body, [], content_type, content_encoding)
        deadline = Deadline(self.settings.timeout_seconds)
        media = bodyio.parse_content_type(content_type)
        if media.kind == "other":
            if bodyio.is_public_type(view.resource, media):
                return MaskResult(body, [], content_type, content_encoding)
            raise MaskingRefused("unsupported_content_type")
        coding = bodyio.parse_encoding(content_encoding)
        raw = bodyio.decode_body(body, coding, max_bytes=self.settings.max_body_bytes,
                                 max_ratio=self.settings.max_compression_ratio, deadline=deadline)
        text, bom = bodyio.decode_text(raw, media.charset)
        kind = media.kind
        if kind == "unknown":
            kind = "json" if bodyio.looks_like_json(text) else "text"
        session = _Session(self, view, deadline)
        if kind == "json":
            root = session.collect(bodyio.parse_json(text))
            session.run()
            out, bom = bodyio.dump_json(root[0]), False
        else:
            out = bodyio.mask_text_body(kind, text, session, media.charset)
        data = bodyio.encode_text(out, media.charset, bom)
        encoded = bodyio.encode_body(data, coding)
        deadline.check_now()
        return MaskResult(encoded, session.findings(), bodyio.content_type_of(media), coding)

    # --- helpers ---------------------------------------------------------------------------------

    def key_hint(self, key: str | None) -> str | None:
        if key is None:
            return None
        try:
            return self._hint_cache[key]
        except KeyError:
            hint = self.detector.key_hint(key)
            if len(self._hint_cache) < 10_000:
                self._hint_cache[key] = hint
            return hint

    def rules_for(self, view: MaskingView) -> dict[str, "_Rule | None"]:
        """The remembered rules of `view`'s field names (shared by calls; filled by _Session.classify)."""
        key = (id(view.resource), view.reveal, view.pseudonymise)
        entry = self._view_rules.get(key)
        if entry is not None and entry[0] is view.resource:
            return entry[1]
        if len(self._view_rules) >= VIEW_RULES_CACHE:
            self._view_rules.clear()
        rules: dict[str, _Rule | None] = {}
        self._view_rules[key] = (view.resource, rules)
        return rules

    def plain_context(self, entity: str) -> OpContext:
        """The operator context of `entity` for operators that need no key (shared by every call)."""
        ctx = self._plain_contexts.get(entity)
        if ctx is None:
            ctx = OpContext(entity, b"")
            if len(self._plain_contexts) < 1024:
                self._plain_contexts[entity] = ctx
        return ctx

    def default_pseudonym_key(self) -> bytes:
        return self._keys.key_for("gateway") if self._keys is not None else b""


class _Session:
    """The state of one masking call: the view, the collected leaves, the findings, the deadline."""

    def __init__(self, masker: Masker, view: MaskingView, deadline: Deadline | None = None):
        self.m = masker
        self.rules = masker.rules
        self.view = view
        self.deadline = deadline or Deadline(masker.settings.timeout_seconds)
        self.counts: Counter[tuple[str, str, str]] = Counter()
        self.leaves: list[Leaf] = []
        self.keys: list[KeyRef] = []
        self._own: dict[str, _Rule | None] = {}
        self._shared = masker.rules_for(view)
        self._pkey: bytes | None = None
        self._contexts: dict[tuple[str, bool], OpContext] = {}

    # collecting

    def collect(self, doc: Any) -> list[Any]:
        """Walk a document; returns a one-element holder whose item is the (masked after run) root."""
        result = walk(doc, self.classify, _DETECT, max_depth=self.m.settings.max_depth, deadline=self.deadline)
        self.leaves.extend(result.leaves)
        self.keys.extend(result.suspect_keys)
        return result.holder

    def add_value(self, container: list, slot: int, key: str | None, value: Any,
                  prefix: str = "$") -> _Rule | None:
        """Queue one value held at container[slot]; returns None if its key removes it."""
        path = member_path(prefix, key) if key is not None else prefix
        rule = self.classify(key, path, None) if key is not None else _DETECT
        if rule.action == REMOVE_MEMBER:
            container[slot] = None
            return None
        if rule.action != SKIP_SUBTREE:
            self.leaves.append(Leaf(container, slot, path, key, value, rule))
        return rule

    # deciding

    def classify(self, key: str, path: str, inherited: _Rule | None) -> _Rule:
        try:
            rule = self._own[key]
        except KeyError:
            rule = self._own[key] = self._remembered_rule(key)
        if rule is None:  # unlabelled: a labelled container's decision carries down
            rule = inherited if inherited is not None and inherited.action in ("apply", "reveal") else _DETECT
        if rule.finding is not None:
            self.counts[(path, rule.entity, rule.finding)] += 1
        return rule

    def _remembered_rule(self, key: str) -> _Rule | None:
        """The rule of a key from the view's shared memory, worked out once. Only field names are remembered
        (the resource's labelled fields and ASCII identifiers; never a key that may itself be a value, such as
        an ID number or a name used as a key), and only so many, so the memory neither grows with traffic nor
        holds personal data."""
        shared = self._shared
        try:
            return shared[key]
        except KeyError:
            rule = self._own_rule(key)
            resource = self.view.resource
            if len(shared) < VIEW_RULES_KEYS and (_FIELD_NAME.match(key) and not SUSPECT_KEY.search(key)
                                                  or resource is not None and resource.field(key) is not None):
                shared[key] = rule
            return rule

    def is_removed(self, key: str) -> bool:
        rule = self._own.get(key) if key in self._own else self._own_rule(key)
        return rule is not None and rule.action == REMOVE_MEMBER

    def _own_rule(self, key: str) -> _Rule | None:
        view, rules = self.view, self.rules
        resource = view.resource
        field = resource.field(key) if resource is not None else None
        if key in view.pseudonymise:
            return _Rule("apply", self.m._hash, _entity_of(field) or self.m.key_hint(key) or "PSEUDONYM")
        if key in view.reveal:
            if field is not None:
                return _Rule(SKIP_SUBTREE, None, _entity_of(field) or "FIELD", finding="reveal")
            return _REVEAL
        op = rules.override(resource.code if resource is not None else None, key)
        if op is None and field is not None:
            if field.entity == "FREE_TEXT":
                return _DETECT  # remarks hide personal data in sentences, whatever the field's class
            if field.klass in PROTECTED_CLASSES:
                op = rules.field_operator(resource.code, key, field.klass, field.entity)
            else:
                class_rule = rules.class_rule(field.klass)
                if isinstance(class_rule.operator, Plain):
                    return _SCAN if class_rule.scan else _SKIP
                op = class_rule.operator
        if op is None:
            return None
        entity = _entity_of(field) or self.m.key_hint(key) or "FIELD"
        if isinstance(op, Remove):
            return _Rule(REMOVE_MEMBER, op, entity, finding="remove")
        if isinstance(op, Plain):
            return _SKIP
        if isinstance(op, Scan):
            return _DETECT
        return _Rule("apply", op, entity)

    # applying

    def pseudonym_key(self) -> bytes:
        if self._pkey is None:
            self._pkey = self.view.pseudonym_key or self.m.default_pseudonym_key()
        return self._pkey

    def run(self) -> None:
        """Apply whole-field operators now; send everything else to detection in one batch, then apply
        its spans. Whole-field leaves are the bulk of a labelled body, so their loop is kept tight: one
        operator context per rule, and paths counted per rule at the end instead of per value."""
        check_now = self.deadline.check_now
        pending: list[tuple[Leaf, str]] = []
        items: list[tuple[str | None, str]] = []
        applied: dict[_Rule, tuple[Operator, OpContext, list[str], _Rule]] = {}
        leaves = self.leaves
        for start in range(0, len(leaves), APPLY_CHUNK):
            check_now()
            for leaf in leaves[start:start + APPLY_CHUNK]:
                container, slot, path, key, value, rule = leaf
                if rule.action == "apply":
                    text = value if type(value) is str else _as_text(value, whole=True)
                    if not text:
                        continue
                    plan = applied.get(rule)
                    if plan is None:
                        plan = applied[rule] = (rule.operator, self._ctx(rule.entity, rule.operator), [], rule)
                    result = plan[0](text, plan[1])
                    container[slot] = None if result is None or result is REMOVE else result
                    plan[2].append(path)
                    continue
                text = _as_text(value, whole=False)
                if text is None and rule.action == "detect" and self._hinted(key):
                    text = _as_text(value, whole=True)  # a short number under `yysr` is still a figure
                if not text or (rule.action == "scan" and len(text) < CHECKSUM_MIN_CHARS):
                    continue  # too short to hold the only identifiers a scanned field gives up
                pending.append((leaf, text))
                items.append((key if rule.action != "scan" else None, text))
        for op, _ctx, paths, rule in applied.values():
            if paths and paths.count(paths[0]) == len(paths):  # the usual case: one path per rule
                self.counts[(paths[0], rule.entity, op.name)] += len(paths)
                continue
            for path, n in Counter(paths).items():
                self.counts[(path, rule.entity, op.name)] += n
        key_refs = [ref for ref in self.keys if ref.key in ref.container]
        items.extend((None, ref.key) for ref in key_refs)
        spans_per_item = self._detect(items)
        check = self.deadline.check
        for (leaf, text), spans in zip(pending, spans_per_item):
            check()
            self._apply_spans(leaf, text, spans)
        self._rename_keys(key_refs, spans_per_item[len(pending):])
        self.leaves, self.keys = [], []

    def _hinted(self, key: str | None) -> bool:
        hint = self.m.key_hint(key)
        return hint is not None and hint != "FREE_TEXT"

    def _detect(self, items: list[tuple[str | None, str]]) -> list[list]:
        if not items:
            return []
        out: list[list] = []
        for start in range(0, len(items), DETECT_BATCH):
            self.deadline.check_now()
            out.extend(self.m.detector.detect_many(items[start:start + DETECT_BATCH]))
        self.deadline.check_now()
        if len(out) != len(items):
            raise MaskingRefused("masking_error", cause="DetectorResultMismatch")
        return out

    def _ctx(self, entity: str, op: Operator) -> OpContext:
        hashing = isinstance(op, Hash)
        try:
            return self._contexts[(entity, hashing)]
        except KeyError:
            ctx = OpContext(entity, self.pseudonym_key()) if hashing else self.m.plain_context(entity)
            self._contexts[(entity, hashing)] = ctx
            return ctx

    def _apply_whole(self, leaf: Leaf, text: str, op: Operator, entity: str) -> None:
        result = op(text, self._ctx(entity, op))
        leaf.container[leaf.slot] = None if result is None or result is REMOVE else result
        self.counts[(leaf.path, entity, op.name)] += 1

    def _apply_spans(self, leaf: Leaf, text: str, spans: list) -> None:
        reveal = leaf.rule.action == "reveal"
        if not spans:
            if leaf.rule.action == "detect" and leaf.key is not None:
                hint = self.m.key_hint(leaf.key)
                shape = _HINT_SHAPES.get(hint) if hint else None
                if shape is not None and shape(text):
                    if reveal:  # pragma: no cover - reveal leaves never take this branch
                        return
                    self._apply_whole(leaf, text, self.rules.entity_operator(hint), hint)
            return
        pieces: list[str] = []
        pos = 0
        changed = False
        n = len(text)
        for span in sorted(spans, key=lambda s: (s.start, s.end)):
            start, end, entity = max(span.start, pos), min(span.end, n), span.entity
            if start >= end:
                continue
            if reveal:
                self.counts[(leaf.path, entity, "reveal")] += 1
                continue
            if leaf.rule.action == "scan" and entity not in CHECKSUM_ENTITIES:
                continue  # a field its provider labelled public/internal: only proven identifiers are masked
            entity = self._effective_entity(entity, text[start:end])
            if entity is None:
                continue
            op = self.rules.entity_operator(entity)
            if isinstance(op, Scan):
                op = Redact()
            result = op(text[start:end], self._ctx(entity, op))
            self.counts[(leaf.path, entity, op.name)] += 1
            if (result is None or result is REMOVE) and start == 0 and end == n:
                leaf.container[leaf.slot] = None
                return
            pieces.append(text[pos:start])
            pieces.append(result if isinstance(result, str) else "")
            pos = end
            changed = True
        if changed:
            pieces.append(text[pos:])
            leaf.container[leaf.slot] = "".join(pieces)

    def _effective_entity(self, entity: str, text: str) -> str | None:
        """The entity a span is masked as, or None to leave it plain.

        A public entity (or one whose operator is `plain`) stays plain only when the same characters
        are not also a valid personal identifier: an 18-digit run can pass both the social credit
        code check and the Luhn check, and then it is masked as the bank card it may be."""
        if self.rules.is_public_entity(entity) or isinstance(self.rules.entity_operator(entity), Plain):
            shadow = personal_identifier_shape(text)
            if shadow is None or shadow == entity:
                return None
            return shadow
        return entity

    def _rename_keys(self, refs: list[KeyRef], spans_per_key: list[list]) -> None:
        renames: dict[int, tuple[dict, dict[str, str]]] = {}
        for ref, spans in zip(refs, spans_per_key):
            masked = self._mask_key(ref, spans)
            if masked is not None and masked != ref.key:
                renames.setdefault(id(ref.container), (ref.container, {}))[1][ref.key] = masked
        for container, mapping in renames.values():
            items = list(container.items())
            container.clear()
            taken = {k for k, _ in items if k not in mapping}
            for k, v in items:
                new = mapping.get(k, k)
                if k in mapping:
                    base, i = new, 2
                    while new in taken:
                        new, i = f"{base}~{i}", i + 1
                    taken.add(new)
                container[new] = v

    def _mask_key(self, ref: KeyRef, spans: list) -> str | None:
        text, pieces, pos = ref.key, [], 0
        for span in sorted(spans, key=lambda s: (s.start, s.end)):
            start, end = max(span.start, pos), min(span.end, len(text))
            entity = self._effective_entity(span.entity, text[start:end]) if start < end else None
            if entity is None:
                continue
            op = self.rules.entity_operator(entity)
            result = op(text[start:end], self._ctx(entity, op)) if not isinstance(op, Scan) else None
            pieces += [text[pos:start], result if isinstance(result, str) and result else "***"]
            pos = end
            self.counts[(ref.path, entity, op.name)] += 1
        if not pieces:
            return None
        return "".join(pieces) + text[pos:]

    def findings(self) -> list[Finding]:
        return [Finding(p, e, o, c) for (p, e, o), c in sorted(self.counts.items())]


_SEPARATORS = str.maketrans("", "", " -")
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]{0,63}\Z")

# In fields the provider labelled public or internal, detection masks only unambiguous personal
# identifiers: numbers a checksum proves (ID, bank card) and mobile numbers. A company name that looks like
# a person's, or a registered address, is what the provider declared shareable and stays as it is.
CHECKSUM_ENTITIES = frozenset({"CN_ID_CARD", "CN_BANK_CARD", "CN_MOBILE"})
CHECKSUM_MIN_CHARS = 11  # the shortest of them: a mobile number's 11 digits (IDs have 15/18, cards 16-19)


def personal_identifier_shape(text: str) -> str | None:
    """CN_ID_CARD or CN_BANK_CARD when `text` is a valid one (full resident-ID check: region, birth
    date and check character; Luhn for a card), else None."""
    compact = text.translate(_SEPARATORS)
    if is_valid_resident_id(compact):
        return "CN_ID_CARD"
    if 16 <= len(compact) <= 19 and compact.isdigit() and luhn_valid(compact):
        return "CN_BANK_CARD"
    return None


def _as_text(value: Any, *, whole: bool) -> str | None:
    """The text of a leaf for masking: strings as they are, integers with enough digits (or any
    number when a whole-field operator applies), never booleans."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        text = str(value)
        return text if whole or len(text.lstrip("-")) >= MIN_NUMBER_DIGITS else None
    if isinstance(value, float):
        return repr(value) if whole else None
    return None


def build_masker(config: Config) -> Masker:
    """The gateway's Masker: rules from `config.masking_rules`, one Detector built (and warmed) once."""
    from .detector import Detector

    rules = load_rules(config.masking_rules)
    return Masker(rules, config.masking, Detector(), pseudonym_keys=PseudonymKeys(config.data_dir))
