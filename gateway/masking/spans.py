"""Typed spans and how a string's recognizer results become them.

- Span: one detected entity (offsets, entity type, score), made cheaply by make_span; DetectionError: detection
  could not complete.
- KeyContextEnhancer: presidio's lemma context rule, cheap enough to run per string of a batch.
- disjoint_spans: the common case resolve_overlaps need not sort out (findings that do not overlap);
- resolve_overlaps: non-overlapping spans; organisation names hold their place first, a person's name ends where
  an address starting at a known division begins, then score, length and ENTITY_PRIORITY decide.
Nothing here logs text or values.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer, LemmaContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts

ORGANIZATION = "ORGANIZATION"
_MAX_SCORE = ContextAwareEnhancer.MAX_SCORE
_ID_KEY, _ENHANCED_KEY = RecognizerResult.RECOGNIZER_IDENTIFIER_KEY, RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY
ORG_YIELDS = frozenset({"PERSON", "CN_ADDRESS"})  # entities an organisation's name takes precedence over
# recognition_metadata flag of an address that starts at a known division's name (cn_address, divisions)
DIVISION_START = "division_start"

# On a tie of score and length, the more sensitive entity keeps the span.
ENTITY_PRIORITY: dict[str, int] = {
    entity: rank for rank, entity in enumerate((
        "CN_ID_CARD", "CN_BANK_CARD", "CN_PASSPORT", "CN_SOCIAL_SECURITY", "CN_MOBILE", "CN_LANDLINE", "EMAIL_ADDRESS", "PERSON",
        "CN_ADDRESS", "CN_LICENSE_PLATE", "CN_VIN", "IP_ADDRESS", "MAC_ADDRESS", "TRADE_SECRET", "CN_USCC",
        "ORGANIZATION",
    ))
}


class DetectionError(RuntimeError):
    """Detection could not complete; the message never contains text from the input."""


@dataclass(frozen=True, slots=True)
class Span:
    """One detected entity: text[start:end] is an `entity` with confidence `score`."""

    start: int
    end: int
    entity: str
    score: float


_new = object.__new__
_set_start, _set_end, _set_entity, _set_score = (Span.start.__set__, Span.end.__set__, Span.entity.__set__,
                                                 Span.score.__set__)


def make_span(start: int, end: int, entity: str, score: float) -> Span:
    """Span(start, end, entity, score), made through its slots: a frozen dataclass's __init__ sets each field with
    object.__setattr__ (about 1 us a span, a third of that this way; a page makes a hundred). The result is the
    same frozen Span (test_detector compares the two)."""
    span = _new(Span)
    _set_start(span, start)
    _set_end(span, end)
    _set_entity(span, entity)
    _set_score(span, score)
    return span


class KeyContextEnhancer(LemmaContextAwareEnhancer):
    """Presidio's lemma context rule, made cheap enough to run per string of a batch.

    The rule is LemmaContextAwareEnhancer's (its defaults, its own helper methods): a result whose
    recognizer lists a context word found in the supplied context (the key's word) or in the words
    before the match is raised by context_similarity_factor, to at least
    min_score_with_context_similarity, at most 1. Differences that do not change any score: results are
    updated in place (the detector owns them; no deep copy), a result already at 1.0 is left alone, and
    the words around a match are only extracted, and the text only tokenized, when the supplied
    context did not already decide.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.context_matching_mode != "substring":  # _supportive_word is presidio's substring mode
            raise ValueError("KeyContextEnhancer supports presidio's default substring matching only")

    def enhance_using_context(self, text, raw_results, nlp_artifacts, recognizers, context=None):
        """Presidio's entry point (used by AnalyzerEngine.analyze)."""
        if nlp_artifacts is None:
            return raw_results
        return self.enhance(text, raw_results, recognizers, context, lambda: nlp_artifacts)

    def enhance(
        self,
        text: str,
        results: list[RecognizerResult],
        recognizers: Sequence[EntityRecognizer],
        context: list[str] | None,
        artifacts: Callable[[], NlpArtifacts],
    ) -> list[RecognizerResult]:
        """Raise the scores of results with supporting context; `artifacts` is called at most once."""
        contexts, patterns = self._context_table(recognizers)
        supplied = _joined([word.lower() for word in context]) if context else ""
        lowered: str | None = None  # the text lowered, once a result asks whether a context word is in it
        nlp_artifacts: NlpArtifacts | None = None
        in_text: dict[str | None, bool] = {}  # whether one of a recognizer's context words is in the text
        for result in results:
            if result.score >= _MAX_SCORE:
                continue
            metadata = result.recognition_metadata  # (_recognizer_id, inlined: once per result of every string)
            recognizer_id = metadata.get(_ID_KEY) if metadata else None
            words = contexts.get(recognizer_id)
            if not words:
                continue
            if metadata.get(_ENHANCED_KEY):
                continue
            word = _supportive_word(supplied, words) if supplied else ""
            if not word:
                found = in_text.get(recognizer_id)
                if found is None:
                    if lowered is None:
                        lowered = text.lower()
                    found = in_text[recognizer_id] = patterns[recognizer_id].search(lowered) is not None
                if found:
                    # Surrounding words are substrings of the text: without a context word in the text,
                    # none of them can contain one, so only then is tokenizing worth it.
                    if nlp_artifacts is None:
                        nlp_artifacts = artifacts()
                    surrounding = self._words_around(nlp_artifacts, result.start, text[result.start : result.end])
                    word = _supportive_word(_joined(surrounding), words)
            if word:
                result.score = min(
                    max(result.score + self.context_similarity_factor, self.min_score_with_context_similarity),
                    ContextAwareEnhancer.MAX_SCORE,
                )
                explain = getattr(result, "explain_context", None)  # recognizers.base.ExplainedLater: kept for later
                if explain is not None:
                    explain(word, result.score)
                elif result.analysis_explanation is not None:
                    result.analysis_explanation.set_supportive_context_word(word)
                    result.analysis_explanation.set_improved_score(result.score)
        return results

    def _context_table(self, recognizers: Sequence[EntityRecognizer]
                       ) -> tuple[dict[str, list[tuple[str, str]]], dict[str, re.Pattern[str]]]:
        """Each recognizer's context words (as listed, lowered) by recognizer id, and the pattern finding any of
        them lowered in one scan of a text; worked out once per recognizer list."""
        cached = getattr(self, "_contexts_cache", None)
        if cached is not None and cached[0] is recognizers:
            return cached[1], cached[2]
        contexts = {r.id: [(word, word.lower()) for word in r.context] for r in recognizers if r.context}
        if any("\0" in word or not word for words in contexts.values() for word, _ in words):
            raise ValueError("a context word is empty or holds NUL (_joined)")
        patterns = {rid: re.compile("|".join(re.escape(low) for _, low in words)) for rid, words in contexts.items()}
        self._contexts_cache = (recognizers, contexts, patterns)  # one assignment: a thread sees all or none
        return contexts, patterns

    def _words_around(self, nlp_artifacts: NlpArtifacts, start: int, word: str) -> list[str]:
        """presidio's _extract_surrounding_words (the token at `start`, context_prefix_count keywords
        before it and context_suffix_count after it, each side counting the token itself), read through the
        artifacts' keyword test and token ends when they offer them (nlp_engine.LightArtifacts): a binary
        search and a test of the lemmas it visits instead of a scan of the tokens and of the keyword list."""
        is_keyword = getattr(nlp_artifacts, "is_keyword", None)
        token_ends = getattr(nlp_artifacts, "token_ends", None)
        if is_keyword is None or token_ends is None or not nlp_artifacts.tokens:
            try:
                return self._extract_surrounding_words(nlp_artifacts=nlp_artifacts, word=word, start=start)
            except ValueError:  # presidio's message quotes the matched text: never pass it on
                raise DetectionError("context tokens do not cover a detected span") from None
        index = bisect.bisect_right(token_ends, start)  # the first token ending after start: presidio's pick
        if index >= len(token_ends):
            raise DetectionError("context tokens do not cover a detected span")
        lemmas = nlp_artifacts.lemmas
        words: list[str] = []
        # each side walks from the token itself away from it until it has count + 1 keywords (for loops over the
        # positions: cheaper than a while loop testing bounds and counter at every lemma)
        for positions, count in ((range(index, -1, -1), self.context_prefix_count),
                                 (range(index, len(lemmas)), self.context_suffix_count)):
            remaining = count + 1
            if remaining <= 0:
                continue
            for i in positions:
                lemma = lemmas[i]
                if is_keyword(lemma):
                    words.append(lemma.lower())
                    remaining -= 1
                    if not remaining:
                        break
        return list(set(words))


def _joined(words: Iterable[str]) -> str:
    """Lowered words joined by NUL, which no context word holds: a context word is part of one of the words
    exactly when it is part of the joined string."""
    return "\0".join(words)


def _supportive_word(words: str, context: list[tuple[str, str]]) -> str:
    """presidio's _find_supportive_word_in_context in its default "substring" mode, for lowered words (_joined):
    the first of the recognizer's context words (as listed) that is part of one of `words`, or ""."""
    if not words:
        return ""
    for word, low in context:
        if low in words:
            return word
    return ""


def resolve_overlaps(results: Iterable[RecognizerResult]) -> list[Span]:
    """Non-overlapping spans sorted by start: higher score, then longer, then more sensitive wins.

    ORGANIZATION spans are placed first and not returned: a name or an address overlapping one is dropped, or trimmed to
    the part before it when it starts earlier (住在杭州市西湖区人民法院旁 keeps the court whole)."""
    results = list(results)
    if len(results) < 2:  # the usual case of a remark: nothing to resolve
        return [make_span(r.start, r.end, r.entity_type, r.score) for r in results if r.entity_type != ORGANIZATION]
    orgs = [r for r in results if r.entity_type == ORGANIZATION]
    if orgs:
        results = [r for r in results if r.entity_type != ORGANIZATION]
        trimmed = []
        for r in results:
            for org in orgs:
                if r.start < org.end and org.start < r.end:
                    if r.entity_type in ORG_YIELDS and r.start < org.start and org.start - r.start >= 2:
                        r = RecognizerResult(r.entity_type, r.start, org.start, r.score, r.analysis_explanation,
                                             r.recognition_metadata)
                    elif r.entity_type in ORG_YIELDS:
                        r = None
                        break
            if r is not None:
                trimmed.append(r)
        results = trimmed
    results = _names_end_at_divisions(results)
    ordered = sorted(
        results,
        key=lambda r: (-r.score, -(r.end - r.start), ENTITY_PRIORITY.get(r.entity_type, 99), r.start),
    )
    kept: list[RecognizerResult] = list(orgs)
    for result in ordered:
        start, end = result.start, result.end
        for other in kept:
            if start < other.end and other.start < end:
                break
        else:
            kept.append(result)
    # organisations only hold their place: their names are public, nothing to mask
    spans = [r for r in kept if r.entity_type != ORGANIZATION]
    spans.sort(key=_start)
    return [make_span(r.start, r.end, r.entity_type, r.score) for r in spans]


def disjoint_spans(results: list[RecognizerResult]) -> list[Span] | None:
    """The spans of results that do not overlap (they may touch) nor name an organisation, sorted by start: what
    deduplication per type and resolve_overlaps would give them, since deduplicating, trimming at organisations
    and divisions, and choosing between overlapping results each need two results over one character. None when
    the results do not qualify. (The usual remark has a few separate findings: no sort by score, no sweep.)"""
    if len(results) < 2:
        return None
    ordered = sorted(results, key=_start)
    end = -1
    for r in ordered:
        if r.start < end or r.end <= r.start or r.score == 0 or r.entity_type == ORGANIZATION:
            return None
        end = r.end
    return [make_span(r.start, r.end, r.entity_type, r.score) for r in ordered]


def _start(result: RecognizerResult) -> int:
    return result.start


def _names_end_at_divisions(results: list[RecognizerResult]) -> list[RecognizerResult]:
    """A person's name that runs into an address starting at a known division's name ends where the address
    starts (户主张三杭州市…: 张三, not 张三杭 winning over the whole address)."""
    starts = [r.start for r in results
              if r.entity_type == "CN_ADDRESS" and (r.recognition_metadata or {}).get(DIVISION_START)]
    if not starts:
        return results
    kept = []
    for r in results:
        cut = min((s for s in starts if r.start + 2 <= s < r.end), default=None) if r.entity_type == "PERSON" \
            else None
        kept.append(r if cut is None else RecognizerResult(r.entity_type, r.start, cut, r.score,
                                                           r.analysis_explanation, r.recognition_metadata))
    return kept


def _recognizer_id(result: RecognizerResult) -> str | None:
    return (result.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY)
