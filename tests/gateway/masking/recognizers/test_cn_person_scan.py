"""cn_person_scan stands for the person patterns it replaces: GroupOneSpans finds what `regex` finds for the
role-word pattern, the clue-word and marker scans grouped by first character find what the plain alternations
find, the Latin-name gates never refuse a text where their pattern matches, whole_value_starts holds every start
of a whole-value match; and the recognizer's pattern results are the plain loop's. On the development
corpus's strings (one by one and joined as the detector joins them) and on random CJK/mixed text."""

import re

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.masking.detector import SEPARATOR
from gateway.masking.recognizers.base import GovPatternRecognizer, remove_duplicates
from gateway.masking.recognizers.cn_person import CnPersonRecognizer
from gateway.masking.recognizers.cn_person_scan import (
    GroupOneSpans, first_character_alternation, may_hold_chinese_role_name, may_hold_english_role_name,
    whole_value_starts)
from gateway.masking.recognizers.cn_person_spelling import _MARKER, _MARKER_WORDS, _MARKERS, _TRIGGER_WORDS, _TRIGGERS
from gateway.masking.recognizers.cn_person_words import (
    COMPOUND_SURNAMES, LATIN_NAME_TRIGGERS, ROLE_WORDS, SINGLE_SURNAMES)
from tests.masking_corpus.generate import generate
from tests.support.corpus_strings import strings as _strings

ROLE, ENGLISH, CHINESE, WHOLE = CnPersonRecognizer.PATTERNS
FLAGS = CnPersonRecognizer().global_regex_flags


CORPUS = sorted({s for case in generate() for s in _strings(case.doc) if s})
TEXTS = CORPUS + [SEPARATOR.join(CORPUS)]
PIECES = [*ROLE_WORDS, *LATIN_NAME_TRIGGERS, *SINGLE_SURNAMES[:30], *COMPOUND_SURNAMES[:4], "name", "Mr.", "NAME",
          "applicant:", "ſ", "\u212a", "İ", "ı", "Zhang San", "ZHANG WEI", "Li", "王 芳", "是", "为", "：", ":",
          "\t", "\u3000", "\n", "\r", "\u2028", "\u2029", "。", "1"]
MIXED = st.lists(st.sampled_from(PIECES) | st.sampled_from(CORPUS) | st.text(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF) | st.sampled_from("·ſKİı \t\u3000\nAZaz09（）:：."),
    max_size=6), max_size=12).map("".join)


def _regex_spans(pattern, text: str) -> list[tuple[int, int]]:
    return [m.span() for m in regex.compile(pattern.regex, FLAGS).finditer(text) if m.end() > m.start()]


def _assert_stands_for_the_patterns(text: str) -> None:
    assert [m.span() for m in GroupOneSpans(ROLE.regex).finditer(text)] == _regex_spans(ROLE, text)
    if not may_hold_english_role_name(text):
        assert _regex_spans(ENGLISH, text) == []
    if not may_hold_chinese_role_name(text):
        assert _regex_spans(CHINESE, text) == []
    starts = whole_value_starts(text)
    spans = _regex_spans(WHOLE, text)
    assert {start for start, _ in spans} <= set(starts)


def _results(results) -> list[tuple]:
    return [(r.start, r.end, r.score, r.analysis_explanation.pattern_name) for r in results]


def test_the_scans_stand_for_the_patterns_on_the_corpus() -> None:
    for text in TEXTS:
        _assert_stands_for_the_patterns(text)


@settings(max_examples=400, deadline=None)
@given(MIXED)
def test_the_scans_stand_for_the_patterns_on_mixed_text(text: str) -> None:
    _assert_stands_for_the_patterns(text)


def test_the_gates_pass_where_their_pattern_matches() -> None:
    for text in ("contact person: Zhang Wei", "Mr.Li Ming", "NAME ZHANG SAN", "外籍人员John Smith", "姓名：ZHANG/WEI"):
        assert may_hold_english_role_name(text) or may_hold_chinese_role_name(text)
    assert _regex_spans(ENGLISH, "Mr.Li Ming") and may_hold_english_role_name("Mr.Li Ming")
    assert _regex_spans(CHINESE, "外籍人员John Smith") and may_hold_chinese_role_name("外籍人员John Smith")
    assert not may_hold_english_role_name("申请人王小明，A座") and not may_hold_chinese_role_name("申请人王小明，A座")
    assert whole_value_starts("王芳\n张三丰\n诸葛孔明先生") == [0, 3]


@settings(max_examples=200, deadline=None)
@given(MIXED)
def test_pattern_results_are_the_plain_loops(text: str) -> None:
    recognizer = CnPersonRecognizer()
    plain = CnPersonRecognizer()
    plain.compiled = lambda pattern, flags, ascii_text=False: GovPatternRecognizer.compiled(  # `regex` everywhere
        plain, pattern, flags, ascii_text)
    expected = _results(GovPatternRecognizer.analyze(plain, text, ["PERSON"]))
    assert _results(remove_duplicates(recognizer._pattern_results(text, ["PERSON"], None, None))) == expected


def test_pattern_results_on_the_corpus_are_the_plain_loops() -> None:
    plain = CnPersonRecognizer()
    plain.compiled = lambda pattern, flags, ascii_text=False: GovPatternRecognizer.compiled(
        plain, pattern, flags, ascii_text)
    recognizer = CnPersonRecognizer()
    for text in TEXTS:
        expected = _results(GovPatternRecognizer.analyze(plain, text, ["PERSON"]))
        assert _results(remove_duplicates(recognizer._pattern_results(text, ["PERSON"], None, None))) == expected


PLAIN_TRIGGERS = re.compile("(?:" + "|".join(_TRIGGER_WORDS) + ")" r"(?:[：:是为]|[ \t\u3000]){0,2}")
PLAIN_MARKER = re.compile(_MARKERS)


def _assert_scans_as_plain(text: str) -> None:
    assert [m.span() for m in _TRIGGERS.finditer(text)] == [m.span() for m in PLAIN_TRIGGERS.finditer(text)]
    assert [m.span() for m in _MARKER.finditer(text)] == [m.span() for m in PLAIN_MARKER.finditer(text)]


def test_grouped_clue_and_marker_scans_on_the_corpus_are_the_plain_alternations() -> None:
    for text in TEXTS:
        _assert_scans_as_plain(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_TRIGGER_WORDS + _MARKER_WORDS + ["：", "是", " ", "王", "1"]), max_size=10).map("".join)
       | MIXED)
def test_grouped_clue_and_marker_scans_on_mixed_text_are_the_plain_alternations(text: str) -> None:
    _assert_scans_as_plain(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text("ab(|+", min_size=1, max_size=3), min_size=1, max_size=8), st.text("ab(|+", max_size=30))
def test_first_character_alternation_matches_the_plain_one(words: list[str], text: str) -> None:
    plain = re.compile("|".join(map(re.escape, words)))
    grouped = re.compile(first_character_alternation(words))
    assert [m.span() for m in grouped.finditer(text)] == [m.span() for m in plain.finditer(text)]
    assert [m.span() for m in re.compile(f"(?:{first_character_alternation(words)})b?").finditer(text)] == \
        [m.span() for m in re.compile(f"(?:{plain.pattern})b?").finditer(text)]
