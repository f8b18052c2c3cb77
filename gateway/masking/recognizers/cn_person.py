"""PERSON: Chinese personal names, by surname, by role or kinship word and by jieba's name tag.

Four ways a name is found:
- a whole value that is a surname plus one to three characters (two to four in all; a compound
  surname plus one or two). Weak on its own: a key that says "name" (`xm`, `姓名`, `name`) lifts it
  through the context mechanism, so the detector's key hint decides;
- a surname plus one or two characters right after a role word (申请人王小明, 法定代表人：诸葛亮),
  stopping at the first character that cannot belong to a name;
- a surname plus one or two characters after a role word, a context word (代领人, 家庭成员) or a kinship
  word (儿子, 配偶, 之女), when a delimiter follows the name: punctuation, a digit, the end of the text
  or a word such as 电话, 于, 因 (代领人丁家峰（儿子）, 申请人刘和平因病住院, 兄弟何志强电话). Any
  character may be part of the given name here (和 in 刘和平), so the delimiter decides where the name
  ends; everyday words in that place (儿子高中在读, 与申请人和家属) are refused by a word list and by
  jieba's dictionary frequency;
- in free text, a token that the NLP engine tagged as a personal name (jieba `nr*`, carried in
  NlpArtifacts.entities) and that starts with a known surname (compound surnames split by jieba,
  欧阳/娜娜, are joined again). A tag that covers only the surname and one character while jieba split
  off the last character of the name (朱紫/萱) is extended over it when a delimiter follows.
"""

from __future__ import annotations

import logging
import threading
from typing import List, Optional

import jieba
import jieba.posseg
import regex as re
from presidio_analyzer import (
    AnalysisExplanation,
    EntityRecognizer,
    Pattern,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NlpArtifacts

from .base import GovPatternRecognizer
from .cjk import CJK, cjk_class_without, is_cjk

from .cn_person_words import (  # noqa: F401 - the word lists, re-exported
    BEFORE_MARKERS, COMPOUND_SURNAMES, CONTEXT_WORDS, KINSHIP_WORDS, MINORITY_SYLLABLES, NAME_END_CHARS,
    NAME_END_WORDS, NOT_GIVEN_NAME_CHARS, NOT_GIVEN_NAMES, ROLE_WORDS, SINGLE_SURNAMES)

# Surnames that are also everyday function characters (和, 于, 向): a two-character dictionary word that
# starts with one of them is that word (和睦, 于是, 向前), not a name.
FUNCTION_WORD_SURNAMES = "和于向"
FUNCTION_SURNAME_WORD_FREQUENCY = 50
# jieba dictionary frequencies from which a candidate is an everyday word rather than a name: any word
# this frequent (明白 10875, 齐全 1417, 高中 4732), or a word this frequent that jieba does not tag as a
# name (常年 633 d, 程序员 170 n); 李娜 (438 nr) and 王明 (368 nr) stay names.
COMMON_WORD_FREQUENCY = 1000
COMMON_NON_NAME_FREQUENCY = 100

# Characters that end a name in running text rather than belong to it (王五电话…, 李娜已审核).
NOT_NAME_CHARS = "的了在是于和与及或并已将为向对把被从到给让要会能都也还就再又均曾请经等系先女男性身电手住居户籍地联现当该位息应需须所因提办申签同称出工"
# A value ending in one of these is an organisation or a place, not a person (公安局, 王府井街).
NON_PERSON_ENDINGS = "省市区县镇乡村路街局厅处委办院所队站司厂店馆室组部科会"

NAME_CHAR = cjk_class_without(NOT_NAME_CHARS)
_COMPOUND = "|".join(COMPOUND_SURNAMES)
_ROLES = "|".join(sorted(ROLE_WORDS, key=len, reverse=True))
_TRIGGERS = re.compile(
    "(?:" + "|".join(sorted(set(ROLE_WORDS + CONTEXT_WORDS + KINSHIP_WORDS), key=len, reverse=True)) + ")"
    r"(?:[：:是为]|[ \t\u3000]){0,2}"
)
_BEFORE_MARKER = re.compile(
    r"(?:^|(?<=[，。；：、,;:\s由经与和向给是被据请到明人接至]))"
    rf"((?:{'|'.join(COMPOUND_SURNAMES)})|[{SINGLE_SURNAMES}])([\u4e00-\u9fff]{{1,2}}?)"
    rf"(?=(?:{'|'.join(re.escape(m) for m in BEFORE_MARKERS)}))"
)
_NAME_END = re.compile("(?:" + "|".join(NAME_END_WORDS) + f"|[{NAME_END_CHARS}]" + r"|[^\u4e00-\u9fff]|$)")

_MINORITY_MAX = 6
# Names of Uyghur, Kazakh or foreign persons in Chinese: parts joined by a middle dot (热依拉·买合木提).
_DOTTED = re.compile(r"[\u4e00-\u9fff]{1,6}(?:[·•・][\u4e00-\u9fff]{1,6}){1,3}")
_SPACES = re.compile(r"[ \t\u3000]+")

_dictionary_lock = threading.Lock()


def is_minority_name(text: str) -> bool:
    """Two to six CJK characters made only of MINORITY_SYLLABLES, at least two syllables or three characters."""
    if not 2 <= len(text) <= _MINORITY_MAX:
        return False
    reach = {0: 0}  # position -> syllables used to reach it
    for i in range(len(text)):
        if i not in reach:
            continue
        for n in (3, 2, 1):
            if text[i:i + n] in MINORITY_SYLLABLES:
                reach[i + n] = max(reach.get(i + n, 0), reach[i] + 1)
    used = reach.get(len(text), 0)
    return used >= 2 or (used == 1 and len(text) >= 3)


def minority_name_after(text: str, start: int) -> Optional[int]:
    """The end of a dotted or minority name starting at `start` and closed by a delimiter, or None."""
    m = _DOTTED.match(text, start)
    if m is not None and ends_name(text, m.end()):
        end, last_dot = m.end(), max(text.rfind(dot, start, m.end()) for dot in "·•・")
        while end - last_dot > 3 and text[end - 1] in NAME_END_CHARS:  # 买合木提于2021: 于 ends the name
            end -= 1
        return end
    for end in range(min(len(text), start + _MINORITY_MAX), start + 1, -1):
        if ends_name(text, end) and is_minority_name(text[start:end]):
            return end
    return None


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
    return not any(role in text for role in ROLE_WORDS + CONTEXT_WORDS)


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
    name that is not an everyday word wins (刘和平因病: 刘和平; 张勇于2024年: 张勇).

    :param text: the text
    :param start: where the name would start
    """
    compound = text[start : start + 2] in COMPOUND_SURNAMES
    single = start < len(text) and text[start] in SINGLE_SURNAMES
    for surname in (2,) * compound + (1,) * single:
        for given in (2, 1):
            end = start + surname + given
            if end > len(text) or not all(_is_given_name_char(char) for char in text[start + surname : end]):
                continue
            candidate = text[start:end]
            if ends_name(text, end) and looks_like_name(candidate) and not is_everyday_word(candidate):
                return end
    return None


_TOWN_AFTER = re.compile(r"[\u4e00-\u9fff]{0,2}?(?:镇|乡|街道|苏木)")


def inside_place_name(text: str, start: int, end: int) -> bool:
    """A tagged name that is part of a township's name: right after a county or city (县/市/区/旗) and
    closed by 镇/乡/街道 within two characters (伊宁县吉里于孜镇: 吉里 is no person)."""
    return start > 0 and text[start - 1] in "县市区旗" and _TOWN_AFTER.match(text, end) is not None


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
        Pattern(
            "Latin or pinyin name after a Chinese word for a foreign or English name (strong)",
            r"(?:英文姓名|英文名|外文姓名|拼音姓名|外籍人员|外籍人士|外国人|经核实)[ \t]*[:：]?[ \t]*\K"
            r"(?-i:[A-Z][a-z]+(?:(?:, |[ \-])[A-Z][a-z]+){1,2}|[A-Z]{2,}(?:[ /][A-Z]{2,}){1,2})(?![A-Za-z])",
            0.85,
        ),
        Pattern(
            "Latin or pinyin name as whole value (weak)",
            r"^(?-i:[A-Z][a-z]+(?:(?:, |[ \-])[A-Z][a-z]+){1,2}|[A-Z]{2,}(?:[ /][A-Z]{2,}){1,2})$",
            0.2,
        ),
        Pattern(
            "CN name written with spaces or middle dots, or a minority name, as whole value (weak)",
            rf"^(?:(?:{_COMPOUND})|[{SINGLE_SURNAMES}])[ \t\u3000]{{1,3}}{CJK}{{1,2}}$"
            r"|^[\u4e00-\u9fff]{1,6}(?:[·•・][\u4e00-\u9fff]{1,6}){1,3}$|^[\u4e00-\u9fff]{2,6}$",
            0.2,
        ),
        Pattern(
            "CN name as whole value (weak)",
            rf"^(?={CJK}{{2,4}}$)(?:(?:{_COMPOUND}){CJK}{{1,2}}|[{SINGLE_SURNAMES}]{CJK}{{1,3}})$",
            0.2,
        ),
    ]

    CONTEXT = [
        "姓名",
        "申请人",
        "经办人",
        "联系人",
        "法定代表人",
        "负责人",
        "户主",
        "收款人",
        "持卡人",
        "name",
    ]

    NER_LABEL = "PERSON"
    NER_EXPLANATION = f"Identified as {NER_LABEL} by the NLP engine's name tag"
    CONTEXT_EXPLANATION = "Identified as PERSON after a role, context or kinship word, closed by a delimiter"

    def __init__(
        self,
        patterns: Optional[List[Pattern]] = None,
        context: Optional[List[str]] = None,
        supported_language: str = "zh",
        supported_entity: str = "PERSON",
        name: Optional[str] = None,
        ner_score: float = 0.6,
        context_score: float = 0.85,
    ):
        patterns = patterns if patterns else self.PATTERNS
        context = context if context else self.CONTEXT
        self.ner_score = ner_score
        self.context_score = context_score
        super().__init__(
            supported_entity=supported_entity,
            patterns=patterns,
            context=context,
            supported_language=supported_language,
            name=name,
        )

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
        results.extend(self.analyze_context_names(text))
        results.extend(self.analyze_nlp_entities(nlp_artifacts))
        return EntityRecognizer.remove_duplicates(results)

    def analyze_context_names(self, text: str) -> List[RecognizerResult]:
        """
        Names right after a role, context or kinship word that a delimiter closes (name_after_context).

        :param text: Text to be analyzed
        :return: one result per name, scored context_score
        """
        results = []
        for m in _BEFORE_MARKER.finditer(text):
            start = m.start()
            if text[start] in "由经与和向给是被据请到明人接至" and looks_like_name(text[start + 1:m.end()]):
                start += 1  # 由高洁代为: 由 is the preposition (and a surname), 高洁 the name
            candidate = text[start:m.end()]
            if looks_like_name(candidate) and not is_everyday_word(candidate) \
                    and all(_is_given_name_char(c) for c in candidate[surname_length(candidate):]):
                results.append(self._result(start, m.end(), self.context_score, self.CONTEXT_EXPLANATION))
        for trigger in _TRIGGERS.finditer(text):
            end = name_after_context(text, trigger.end())
            if end is None:
                end = minority_name_after(text, trigger.end())
            if end is not None:
                results.append(self._result(trigger.end(), end, self.context_score, self.CONTEXT_EXPLANATION))
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
            if not looks_like_name(candidate) or inside_place_name(span.doc.text, start, end):
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
        Latin-letter name (after an English role word) is taken as found.

        :param pattern_text: the text detected by the regex engine
        :return: False for a non-name; None keeps the pattern's score
        """
        if pattern_text.isascii() or _DOTTED.fullmatch(pattern_text):
            return None
        compact = _SPACES.sub("", pattern_text)
        return None if looks_like_name(compact) or is_minority_name(compact) else False

    def _result(self, start: int, end: int, score: float, explanation_text: str) -> RecognizerResult:
        explanation = AnalysisExplanation(
            recognizer=self.name,
            original_score=score,
            textual_explanation=explanation_text,
        )
        return RecognizerResult(
            entity_type=self.supported_entities[0],
            start=start,
            end=end,
            score=score,
            analysis_explanation=explanation,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )

