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
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote

from ..catalog import Resource
from ..config import Config, MaskingSettings
from . import body as bodyio
from .operators import Hash, OpContext
from .pseudonym import PseudonymKeys
from .refusal import Deadline, MaskingRefused
from .rules import MaskingRules, load_rules
from .session import Session, Rule
from .types import Finding, MaskResult, MaskingView

if TYPE_CHECKING:  # the detector is built by build_masker; tests may pass any object with the same API
    from .detector import Detector

__all__ = ["Finding", "MaskResult", "Masker", "MaskingRefused", "MaskingView", "build_masker"]

VIEW_RULES_CACHE = 256  # views whose per-key rules are remembered across calls


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
        self._view_rules: dict[tuple, tuple[Resource | None, dict[str, "Rule | None"]]] = {}

    # --- public API ------------------------------------------------------------------------------

    @_fail_closed
    def mask_document(self, doc: Any, view: MaskingView) -> tuple[Any, list[Finding]]:
        """A masked copy of a parsed JSON document and the findings."""
        session = Session(self, view)
        root = session.collect(copy.deepcopy(doc))
        session.run()
        return root[0], session.findings()

    @_fail_closed
    def mask_text(self, text: str, view: MaskingView, key: str | None = None) -> tuple[str, list[Finding]]:
        """Masked free text; `key` (a field or column name) gives context and its label applies."""
        session = Session(self, view)
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
        session = Session(self, view)
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
        session = Session(self, view, deadline)
        if kind == "json":
            root = session.collect(bodyio.parse_json(text), raw=text)
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

    def rules_for(self, view: MaskingView) -> dict[str, "Rule | None"]:
        """The remembered rules of `view`'s field names (shared by calls; filled by Session.classify)."""
        key = (id(view.resource), view.reveal, view.pseudonymise)
        entry = self._view_rules.get(key)
        if entry is not None and entry[0] is view.resource:
            return entry[1]
        if len(self._view_rules) >= VIEW_RULES_CACHE:
            self._view_rules.clear()
        rules: dict[str, Rule | None] = {}
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


def build_masker(config: Config) -> Masker:
    """The gateway's Masker: rules from `config.masking_rules`, one Detector built (and warmed) once."""
    from .detector import Detector

    rules = load_rules(config.masking_rules)
    return Masker(rules, config.masking, Detector(), pseudonym_keys=PseudonymKeys(config.data_dir))
