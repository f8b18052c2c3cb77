"""ORGANIZATION: names of organisations — agencies, courts, hospitals, schools, companies, co-operatives.

An organisation's name is public (it names a legal entity) and is recognised FIRST: the detector keeps an
ORGANIZATION span over any PERSON or CN_ADDRESS span it overlaps (trimming one that starts before it), so
`上海市浦东新区人民法院`, `不动产登记中心` or `杭州张记餐饮有限公司` are not masked as an address or a
name. The name is a run of Chinese characters (brackets allowed for branches: `（杭州）`) ending in an
organisation suffix (…有限公司/集团/合作社/中心/局/委员会/办公室/办事处/学校/医院/法院/银行…); the run
cannot cross particles and verbs (到/在/于/系/向…), so in `王小明到市场监督管理局` only the agency is an
organisation. The rules file lists ORGANIZATION as a public entity, so its spans stay plain.
"""

from __future__ import annotations

import re
from typing import List, Optional

from presidio_analyzer import Pattern, RecognizerResult

from .base import GovPatternRecognizer
from presidio_analyzer.nlp_engine import NlpArtifacts

from .. import divisions
from .cjk import cjk_class_without
from .cn_address import PLACE_WORDS

SUFFIXES = (
    "股份有限公司", "有限责任公司", "有限公司", "集团公司", "集团", "公司", "分公司", "专业合作社", "合作社",
    "合作联社", "联合社", "管理委员会", "委员会", "居委会", "村委会", "管理局", "局", "卫健委", "发改委", "委",
    "办公室", "办事处", "管理中心", "服务中心", "交易中心", "登记中心", "中心", "厅", "学校", "小学", "中学",
    "大学", "学院", "幼儿园", "医院", "卫生院", "卫生室", "法院", "检察院", "派出所", "公安分局", "银行", "支行",
    "分行", "研究院", "研究所", "设计院", "协会", "学会", "商会", "基金会", "事务所", "工作站", "服务站",
    "人民政府", "政府", "营业部", "分理处", "信用社", "联社", "总队", "支队", "大队", "中队", "供电所",
    "税务所", "管理所", "管理处", "经营部", "商行", "工作室", "门市部", "超市", "药房", "药店", "酒店", "饭店",
)
# Characters an organisation's name does not run across: particles, verbs, pronouns, role words' heads.
NOT_ORG_CHARS = "在于是和与及或至从往向住址为由将把被了的等各该本其此这那我你他她已请到去来系经给对让叫称现原曾即"
NAME = cjk_class_without(NOT_ORG_CHARS)
SUFFIX = "|".join(sorted(SUFFIXES, key=len, reverse=True))
MAX_NAME = 30
_SUFFIX_RE = re.compile(f"(?:{SUFFIX})")
# 中心路, 公司楼, 光明村委会12号 / 5组: a place, not the body
_NOT_AFTER = re.compile(r"[\u4e00-\u9fff]?(?:路|街|号|楼|区|县|镇|村)|\d{1,5}(?:号|组|队|栋|幢|单元|室)")
# 银行卡, 银行账号, 信用社存折: an account or card (发放至王芳名下银行卡), not the bank; only after a bank's suffix,
# so 某某有限公司账户 stays the company's
_BANK_SUFFIXES = frozenset({"银行", "支行", "分行", "信用社", "联社", "分理处"})
_NOT_AFTER_BANK = re.compile("卡|账|帐|存折|流水")
# A township inside an organisation's name, right after its county (伊宁县吉里于孜镇…合作社): a particle
# character in it (于) is the township's, not a break in the name.
_TOWNSHIP_AFTER = re.compile(r"[\u4e00-\u9fff]{0,3}?(?:镇|乡|街道|苏木)")
_COUNTY_BEFORE = re.compile(r"(?:县|市|区|旗)[\u4e00-\u9fff]{0,3}$")
_NAME_CHAR = re.compile(rf"{NAME}|[（()）]")
# An official document number (文号: 宁民发〔2023〕37号, 国办发[2024]5号): the issuing body's abbreviation, the year
# in brackets, the sequence number. Public, like the body that issued it: kept whole, never read as a name.
_DOCUMENT_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}[〔\[【][12]\d{3}[〕\]】]\d{1,5}号")
# Every match holds one opening bracket, 1 to 8 characters after its start, and ends at most 12 characters after
# it (bracket + 4 digits + bracket + 5 digits + 号): document_numbers looks only there.
_DOCUMENT_BRACKET = re.compile(r"[〔\[【]")
_DOCUMENT_NUMBER_REACH = 12


def document_numbers(text: str):
    """What _DOCUMENT_NUMBER.finditer(text) yields, searched only from 8 characters before each opening bracket
    to _DOCUMENT_NUMBER_REACH after it (as the end of the text: the pattern looks at nothing beyond a match): the pattern's greedy CJK run costs up to eight steps at every ideograph
    of the text, and most texts hold no bracket. A match found there is the leftmost after the previous one:
    any earlier one would hold an earlier bracket, where none was found (test_cn_organization compares)."""
    search = _DOCUMENT_NUMBER.search
    end = 0
    for bracket in _DOCUMENT_BRACKET.finditer(text):
        at = bracket.start()
        if at < end:
            continue  # inside the match just found (it holds one opening bracket; this one cannot start another)
        m = search(text, max(end, at - 8), at + _DOCUMENT_NUMBER_REACH)
        if m is not None:
            yield m
            end = m.end()


ADMIN_SUFFIXES = "省市县区州旗盟镇乡"


def _in_township(text: str, i: int, end: int) -> bool:
    """A particle character inside a township's name that follows its county (吉里于孜镇 after 伊宁县)."""
    town = _TOWNSHIP_AFTER.match(text, i + 1, end)
    return town is not None and _COUNTY_BEFORE.search(text, max(0, i - 4), i) is not None


def _in_place_word(text: str, i: int) -> bool:
    """A particle character that is part of a place name here (天津市和平区: 和 of 和平), by the word list or
    by _in_place_name."""
    return any(text.startswith(word, j) for word in PLACE_WORDS for j in (i - 1, i) if j >= 0) \
        or _in_place_name(text, i)


def _is_plain(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" and char not in NOT_ORG_CHARS and char not in ADMIN_SUFFIXES


def _in_place_name(text: str, i: int) -> bool:
    """A particle character inside a place name of two to four characters that an administrative suffix closes
    and a boundary opens (固原市, 于田县, 伊宁县吉里于孜镇): the boundary is the text's start, a non-CJK
    character, another suffix or a particle. A particle right before the suffix only in a two-character name
    (固原市), so 张三到市场监督管理局 stays a person and an agency."""
    q = i + 1
    while q < len(text) and q - i <= 3 and _is_plain(text[q]):
        q += 1
    if q >= len(text) or q - i > 3 or text[q] not in ADMIN_SUFFIXES:
        return False
    s = i
    while s > 0 and i - s < 3 and _is_plain(text[s - 1]):
        s -= 1
    if s > 0 and _is_plain(text[s - 1]):
        return False  # no boundary within reach: a longer run, not a place name
    length = q - s
    return length == 2 if q == i + 1 else 2 <= length <= 4


class CnOrganizationRecognizer(GovPatternRecognizer):
    """
    Recognize Chinese organisation names (机构名称), to keep them out of names and addresses.

    :param patterns: List of patterns to be used by this recognizer
    :param context: List of context words to increase confidence in detection
    :param supported_language: Language this recognizer supports
    :param supported_entity: The entity this recognizer can detect
    """

    PATTERNS = [
        Pattern(
            "CN organisation (strong)",
            rf"(?:{NAME}|[（(][\u4e00-\u9fff]{{2,6}}[)）]){{2,30}}?(?:{SUFFIX})"
            r"(?![\u4e00-\u9fff]{0,1}(?:路|街|号|楼|区|县|镇|村)|\d{1,5}(?:号|组|队|栋|幢|单元|室)|卡|账|帐|存折|流水)",
            0.95,
        ),
    ]
    CONTEXT = ["单位", "机构", "公司"]

    def analyze(self, text: str, entities: List[str], nlp_artifacts: Optional[NlpArtifacts] = None,
                regex_flags: Optional[int] = None) -> List[RecognizerResult]:
        """The PATTERNS' matches, found suffix first: one C scan for the suffixes, then a walk back over the
        name's characters from each (what the pattern's lazy leftmost match finds, without trying every
        position of the text).

        :param text: Text to be analyzed
        :param entities: Entities this recognizer can detect
        :param nlp_artifacts: not used
        :param regex_flags: not used
        :return: one result per organisation name
        """
        results: List[RecognizerResult] = []
        floor = 0
        score = self.patterns[0].score if self.patterns else 0.95
        places: list[tuple[int, int]] | None = None  # full division names in the text, found when first asked
        for m in _SUFFIX_RE.finditer(text):
            a, b = m.span()
            if _NOT_AFTER.match(text, b) or (m.group() in _BANK_SUFFIXES and _NOT_AFTER_BANK.match(text, b)):
                continue  # 中心路, 公司楼: a place; 银行卡: a card
            start, limit = a, max(floor, a - MAX_NAME)
            while start > limit:
                if not (_NAME_CHAR.match(text, start - 1) or _in_place_word(text, start - 1)):
                    # a particle inside a division's name is the name's (固原市西吉县税务局: 原 of 固原)
                    if places is None:
                        places = [(d.start, d.end) for d in divisions.find(text) if not d.short]
                    if not any(s <= start - 1 < e for s, e in places) and not _in_township(text, start - 1, a):
                        break
                start -= 1
            if a - start < 2:
                continue
            results.append(RecognizerResult(self.supported_entities[0], start, b, score,
                                            recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                                                  RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id}))
            floor = b
        for m in document_numbers(text):
            a = m.start()
            while a < m.end() and (text[a] in NOT_ORG_CHARS):
                a += 1
            results.append(RecognizerResult(self.supported_entities[0], a, m.end(), score,
                                            recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                                                  RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id}))
        return results

    def __init__(self, patterns: Optional[List[Pattern]] = None, context: Optional[List[str]] = None,
                 supported_language: str = "zh", supported_entity: str = "ORGANIZATION", name: Optional[str] = None):
        super().__init__(supported_entity=supported_entity, patterns=patterns or self.PATTERNS,
                         context=context or self.CONTEXT, supported_language=supported_language, name=name)
