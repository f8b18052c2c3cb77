"""Typed spans and how a string's recognizer results become them.

- Span: one detected entity (offsets, entity type, score); DetectionError: detection could not complete.
- KeyContextEnhancer: presidio's lemma context rule, cheap enough to run per string of a batch.
- resolve_overlaps: non-overlapping spans; organisation names hold their place first, then score, length and
  ENTITY_PRIORITY decide.
Nothing here logs text or values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer, LemmaContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts

ORGANIZATION = "ORGANIZATION"
ORG_YIELDS = frozenset({"PERSON", "CN_ADDRESS"})  # entities an organisation's name takes precedence over

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
        by_id = {recognizer.id: recognizer for recognizer in recognizers}
        supplied = [word.lower() for word in context or []]
        lowered = text.lower()
        nlp_artifacts: NlpArtifacts | None = None
        for result in results:
            recognizer = by_id.get(_recognizer_id(result))
            if recognizer is None or not recognizer.context or result.score >= ContextAwareEnhancer.MAX_SCORE:
                continue
            if result.recognition_metadata.get(RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY):
                continue
            word = self._find_supportive_word_in_context(supplied, recognizer.context, self.context_matching_mode)
            if not word and any(context_word.lower() in lowered for context_word in recognizer.context):
                # Surrounding words are substrings of the text: without a context word in the text,
                # none of them can contain one, so only then is tokenizing worth it.
                if nlp_artifacts is None:
                    nlp_artifacts = artifacts()
                try:
                    surrounding = self._extract_surrounding_words(
                        nlp_artifacts=nlp_artifacts, word=text[result.start : result.end], start=result.start
                    )
                except ValueError:  # presidio's message quotes the matched text: never pass it on
                    raise DetectionError("context tokens do not cover a detected span") from None
                word = self._find_supportive_word_in_context(
                    surrounding, recognizer.context, self.context_matching_mode
                )
            if word:
                result.score = min(
                    max(result.score + self.context_similarity_factor, self.min_score_with_context_similarity),
                    ContextAwareEnhancer.MAX_SCORE,
                )
                if result.analysis_explanation is not None:
                    result.analysis_explanation.set_supportive_context_word(word)
                    result.analysis_explanation.set_improved_score(result.score)
        return results


def resolve_overlaps(results: Iterable[RecognizerResult]) -> list[Span]:
    """Non-overlapping spans sorted by start: higher score, then longer, then more sensitive wins.

    ORGANIZATION spans are placed first and not returned: a name or an address overlapping one is dropped, or trimmed to
    the part before it when it starts earlier (住在杭州市西湖区人民法院旁 keeps the court whole)."""
    results = list(results)
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
    ordered = sorted(
        results,
        key=lambda r: (-r.score, -(r.end - r.start), ENTITY_PRIORITY.get(r.entity_type, 99), r.start),
    )
    kept: list[RecognizerResult] = list(orgs)
    for result in ordered:
        if all(result.end <= other.start or result.start >= other.end for other in kept):
            kept.append(result)
    return sorted(  # organisations only hold their place: their names are public, nothing to mask
        (Span(r.start, r.end, r.entity_type, r.score) for r in kept if r.entity_type != ORGANIZATION),
        key=lambda span: span.start,
    )


def _recognizer_id(result: RecognizerResult) -> str | None:
    return (result.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY)
