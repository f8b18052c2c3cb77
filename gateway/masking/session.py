"""One masking call's state (Session): the view, the collected leaves and suspect keys, the rules of each
key, the findings and the deadline. The Masker (engine.py) makes a Session per call; the Session decides
per member (types.Rule), sends what needs detection to the detector in one batch, and applies operators.
"""

from __future__ import annotations

import re
from collections import Counter
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from .idpolicy import (CHECKSUM_ENTITIES, CHECKSUM_MIN_CHARS, HINT_SHAPES, MIN_NUMBER_DIGITS, as_text,
                       is_plain_credit_code, personal_identifier_shape)
from .operators import REMOVE, Hash, OpContext, Operator, Plain, Redact, Remove, Scan, parse_amount
from .refusal import Deadline, MaskingRefused
from .rules import PROTECTED_CLASSES
from .shapes import Prepared, needs_prepare, prepare
from .types import DETECT, REVEAL, SCAN, SKIP, Rule, entity_of, Finding, MaskingView
from .walker import SUSPECT_KEY, KeyRef, REMOVE_MEMBER, SKIP_SUBTREE, member_path, walk

if TYPE_CHECKING:
    from .engine import Masker

DETECT_BATCH = 2000  # strings per detect_many call (the watchdog is checked between calls)
APPLY_CHUNK = 256  # leaves masked between two reads of the watchdog clock
VIEW_RULES_KEYS = 512  # keys remembered per view (plain field names only)
# Identifiers masked even inside a member the grant reveals, unless the member is of their own kind.
NESTED_IDENTIFIERS = frozenset({"CN_ID_CARD", "CN_BANK_CARD", "CN_MOBILE", "CN_LANDLINE", "CN_PASSPORT", "CN_SOCIAL_SECURITY",
                                "EMAIL_ADDRESS", "CN_LICENSE_PLATE", "CN_VIN", "IP_ADDRESS", "MAC_ADDRESS"})
ENTITY_FAMILY = {"CN_LANDLINE": "CN_MOBILE", "CN_PASSPORT": "CN_ID_CARD", "CN_SOCIAL_SECURITY": "CN_ID_CARD"}
_CONTAINER, _SLOT, _PATH, _KEY, _VALUE, _RULE = range(6)  # walker.Leaf's layout
_MIN_NUMBER = 10 ** (MIN_NUMBER_DIGITS - 1)  # the smallest integer as_text gives a detected field
_NUMBER_SKIP, _NUMBER_TEXT, _NUMBER_FIGURE = 0, 1, 2
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]{0,63}\Z")
_span_order = attrgetter("start", "end")


class Session:
    """The state of one masking call: the view, the collected leaves, the findings, the deadline."""

    def __init__(self, masker: Masker, view: MaskingView, deadline: Deadline | None = None):
        self.m = masker
        self.rules = masker.rules
        self.view = view
        self.deadline = deadline or Deadline(masker.settings.timeout_seconds)
        self.counts: Counter[tuple[str, str, str]] = Counter()
        self.leaves: list[tuple] = []  # walker.Leaf layout, as plain tuples
        self.keys: list[KeyRef] = []
        self._own: dict[str, Rule | None] = {}
        self._shared = masker.rules_for(view)
        self._pkey: bytes | None = None
        self._contexts: dict[tuple[str, bool], OpContext] = {}
        self._prepared: list[Prepared] = []
        self._quiet: dict[Rule, Rule] = {}
        self._shaped: dict[tuple[str, str], bool] = {}
        self._plans: dict[str, tuple[bool, Operator, OpContext]] = {}  # _span_plan
        # a detector without the identifiers-only path (a test double) gets scanned text through detect_many
        self._identifiers = getattr(masker.detector, "detect_identifiers", None)

    # collecting

    def collect(self, doc: Any, raw: str | None = None) -> list[Any]:
        """Walk a document; returns a one-element holder whose item is the (masked after run) root.

        Tables, strings holding JSON or queries, and financial rows are first rewritten by shapes.prepare
        (skipped when `raw`, the document's JSON text, shows none of them) and put back at the end of run()."""
        aliases = None
        if isinstance(doc, (dict, list)) and (raw is None or needs_prepare(raw)):
            resource = self.view.resource
            labelled = (lambda key: resource.field(key) is not None) if resource is not None else (lambda key: False)
            prepared = prepare([doc], self.deadline, labelled)
            if prepared.fixups:
                self._prepared.append(prepared)
            aliases = prepared.aliases
        result = walk(doc, self.classify, DETECT, max_depth=self.m.settings.max_depth, deadline=self.deadline,
                      aliases=aliases)
        self.leaves.extend(result.rows)
        self.keys.extend(result.suspect_keys)
        return result.holder

    def add_value(self, container: list, slot: int, key: str | None, value: Any,
                  prefix: str = "$") -> Rule | None:
        """Queue one value held at container[slot]; returns None if its key removes it."""
        path = member_path(prefix, key) if key is not None else prefix
        rule = self.classify(key, path, None) if key is not None else DETECT
        if rule.action == REMOVE_MEMBER:
            container[slot] = None
            return None
        if rule.action != SKIP_SUBTREE:
            self.leaves.append((container, slot, path, key, value, rule))  # Leaf layout
        return rule

    # deciding

    def classify(self, key: str, path: str, inherited: Rule | None) -> Rule:
        try:
            rule = self._own[key]
        except KeyError:
            rule = self._own[key] = self._remembered_rule(key)
        if rule is None:  # unlabelled: a labelled container's decision carries down
            if inherited is not None and inherited.action in ("apply", "reveal"):
                rule = inherited if inherited.finding is None else self._inherited_quietly(inherited)
            else:
                rule = DETECT
        if rule.finding is not None:
            self.counts[(path, rule.entity, rule.finding)] += 1
        return rule

    def _inherited_quietly(self, rule: Rule) -> Rule:
        """`rule` as its container's members inherit it: its finding is recorded once, on the container."""
        quiet = self._quiet.get(rule)
        if quiet is None:
            quiet = self._quiet[rule] = Rule(rule.action, rule.operator, rule.entity)
        return quiet

    def _remembered_rule(self, key: str) -> Rule | None:
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

    def _own_rule(self, key: str) -> Rule | None:
        view, rules = self.view, self.rules
        resource = view.resource
        field = resource.field(key) if resource is not None else None
        if key in view.pseudonymise:
            return Rule("apply", self.m._hash, entity_of(field) or self.m.key_hint(key) or "PSEUDONYM")
        if key in view.reveal:  # shown plain, except identifiers of another kind nested inside (see _revealed)
            if field is not None and (view.own or field.entity == "FREE_TEXT"):
                return Rule(SKIP_SUBTREE, None, entity_of(field), finding="reveal")  # exactly as held
            if field is not None:
                return Rule("reveal", None, entity_of(field) or "FIELD", finding="reveal")
            hint = self.m.key_hint(key)
            return Rule("reveal", None, hint) if hint and hint != "FREE_TEXT" else REVEAL
        op = rules.override(resource.code if resource is not None else None, key)
        if op is None and field is not None:
            if field.entity == "FREE_TEXT":
                return DETECT  # remarks hide personal data in sentences, whatever the field's class
            if field.klass in PROTECTED_CLASSES:
                op = rules.field_operator(resource.code, key, field.klass, field.entity)
            else:
                class_rule = rules.class_rule(field.klass)
                if isinstance(class_rule.operator, Plain):
                    return SCAN if class_rule.scan else SKIP
                op = class_rule.operator
        if op is None:
            return None
        entity = entity_of(field) or self.m.key_hint(key) or "FIELD"
        if isinstance(op, Remove):
            return Rule(REMOVE_MEMBER, op, entity, finding="remove")
        if isinstance(op, Plain):
            return SKIP
        if isinstance(op, Scan):
            return DETECT
        return Rule("apply", op, entity)

    # applying

    def pseudonym_key(self) -> bytes:
        if self._pkey is None:
            self._pkey = self.view.pseudonym_key or self.m.default_pseudonym_key()
        return self._pkey

    def run(self) -> None:
        """Apply whole-field operators now; send everything else to detection in one batch, then apply
        its spans. Whole-field leaves are the bulk of a labelled body, so their loop is kept tight: one
        operator context per rule, and paths counted per rule at the end instead of per value. Numbers are
        the bulk of a table: what a short number under a key comes to (nothing, detection of its text, or
        a business figure masked whole) is worked out once per key."""
        check_now = self.deadline.check_now
        pending: list[tuple[tuple, str]] = []  # (leaf, text)
        items: list[tuple[str | None, str]] = []
        scanned: list[tuple[tuple, str]] = []  # labelled public/internal: only proven identifiers are kept
        applied: dict[Rule, tuple[Operator, OpContext, list[str], Rule]] = {}
        numbers: dict[str | None, int] = {}  # key -> _NUMBER_SKIP | _NUMBER_TEXT | _NUMBER_FIGURE
        figures: list[str] = []  # paths of short numbers masked whole as business figures
        figure_op = figure_ctx = None  # the TRADE_SECRET operator and its context, once needed
        identifiers = self._identifiers
        leaves = self.leaves
        for start in range(0, len(leaves), APPLY_CHUNK):
            check_now()
            for leaf in leaves[start:start + APPLY_CHUNK]:
                container, slot, path, key, value, rule = leaf
                action = rule.action
                t = type(value)
                if action == "apply":
                    text = value if t is str else as_text(value, whole=True)
                    if not text:
                        continue
                    plan = applied.get(rule)
                    if plan is None:
                        plan = applied[rule] = (rule.operator, self._ctx(rule.entity, rule.operator), [], rule)
                    result = plan[0](text, plan[1])
                    container[slot] = None if result is None or result is REMOVE else result
                    plan[2].append(path)
                    continue
                if t is str:
                    text = value
                elif t is int:  # as_text(whole=False): only integers of MIN_NUMBER_DIGITS digits or more
                    text = str(value) if value >= _MIN_NUMBER or value <= -_MIN_NUMBER else None
                elif t is float:  # as_text(whole=False): only whole numbers that may be an identifier
                    text = (str(int(value)) if value.is_integer() and _MIN_NUMBER <= abs(value) < 1e21
                            else None)
                else:
                    text = as_text(value, whole=False)
                if text is None:
                    if action != "detect":
                        continue
                    kind = numbers.get(key)
                    if kind is None:
                        kind = numbers[key] = self._number_kind(key)
                    if kind == _NUMBER_SKIP:
                        continue
                    # a short number under `yysr` is still a figure (as_text(whole=True))
                    text = repr(value) if t is float else str(value) if t is int else as_text(value, whole=True)
                    if kind == _NUMBER_FIGURE and text and (
                            t is int or ("e" not in text and "n" not in text if t is float  # parse_amount of a repr
                                         else parse_amount(text) is not None)):
                        # a JSON number under a key naming a business figure is that figure, whatever
                        # detection would add: masked whole, as _apply_spans does for it (no detection)
                        if figure_op is None:
                            figure_op = self.rules.entity_operator("TRADE_SECRET")
                            figure_ctx = self._ctx("TRADE_SECRET", figure_op)
                        # (remove, the default, makes the figure null without an operator call)
                        result = None if type(figure_op) is Remove else figure_op(text, figure_ctx)
                        container[slot] = None if result is None or result is REMOVE else result
                        figures.append(path)
                        continue
                if not text:
                    continue
                if action == "scan":
                    if len(text) < CHECKSUM_MIN_CHARS:
                        continue  # too short to hold the only identifiers a scanned field gives up
                    if identifiers is not None:
                        if not is_plain_credit_code(text):  # a whole credit code gives up nothing
                            scanned.append((leaf, text))
                        continue
                pending.append((leaf, text))
                items.append((key if action != "scan" else None, text))
        for path, n in Counter(figures).items():  # (figure_op is set once there is one)
            self.counts[(path, "TRADE_SECRET", figure_op.name)] += n
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
        shaped = self._shaped
        for (leaf, text), spans in zip(pending, spans_per_item):
            check()
            if spans:
                self._apply_spans(leaf, text, spans)
            elif leaf[_KEY] is not None and leaf[_RULE].action == "detect" \
                    and shaped.get((self.m.key_hint(leaf[_KEY]), text)) is not False:
                self._apply_spans(leaf, text, spans)  # a value of the shape its key names is masked whole
        self._rename_keys(key_refs, spans_per_item[len(pending):])
        if scanned:
            found = self._detect_identifiers([text for _, text in scanned])
            for (leaf, text), spans in zip(scanned, found):
                check()
                self._apply_spans(leaf, text, spans)
        for prepared in self._prepared:
            prepared.restore()
        self._prepared = []
        self.leaves, self.keys = [], []

    def _number_kind(self, key: str | None) -> int:
        """What a short number under `key` comes to: nothing, detection of its text, or a business figure."""
        hint = self.m.key_hint(key)
        if hint is None or hint == "FREE_TEXT":
            return _NUMBER_SKIP
        return _NUMBER_FIGURE if hint == "TRADE_SECRET" else _NUMBER_TEXT

    def _detect_identifiers(self, texts: list[str]) -> list[list]:
        out: list[list] = []
        for start in range(0, len(texts), DETECT_BATCH):
            self.deadline.check_now()
            out.extend(self._identifiers(texts[start:start + DETECT_BATCH]))
        self.deadline.check_now()
        if len(out) != len(texts):
            raise MaskingRefused("masking_error", cause="DetectorResultMismatch")
        return out

    def _detect(self, items: list[tuple[str | None, str]]) -> list[list]:
        """Spans per item; a value repeated in the body under keys with the same hint is detected once."""
        if not items:
            return []
        first: dict[tuple[str | None, str], int] = {}
        unique: list[tuple[str | None, str]] = []
        index: list[int] = []
        hint = self.m.key_hint
        for key, text in items:
            memo = (hint(key), text)
            slot = first.get(memo)
            if slot is None:
                slot = first[memo] = len(unique)
                unique.append((key, text))
            index.append(slot)
        found: list[list] = []
        for start in range(0, len(unique), DETECT_BATCH):
            self.deadline.check_now()
            found.extend(self.m.detector.detect_many(unique[start:start + DETECT_BATCH]))
        self.deadline.check_now()
        if len(found) != len(unique):
            raise MaskingRefused("masking_error", cause="DetectorResultMismatch")
        return [found[i] for i in index]

    def _ctx(self, entity: str, op: Operator) -> OpContext:
        hashing = isinstance(op, Hash)
        ctx = self._contexts.get((entity, hashing))
        if ctx is None:
            ctx = self._contexts[(entity, hashing)] = (OpContext(entity, self.pseudonym_key()) if hashing
                                                       else self.m.plain_context(entity))
        return ctx

    def _apply_whole(self, leaf: tuple, text: str, op: Operator, entity: str) -> None:
        result = op(text, self._ctx(entity, op))
        leaf[_CONTAINER][leaf[_SLOT]] = None if result is None or result is REMOVE else result
        self.counts[(leaf[_PATH], entity, op.name)] += 1

    def _apply_spans(self, leaf: tuple, text: str, spans: list) -> None:
        action = (rule := leaf[_RULE]).action
        if not spans:
            if action == "detect" and leaf[_KEY] is not None:
                hint = self.m.key_hint(leaf[_KEY])
                shape = HINT_SHAPES.get(hint) if hint else None
                if shape is not None and self._has_shape(hint, shape, text):
                    self._apply_whole(leaf, text, self.rules.entity_operator(hint), hint)
            return
        reveal, scan, path, counts, plans = action == "reveal", action == "scan", leaf[_PATH], self.counts, self._plans
        pieces: list[str] = []
        pos, n = 0, len(text)
        for span in sorted(spans, key=_span_order) if len(spans) > 1 else spans:
            start, end, entity = max(span.start, pos), min(span.end, n), span.entity
            if start >= end:
                continue
            if reveal and self._revealed(rule, entity):
                if rule.finding is None:  # a labelled field's reveal is counted once, by classify
                    counts[(path, entity, "reveal")] += 1
                continue
            if scan and entity not in CHECKSUM_ENTITIES:
                continue  # a field its provider labelled public/internal: only proven identifiers are masked
            piece = text[start:end]
            if (plan := plans.get(entity) or self._span_plan(entity))[0]:  # public: _effective_entity decides
                if (entity := self._effective_entity(entity, piece)) is None:
                    continue
                plan = plans.get(entity) or self._span_plan(entity)
            _, op, ctx = plan
            result = op(piece, ctx)
            counts[(path, entity, op.name)] += 1
            if (result is None or result is REMOVE) and start == 0 and end == n:
                leaf[_CONTAINER][leaf[_SLOT]] = None
                return
            pieces += (text[pos:start], result if isinstance(result, str) else "")
            pos = end
        if pieces:
            leaf[_CONTAINER][leaf[_SLOT]] = "".join(pieces) + text[pos:]

    def _span_plan(self, entity: str) -> tuple[bool, Operator, OpContext]:
        """How a span of `entity` is masked in this call, worked out once per entity: whether it is public (or
        its operator `plain`), its operator (a scan operator redacts inside text) and the operator's context."""
        op = self.rules.entity_operator(entity)
        plain, op = (self.rules.is_public_entity(entity) or isinstance(op, Plain),
                     Redact() if isinstance(op, Scan) else op)
        plan = self._plans[entity] = (plain, op, self._ctx(entity, op))
        return plan

    def _has_shape(self, hint: str, shape, text: str) -> bool:
        """shape(text), worked out once per (hint, value) in a call: row labels and names repeat in a table."""
        known = self._shaped.get((hint, text))
        if known is None:
            known = self._shaped[(hint, text)] = bool(shape(text))
        return known

    @staticmethod
    def _revealed(rule: Rule, entity: str) -> bool:
        """Whether a span of `entity` inside a revealed member stays plain: yes for the member's own kind
        (its label's entity or its key's hint, phones and ID documents each counted as one kind) and for
        anything that is not an identifier; an ID number or a mobile inside a revealed name is masked."""
        if not rule.entity or entity not in NESTED_IDENTIFIERS:
            return True
        return ENTITY_FAMILY.get(entity, entity) == ENTITY_FAMILY.get(rule.entity, rule.entity)

    def _effective_entity(self, entity: str, text: str) -> str | None:
        """The entity a span is masked as, or None to leave it plain: a public entity (or one whose operator is
        `plain`) stays plain unless the same characters are also a valid personal identifier (an 18-digit run can
        pass both the social credit code check and the Luhn check: it is masked as the bank card it may be)."""
        if (self._plans.get(entity) or self._span_plan(entity))[0]:
            shadow = personal_identifier_shape(text)
            return None if shadow is None or shadow == entity else shadow
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


