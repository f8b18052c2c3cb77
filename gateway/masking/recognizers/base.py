"""GovPatternRecognizer: presidio's PatternRecognizer with its pattern loop run without the regex timeout.

Presidio runs every pattern with the `regex` module's per-call timeout, whose time checks cost more than
the matching on short strings (an address pattern over a 330-character remark: 160 µs plain, 700 µs with
the timeout). govshare's patterns are bounded (no nested unbounded repetition) and one masking call is
bounded by the engine's watchdog, so the loop here is presidio's own — same matches, validation,
invalidation, scores, explanations and de-duplication — without the timeout, and without building a result
and its explanation for a match its validation refuses (presidio drops it: score MIN_SCORE).
"""

from __future__ import annotations

from typing import List, Optional

import regex as re
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts


class GovPatternRecognizer(PatternRecognizer):
    """A PatternRecognizer whose patterns run without presidio's regex timeout (see the module docstring)."""

    def analyze(self, text: str, entities: List[str], nlp_artifacts: Optional[NlpArtifacts] = None,
                regex_flags: Optional[int] = None) -> List[RecognizerResult]:
        """
        Analyze text with the recognizer's patterns (PatternRecognizer.analyze, without the timeout).

        :param text: Text to be analyzed
        :param entities: Entities this recognizer can detect
        :param nlp_artifacts: not used by pattern recognizers
        :param regex_flags: regex flags to be used in regex matching
        :return: the results of every pattern
        """
        return self._analyze_patterns(text, regex_flags) if self.patterns else []

    def _analyze_patterns(self, text: str, flags: Optional[int] = None,
                          patterns: Optional[List[Pattern]] = None) -> List[RecognizerResult]:
        """Presidio's pattern loop over `patterns` (default: all of the recognizer's)."""
        flags = flags if flags else self.global_regex_flags
        results: List[RecognizerResult] = []
        entity = self.supported_entities[0]
        for pattern in self.patterns if patterns is None else patterns:
            if not pattern.compiled_regex or pattern.compiled_with_flags != flags:
                pattern.compiled_with_flags = flags
                pattern.compiled_regex = re.compile(pattern.regex, flags=flags)
            for match in pattern.compiled_regex.finditer(text):
                start, end = match.span()
                current_match = text[start:end]
                if current_match == "":
                    continue
                score = pattern.score
                validation_result = self.validate_result(current_match)
                if validation_result is False:
                    continue  # scored MIN_SCORE, which presidio drops below: build nothing for it
                description = self.build_regex_explanation(
                    self.name, pattern.name, pattern.regex, score, validation_result, flags
                )
                result = RecognizerResult(
                    entity_type=entity, start=start, end=end, score=score, analysis_explanation=description,
                    recognition_metadata={
                        RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    },
                )
                if validation_result is not None:
                    result.score = EntityRecognizer.MAX_SCORE if validation_result else EntityRecognizer.MIN_SCORE
                invalidation_result = self.invalidate_result(current_match)
                if invalidation_result is not None and invalidation_result:
                    result.score = EntityRecognizer.MIN_SCORE
                if result.score > EntityRecognizer.MIN_SCORE:
                    results.append(result)
                description.score = result.score
        return EntityRecognizer.remove_duplicates(results)
