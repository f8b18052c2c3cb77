"""Detection: where the personal data and trade secrets are in a string, as typed spans.

One presidio AnalyzerEngine is built per Detector (a registry holding only govshare's recognizers,
language "zh", the light jieba NlpEngine) and warmed up once; nothing is compiled per call.

Two paths give the same answer:
- `detect(text, key)` runs the AnalyzerEngine on one string;
- `detect_many(items)` is the batch form for the JSON walker. A cheap pre-filter (one compiled regex)
  drops strings that cannot hold an entity; the rest are joined with SEPARATOR, which no pattern can
  cross, and each recognizer's own `analyze` (its patterns and validate_result) runs once over the
  joined strings that hold what its matches must hold (RECOGNIZER_GATES). Spans are mapped back to their
  string by offset; then, per string, the same steps as AnalyzerEngine.analyze: name tags for free text,
  presidio's context enhancement (with the key's context word), the score threshold and de-duplication.
- `detect_identifiers(texts)`: only the proven identifiers (IDENTIFIER_ENTITIES), no name tagging — what a
  field its provider labelled public/internal gives up.

Every string is first seen through its normalised view (normalise.py: full-width to ASCII, separators
inside identifier-length digit runs dropped) and spans are mapped back to the caller's characters.

The key of a value is context: its hint (keynames.key_hint) hands the hinted entity's context word to
presidio's context enhancer, so `xm: 张三` is a PERSON and `sfzh` lifts a legacy 15-digit ID. Free text
(a remark key, or no hint and at least FREE_TEXT_MIN_CJK Chinese characters) is also POS-tagged so
jieba's name tags find names in sentences.

Results are non-overlapping Spans sorted by start (spans.resolve_overlaps: organisation names hold their
place first; then the higher score, the longer span, the more sensitive entity). Nothing here logs text or
values.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Callable, Iterable, Sequence

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from .keynames import FREE_TEXT, context_words
from .keynames import key_hint as _key_hint
from .nlp_engine import ChineseNlpEngine, name_spans, name_tag_indices
from .normalise import Normalised, normalise, normalise_many
from .recognizers.trade_secret import GATE as _TRADE_SECRET_GATE
from .recognizers import SUPPORTED_ENTITIES, build_recognizers
from .recognizers.base import remove_duplicates
from .recognizers.cn_address import PROVINCES
from .recognizers.cn_license_plate import PROVINCE_ABBREVIATIONS
from .recognizers.cn_person import (
    COMPOUND_SURNAMES, MINORITY_NAME_PARTS, MINORITY_SYLLABLES, CnPersonRecognizer, SINGLE_SURNAMES)
from .recognizers.trade_secret import KEYWORDS_EN, KEYWORDS_ZH
from .spans import (  # noqa: F401 - re-exported: the detector's result types live in spans.py
    ENTITY_PRIORITY, DetectionError, KeyContextEnhancer, Span, _recognizer_id, disjoint_spans, make_span, resolve_overlaps)

LANGUAGE = "zh"
SEPARATOR = "\n\u2029\n"
FREE_TEXT_MIN_CJK = 4
# Below this threshold a bare amount (the weak whole-value TRADE_SECRET pattern) counts on its own.
WEAKEST_PATTERN_SCORE = 0.2
_MAX_SCORE = EntityRecognizer.MAX_SCORE

_CJK = re.compile(r"[\u4e00-\u9fff]")
_SHORT_NAME = re.compile(rf"(?:{'|'.join(COMPOUND_SURNAMES)}|[{''.join(SINGLE_SURNAMES)}])[\u4e00-\u9fff]{{1,2}}")
# Proven identifiers: what a field labelled public/internal gives up (numbers a checksum proves, mobiles).
IDENTIFIER_ENTITIES = frozenset({"CN_ID_CARD", "CN_BANK_CARD", "CN_MOBILE"})
# What every match of a recognizer holds (in the normalised view): strings without it are not read by it.
# A gate is (the longest run of digits every match holds, tests every match passes), read off the recognizer's
# patterns; test_detector_gates checks each against every string of the corpora a recognizer finds something in.
_DIGIT_RUN, _CJK_CHAR = re.compile(r"\d+"), re.compile(r"[\u4e00-\u9fff]")
Test = Callable[[str], object]
Gate = tuple[int, tuple[Test, ...]]


def _any(first: Test, *others: Test) -> Test:
    """A test that holds when one of the tests does (a chain of `or`: no generator per text)."""
    if not others:
        return first
    rest = _any(*others)
    return lambda text: first(text) or rest(text)


RECOGNIZER_GATES: dict[str, Gate] = {
    "CN_ID_CARD": (12, ()),  # 18 and legacy 15 digits; three letters and 12 digits
    "CN_BANK_CARD": (4, (re.compile(r"\d{4}[ -]?\d{4}").search,)),  # 16-19 digits, or grouped by four
    "CN_MOBILE": (4, (re.compile(r"1[3-9]\d[ -]?\d{4}[ -]?\d{4}").search,)),  # the pattern's own tail
    "CN_LANDLINE": (7, ()),  # the local number
    "CN_USCC": (6, ()),  # the administrative-division code
    "CN_PASSPORT": (7, ()),
    "CN_SOCIAL_SECURITY": (8, ()),
    "CN_VIN": (1, ()),
    "TRADE_SECRET": (1, (_any(*_TRADE_SECRET_GATE),)),  # an amount after a business-figure word, or a whole amount
    "CN_LICENSE_PLATE": (0, (re.compile(f"[{PROVINCE_ABBREVIATIONS}]").search,)),
    **dict.fromkeys(("CN_ADDRESS", "ORGANIZATION"), (0, (_CJK_CHAR.search,))),
    "EMAIL_ADDRESS": (0, (re.compile("@").search,)),
    # IPv4's \d.\d; IPv6's lookahead (:hex{0,4}:); each written to start at a fixed character, which `re` scans fast
    "IP_ADDRESS": (0, (_any(re.compile(r"\.(?<=\d\.)\d").search, re.compile(r":[0-9A-Fa-f]{0,4}:").search),)),
    # hex pairs joined by : or -, or Cisco-style dotted groups of four
    "MAC_ADDRESS": (0, (_any(re.compile(r"[:-](?<=[0-9A-Fa-f]{2}[:-])").search,
                             re.compile(r"\.(?<=[0-9A-Fa-f]{4}\.)[0-9A-Fa-f]{4}\.").search),)),
}  # PERSON reads everything (Latin names after an English role word hold neither digits nor CJK)
SHADOWING_ENTITIES = frozenset({"CN_USCC", "CN_VIN"})
_IDENTIFIER_PREFILTER = re.compile(r"[0-9０-９][0-9０-９ \-－\u3000]{9}")
_ADDRESS_TRIGGERS = "省市州盟区县旗镇乡街道路巷弄同园寓厦场村木"


def build_prefilter(score_threshold: float) -> re.Pattern[str]:
    """One regex that matches every string in which some recognizer could report a span.

    It is built from the recognizers' own word lists, so it stays in step with them: digit runs of
    five or more and grouped digits (IDs, phones, cards, passports, USCC), '@', IPv4/IPv6 shapes, and
    the Chinese characters that begin a name, a plate, an address component or a business-figure word.
    """
    english = "|".join(re.escape(word.split()[0]) for word in KEYWORDS_EN)
    alternatives = [
        r"\d{5}",
        r"\d{3}[ \-－\u3000]{1,3}\d{4}",  # grouped digits, also full-width or with a spaced dash
        r"@",
        r"\d\.\d{1,3}\.\d",
        r"::",
        r"(?:[0-9A-Fa-f]{1,4}:){7}",
        r"(?<![0-9A-Za-z])[A-HJ-NPR-Za-hj-npr-z0-9]{17}(?![0-9A-Za-z])",  # a VIN
        r"[0-9A-Fa-f]{2}[:-][0-9A-Fa-f]{2}[:-][0-9A-Fa-f]{2}",  # a MAC
        r"[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}",  # a MAC written Cisco-style
        _trigger_class(),
        rf"(?i:{english})",
    ]
    if score_threshold <= WEAKEST_PATTERN_SCORE:
        alternatives.append(r"\d")
    return re.compile("|".join(alternatives))


def _trigger_class() -> str:
    """The prefilter's class of the characters that begin a name, a plate, an address component or a business-figure
    word (build_prefilter)."""
    cjk = set(SINGLE_SURNAMES) | {s[0] for s in COMPOUND_SURNAMES} | set(PROVINCE_ABBREVIATIONS) | set("·•・")
    cjk |= {part[0] for part in (*MINORITY_NAME_PARTS, *MINORITY_SYLLABLES)}  # names without a Han surname
    cjk |= set("".join(PROVINCES)) | set(_ADDRESS_TRIGGERS) | {word[0] for word in KEYWORDS_ZH}
    return "[" + "".join(sorted(cjk)) + "]"


class Detector:
    """Finds typed spans of personal data and trade secrets in strings, one presidio engine per instance."""

    def __init__(self, entities: Iterable[str] | None = None, score_threshold: float = 0.5):
        _quiet_presidio_logs()
        self.score_threshold = float(score_threshold)
        self._recognizers: list[EntityRecognizer] = build_recognizers(entities)
        self.entities: tuple[str, ...] = tuple(r.supported_entities[0] for r in self._recognizers)
        # the proven identifiers, and the longer codes that may contain a run of their digits (a credit code
        # holding 16 digits is not a card): overlaps resolve as on the full path
        self._identifier_recognizers = [r for r in self._recognizers
                                        if r.supported_entities[0] in IDENTIFIER_ENTITIES | SHADOWING_ENTITIES]
        self._person = next((r for r in self._recognizers if isinstance(r, CnPersonRecognizer)), None)
        self._nlp = ChineseNlpEngine([LANGUAGE])
        self._nlp.load()
        self._enhancer = KeyContextEnhancer()
        registry = RecognizerRegistry(recognizers=list(self._recognizers), supported_languages=[LANGUAGE])
        self._engine = AnalyzerEngine(
            registry=registry,
            nlp_engine=self._nlp,
            supported_languages=[LANGUAGE],
            default_score_threshold=self.score_threshold,
            context_aware_enhancer=self._enhancer,
        )
        self._prefilter = build_prefilter(self.score_threshold)
        # One of the prefilter's alternatives on its own: a class `re` scans for in C, where the whole alternation
        # tries each of its branches at every position (10x slower on a remark); most remarks hold one early.
        self._prefilter_triggers = re.compile(_trigger_class())
        self._warm_up()

    # -- public API ---------------------------------------------------------------------------------

    def detect(self, text: str, key: str | None = None) -> list[Span]:
        """Spans in one string; `key` is the JSON key the string sits under (context), if any."""
        _check_text(text)
        if not text:
            return []
        hint = self.key_hint(key)
        view = normalise(text)
        artifacts = self._nlp.process_text(view.text, LANGUAGE, with_entities=_is_free_text(hint, view.text))
        results = self._engine.analyze(
            text=view.text,
            language=LANGUAGE,
            entities=list(self.entities),
            score_threshold=self.score_threshold,
            context=context_words(hint),
            nlp_artifacts=artifacts,
        )
        return _mapped(view, resolve_overlaps(results))

    def detect_identifiers(self, texts: Sequence[str]) -> list[list[Span]]:
        """Spans of the proven identifiers only (IDENTIFIER_ENTITIES) in each text: what a field its provider
        labelled public/internal gives up. No name tagging, no key context: nothing else is kept there."""
        items = [(None, text) for text in texts]
        answers: list[list[Span]] = [[] for _ in items]
        joined = [i for i, text in enumerate(texts) if text and "\u2029" not in text
                  and _IDENTIFIER_PREFILTER.search(text)]
        for i, text in enumerate(texts):
            if text and "\u2029" in text:
                answers[i] = [s for s in self.detect(text) if s.entity in IDENTIFIER_ENTITIES]
        if joined:
            self._detect_joined(items, joined, answers, identifiers_only=True)
        return answers

    def detect_many(self, items: Sequence[tuple[str | None, str]]) -> list[list[Span]]:
        """Spans for each (key, text) item: the same answer as detect() on each, in one pass."""
        answers: list[list[Span]] = [[] for _ in items]
        joined: list[int] = []
        first: dict[tuple[str | None, str], int] = {}  # a string and its key's hint, seen before in this call
        repeats: list[tuple[int, int]] = []
        hints: list[str | None] = []  # the key hint of each joined item, worked out once
        for index, (key, text) in enumerate(items):
            _check_text(text)
            if not text:
                continue
            hint = self.key_hint(key)
            seen = first.setdefault((hint, text), index)
            if seen != index:  # a page repeats names, places and remarks: detect each once per call
                repeats.append((index, seen))
            elif "\u2029" in text:  # could meet the separator: take the single-string path
                answers[index] = self.detect(text, key)
            # A key that names an entity (xm, sfzh) sends its value to detection whatever the pre-filter says (the
            # key lifts weak patterns); a remark key (bz, message) does not: the pre-filter is score-independent.
            elif (hint is not None and hint != FREE_TEXT) or self.may_contain_pii(text):
                joined.append(index)
                hints.append(hint)
        if joined:
            self._detect_joined(items, joined, answers, hints=hints)
        for index, seen in repeats:
            answers[index] = list(answers[seen])
        return answers

    def key_hint(self, key: str | None) -> str | None:
        """The entity a key name hints at ("FREE_TEXT" for remark keys), or None."""
        return _key_hint(key)

    def may_contain_pii(self, text: str) -> bool:
        """The cheap pre-filter: False only if no recognizer can find anything in the text."""
        return self._prefilter_triggers.search(text) is not None or self._prefilter.search(text) is not None

    # -- batch path ---------------------------------------------------------------------------------

    def _detect_joined(self, items: Sequence[tuple[str | None, str]], indices: list[int],
                       answers: list[list[Span]], identifiers_only: bool = False,
                       hints: list[str | None] | None = None) -> None:
        """Detection of items[i] for i in indices into answers[i], the recognizers run over the joined texts
        (`hints`: the key hint of each, if the caller worked them out)."""
        views = normalise_many([items[i][1] for i in indices])
        texts = [view.text for view in views]
        starts: list[int] = []
        position = 0
        for text in texts:
            starts.append(position)
            position += len(text) + len(SEPARATOR)
        joined = SEPARATOR.join(texts)

        per_item: list[list[RecognizerResult]] = [[] for _ in indices]
        crossed: set[int] = set()
        recognizers = self._identifier_recognizers if identifiers_only else self._recognizers
        gated: dict[Gate, tuple[str, list[int], list[int]]] = {}
        everything = (joined, starts, list(range(len(texts))))
        runs: list[int] = []  # the longest run of digits in each text, worked out once
        by_slots: dict[tuple[int, ...], tuple[str, list[int], list[int]]] = {}
        for recognizer in recognizers:
            gate = RECOGNIZER_GATES.get(recognizer.supported_entities[0])
            if gate is None:
                text, at, slots = everything
            else:  # only the strings that hold what every match of this recognizer must hold
                if gate not in gated:
                    if gate[0] and not runs:
                        runs = [max(map(len, _DIGIT_RUN.findall(t)), default=0) for t in texts]
                    kept = tuple(_passing(gate, texts, runs))
                    if len(kept) == len(texts):  # every string (_passing keeps them in order): the batch's own join
                        by_slots[kept] = everything
                    elif kept not in by_slots:  # several gates often keep the same strings: join them once
                        by_slots[kept] = _subset(texts, list(kept))
                    gated[gate] = by_slots[kept]
                text, at, slots = gated[gate]
                if not slots:
                    continue
            for result in recognizer.analyze(text, recognizer.supported_entities, None):
                k = bisect.bisect_right(at, result.start) - 1
                slot, offset = slots[k], at[k]
                if result.end - offset > len(texts[slot]):
                    # Cannot happen with SEPARATOR; if it did, every string it touched (and whose own
                    # matches it may have swallowed) goes through the single-string path instead.
                    last = bisect.bisect_right(at, result.end - 1) - 1
                    crossed.update(slots[k:last + 1])
                    continue
                result.start -= offset  # the recognizer made this result for this call: shift it in place
                result.end -= offset
                per_item[slot].append(result)

        finish = self._finish_item
        if identifiers_only:
            for slot, index in enumerate(indices):
                answers[index] = (self.detect(items[index][1]) if slot in crossed
                                  else _mapped(views[slot], finish(texts[slot], None, per_item[slot], False, None)))
            return
        if hints is None:
            hints = [self.key_hint(items[index][0]) for index in indices]  # once per item, not once per step
        free = [slot not in crossed and _is_free_text(hints[slot], texts[slot]) for slot in range(len(indices))]
        tagged: dict[int, tuple[list[str], list[str]] | None] = {}
        if self._person is not None:
            # the free text of the batch is name-tagged before its items are finished (ChineseNlpEngine.tag_many)
            slots = [slot for slot, is_free in enumerate(free) if is_free]
            tagged = dict(zip(slots, self._nlp.tag_many([texts[slot] for slot in slots])))
        for slot, index in enumerate(indices):
            if slot in crossed:
                key, text = items[index]
                answers[index] = self.detect(text, key)
            else:
                answers[index] = _mapped(views[slot], finish(texts[slot], hints[slot], per_item[slot], free[slot],
                                                             tagged.get(slot)))

    def _finish_item(self, text: str, hint: str | None, results: list[RecognizerResult], free_text: bool,
                     tagged: tuple[list[str], list[str]] | None) -> list[Span]:
        """The steps AnalyzerEngine.analyze runs after the recognizers, for one string of the batch
        (`free_text`: _is_free_text of it; `tagged`: its jieba words and tags, when the batch tagged it)."""
        computed: list[NlpArtifacts] = []
        named: list[tuple[int, int]] | None = None  # the text's name spans (nlp_engine.name_spans), once worked out

        def artifacts() -> NlpArtifacts:  # what detect() hands to the AnalyzerEngine (tokens, lemmas, keywords,
            if not computed:              # name entities) without the spaCy Doc nobody here reads; made once
                computed.append(self._nlp.light_artifacts(text, LANGUAGE, with_entities=free_text,
                                                          tagged=tagged if free_text else None, named=named))
            return computed[0]

        person = self._person
        # The person recognizer's NLP names are the artifacts' entities, and light_artifacts makes entities only
        # of the name spans (nlp_engine.name_spans: probable names among the name-tagged tokens): a text without one
        # (or whose tokens tag_many could not line up, tagged None: light_artifacts then falls back to untagged
        # characters) has none to read, and its artifacts are only made if the enhancer asks for them.
        if person is not None and free_text and tagged is not None and (marked := name_tag_indices(tagged[1])) \
                and (named := name_spans(None, tagged[0], tagged[1], raw=True, marked=marked)):
            names = person.analyze_nlp_entities(artifacts())
            if names:
                person_id = person.id
                own: list[RecognizerResult] = []
                others: list[RecognizerResult] = []
                for r in results:
                    (own if _recognizer_id(r) == person_id else others).append(r)
                results = others + remove_duplicates(own + names)
        if not results:
            return []
        for r in results:
            if r.score < _MAX_SCORE:  # context can change nothing at 1.0
                # AnalyzerEngine would first call each recognizer's own enhance_using_context: govshare's
                # recognizers keep EntityRecognizer's (a no-op), which test_detector checks.
                self._enhancer.enhance(text, results, self._recognizers, context_words(hint), artifacts)
                break
        threshold = self.score_threshold
        results = [r for r in results if r.score >= threshold]
        return disjoint_spans(results) or resolve_overlaps(_without_duplicates(results))

    def _warm_up(self) -> None:
        """Compile every pattern and load jieba's tagger now, not on the first request."""
        sample = (
            "申请人王小明，身份证11010519491231002X，手机13812345678，电话010-12345678，"
            "卡号6222021234567890128，信用代码91350100M000100Y43，护照E12345678，车牌京A12345，"
            "邮箱a@example.com，IP 192.168.0.1，住址北京市朝阳区建国路88号，营业收入100万元。"
        )
        self.detect(sample)
        self.detect_many([(None, sample), ("xm", "张三")])


def _quiet_presidio_logs() -> None:
    """Presidio logs matched text and context words at DEBUG (and loads at INFO): keep it at WARNING."""
    logger = logging.getLogger("presidio-analyzer")
    if logger.level < logging.WARNING:  # NOTSET too: a DEBUG root logger must not switch it on
        logger.setLevel(logging.WARNING)


def _is_free_text(hint: str | None, text: str) -> bool:
    """Text worth POS tagging: a remark key, an unhinted string with enough Chinese in it, or an unhinted
    short value that may be a name on its own (a list of family members, a table cell under an unknown
    key): jieba's name tag and the dictionary frequency then decide."""
    if hint == FREE_TEXT:
        return True
    if hint is not None:
        return False
    return len(_CJK.findall(text)) >= FREE_TEXT_MIN_CJK or _SHORT_NAME.fullmatch(text) is not None


def _without_duplicates(results: list[RecognizerResult]) -> list[RecognizerResult]:
    """EntityRecognizer.remove_duplicates per entity type (presidio's only drops a result inside another of
    its type), with the faster equivalent in recognizers.base; resolve_overlaps orders them itself."""
    if len(results) < 2:
        return [r for r in results if r.score != 0]
    by_type: dict[str, list[RecognizerResult]] = {}
    for result in results:
        by_type.setdefault(result.entity_type, []).append(result)
    return [kept for group in by_type.values() for kept in remove_duplicates(group)]


def _passing(gate: Gate, texts: list[str], runs: list[int]) -> list[int]:
    """The slots of the texts that hold what the gate asks (`runs`: each text's longest digit run)."""
    least, tests = gate
    slots = [i for i, run in enumerate(runs) if run >= least] if least else list(range(len(texts)))
    for test in tests:
        slots = [i for i in slots if test(texts[i])]
    return slots


def _subset(texts: list[str], slots: list[int]) -> tuple[str, list[int], list[int]]:
    """The texts at `slots` joined by SEPARATOR, with their start offsets and their slots."""
    starts, position = [], 0
    for i in slots:
        starts.append(position)
        position += len(texts[i]) + len(SEPARATOR)
    return SEPARATOR.join(texts[i] for i in slots), starts, slots


def _mapped(view: Normalised, spans: list[Span]) -> list[Span]:
    """Spans of a normalised view as spans of its original string."""
    if not view.marks:
        return spans
    out = []
    for span in spans:
        start, end = view.span(span.start, span.end)
        out.append(make_span(start, end, span.entity, span.score))
    return out


def _check_text(text: object) -> None:
    if not isinstance(text, str):
        raise TypeError("detection needs a str value")


__all__ = [
    "Detector", "DetectionError", "KeyContextEnhancer", "Span", "SEPARATOR", "ENTITY_PRIORITY",
    "SUPPORTED_ENTITIES", "build_prefilter", "resolve_overlaps",
]
