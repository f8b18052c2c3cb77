"""How a personal name is spelled and where it ends: the rules cn_person's recognizer applies, with no presidio
import. Surname checks and name shapes (looks_like_name), everyday words that look like names (jieba's dictionary
frequency), where a name after a clue word ends (name_after_context), names in other spellings (with spaces,
a middle dot, minority name elements, Latin letters), and the compiled patterns built from cn_person_words.
"""

from __future__ import annotations

import logging
import re as stdlib_re
import threading
from functools import lru_cache
from typing import Iterable, Iterator, Optional

import jieba
import jieba.posseg
import regex as re

from .cjk import CJK_FIRST, CJK_LAST, cjk_class_without
from .cn_person_scan import first_character_alternation
from .cn_person_words import (
    BEFORE_MARKER_LEADS, BEFORE_MARKERS, COMMON_NON_NAME_FREQUENCY, COMMON_WORD_FREQUENCY, COMPOUND_SURNAMES,
    CONTEXT_WORDS, DOTTED_NAME, FUNCTION_SURNAME_WORD_FREQUENCY, FUNCTION_WORD_SURNAMES, KINSHIP_WORDS, LATIN_NAME,
    MINORITY_NAME, MINORITY_NAME_PARTS, MINORITY_SYLLABLES, NAME_END_CHARS, NAME_END_WORDS, NAME_WORD_MAX_FREQUENCY,
    NON_PERSON_ENDINGS, NOT_GIVEN_NAME_CHARS, NOT_GIVEN_NAMES, NOT_NAME_CHARS, ROLE_WORDS, SINGLE_SURNAMES)

NAME_CHAR = cjk_class_without(NOT_NAME_CHARS)
_COMPOUND = "|".join(COMPOUND_SURNAMES)
_ROLES = "|".join(sorted(ROLE_WORDS, key=len, reverse=True))
_TRIGGER_WORDS = sorted(set(ROLE_WORDS + CONTEXT_WORDS + KINSHIP_WORDS), key=len, reverse=True)
_TRIGGERS = stdlib_re.compile(
    "(?:" + first_character_alternation(_TRIGGER_WORDS) + ")"  # "|".join(_TRIGGER_WORDS), scanned faster
    r"(?:[：:是为]|[ \t\u3000]){0,2}"
)
_SPACE = r"[ \t\u3000]"
_SPACE_RE = stdlib_re.compile(_SPACE)
_SURNAME = rf"(?:(?:{_COMPOUND})|[{SINGLE_SURNAMES}])"
_MARKERS = "|".join(re.escape(m) for m in sorted(BEFORE_MARKERS, key=len, reverse=True))
_LEADS = f"(?:^|(?<=[{BEFORE_MARKER_LEADS}]))"
_BEFORE_MARKER = stdlib_re.compile(rf"{_LEADS}({_SURNAME})((?:{_SPACE}{{1,2}})?[\u4e00-\u9fff]{{1,2}}?)(?=(?:{_MARKERS}))")
# The longest match of _BEFORE_MARKER (a compound surname, two spaces, two characters) and the first characters of
# the surnames it starts with: before_marker_matches tries only those positions near a marker.
_BEFORE_MARKER_REACH = 6
_SURNAME_FIRST = stdlib_re.compile(
    "[" + "".join(sorted(frozenset(SINGLE_SURNAMES) | {surname[0] for surname in COMPOUND_SURNAMES})) + "]")
_OTHER_NAME = stdlib_re.compile(rf"{DOTTED_NAME}|{MINORITY_NAME}")
_WHOLE_OTHER = stdlib_re.compile(rf"(?:{DOTTED_NAME}|{MINORITY_NAME}|{_SURNAME}{_SPACE}{{1,3}}[\u4e00-\u9fff]{{1,2}})")
_WHOLE_LINE = stdlib_re.compile(rf"{_SURNAME}{_SPACE}{{0,3}}[\u4e00-\u9fff]{{1,2}}")
_LATIN_WHOLE = stdlib_re.compile(LATIN_NAME)
_LATIN_BEFORE_CN = stdlib_re.compile(rf"(?<![A-Za-z]){LATIN_NAME}(?=[ ]?[（(](?:中文名|中文姓名))")
_MARKER_WORDS = sorted(BEFORE_MARKERS, key=len, reverse=True)
_MARKER = stdlib_re.compile(first_character_alternation(_MARKER_WORDS))  # _MARKERS, scanned faster
MAX_WHOLE_VALUE, MAX_OTHER_NAME, WEAK_SCORE = 30, 14, 0.2
_ROLE_AND_CONTEXT = frozenset(ROLE_WORDS + CONTEXT_WORDS)
_PART_TAILS, _DOTS = frozenset(part[-2:] for part in MINORITY_NAME_PARTS), frozenset("·•・")
_NAME_SHAPED = stdlib_re.compile(r"[\u4e00-\u9fffA-Za-z ·•・,/\-\t\u3000]+")
_LATIN = stdlib_re.compile(LATIN_NAME + r"(?![A-Za-z])")
_NAME_END = stdlib_re.compile("(?:" + "|".join(NAME_END_WORDS) + f"|[{NAME_END_CHARS}]" + r"|[^\u4e00-\u9fff]|$)")
_MINORITY_MAX = 6
_NAME_STARTS = frozenset(SINGLE_SURNAMES) | {s[0] for s in (*COMPOUND_SURNAMES, *MINORITY_NAME_PARTS, *MINORITY_SYLLABLES)} \
    | frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_TOWN_AFTER = stdlib_re.compile(r"[\u4e00-\u9fff]{0,2}?(?:镇|乡|街道|苏木)")
_OTHER_CLOSED = stdlib_re.compile(rf"(?:{DOTTED_NAME}|{MINORITY_NAME})(?={_NAME_END.pattern})")
# First characters of what may start a name in another spelling: a minority name element or a Latin capital (a
# dotted name has a dot within its first seven characters instead), and of a minority syllable: other_name_end and
# minority_name_after answer None at once at any other character.
_OTHER_FIRSTS = frozenset(part[0] for part in MINORITY_NAME_PARTS) | frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_SYLLABLE_FIRSTS = frozenset(syllable[0] for syllable in MINORITY_SYLLABLES)
# The surnames as sets: membership is a hash lookup, where the tuple compares them one by one (and the string of
# single surnames is searched through).
_COMPOUND_SET, _SINGLE_SET = frozenset(COMPOUND_SURNAMES), frozenset(SINGLE_SURNAMES)

# Given-name characters (a CJK ideograph that NOT_GIVEN_NAME_CHARS does not hold) as one set, and a run of them as
# one compiled class: a name is tested at every clue word of a text, and one set lookup or one regex call is far
# cheaper than a function call per character.
_GIVEN_NAME_CHARS = frozenset(map(chr, range(CJK_FIRST, CJK_LAST + 1))) - frozenset(NOT_GIVEN_NAME_CHARS)
_GIVEN_NAME_RUN = stdlib_re.compile(cjk_class_without(NOT_GIVEN_NAME_CHARS) + "+")
# Bound of the per-word verdict caches (looks_like_name, is_everyday_word): a page asks about the same few
# candidates again and again; the words are short, so the bound keeps them at a few hundred kilobytes.
_VERDICT_CACHE = 8192

_dictionary_lock = threading.Lock()


def dictionary_entry(word: str) -> tuple[int, str]:
    """jieba's dictionary frequency and part-of-speech tag of a word ((0, "") for no dictionary word)."""
    if not jieba.dt.initialized:
        with _dictionary_lock:
            if not jieba.dt.initialized:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
    return jieba.dt.FREQ.get(word) or 0, jieba.posseg.dt.word_tag_tab.get(word, "")


def surname_length(text: str) -> int:
    """2 for a compound surname at the start of the text, 1 for a single one, 0 for none."""
    if text[:2] in _COMPOUND_SET:
        return 2
    return 1 if text[:1] and text[0] in _SINGLE_SET else 0


def ends_name(text: str, position: int) -> bool:
    """True if what starts at `position` can follow a name: a delimiter, a non-CJK character or the end."""
    return _NAME_END.match(text, position) is not None


def starts_with_surname(text: str) -> bool:
    """True if the text begins with a known single or compound surname."""
    return text[:2] in _COMPOUND_SET or (bool(text) and text[0] in _SINGLE_SET)


@lru_cache(maxsize=_VERDICT_CACHE)  # a pure function of the word: cached because every recognizer pass asks it
def looks_like_name(text: str) -> bool:
    """Two to four CJK characters, a known surname first, no organisation/place ending, no role word."""
    if not 2 <= len(text) <= 4 or not all("\u4e00" <= c <= "\u9fff" for c in text):
        return False
    if text[:2] in COMPOUND_SURNAMES:
        if len(text) == 2:
            return False
    elif text[0] not in SINGLE_SURNAMES or len(text) == 4:  # a single surname takes one or two given characters
        return False
    if text[-1] in NON_PERSON_ENDINGS:
        return False
    return not any(text[i:j] in _ROLE_AND_CONTEXT for i in range(len(text) - 1) for j in range(i + 2, len(text) + 1))


@lru_cache(maxsize=_VERDICT_CACHE)  # jieba's dictionary is fixed once loaded: the verdict depends on the word only
def is_everyday_word(candidate: str) -> bool:
    """A name candidate that is rather an everyday word or phrase (高中, 和家属, 于今日, 和睦)."""
    given = candidate[surname_length(candidate):]
    if given in NOT_GIVEN_NAMES or given[:2] in NOT_GIVEN_NAMES:
        return True
    frequency, tag = dictionary_entry(candidate)
    if frequency >= COMMON_WORD_FREQUENCY:
        return True
    if frequency >= COMMON_NON_NAME_FREQUENCY and not tag.startswith("nr"):
        return True
    return candidate[0] in FUNCTION_WORD_SURNAMES and len(candidate) == 2 and \
        frequency >= FUNCTION_SURNAME_WORD_FREQUENCY


def name_after_context(text: str, start: int) -> Optional[int]:
    """
    The end of the name that starts at `start` right after a role, context or kinship word, or None.

    A surname, then one or two given-name characters, then a delimiter (ends_name); the longest such
    name that is not an everyday word wins (刘和平因病: 刘和平; 张勇于2024年: 张勇). Up to three spaces may
    sit between surname and given name (王 芳, 白　勇: a name typed to a fixed width).

    :param text: the text
    :param start: where the name would start
    """
    name_end = _NAME_END.match  # ends_name, without a call per candidate
    compound = text[start : start + 2] in _COMPOUND_SET
    single = start < len(text) and text[start] in _SINGLE_SET
    length = len(text)
    for surname in (2,) * compound + (1,) * single:
        first = start + surname  # where the given name starts: after up to three spaces
        while first < start + surname + 3 and first < length and text[first] in " \t\u3000":
            first += 1
        for end in (first + 2, first + 1):
            if end > length or _GIVEN_NAME_RUN.fullmatch(text, first, end) is None:
                continue
            candidate = text[start : start + surname] + text[first:end]
            if name_end(text, end) is not None and looks_like_name(candidate) and not is_everyday_word(candidate):
                return end
    return None


def before_marker_matches(text: str, markers: Optional[Iterable[stdlib_re.Match]] = None) -> Iterator[stdlib_re.Match]:
    """
    What _BEFORE_MARKER.finditer(text) yields (the same matches, in order), found faster. A match ends right
    before a marker (its lookahead) and is 2 to _BEFORE_MARKER_REACH characters long, so it starts within that
    reach before a marker that _MARKER.finditer finds, or before one that overlaps such a match (a marker
    inside 的身份证 or 联系电话): only the positions from _BEFORE_MARKER_REACH before the start of each found
    marker to two before its end are tried, those that hold a surname's first character (found by
    _SURNAME_FIRST in C, not tested one by one), each in place with _BEFORE_MARKER.match (its lookbehind still
    sees the text before), resuming after a match as finditer does.

    :param text: the text
    :param markers: _MARKER.finditer(text), when the caller has them already
    """
    match = _BEFORE_MARKER.match
    first = _SURNAME_FIRST.search
    tried = 0  # every position before this one was tried, or lies inside a match yielded
    for marker in _MARKER.finditer(text) if markers is None else markers:
        position = max(tried, marker.start() - _BEFORE_MARKER_REACH)
        stop = marker.end() - 1  # the last start to try is one before it
        while (candidate := first(text, position, stop)) is not None:
            m = match(text, candidate.start())
            if m is not None:
                yield m
                position = m.end()
            else:
                position = candidate.start() + 1
        tried = max(tried, position, stop)


def has_dot(text: str) -> bool:
    """True if the text holds a middle dot of a transliterated name (one of _DOTS): three substring tests, where
    _DOTS.intersection(text) hashes every character."""
    return "\u00b7" in text or "\u2022" in text or "\u30fb" in text


def other_name_end(text: str, start: int) -> Optional[int]:
    """
    The end of a name in another spelling that starts at `start` and that a delimiter closes, or None: a
    name with a middle dot (热依拉·买合木提), one made of minority name elements (扎西多吉), a Latin one.

    :param text: the text
    :param start: where the name would start
    """
    if text[start:start + 1] not in _OTHER_FIRSTS and not has_dot(text[start + 1:start + 7]):
        return None  # neither pattern can match (most clue words are followed by none of these)
    m = _OTHER_CLOSED.match(text, start)
    if m and m.end() - start >= 2:
        end, last_dot = m.end(), max(text.rfind(dot, start, m.end()) for dot in _DOTS)
        while last_dot >= 0 and end - last_dot > 3 and text[end - 1] in NAME_END_CHARS:
            end -= 1  # 买合木提于2021: 于 ends the name
        return end
    m = _LATIN.match(text, start)
    return m.end() if m else None


def is_minority_name(text: str) -> bool:
    """Two to six CJK characters made only of MINORITY_SYLLABLES, at least two syllables or three characters."""
    if not 2 <= len(text) <= _MINORITY_MAX:
        return False
    reach = {0: 0}  # position -> syllables used to reach it
    for i in range(len(text)):
        if i in reach:
            for n in (3, 2, 1):
                if text[i:i + n] in MINORITY_SYLLABLES:
                    reach[i + n] = max(reach.get(i + n, 0), reach[i] + 1)
    used = reach.get(len(text), 0)
    return used >= 2 or (used == 1 and len(text) >= 3)


def minority_name_after(text: str, start: int) -> Optional[int]:
    """The end of a name of MINORITY_SYLLABLES (is_minority_name) starting at `start` and closed by a delimiter."""
    if text[start:start + 1] not in _SYLLABLE_FIRSTS:
        return None  # no syllable starts there: is_minority_name refuses every candidate
    for end in range(min(len(text), start + _MINORITY_MAX), start + 1, -1):
        if ends_name(text, end) and is_minority_name(text[start:end]):
            return end
    return None


def inside_place_name(text: str, start: int, end: int) -> bool:
    """A tagged name that is part of a township's name: right after a county or city (县/市/区/旗) and
    closed by 镇/乡/街道 within two characters (伊宁县吉里于孜镇: 吉里 is no person)."""
    return start > 0 and text[start - 1] in "县市区旗" and _TOWN_AFTER.match(text, end) is not None


@lru_cache(maxsize=_VERDICT_CACHE)  # a pure function of the value: validate_result asks it for every pattern match
def is_person_value(text: str) -> bool:
    """A whole value that is a name in some spelling: looks_like_name, or with spaces inside (王 芳), with a
    middle dot, made of minority name elements, or in Latin letters (a person key decides, as for 张三)."""
    if text.isascii():
        return True
    compact = _SPACE_RE.sub("", text)
    if looks_like_name(compact):
        return True
    return compact == text and (_OTHER_NAME.fullmatch(text) is not None and len(text) <= 12 or is_minority_name(text))


@lru_cache(maxsize=_VERDICT_CACHE)  # jieba's dictionary is fixed once loaded (nothing adds words): a per-word verdict
def _in_dictionary(word: str) -> bool:
    """A word in jieba's dictionary too frequent to be a name by its spelling alone: 黄金 (n), 高峰, and 汤圆,
    贺卡, 曲靖 that it tags as names (nr) too; the NLP engine's limits (nlp_engine.MAX_DICTIONARY_FREQUENCY), so
    王小明 (3) stays a name. Only jieba's tag in context or a key that says "name" then make it a person."""
    return dictionary_entry(word)[0] >= NAME_WORD_MAX_FREQUENCY[min(len(word), 3)]


def _is_given_name_char(char: str) -> bool:
    """One CJK ideograph that may be part of a given name (not in NOT_GIVEN_NAME_CHARS)."""
    return char in _GIVEN_NAME_CHARS


def is_given_name_run(text: str, start: int = 0, end: Optional[int] = None) -> bool:
    """True if text[start:end] is empty or all _is_given_name_char (one regex match, not a call per character)."""
    end = len(text) if end is None else min(end, len(text))
    return start >= end or _GIVEN_NAME_RUN.fullmatch(text, start, end) is not None
