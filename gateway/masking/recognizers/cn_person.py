"""PERSON: personal names, by surname, by role or kinship word, by spelling and by jieba's name tag.

Ways a name is found:
- a whole value that is a surname plus one to three characters (two to four in all; a compound
  surname plus one or two), with spaces inside too (王 芳), a name with a middle dot (热依拉·买合木提),
  one made of minority name elements (次仁卓玛), a Latin one (ZHANG/WEI). Weak on its own: a key that says
  "name" (`xm`, `姓名`, `name`) lifts it through the context mechanism. A surname and one or two
  characters that jieba's dictionary does not know as a word, a dotted or a minority name is a name on
  its own (a table cell, a list under an unknown key): analyze_whole_values;
- a surname plus one or two characters right after a role word (申请人王小明, 法定代表人：诸葛亮),
  stopping at the first character that cannot belong to a name;
- a name after a role word, a context word (代领人, 用户, 查询对象) or a kinship word (儿子, 配偶), when a
  delimiter follows it: punctuation, a digit, the end of the text or a word such as 电话, 于, 因
  (代领人丁家峰（儿子）, 申请人刘和平因病住院). Any character may be part of the given name here (和 in
  刘和平), so the delimiter decides where it ends; everyday words in that place (儿子高中在读) are refused
  by a word list and by jieba's dictionary frequency. A name right before a word that says it is one
  (据王芳陈述, 发放至王芳名下, 王芳/138…) counts too; Latin names after 英文姓名/外籍人员 or before （中文名;
- `key=value` text (query strings, logs) under a person key: xm=张三&…, name=%E5%BC%A0%E4%B8%89;
- in free text, a token that the NLP engine tagged as a personal name (jieba `nr*`) and that starts with
  a known surname (欧阳/娜娜 joined again; 朱紫/萱 extended over the split-off last character); never
  the issuing office of a document number (宁民发〔2020〕).
"""

from __future__ import annotations

import logging
import threading
from typing import List, Optional
from urllib.parse import unquote

import jieba
import jieba.posseg
import re as stdlib_re

import regex as re
from presidio_analyzer import (
    AnalysisExplanation,
    EntityRecognizer,
    Pattern,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NlpArtifacts

from ..keynames import key_hint, normalise_key
from .base import GovPatternRecognizer
from .cjk import CJK, cjk_class_without, is_cjk
from .cn_person_words import (  # noqa: F401 - re-exported: the detector reads the surnames from here
    ACCOUNT_KEYS, BEFORE_MARKER_LEADS, BEFORE_MARKERS, DOCUMENT_NUMBER, DOTTED_NAME, KEY_VALUE, LATIN_NAME,
    MINORITY_NAME, PERCENT_RUN, COMMON_NON_NAME_FREQUENCY, COMMON_WORD_FREQUENCY, COMPOUND_SURNAMES,
    CONTEXT_WORDS, FUNCTION_SURNAME_WORD_FREQUENCY, FUNCTION_WORD_SURNAMES, KINSHIP_WORDS, LATIN_NAME_TRIGGERS,
    MINORITY_NAME_PARTS, MINORITY_SYLLABLES, NAME_END_CHARS, NAME_END_WORDS, NON_PERSON_ENDINGS, NOT_GIVEN_NAME_CHARS, NOT_GIVEN_NAMES,
    NOT_NAME_CHARS, ROLE_WORDS, SINGLE_SURNAMES)

NAME_CHAR = cjk_class_without(NOT_NAME_CHARS)
_COMPOUND = "|".join(COMPOUND_SURNAMES)
_ROLES = "|".join(sorted(ROLE_WORDS, key=len, reverse=True))
_TRIGGERS = stdlib_re.compile(
    "(?:" + "|".join(sorted(set(ROLE_WORDS + CONTEXT_WORDS + KINSHIP_WORDS), key=len, reverse=True)) + ")"
    r"(?:[：:是为]|[ \t\u3000]){0,2}"
)
_SPACE = r"[ \t\u3000]"
_SPACE_RE = stdlib_re.compile(_SPACE)
_SURNAME = rf"(?:(?:{_COMPOUND})|[{SINGLE_SURNAMES}])"
_MARKERS = "|".join(re.escape(m) for m in sorted(BEFORE_MARKERS, key=len, reverse=True))
_LEADS = f"(?:^|(?<=[{BEFORE_MARKER_LEADS}]))"
_BEFORE_MARKER = stdlib_re.compile(rf"{_LEADS}({_SURNAME})((?:{_SPACE}{{1,2}})?[\u4e00-\u9fff]{{1,2}}?)(?=(?:{_MARKERS}))")
_OTHER_NAME = stdlib_re.compile(rf"{DOTTED_NAME}|{MINORITY_NAME}")
_WHOLE_OTHER = stdlib_re.compile(rf"(?:{DOTTED_NAME}|{MINORITY_NAME}|{_SURNAME}{_SPACE}{{1,3}}[\u4e00-\u9fff]{{1,2}})")
_WHOLE_LINE = stdlib_re.compile(rf"{_SURNAME}{_SPACE}{{0,3}}[\u4e00-\u9fff]{{1,2}}")
_LATIN_WHOLE = stdlib_re.compile(LATIN_NAME)
_LATIN_BEFORE_CN = stdlib_re.compile(rf"(?<![A-Za-z]){LATIN_NAME}(?=[ ]?[（(](?:中文名|中文姓名))")
_MARKER = stdlib_re.compile(_MARKERS)
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
    if text[:2] in COMPOUND_SURNAMES:
        return 2
    return 1 if text[:1] and text[0] in SINGLE_SURNAMES else 0


def ends_name(text: str, position: int) -> bool:
    """True if what starts at `position` can follow a name: a delimiter, a non-CJK character or the end."""
    return _NAME_END.match(text, position) is not None


def starts_with_surname(text: str) -> bool:
    """True if the text begins with a known single or compound surname."""
    return text[:2] in COMPOUND_SURNAMES or (bool(text) and text[0] in SINGLE_SURNAMES)


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
    compound = text[start : start + 2] in COMPOUND_SURNAMES
    single = start < len(text) and text[start] in SINGLE_SURNAMES
    for surname in (2,) * compound + (1,) * single:
        gap = 0
        while gap < 3 and start + surname + gap < len(text) and text[start + surname + gap] in " \t\u3000":
            gap += 1
        for given in (2, 1):
            end = start + surname + gap + given
            if end > len(text) or not all(_is_given_name_char(c) for c in text[start + surname + gap : end]):
                continue
            candidate = text[start : start + surname] + text[start + surname + gap : end]
            if ends_name(text, end) and looks_like_name(candidate) and not is_everyday_word(candidate):
                return end
    return None


def other_name_end(text: str, start: int) -> Optional[int]:
    """
    The end of a name in another spelling that starts at `start` and that a delimiter closes, or None: a
    name with a middle dot (热依拉·买合木提), one made of minority name elements (扎西多吉), a Latin one.

    :param text: the text
    :param start: where the name would start
    """
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
    for end in range(min(len(text), start + _MINORITY_MAX), start + 1, -1):
        if ends_name(text, end) and is_minority_name(text[start:end]):
            return end
    return None


def inside_place_name(text: str, start: int, end: int) -> bool:
    """A tagged name that is part of a township's name: right after a county or city (县/市/区/旗) and
    closed by 镇/乡/街道 within two characters (伊宁县吉里于孜镇: 吉里 is no person)."""
    return start > 0 and text[start - 1] in "县市区旗" and _TOWN_AFTER.match(text, end) is not None


def is_person_value(text: str) -> bool:
    """A whole value that is a name in some spelling: looks_like_name, or with spaces inside (王 芳), with a
    middle dot, made of minority name elements, or in Latin letters (a person key decides, as for 张三)."""
    if text.isascii():
        return True
    compact = _SPACE_RE.sub("", text)
    if looks_like_name(compact):
        return True
    return compact == text and (_OTHER_NAME.fullmatch(text) is not None and len(text) <= 12 or is_minority_name(text))


def _is_dictionary_non_name(word: str) -> bool:
    """A word jieba's dictionary knows as something other than a name (黄金 n) at any frequency, or as a
    name that is frequent enough to be a place or a figure too (王府井 183 nr): only jieba's tag or a key
    that says "name" then make it a person."""
    frequency, tag = dictionary_entry(word)
    return frequency >= COMMON_NON_NAME_FREQUENCY or (frequency > 0 and not tag.startswith("nr"))


def _is_given_name_char(char: str) -> bool:
    return is_cjk(char) and char not in NOT_GIVEN_NAME_CHARS


class CnPersonRecognizer(GovPatternRecognizer):
    """
    Recognize Chinese personal names (姓名) by surname, role word and NLP name tags.

    :param patterns: List of patterns to be used by this recognizer
    :param context: List of context words to increase confidence in detection
    :param supported_language: Language this recognizer supports
    :param supported_entity: The entity this recognizer can detect
    :param ner_score: score of a name found through the NLP engine's name tag
    :param context_score: score of a name found after a role, context or kinship word and a delimiter
    :param whole_value_score: score of a whole value spelled as a name (analyze_whole_values)
    """

    COUNTRY_CODE = "cn"

    PATTERNS = [
        Pattern(
            "CN name after role word (strong)",
            rf"(?:{_ROLES})(?:[：:是为]|[ \t\u3000]){{0,2}}\K"
            rf"(?:(?:{_COMPOUND}){NAME_CHAR}{{1,2}}|[{SINGLE_SURNAMES}](?:[ \t\u3000]{{1,2}}(?={NAME_CHAR}))?{NAME_CHAR}{{1,2}})",
            0.85,
        ),
        Pattern(
            "Latin or pinyin name after an English role word (strong)",
            r"(?<![A-Za-z])(?:applicant|contact(?: person)?|name|owner|holder|driver|patient|resident|householder"
            r"|spouse|guardian|agent|mr|mrs|ms|miss|dr)\.?[ \t]*[:：]?[ \t]*\K"
            r"(?-i:[A-Z][a-z]+(?:[ \-][A-Z][a-z]+){1,2}|[A-Z]+(?: [A-Z]+){1,2})(?![A-Za-z])",
            0.85,
        ),
        Pattern("Latin or pinyin name after a Chinese word for it (strong)",
                rf"(?:{'|'.join(LATIN_NAME_TRIGGERS)})[：: ]{{0,2}}\K{LATIN_NAME}(?![A-Za-z])", 0.85),
        Pattern(
            "CN name as whole value (weak)",
            rf"^(?={CJK}{{2,4}}$)(?:(?:{_COMPOUND}){CJK}{{1,2}}|[{SINGLE_SURNAMES}]{CJK}{{1,3}})$",
            0.2,
        ),
    ]

    CONTEXT = ["姓名", "申请人", "经办人", "联系人", "法定代表人", "负责人", "户主", "收款人", "持卡人", "name"]

    NER_LABEL = "PERSON"
    NER_EXPLANATION = f"Identified as {NER_LABEL} by the NLP engine's name tag"
    CONTEXT_EXPLANATION = "Identified as PERSON after a role, context or kinship word, closed by a delimiter"
    WHOLE_EXPLANATION = "Identified as PERSON: a whole value spelled as a name and not an everyday word"

    def __init__(self, patterns: Optional[List[Pattern]] = None, context: Optional[List[str]] = None,
                 supported_language: str = "zh", supported_entity: str = "PERSON", name: Optional[str] = None,
                 ner_score: float = 0.6, context_score: float = 0.85, whole_value_score: float = 0.6):
        patterns = patterns if patterns else self.PATTERNS
        context = context if context else self.CONTEXT
        self.ner_score = ner_score
        self.context_score = context_score
        self.whole_value_score = whole_value_score
        super().__init__(supported_entity=supported_entity, patterns=patterns, context=context,
                         supported_language=supported_language, name=name)

    def analyze(
        self,
        text: str,
        entities: List[str],
        nlp_artifacts: Optional[NlpArtifacts] = None,
        regex_flags: Optional[int] = None,
    ) -> List[RecognizerResult]:
        """
        Find names by pattern and, when the NLP engine tagged names, by tag.

        :param text: Text to be analyzed
        :param entities: Entities this recognizer can detect
        :param nlp_artifacts: Output values from the NLP engine (entities labelled PERSON)
        :param regex_flags: regex flags to be used in regex matching
        :return: the recognized names
        """
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        results.extend(self.analyze_whole_values(text))
        results.extend(self.analyze_context_names(text))
        results.extend(self.analyze_nlp_entities(nlp_artifacts))
        return EntityRecognizer.remove_duplicates(results)

    def analyze_whole_values(self, text: str) -> List[RecognizerResult]:
        """
        A whole value (a line) that is a name whatever its key says: a surname and one or two characters
        (spaces allowed between) that is no everyday word, a name with a middle dot, or one of minority name
        elements. A table cell or a list under an unknown key holds names so; a key that says "name" is
        not needed (the weak whole-value patterns wait for one).

        :param text: Text to be analyzed
        :return: one result per name, scored whole_value_score
        """
        results = []
        at = 0
        for line in text.split("\n"):
            start, at = at, at + len(line) + 1
            if not 2 <= len(line) <= MAX_WHOLE_VALUE or not _NAME_SHAPED.fullmatch(line):
                continue
            compact = line.replace(" ", "").replace("\t", "").replace("\u3000", "")
            if _OTHER_NAME.fullmatch(compact):
                ok = compact == line and len(line) >= 3
            elif _WHOLE_LINE.fullmatch(line):
                surname = surname_length(compact)
                ok = (surname > 0 and len(compact) <= 3 + (surname == 2) and looks_like_name(compact)
                      and not is_everyday_word(compact) and not _is_dictionary_non_name(compact)
                      and all(_is_given_name_char(c) and c not in NOT_NAME_CHARS for c in compact[surname:]))
            else:
                ok = None
            if ok:
                results.append(self._result(start, start + len(line), self.whole_value_score, self.WHOLE_EXPLANATION))
            elif (_WHOLE_OTHER.fullmatch(line) or _LATIN_WHOLE.fullmatch(line) or is_minority_name(line)) \
                    and is_person_value(line):
                results.append(self._result(start, start + len(line), WEAK_SCORE, self.WHOLE_EXPLANATION))
        return results

    def analyze_context_names(self, text: str) -> List[RecognizerResult]:
        """
        Names right after a role, context or kinship word that a delimiter closes (name_after_context).

        :param text: Text to be analyzed
        :return: one result per name, scored context_score
        """
        results = []
        for m in _BEFORE_MARKER.finditer(text):
            start = m.start()
            if text[start] in BEFORE_MARKER_LEADS and looks_like_name(_SPACE_RE.sub("", text[start + 1:m.end()])):
                start += 1  # 由高洁代为: 由 is the preposition (and a surname), 高洁 the name
            candidate = _SPACE_RE.sub("", text[start:m.end()])
            if looks_like_name(candidate) and not is_everyday_word(candidate) \
                    and all(_is_given_name_char(c) for c in candidate[surname_length(candidate):]):
                results.append(self._result(start, m.end(), self.context_score, self.CONTEXT_EXPLANATION))
        for marker in _MARKER.finditer(text):  # a dotted or minority name before it: read backwards
            end = marker.start()
            if text[end - 2:end] not in _PART_TAILS and not _DOTS.intersection(text[max(0, end - MAX_OTHER_NAME):end]):
                continue
            for start in range(max(0, end - MAX_OTHER_NAME), end - 1):
                if start and text[start - 1] not in BEFORE_MARKER_LEADS:
                    continue
                clue = _TRIGGERS.match(text, start)  # 用户热依拉·买合木提于2021: the name starts after 用户
                if clue and clue.end() < end - 1:
                    start = clue.end()
                if _OTHER_NAME.fullmatch(text, start, end):
                    results.append(self._result(start, end, self.context_score, self.CONTEXT_EXPLANATION))
                    break
        if "中文名" in text or "中文姓名" in text:
            for m in _LATIN_BEFORE_CN.finditer(text):
                results.append(self._result(m.start(), m.end(), self.context_score, self.CONTEXT_EXPLANATION))
        # where a name may start (a dotted name starts with any character): most clue words have none after them
        starts = None if _DOTS.intersection(text) else _NAME_STARTS
        for trigger in _TRIGGERS.finditer(text):
            if starts is not None and text[trigger.end():trigger.end() + 1] not in starts:
                continue
            end = name_after_context(text, trigger.end())
            if end is None:
                end = other_name_end(text, trigger.end()) or minority_name_after(text, trigger.end())
            if end is not None:
                results.append(self._result(trigger.end(), end, self.context_score, self.CONTEXT_EXPLANATION))
        if "=" in text:
            results.extend(self.analyze_key_values(text))
        return results

    def analyze_key_values(self, text: str) -> List[RecognizerResult]:
        """
        Names as values of person keys in `key=value` text (query strings, log lines): xm=张三&…,
        userName=古丽娜尔·吐尔洪, name=%E6%9D%8E%E5%9B%9B (percent-encoded, decoded to judge).

        :param text: Text to be analyzed
        :return: one result per name, scored context_score
        """
        results = []
        for m in KEY_VALUE.finditer(text):
            account = normalise_key(m.group(1)) in ACCOUNT_KEYS  # a login, unless the value is a Chinese name
            if not account and key_hint(m.group(1)) != self.NER_LABEL:
                continue
            start = m.end()
            encoded = PERCENT_RUN.match(text, start)
            if encoded:
                try:
                    value = unquote(encoded.group(), errors="strict")
                except UnicodeDecodeError:
                    continue
                end = encoded.end() if is_person_value(value) and not value.isascii() else None
            else:
                end = name_after_context(text, start) or other_name_end(text, start)
            if end is not None and account and not encoded and text[start:end].isascii():
                end = None
            if end is not None:
                results.append(self._result(start, end, self.context_score, self.CONTEXT_EXPLANATION))
        return results

    def analyze_nlp_entities(self, nlp_artifacts: Optional[NlpArtifacts]) -> List[RecognizerResult]:
        """
        Names from the NLP engine's PERSON entities that start with a known surname.

        A compound surname that the tokenizer split off (欧阳 | 娜娜, 司 | 马静芳) is joined to the name
        after it, and a name whose last character the tokenizer split off (朱紫 | 萱) is extended over it.

        :param nlp_artifacts: Output values from the NLP engine
        :return: one result per accepted name
        """
        if nlp_artifacts is None or not nlp_artifacts.entities:
            return []
        results = []
        for span in nlp_artifacts.entities:
            if span.label_ != self.NER_LABEL:
                continue
            start, end = span.start_char, span.end_char
            if span.start > 0:
                before = span.doc[span.start - 1]
                if before.text in COMPOUND_SURNAMES and len(span.text) <= 2:
                    start = before.idx
                elif len(before.text) == 1 and before.text + span.text[0] in COMPOUND_SURNAMES \
                        and len(span.text) <= 3:
                    start = before.idx  # 司 | 马静芳: the tag took the second half of 司马
            candidate = span.doc.text[start:end]
            if not looks_like_name(candidate) or DOCUMENT_NUMBER.match(span.doc.text, end - 1) \
                    or inside_place_name(span.doc.text, start, end):
                continue
            end = self._extend_split_name(span, start, end)
            results.append(self._result(start, end, self.ner_score, self.NER_EXPLANATION))
        return results

    @staticmethod
    def _extend_split_name(span, start: int, end: int) -> int:
        """
        The end of a tagged name, extended over a last character that jieba split off (朱紫 | 萱 | （).

        Only for a tag covering the surname and one character, followed by a one-character token that
        can end a given name, followed in turn by a delimiter; never over an everyday word.
        """
        text = span.doc.text
        if end - start != surname_length(text[start:end]) + 1 or span.end >= len(span.doc):
            return end
        following = span.doc[span.end]
        if len(following.text) != 1 or following.text in NOT_NAME_CHARS or not _is_given_name_char(following.text):
            return end
        extended = text[start : end + 1]
        if ends_name(text, end + 1) and looks_like_name(extended) and not is_everyday_word(extended):
            return end + 1
        return end

    def validate_result(self, pattern_text: str) -> Optional[bool]:
        """
        Reject organisation and place words that happen to start with a surname (公安局, 王府井街); a
        Latin-letter name is taken as found (is_person_value).

        :param pattern_text: the text detected by the regex engine
        :return: False for a non-name; None keeps the pattern's score
        """
        return None if is_person_value(pattern_text) else False

    def _result(self, start: int, end: int, score: float, explanation_text: str) -> RecognizerResult:
        explanation = AnalysisExplanation(recognizer=self.name, original_score=score,
                                          textual_explanation=explanation_text)
        return RecognizerResult(entity_type=self.supported_entities[0], start=start, end=end, score=score,
                                analysis_explanation=explanation,
                                recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                                      RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id})
