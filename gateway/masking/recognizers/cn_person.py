"""PERSON: personal names, by surname, by role or kinship word, by spelling and by jieba's name tag.

Ways a name is found:
- a whole value that is a surname plus one to three characters (two to four in all; a compound
  surname plus one or two), with spaces inside too (王 芳), a name with a middle dot (热依拉·买合木提),
  one made of minority name elements (次仁卓玛), a Latin one (ZHANG/WEI). Weak on its own: a key that says
  "name" (`xm`, `姓名`, `name`) lifts it through the context mechanism. A surname and one or two
  characters that jieba's dictionary does not know as a frequent word (the NLP engine's limits), a dotted or
  a minority name is a name on its own (a table cell, a list under an unknown key): analyze_whole_values;
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

The spelling rules (what looks like a name, where it ends, everyday words) live in cn_person_spelling, the word
lists in cn_person_words; this module holds the recognizer that applies them.
"""

from __future__ import annotations

from typing import List, Optional
from urllib.parse import unquote

from presidio_analyzer import (
    Pattern,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NlpArtifacts

from ..keynames import key_hint, normalise_key
from .base import GovPatternRecognizer, TextExplainedLater, remove_duplicates
from .cjk import CJK
from .cn_person_spelling import (  # noqa: F401 - re-exported: the rules and their tests read them from here
    _BEFORE_MARKER, _COMPOUND, _COMPOUND_SET, _DOTS, _LATIN_BEFORE_CN, _LATIN_WHOLE, _MARKER, _NAME_SHAPED, _NAME_STARTS,
    _OTHER_NAME, _PART_TAILS, _ROLES, _SPACE_RE, _TRIGGERS, _WHOLE_LINE, _WHOLE_OTHER, MAX_OTHER_NAME,
    MAX_WHOLE_VALUE, NAME_CHAR, WEAK_SCORE, _in_dictionary, _is_given_name_char, before_marker_matches,
    dictionary_entry, ends_name, has_dot, inside_place_name, is_everyday_word, is_given_name_run, is_minority_name,
    is_person_value, looks_like_name, minority_name_after,
    name_after_context, other_name_end, starts_with_surname, surname_length)
from .cn_person_scan import GroupOneSpans, may_hold_chinese_role_name, may_hold_english_role_name, whole_value_starts
from .cn_person_words import (  # noqa: F401 - re-exported: the detector reads the surnames from here
    ACCOUNT_KEYS, BEFORE_MARKER_LEADS, COMPOUND_SURNAMES, DOCUMENT_NUMBER, KEY_VALUE, LATIN_NAME, LATIN_NAME_TRIGGERS,
    MINORITY_NAME_PARTS, MINORITY_SYLLABLES, NOT_NAME_CHARS, PERCENT_RUN, SINGLE_SURNAMES)


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
        results = self._pattern_results(text, entities, nlp_artifacts, regex_flags)
        results.extend(self.analyze_whole_values(text))
        results.extend(self.analyze_context_names(text))
        results.extend(self.analyze_nlp_entities(nlp_artifacts))
        return remove_duplicates(results)  # EntityRecognizer.remove_duplicates' answer for one entity type

    def _pattern_results(self, text: str, entities: List[str], nlp_artifacts: Optional[NlpArtifacts],
                         regex_flags: Optional[int], dedupe: bool = False) -> List[RecognizerResult]:
        """
        The PATTERNS' results as GovPatternRecognizer.analyze finds them (before de-duplication, which analyze
        does over all results), each pattern tried only where cn_person_scan says it can match: the Latin-name
        ones when their gate passes, the whole-value one at the lines two to four characters long (the role-word
        one runs on `re`: compiled()). Other patterns or flags take the plain path. Each pattern loop's results are
        de-duplicated only with `dedupe` (analyze de-duplicates them with the others: the same answer).
        """
        flags = regex_flags if regex_flags else self.global_regex_flags
        if self.patterns is not self.PATTERNS or flags != self.global_regex_flags:
            return super().analyze(text, entities, nlp_artifacts, regex_flags)
        role, english, chinese, whole = self.PATTERNS
        results = self._analyze_patterns(text, flags, [role]
                                         + [english] * may_hold_english_role_name(text)
                                         + [chinese] * may_hold_chinese_role_name(text), dedupe=dedupe)
        starts = whole_value_starts(text)
        if starts:
            results.extend(self._analyze_patterns(text, flags, [whole], starts=starts, dedupe=dedupe))
        return results

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
                      and not _in_dictionary(compact) and not is_everyday_word(compact)
                      and key_hint(compact) is None  # a field name (车牌号, 姓名): a column title, no person
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
        markers = list(_MARKER.finditer(text))
        # every _BEFORE_MARKER match ends before a marker: a text with none skips that scan
        for m in before_marker_matches(text, markers) if markers else ():
            start = m.start()
            if text[start] in BEFORE_MARKER_LEADS and looks_like_name(_SPACE_RE.sub("", text[start + 1:m.end()])):
                start += 1  # 由高洁代为: 由 is the preposition (and a surname), 高洁 the name
            candidate = _SPACE_RE.sub("", text[start:m.end()])
            if looks_like_name(candidate) and not is_everyday_word(candidate) \
                    and is_given_name_run(candidate, surname_length(candidate)):
                results.append(self._result(start, m.end(), self.context_score, self.CONTEXT_EXPLANATION))
        dotted = has_dot(text)  # no dot in the text: none before any marker either
        for marker in markers:  # a dotted or minority name before it: read backwards
            end = marker.start()
            if text[end - 2:end] not in _PART_TAILS and not (dotted and has_dot(text[max(0, end - MAX_OTHER_NAME):end])):
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
        starts = None if dotted else _NAME_STARTS
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
                if before.text in _COMPOUND_SET and len(span.text) <= 2:
                    start = before.idx
                elif len(before.text) == 1 and before.text + span.text[0] in _COMPOUND_SET \
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

    def compiled(self, pattern: Pattern, flags: int, ascii_text: bool = False):
        """
        GovPatternRecognizer.compiled, but the role-word pattern of PATTERNS with the recognizer's flags runs on
        the standard library's `re` (cn_person_scan.GroupOneSpans: the same matches, eight times faster).
        """
        if pattern is self.PATTERNS[0] and flags == self.global_regex_flags:
            return _ROLE_SCAN
        return super().compiled(pattern, flags, ascii_text)

    def validate_result(self, pattern_text: str) -> Optional[bool]:
        """
        Reject organisation and place words that happen to start with a surname (公安局, 王府井街); a
        Latin-letter name is taken as found (is_person_value).

        :param pattern_text: the text detected by the regex engine
        :return: False for a non-name; None keeps the pattern's score
        """
        return None if is_person_value(pattern_text) else False

    def _result(self, start: int, end: int, score: float, explanation_text: str) -> RecognizerResult:
        """A result whose AnalysisExplanation(recognizer, score, explanation_text) is built when first read
        (TextExplainedLater): the detector never reads it, and a page gives dozens of context names."""
        return TextExplainedLater.made(self.supported_entities[0], start, end, score,
                                       {RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id},
                                       self.name, explanation_text)


# The role-word pattern as `re` reads it (CnPersonRecognizer.compiled), compiled once.
_ROLE_SCAN = GroupOneSpans(CnPersonRecognizer.PATTERNS[0].regex)
