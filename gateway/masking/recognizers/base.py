"""GovPatternRecognizer: presidio's PatternRecognizer with a cheaper pattern loop (same results).

The loop is presidio's own — same matches, validation, invalidation, scores and de-duplication — with
these differences, each one measured on the bench pages (bench.masking_check) and none visible in the
results:

- No regex timeout. Presidio runs every pattern with the `regex` module's per-call timeout, whose time
  checks cost more than the matching on short strings. govshare's patterns are bounded (no nested
  unbounded repetition) and one masking call is bounded by the engine's watchdog.
- A recognizer may name patterns in STDLIB_RE: those are compiled with the standard library's `re`, which
  runs them faster than `regex` and finds the same matches (their sources use only syntax both engines read
  alike; tests/gateway/masking/recognizers/test_engines.py compares the two engines on every such pattern).
  Every other pattern, and any pattern `re` cannot compile, uses `regex` as presidio does. Patterns named in
  STDLIB_RE_ASCII run on `re` only when the text searched is ASCII (str.isascii() is a flag lookup): both
  engines read ASCII text alike (\\d, classes and IGNORECASE folding differ only on other characters, such as
  the dotted capital I that `re` folds into [A-Z]); the identifier windows below are ASCII on the bench pages.
- validate_result and invalidate_result answer once per distinct matched text in one call (`verdicts`: a
  page repeats its values, and several patterns of a recognizer match the same text); the answers are
  dropped when the call returns. Both must therefore be pure functions of the matched text.
- No result for a match its validation refuses (presidio scores it MIN_SCORE and drops it), and a result's
  AnalysisExplanation is built when something first reads it (ExplainedLater): the batch detector never
  does, presidio's AnalyzerEngine drops it unless asked for the decision process; reading it gives the
  object presidio's loop builds (with what the context enhancer wrote into it meanwhile: explain_context).
- A recognizer may declare WINDOW_BREAKS (characters no pattern of it can match or test in a lookaround) and
  WINDOW_MIN (its shortest match): analyze() then reads only the runs of other characters that long, joined
  by a newline, and maps offsets back (test_windows.py proves this from the parsed patterns). A caller may
  also pass `starts`, the only positions where matches can begin (matches_at: finditer's order).
- De-duplication (remove_duplicates) is presidio's for one entity type, without its per-result hashing.
"""

from __future__ import annotations

import bisect
import re as stdlib_re
from typing import Dict, FrozenSet, List, Optional, Tuple

import regex as re
from presidio_analyzer import AnalysisExplanation, EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

# The flags presidio uses that mean the same to both engines (DOTALL, MULTILINE, IGNORECASE).
_SHARED_FLAGS = stdlib_re.DOTALL | stdlib_re.MULTILINE | stdlib_re.IGNORECASE
_NAME_KEY = RecognizerResult.RECOGNIZER_NAME_KEY
_ID_KEY = RecognizerResult.RECOGNIZER_IDENTIFIER_KEY
_MAX, _MIN = EntityRecognizer.MAX_SCORE, EntityRecognizer.MIN_SCORE
# Windows are read joined by a newline: every WINDOW_BREAKS holds it, so a lookaround sees the same there as at
# the break character (or text edge) that ended the window in the text.
WINDOW_JOIN = "\n"
# Characters around identifiers that no identifier pattern reads: CJK ideographs, CJK and full-width
# punctuation (not the full-width digits and letters), line breaks, tabs and ASCII punctuation that
# identifiers do not contain. Recognizers add the separators their own patterns do not read (space, - . : /).
IDENTIFIER_BREAKS = (
    "\u4e00-\u9fff\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
    "\n\r\t\u2028\u2029,;\"'!?=&<>\\[\\]{}|`~^*%$@_"
)
_WINDOWS: Dict[str, "stdlib_re.Pattern[str]"] = {}
# The shortest window any recognizer asks for (the passport's 8): the runs found are those at least this long,
# and each recognizer keeps the ones at least its WINDOW_MIN long.
_WINDOW_FLOOR = 8
# The runs last found, by window pattern: (text, spans). Recognizers with the same break set read the same
# joined text of a batch (the detector's gates often keep the same strings), so the second one reuses them.
_LAST_RUNS: Dict[object, Tuple[str, List[Tuple[int, int]]]] = {}


def _window_spans(window, text: str, minimum: int) -> List[Tuple[int, int]]:
    """The spans of the runs `window` finds in `text` that are at least `minimum` long (>= _WINDOW_FLOOR)."""
    last = _LAST_RUNS.get(window)
    if last is not None and (last[0] is text or last[0] == text):
        runs = last[1]
    else:
        runs = [m.span() for m in window.finditer(text)]
        _LAST_RUNS[window] = (text, runs)
    if minimum <= _WINDOW_FLOOR:
        return runs
    return [span for span in runs if span[1] - span[0] >= minimum]


class ExplainedLater(RecognizerResult):
    """A RecognizerResult whose `analysis_explanation` is built by presidio's build_regex_explanation when it
    is first read (or replaced when it is first set); to_dict() sees the same fields as presidio's."""

    @property
    def analysis_explanation(self):
        fields = self.__dict__
        if "analysis_explanation" not in fields:
            explanation = self._explanation(fields.pop("_explain"))
            context = fields.pop("_context", None)
            if context is not None:  # what the context enhancer wrote before anyone read the explanation
                explanation.set_supportive_context_word(context[0])
                explanation.set_improved_score(context[1])
            fields["analysis_explanation"] = explanation
        return fields["analysis_explanation"]

    @staticmethod
    def _explanation(explain) -> AnalysisExplanation:
        """The explanation presidio's pattern loop builds, from what the loop kept (`_explain`)."""
        recognizer, pattern, validation_result, flags, score = explain
        explanation = recognizer.build_regex_explanation(
            recognizer.name, pattern.name, pattern.regex, pattern.score, validation_result, flags)
        explanation.score = score
        return explanation

    @analysis_explanation.setter
    def analysis_explanation(self, value) -> None:
        self.__dict__.pop("_explain", None)
        self.__dict__.pop("_context", None)
        self.__dict__["analysis_explanation"] = value

    def explain_context(self, word: str, score: float) -> None:
        """What presidio's context enhancer writes into the explanation (set_supportive_context_word, then
        set_improved_score), written when the explanation is built if it is not yet."""
        fields = self.__dict__
        if "analysis_explanation" in fields:
            explanation = fields["analysis_explanation"]
            if explanation is not None:
                explanation.set_supportive_context_word(word)
                explanation.set_improved_score(score)
        else:
            fields["_context"] = (word, score)

    def to_dict(self) -> Dict:
        """Serialize self to dictionary (presidio's fields, the explanation built)."""
        self.analysis_explanation  # noqa: B018 - builds it into __dict__
        return self.__dict__


class TextExplainedLater(ExplainedLater):
    """An ExplainedLater for a result a recognizer finds by its own rules (cn_person's context names, whole values
    and name tags): its explanation is AnalysisExplanation(recognizer, original_score, textual_explanation), built
    when first read. made() builds one without RecognizerResult's __init__ (a page asks for dozens)."""

    @staticmethod
    def _explanation(explain) -> AnalysisExplanation:
        recognizer, score, text = explain
        return AnalysisExplanation(recognizer=recognizer, original_score=score, textual_explanation=text)

    @classmethod
    def made(cls, entity_type: str, start: int, end: int, score: float, metadata: Dict, recognizer: str,
             text: str) -> "TextExplainedLater":
        """A result with presidio's fields (`metadata` is taken as it is, not copied) and the explanation to build."""
        result = cls.__new__(cls)
        result.__dict__ = {"entity_type": entity_type, "start": start, "end": end, "score": score,
                           "recognition_metadata": metadata, "_explain": (recognizer, score, text)}
        return result


class GovPatternRecognizer(PatternRecognizer):
    """A PatternRecognizer with a cheaper pattern loop (see the module docstring)."""

    # Names of PATTERNS that run on the standard library's `re` (measured faster, same matches).
    STDLIB_RE: FrozenSet[str] = frozenset()
    # Names of PATTERNS that run on `re` when the text searched is ASCII (measured faster there, same matches).
    STDLIB_RE_ASCII: FrozenSet[str] = frozenset()
    # Characters (a regex class body) that no pattern can match nor a lookaround test, and the shortest match
    # length: every match then lies in a run of other characters at least WINDOW_MIN long. None: no windows.
    WINDOW_BREAKS: Optional[str] = None
    WINDOW_MIN: int = 1
    # Characters one of which every match of a pattern holds, by the pattern's regex: a text (or window) with none
    # of them is not searched with that pattern (e.g. the grouped card numbers' space or hyphen).
    PATTERN_NEEDS: Dict[str, str] = {}

    def analyze(self, text: str, entities: List[str], nlp_artifacts: Optional[NlpArtifacts] = None,
                regex_flags: Optional[int] = None) -> List[RecognizerResult]:
        """
        Analyze text with the recognizer's patterns (PatternRecognizer.analyze, without the timeout), read
        only in the windows that can hold a match when the recognizer declares them (WINDOW_BREAKS).

        :param text: Text to be analyzed
        :param entities: Entities this recognizer can detect
        :param nlp_artifacts: not used by pattern recognizers
        :param regex_flags: regex flags to be used in regex matching
        :return: the results of every pattern
        """
        if not self.patterns:
            return []
        window = self._window(regex_flags)
        if window is None:
            return self._analyze_patterns(text, regex_flags)
        spans = _window_spans(window, text, self.WINDOW_MIN)
        if not spans:
            return []
        if len(spans) == 1:
            origin, end = spans[0]
            results = self._analyze_patterns(text[origin:end], regex_flags)
            for result in results:
                result.start += origin
                result.end += origin
            return results
        results = self._analyze_patterns(WINDOW_JOIN.join([text[a:b] for a, b in spans]), regex_flags)
        if not results:
            return results  # most windows hold no identifier: no offsets to map back
        starts: List[int] = []
        position = 0
        for origin, end in spans:
            starts.append(position)
            position += end - origin + 1
        for result in results:
            i = bisect.bisect_right(starts, result.start) - 1
            shift = spans[i][0] - starts[i]
            result.start += shift
            result.end += shift
        return results

    def _window(self, flags: Optional[int]):
        """The compiled window (runs of characters outside WINDOW_BREAKS, at least WINDOW_MIN long), or None
        when the recognizer reads the whole text: no WINDOW_BREAKS, other patterns or other flags than the
        ones its windows were proven for (tests/gateway/masking/recognizers/test_windows.py)."""
        if not self.WINDOW_BREAKS or self.WINDOW_MIN < _WINDOW_FLOOR or (flags and flags != self.global_regex_flags) \
                or self.global_regex_flags != _SHARED_FLAGS or self.patterns is not self.PATTERNS:
            return None
        window = _WINDOWS.get(self.WINDOW_BREAKS)
        if window is None:
            # One window pattern per break set, for every WINDOW_MIN (_window_spans filters by length), written
            # to begin with a plain class: `re` then skips break characters in its C search loop instead of
            # trying a match at each of them (a repeat first is not a prefix it can scan for).
            breaks = self.WINDOW_BREAKS
            window = _WINDOWS[breaks] = stdlib_re.compile(f"[^{breaks}][^{breaks}]{{{_WINDOW_FLOOR - 1},}}")
        return window

    def compiled(self, pattern: Pattern, flags: int, ascii_text: bool = False):
        """The pattern compiled for `flags`: with the standard library's `re` when the recognizer lists it in
        STDLIB_RE and `re` reads it (kept on this recognizer: presidio's own loop calls the Pattern's
        `compiled_regex` with a timeout only `regex` takes), else with `regex`, kept on the Pattern as
        presidio does; for ASCII text (`ascii_text`) also with `re` when it lists it in STDLIB_RE_ASCII. Looked
        up by pattern, flags and ASCII-ness (flag arithmetic on the enum costs microseconds)."""
        cache = self.__dict__.get("_compiled_by_pattern")
        if cache is None:
            cache = self.__dict__["_compiled_by_pattern"] = {}
        ascii_text = ascii_text and pattern.name in self.STDLIB_RE_ASCII
        found = cache.get((id(pattern), flags, ascii_text))
        if found is not None and found[0] is pattern:
            return found[1]
        compiled = None
        if (ascii_text or pattern.name in self.STDLIB_RE) and not int(flags) & ~int(_SHARED_FLAGS):
            try:
                compiled = stdlib_re.compile(pattern.regex, flags)
            except stdlib_re.error:
                compiled = None
        if compiled is None:
            if not pattern.compiled_regex or pattern.compiled_with_flags != flags:
                pattern.compiled_with_flags = flags
                pattern.compiled_regex = re.compile(pattern.regex, flags=flags)
            compiled = pattern.compiled_regex
        cache[(id(pattern), flags, ascii_text)] = (pattern, compiled)
        return compiled

    def _plan(self, flags, ascii_text: bool, patterns: Optional[List[Pattern]]) -> List[Tuple[Pattern, object]]:
        """The patterns with their compiled forms (compiled()); for the recognizer's own list, kept by flags and
        ASCII-ness while that list is unchanged (looking each pattern up again costs a Python-level hash of the
        flag enum per pattern per call)."""
        if patterns is not None:
            return [(pattern, self.compiled(pattern, flags, ascii_text)) for pattern in patterns]
        plans = self.__dict__.get("_plans")
        if plans is None:
            plans = self.__dict__["_plans"] = {}
        key = (int(flags), ascii_text)
        plan = plans.get(key)
        own = self.patterns
        if plan is None or plan[0] is not own or plan[1] != len(own):
            compiled = [(pattern, self.compiled(pattern, flags, ascii_text)) for pattern in own]
            plan = plans[key] = (own, len(own), compiled)
        return plan[2]

    def _analyze_patterns(self, text: str, flags: Optional[int] = None,
                          patterns: Optional[List[Pattern]] = None,
                          verdicts: Optional[Dict[str, Tuple[Optional[bool], bool]]] = None,
                          starts: Optional[List[int]] = None, dedupe: bool = True) -> List[RecognizerResult]:
        """Presidio's pattern loop over `patterns` (default: all of the recognizer's); `verdicts` holds the
        validation answers by matched text (a fresh one per call unless the caller shares one); `starts`, when
        given, lists in order every position where a match of these patterns can begin (matches_at). Without
        `dedupe` the results are not de-duplicated: for a caller that de-duplicates them with others anyway
        (remove_duplicates keeps what is contained in no other result of the same or a higher score, so dropping
        some of those first changes nothing)."""
        flags = flags if flags else self.global_regex_flags
        results: List[RecognizerResult] = []
        entity = self.supported_entities[0]
        metadata = {_NAME_KEY: self.name, _ID_KEY: self.id}
        verdicts = {} if verdicts is None else verdicts
        new = ExplainedLater.__new__
        validate, invalidate = self.validate_result, self.invalidate_result
        if getattr(invalidate, "__func__", None) is PatternRecognizer.invalidate_result:
            invalidate = None  # presidio's answers None whatever the text: not asked (most recognizers keep it)
        needs = self.PATTERN_NEEDS
        for pattern, compiled in self._plan(flags, text.isascii(), patterns):
            if needs:
                chars = needs.get(pattern.regex)
                if chars is not None and not any(char in text for char in chars):
                    continue  # no match can be in this text (test_windows checks each entry on generated text)
            pattern_score = pattern.score
            for match in compiled.finditer(text) if starts is None else matches_at(compiled, text, starts):
                start, end = match.span()
                if start == end:
                    continue
                current_match = text[start:end]
                verdict = verdicts.get(current_match)
                if verdict is None:
                    validation_result = validate(current_match)
                    invalidated = validation_result is not False and invalidate is not None \
                        and bool(invalidate(current_match))
                    verdict = verdicts[current_match] = (validation_result, invalidated)
                validation_result, invalidated = verdict
                if validation_result is False:
                    continue  # scored MIN_SCORE, which presidio drops below: build nothing for it
                score = pattern_score
                if validation_result is not None:
                    score = _MAX if validation_result else _MIN
                if invalidated:
                    score = _MIN
                if score > _MIN:
                    result = new(ExplainedLater)  # presidio's fields set at once, as its __init__ orders them
                    result.__dict__ = {"entity_type": entity, "start": start, "end": end, "score": score,
                                       "recognition_metadata": metadata.copy(),
                                       "_explain": (self, pattern, validation_result, flags, score)}
                    results.append(result)
        return remove_duplicates(results) if dedupe else results


def matches_at(compiled, text: str, starts: List[int]):
    """What `compiled.finditer(text)` yields when every match begins at one of `starts` (ascending): the first
    match at a start at or after the previous match's end, each tried in place (lookbehinds still see the text
    before it). For patterns that cannot match empty."""
    match_at = compiled.match
    end = 0
    for start in starts:
        if start >= end:
            match = match_at(text, start)
            if match is not None:
                end = match.end()
                yield match


def remove_duplicates(results: List[RecognizerResult]) -> List[RecognizerResult]:
    """EntityRecognizer.remove_duplicates for the results of one recognizer (one entity type), without its
    per-result string hashing: the same results, the same survivor among equal ones (the first), the same order
    (test_base compares the two on generated results)."""
    if len(results) < 2:
        return [r for r in results if r.score != 0]
    if len(results) == 2 and results[0].score > 0 and results[1].score > 0:
        return _pair(*results)
    disjoint = _disjoint(results)
    if disjoint is not None:
        return disjoint
    unique: Dict[object, RecognizerResult] = {}
    for result in results:  # presidio's set(): equal start, end and score (as its hash writes them) are one
        score = result.score
        unique.setdefault((result.start, result.end, str(score)) if score == score else id(result), result)
    ordered = sorted(unique.values(), key=lambda r: (r.start, -(r.end - r.start), -r.score))
    kept: List[RecognizerResult] = []
    active: List[RecognizerResult] = []
    for result in ordered:
        score = result.score
        if score == 0:
            continue
        start, end = result.start, result.end
        active = [other for other in active if other.end >= start]
        for other in active:  # (a loop, not any() over a generator: a few results, made per string of a page)
            if start >= other.start and end <= other.end and score <= other.score:
                break
        else:
            kept.append(result)
            active.append(result)
    return sorted(kept, key=lambda r: (-r.score, r.start, -(r.end - r.start)))


def _pair(a: RecognizerResult, b: RecognizerResult) -> List[RecognizerResult]:
    """remove_duplicates' answer for two results scoring above 0 (the person recognizer's pattern and NLP findings
    of one name, merged per string of a page). Of two, the later in the sweep's order is dropped exactly when it lies
    inside the earlier scoring no more: an equal one (presidio's set) is such a case. Then presidio's order; ties
    keep the sweep's order, as sorted() does."""
    if (a.start, a.start - a.end, -a.score) <= (b.start, b.start - b.end, -b.score):
        first, second = a, b
    else:
        first, second = b, a
    if second.start >= first.start and second.end <= first.end and second.score <= first.score:
        return [first]
    if (-first.score, first.start, first.start - first.end) <= (-second.score, second.start, second.start - second.end):
        return [first, second]
    return [second, first]


def _by_score(result: RecognizerResult):
    return -result.score


def _disjoint(results: List[RecognizerResult]) -> Optional[List[RecognizerResult]]:
    """remove_duplicates' answer when the results come in order of start without overlapping and every score is
    above 0 (the usual case for identifiers: the matches of one pattern never overlap, and an identifier's
    patterns rarely find the same digits), else None (found at the first result out of order: cheap for the
    recognizers whose results overlap). Then nothing is equal to or inside another, so all are kept, in
    presidio's order (-score, start, -length): by start, then by score (sorted() is stable, the starts differ)."""
    end = -1
    score = results[0].score
    same = True
    for result in results:
        if result.start < end or not result.end > result.start or not result.score > 0:
            return None
        end = result.end
        if result.score != score:
            same = False
    return list(results) if same else sorted(results, key=_by_score)
