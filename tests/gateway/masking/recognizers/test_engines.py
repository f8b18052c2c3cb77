"""The patterns a recognizer runs on the standard library's `re` (STDLIB_RE) find what `regex` finds.

base.GovPatternRecognizer compiles the patterns a recognizer names in STDLIB_RE with `re` because it runs
them faster; presidio (and every other pattern) uses `regex`. Each such pattern is compared, match for match,
on text made of the characters the patterns read (and the letters IGNORECASE folds in both engines), on the
recognizers' own test phrases and on the development corpus.
"""

from __future__ import annotations

import json
import re

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.masking.recognizers import RECOGNIZER_CLASSES
from gateway.masking.recognizers.base import GovPatternRecognizer
from tests.support.pattern_elements import BMP, elements

FLAGS = regex.DOTALL | regex.MULTILINE | regex.IGNORECASE
STDLIB_PATTERNS = [
    pytest.param(entity, pattern, id=f"{entity}:{pattern.name}")
    for entity, cls in RECOGNIZER_CLASSES.items() if issubclass(cls, GovPatternRecognizer)
    for pattern in cls.PATTERNS if pattern.name in cls.STDLIB_RE
]
# Characters the patterns name, the separators around them, and letters that case folding treats specially.
_PATTERN_CHARS = sorted({c for cls in RECOGNIZER_CLASSES.values() for p in getattr(cls, "PATTERNS", ())
                         for c in p.regex if not c.isascii()})
ALPHABET = st.sampled_from(
    list("0123456789012345678901234567890123456789 -()（）.:#+/，。、\n\u2029ABCDEFGHXabcdexzKkSsIiOo")
    + ["\u0130", "\u0131", "\u017f", "\u212a", "张", "的"] + _PATTERN_CHARS
)
SAMPLES = [
    "住址：北京市朝阳区建国路88号院3号楼2单元1101室。他家住在朝阳区建国路88号院",
    "现住广东省深圳市宝安区西乡大道440号御景新村15栋A座203,电话0571-87654321转123",
    "科苑路88弄5号3-2-1101；星河雅居23栋B座401；白云大道北679号8栋803房",
    "身份证11010519491231002X，卡号6222021234567890128，信用代码91350100M000100Y43",
    "卡号 6222 0212 3456 7890 128，4111-1111-1111-1111，20231201123456789，H1234567890，C12345678，12345678",
    "车牌京A12345、粤B·D12345、沪C8H8H8挂，VIN 1M8GDM9AXKP042788，MAC 00:1A:2B:3C:4D:5E，fe80::1/64，2001:db8::1",
    "1,234.56万元\n¥ 3,200,000\n-12.5M\nzhang.san+x@mail.example.com.cn",
]


def _both(entity, pattern):
    assert pattern.name in RECOGNIZER_CLASSES[entity].STDLIB_RE
    return re.compile(pattern.regex, FLAGS), regex.compile(pattern.regex, flags=FLAGS)


def _spans(compiled, text):
    return [m.span() for m in compiled.finditer(text)]


def test_some_patterns_run_on_the_standard_library():
    assert STDLIB_PATTERNS, "no recognizer names a STDLIB_RE pattern: this file would test nothing"
    recognizer = RECOGNIZER_CLASSES["CN_ADDRESS"]()
    pattern = recognizer.patterns[0]
    assert isinstance(recognizer.compiled(pattern, FLAGS), re.Pattern)


@pytest.mark.parametrize("entity, pattern", STDLIB_PATTERNS)
def test_engines_agree_on_samples_and_corpus(entity, pattern):
    from tests.masking_corpus.generate import generate

    std, reg = _both(entity, pattern)
    texts = SAMPLES + [json.dumps(case.doc, ensure_ascii=False) for case in generate()][:400]
    for text in texts:
        assert _spans(std, text) == _spans(reg, text)


@pytest.mark.parametrize("entity, pattern", STDLIB_PATTERNS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_engines_agree_on_generated_text(entity, pattern, data):
    std, reg = _both(entity, pattern)
    text = data.draw(st.text(ALPHABET, max_size=60))
    assert _spans(std, text) == _spans(reg, text)


def test_engines_agree_on_every_single_character():
    """Every one-character element of every such pattern (literals and classes, IGNORECASE folding included)
    matches the same characters of the whole BMP in both engines."""
    for entity, cls in RECOGNIZER_CLASSES.items():
        for pattern in getattr(cls, "PATTERNS", ()):
            if pattern.name not in getattr(cls, "STDLIB_RE", ()):
                continue
            for element in set(elements(pattern.regex, FLAGS)):
                std, reg = re.compile(element, FLAGS), regex.compile(element, flags=FLAGS)
                assert std.findall(BMP) == reg.findall(BMP), (entity, pattern.name, element)


ASCII_PATTERNS = [
    pytest.param(entity, pattern, id=f"{entity}:{pattern.name}")
    for entity, cls in RECOGNIZER_CLASSES.items() if issubclass(cls, GovPatternRecognizer)
    for pattern in cls.PATTERNS if pattern.name in cls.STDLIB_RE_ASCII
]
ASCII_ALPHABET = st.sampled_from(list("0123456789012345678901234567890123456789 -+()#.:/\n\tABCDEFGHMXZabcehmxz"))


def test_some_patterns_run_on_the_standard_library_for_ascii_text():
    assert ASCII_PATTERNS, "no recognizer names a STDLIB_RE_ASCII pattern: the tests below would test nothing"
    recognizer = RECOGNIZER_CLASSES["CN_MOBILE"]()
    pattern = recognizer.patterns[0]
    assert isinstance(recognizer.compiled(pattern, FLAGS, ascii_text=True), re.Pattern)
    assert not isinstance(recognizer.compiled(pattern, FLAGS), re.Pattern)


@pytest.mark.parametrize("entity, pattern", ASCII_PATTERNS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_engines_agree_on_generated_ascii_text(entity, pattern, data):
    """STDLIB_RE_ASCII patterns run on `re` only for ASCII text: there both engines find the same."""
    std, reg = re.compile(pattern.regex, FLAGS), regex.compile(pattern.regex, flags=FLAGS)
    text = data.draw(st.text(ASCII_ALPHABET, max_size=60))
    assert _spans(std, text) == _spans(reg, text)


@pytest.mark.parametrize("entity, pattern", ASCII_PATTERNS)
def test_engines_agree_on_ascii_samples_and_corpus(entity, pattern):
    from tests.masking_corpus.generate import generate

    std, reg = re.compile(pattern.regex, FLAGS), regex.compile(pattern.regex, flags=FLAGS)
    texts = SAMPLES + [json.dumps(case.doc, ensure_ascii=True) for case in generate()][:400]
    for text in texts:
        text = text.encode("ascii", "replace").decode("ascii")
        assert _spans(std, text) == _spans(reg, text)
