"""Windows (base.GovPatternRecognizer.WINDOW_BREAKS) never hide a match: proven from the patterns, then tried.

A recognizer that declares WINDOW_BREAKS reads only the runs of other characters, at least WINDOW_MIN long,
joined by a newline. That gives the same matches as reading the whole text when (1) no element of any
pattern — literal, class, lookaround — can match a break character (so each break, the newline joining the
windows and the text's edges all look alike to the pattern), (2) the patterns have no anchors, and (3) no
match is shorter than WINDOW_MIN. (1)-(3) are checked on the parsed patterns with both regex engines, then
the windowed and whole-text answers are compared on generated text.
"""

from __future__ import annotations

import re

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.masking.recognizers import RECOGNIZER_CLASSES
from gateway.masking.recognizers.base import WINDOW_JOIN, GovPatternRecognizer
from tests.support.pattern_elements import BMP, elements, min_width

FLAGS = re.DOTALL | re.MULTILINE | re.IGNORECASE
WINDOWED = [entity for entity, cls in RECOGNIZER_CLASSES.items()
            if issubclass(cls, GovPatternRecognizer) and cls.WINDOW_BREAKS]


def _breaks(cls) -> str:
    """Every break character (of the BMP), written out."""
    return "".join(re.findall(f"[{cls.WINDOW_BREAKS}]", BMP))


@pytest.mark.parametrize("entity", WINDOWED)
def test_no_pattern_element_reads_a_break_character(entity):
    cls = RECOGNIZER_CLASSES[entity]
    breaks = _breaks(cls)
    assert WINDOW_JOIN in breaks and "\u4e00" in breaks and "0" not in breaks
    for pattern in cls.PATTERNS:
        assert min_width(pattern.regex, FLAGS) >= cls.WINDOW_MIN > 0, pattern.name
        for element in set(elements(pattern.regex, FLAGS, strict=True)):
            for engine in (re, regex):
                hits = engine.compile(element, FLAGS).findall(breaks)
                assert not hits, (pattern.name, element, hits[:5])


def _answers(recognizer, text, entity, windowed: bool):
    if not windowed:
        results = recognizer._analyze_patterns(text)
    else:
        results = recognizer.analyze(text, [entity])
    return sorted((r.start, r.end, r.score) for r in results)


_ALPHABET = st.sampled_from(list(
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "XxEGHMCDSPABFKZ \t\n-.:/+#()，。、：；（）＋－号证,;@_%\u3000张\u2029\u0131\u017f\u212a１２"
))


@pytest.mark.parametrize("entity", WINDOWED)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_windowed_answers_equal_whole_text_answers(entity, data):
    recognizer = RECOGNIZER_CLASSES[entity]()
    assert recognizer._window(None) is not None
    pieces = data.draw(st.lists(st.one_of(
        st.text(_ALPHABET, max_size=25),
        st.sampled_from(["11010519491231002X", "6222021234567890128", "91350100M000100Y43", "E12345678",
                         "1M8GDM9AXKP042788", "192.168.1.10", "fe80::1", "+86 138-1234-5678", "13812345678"]),
    ), max_size=6))
    text = "".join(pieces)
    assert _answers(recognizer, text, entity, True) == _answers(recognizer, text, entity, False)


def test_other_patterns_or_flags_read_the_whole_text():
    cls = RECOGNIZER_CLASSES["CN_ID_CARD"]
    assert cls()._window(None) is not None
    assert cls(patterns=list(cls.PATTERNS))._window(None) is None
    assert cls()._window(re.IGNORECASE) is None


# --- PATTERN_NEEDS: a pattern skipped on a text without any of its needed characters finds nothing there ---

NEEDING = [entity for entity, cls in RECOGNIZER_CLASSES.items() if getattr(cls, "PATTERN_NEEDS", None)]


def test_some_recognizer_skips_patterns_by_their_needed_characters():
    assert "CN_BANK_CARD" in NEEDING
    for entity in NEEDING:
        cls = RECOGNIZER_CLASSES[entity]
        assert set(cls.PATTERN_NEEDS) <= {p.regex for p in cls.PATTERNS}, entity


_CARD_PIECES = ["6222", "0212", "3456", "7890", "128", "4111", "1111", " ", "-", "  ", "--", "1", "62", "X", "号",
                "6222 0212 3456 7890 128", "6222-0212-3456-7890-128", "4111 1111 1111 1111", "6222021234567890128"]


@pytest.mark.parametrize("entity", NEEDING)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_match_holds_a_needed_character_and_the_answers_are_the_unskipped_ones(entity, data):
    cls = RECOGNIZER_CLASSES[entity]
    text = "".join(data.draw(st.lists(st.sampled_from(_CARD_PIECES) | st.text(_ALPHABET, max_size=6), max_size=12)))
    recognizer, unskipped = cls(), cls()
    unskipped.PATTERN_NEEDS = {}
    for pattern in cls.PATTERNS:
        chars = cls.PATTERN_NEEDS.get(pattern.regex)
        if chars is not None:
            for m in regex.compile(pattern.regex, FLAGS).finditer(text):
                assert any(c in m.group() for c in chars), (pattern.name, m.group())
    assert _answers(recognizer, text, entity, True) == _answers(unskipped, text, entity, True)
    assert _answers(recognizer, text, entity, False) == _answers(unskipped, text, entity, False)
