"""CN_ADDRESS: Chinese postal addresses, from the province (or city, district, road) down to the room.

An address is a run of components: province (a known name, 浙江省 / 北京市 / 广西壮族自治区), city
(…市/州/盟/地区), district or county (…区/县/旗/县级市), town or street office (…街道/镇/乡), then any
of road (…路/街/道/大道/巷/胡同/弄/条, with a direction or section: 白云大道北, 中山路东段), estate or
tower (…小区/社区/村/花园/雅居/华庭/名苑/大厦/中心…) and numbers (88号院, 3号楼, 2单元, 1101室, 803房, A座,
3-2-1101, and a bare room after a building part: B座401). The span is the whole run, through the building
and the room, so the masking side can keep the district or street and drop the number and everything
after it.

A match needs at least two components; one that starts below the city level (district, street, road)
also needs a number, so 朝阳区建国路 alone or a phrase like 偏远山区道路 is not an address. Starts
other than a province name need a boundary before them (text start, punctuation, 住/址/在/于/至…),
which keeps a preceding word from being glued to the address; a start at a known division's name (any
province, prefecture or county in the divisions list, or its short form before another division) needs
none, and a word glued before such a name is left out (户主王建国延边朝鲜族自治州延吉市…). A road with a
house number alone is weak (建国路88号); a road with a house number and a building or room after it is
medium (白云大道北679号8栋803房).

Fast path (same answers as every pattern over the whole text with `regex`; see analyze): only clauses that
hold a province name or a component's suffix end, and an address unit character, are read, on the standard
library's `re`; validation answers once per distinct match per call and counts components with `regex` only
when the `re` match cannot decide (_structure_verdict).
"""

from __future__ import annotations

import bisect
import copy
import re as stdlib_re
from typing import List, Optional, Tuple

import regex as re
from presidio_analyzer import Pattern, RecognizerResult

from .. import divisions
from ..spans import DIVISION_START
from .base import GovPatternRecognizer, remove_duplicates
from .cn_address_merge import with_divisions

from .cjk import CJK, cjk_class_without

# The 34 provincial-level names in their short form (黑龙江, 内蒙古, 西藏, 香港), from the division list.
PROVINCES = divisions.PROVINCE_SHORT_NAMES
PROVINCE_SUFFIX = r"(?:壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市)?"

# Characters that never start or continue an address name: particles, verbs, pronouns around addresses.
NOT_NAME_CHARS = "在于是和与及或至从往向住址位为由将把被了的等各该本其此这那我你他她已请到去来居所"
# Place-name words that hold one of those characters (天津市和平区, 共和新路, 未来广场, 向阳路).
PLACE_WORDS = (
    "和平", "共和", "林和", "人和", "永和", "太和", "中和", "协和", "祥和", "泰和", "和田", "和顺", "未来",
    "向阳", "东来", "安居", "新居", "本溪", "那曲", "那坡", "那大", "来宾", "来凤", "居巢",
)
NAME = rf"(?:{'|'.join(PLACE_WORDS)}|{cjk_class_without(NOT_NAME_CHARS)})"
# Where a town or estate name is rather the start of a road (西乡大道, 芳村大道中, 新村路).
_ROAD_FOLLOWS = r"(?!大道|大街|胡同|路|街|道|巷|弄)"

CITY = rf"{NAME}{{2,7}}?(?:自治州|地区|州|盟|市)"
DISTRICT = rf"{NAME}{{1,8}}?(?:新区|开发区|自治县|区|县|旗|市)"
TOWN = rf"{NAME}{{1,6}}?(?:街道|镇|乡|苏木){_ROAD_FOLLOWS}"
# A road (天津 writes 道, 北京 has 条) may carry a direction or a section before its number (白云大道北679号,
# 芳村大道中24号, 中山路东段8号).
ROAD = (
    rf"{NAME}{{1,8}}?(?:大道|大街|胡同|路|街|道|巷|弄|条)"
    r"(?:[东南西北中]段?(?=\d)|[东南西北中一二三四五六七八九十]段)?"
)
# Estates, compounds and office towers, named before or after the house number (星河雅居, 未来中心).
ESTATE = (
    rf"{NAME}{{1,8}}?(?:小区|社区|花园|公寓|大厦|广场|新村|村民委员会|居民委员会|村委会|居委会|村|"
    rf"雅居|华庭|家园|名苑|雅苑|花苑|华府|公馆|山庄|庄园|中心|商务楼|大楼|写字楼){_ROAD_FOLLOWS}"
)
# A bare number closes the address only after a building or unit part (B座401, 3栋2单元502).
BARE_ROOM = r"(?:(?<=[栋幢座楼层])|(?<=单元))(?:[A-Za-z]?\d{1,5}[A-Za-z]?)(?![\d号弄栋幢座单元层楼室户房])"
NUMBER = (
    r"(?:\d{1,5}(?:[-－]\d{1,5}){1,3}(?:号|室|房)?"
    r"|(?:[A-Za-z]?\d{1,5}[A-Za-z]?|[A-Za-z]|[一二三四五六七八九十百零〇]{1,4})"
    r"(?:号院|号楼|号|弄|栋|幢|座|单元|层|楼|室|房|户|区|组|队|村|社)"
    rf"|{BARE_ROOM})"
)
STREET_PART = rf"(?:{ESTATE}|{ROAD}|{NUMBER})"
# A house number (88号, 88号院, 595弄) and, after it, a building, unit or room part (8栋, 2单元, 803房, 3-2-1101).
HOUSE_NUMBER = r"\d{1,5}(?:号院|号|弄)"
BUILDING_PART = (
    r"(?:\d{1,5}(?:[-－]\d{1,5}){1,3}(?:号|室|房)?"
    r"|(?:[A-Za-z]?\d{1,5}[A-Za-z]?|[A-Za-z]|[一二三四五六七八九十百零〇]{1,4})(?:号楼|栋|幢|座|单元|层|楼|室|房|户))"
)
ROAD_TO_BUILDING = rf"(?:{ESTATE}|{ROAD}){{1,3}}(?:{HOUSE_NUMBER}){{1,2}}(?:{ESTATE})?{BUILDING_PART}"
# Text start or a non-CJK character before, or one of 在于至到住址是为往地 (written as two fixed-width
# lookbehinds, which both regex engines read alike).
BOUNDARY = rf"(?={CJK})(?:(?<![\u4e00-\u9fff])|(?<=[在于至到住址是为往地]))"

# The same grammar with one named group per component, to count them in validate_result.
_STRUCTURE = re.compile(
    rf"(?P<province>(?:{'|'.join(PROVINCES)}){PROVINCE_SUFFIX})?"
    rf"(?P<city>{CITY})?(?P<district>{DISTRICT})?(?P<town>{TOWN})?"
    rf"(?:(?P<estate>{ESTATE})|(?P<road>{ROAD})|(?P<number>{NUMBER}))*",
    flags=re.IGNORECASE,
)
# The same source on the standard library's `re` (3x faster): it finds the same path, so its non-repeated
# groups (province, city, district, town) answer alike; only `regex` counts a repeated group's captures.
_STRUCTURE_FAST = stdlib_re.compile(_STRUCTURE.pattern, stdlib_re.IGNORECASE)


# The last character of every CITY, DISTRICT, TOWN, ROAD and ESTATE suffix. Every match of the patterns after
# the first begins at a BOUNDARY with one of those components, a run of at most 8 names (1-2 characters each)
# and a suffix of at most 5 (村民委员会): so at a BOUNDARY followed by 1 to 20 characters a component can hold
# (a name's, a place word's, a suffix's: _IN_COMPONENT) and then one of these.
SUFFIX_ENDS = "州区盟市县旗道镇乡木街同路巷弄条园寓厦场村居庭苑府馆庄心楼会"
SUFFIXES = tuple(word for component in (CITY, DISTRICT, TOWN, ROAD, ESTATE)
                 for word in re.search(r"\{\d+,\d+\}\?\(\?:([^()]*)\)", component).group(1).split("|"))
_IN_COMPONENT = cjk_class_without("".join(set(NOT_NAME_CHARS) - set("".join(PLACE_WORDS + SUFFIXES))))
_WEAK_START = stdlib_re.compile(rf"{BOUNDARY}(?={_IN_COMPONENT}{{1,20}}[{SUFFIX_ENDS}])")

# The pre-cut runs on the standard library's `re` (plain classes, no flags: both engines agree; `re` is faster).
_CLAUSE = stdlib_re.compile(r"[\u4e00-\u9fff0-9A-Za-z\-－]+")
_UNIT_CHAR = stdlib_re.compile(r"[省市州盟区县旗镇乡街道路巷弄胡同条村园寓厦场号楼室栋幢座元层房户组队苑府庄心]")
# What every match of the PATTERNS holds: the strongest begins at a province's name, the weaker ones at a
# component whose suffix ends in one of SUFFIX_ENDS. A clause without either has no match of any pattern.
_MAY_MATCH = stdlib_re.compile(rf"[{SUFFIX_ENDS}]|{'|'.join(PROVINCES)}")
_JOIN = "\n\u2029\n"
# _MAY_MATCH's matches, written as literals only: `re` then scans for their first characters at C speed.
_HIT = stdlib_re.compile("|".join(list(SUFFIX_ENDS) + list(PROVINCES)))
_NOT_CLAUSE = stdlib_re.compile(r"[^\u4e00-\u9fff0-9A-Za-z\-－]")


def _unit_clauses(text: str) -> Tuple[List[int], List[str]]:
    """The clauses (runs of _CLAUSE characters, at least 4) that hold an address unit character, and where
    each begins."""
    origins: List[int] = []
    pieces: List[str] = []
    unit_char = _UNIT_CHAR.search
    for m in _CLAUSE.finditer(text):
        clause = m.group()
        if len(clause) >= 4 and unit_char(clause) is not None:
            origins.append(m.start())
            pieces.append(clause)
    return origins, pieces


def _clauses(text: str) -> Tuple[List[int], List[str]]:
    """The _unit_clauses that _MAY_MATCH, found from _MAY_MATCH's own matches (_HIT) rather than by walking
    every clause of the text: each hit's clause is cut out around it (its start found in the reversed text)."""
    origins: List[int] = []
    pieces: List[str] = []
    unit_char, not_clause, next_hit = _UNIT_CHAR.search, _NOT_CLAUSE.search, _HIT.search
    backwards = None
    size = len(text)
    end = 0
    # The next hit is searched from the end of the clause just read: a hit is clause characters only, so none
    # runs across that end, and the first one after it is the one _HIT.finditer(text) would reach there
    # (test_cn_address compares the clauses with the ones cut around every finditer hit).
    while (hit := next_hit(text, end)) is not None:
        at = hit.start()
        after = not_clause(text, at)
        end = after.start() if after is not None else size
        if backwards is None:
            backwards = text[::-1]
        before = not_clause(backwards, size - at)
        start = size - before.start() if before is not None else 0
        if end - start >= 4:
            clause = text[start:end]
            if unit_char(clause) is not None:
                origins.append(start)
                pieces.append(clause)
    return origins, pieces


class CnAddressRecognizer(GovPatternRecognizer):
    """
    Recognize Chinese addresses (住址) as one span covering every component.

    :param patterns: List of patterns to be used by this recognizer
    :param context: List of context words to increase confidence in detection
    :param supported_language: Language this recognizer supports
    :param supported_entity: The entity this recognizer can detect
    """

    COUNTRY_CODE = "cn"

    PATTERNS = [
        Pattern(
            "CN address from province (strong)",
            rf"(?:{'|'.join(PROVINCES)}){PROVINCE_SUFFIX}(?:{CITY})?(?:{DISTRICT})?(?:{TOWN})?{STREET_PART}{{0,12}}",
            0.85,
        ),
        Pattern(
            "CN address from city (medium)",
            rf"{BOUNDARY}{CITY}(?:{DISTRICT})?(?:{TOWN})?{STREET_PART}{{0,12}}",
            0.7,
        ),
        Pattern(
            "CN address from district or street (medium)",
            rf"{BOUNDARY}(?:{DISTRICT}(?:{TOWN})?|{TOWN}){STREET_PART}{{1,12}}",
            0.6,
        ),
        Pattern(
            "CN address from road down to the building (medium)",
            rf"{BOUNDARY}(?={ROAD_TO_BUILDING})(?:{ESTATE}|{ROAD}){STREET_PART}{{1,12}}",
            0.6,
        ),
        Pattern(
            "CN address from road (weak)",
            rf"{BOUNDARY}(?:{ESTATE}|{ROAD}){STREET_PART}{{1,12}}",
            0.4,
        ),
    ]

    # All five run on the standard library's `re`: 4-6x faster than `regex` on these, same matches (the
    # sources use fixed-width lookbehinds and only the letter class [A-Za-z]).
    STDLIB_RE = frozenset(pattern.name for pattern in PATTERNS)

    CONTEXT = [
        "住址",
        "地址",
        "住所",
        "户籍",
        "居住",
        "所在地",
        "现住",
        "家住",
        "住在",
        "address",
    ]

    def __init__(
        self,
        patterns: Optional[List[Pattern]] = None,
        context: Optional[List[str]] = None,
        supported_language: str = "zh",
        supported_entity: str = "CN_ADDRESS",
        name: Optional[str] = None,
    ):
        patterns = patterns if patterns else self.PATTERNS
        context = context if context else self.CONTEXT
        super().__init__(
            supported_entity=supported_entity,
            patterns=patterns,
            context=context,
            supported_language=supported_language,
            name=name,
        )
        _ = [self.compiled(p, self.global_regex_flags) for p in self.patterns]  # warm-up may skip some (_analyze)

    def analyze(self, text: str, entities: List[str], nlp_artifacts=None, regex_flags=None):
        """The PATTERNS' matches, read only in the clauses that can hold an address (see _analyze).

        Every pattern matches Chinese characters, letters, digits and hyphens only, and looks around a match
        only for characters outside them; so only the clauses (runs of those) that can hold a match are read,
        joined by _JOIN, with offsets mapped back. The strongest pattern reads them first; the weaker ones
        read each other clause's text once, only where they can begin (_WEAK_START) and not inside a strong
        address that starts at a division and runs to its clause's end (checked; else read again in full).

        :param text: Text to be analyzed
        :param entities: Entities this recognizer can detect
        :param nlp_artifacts: Output values from the NLP engine (not used)
        :param regex_flags: regex flags to be used in regex matching
        :return: the recognized addresses
        """
        own = self.patterns is self.PATTERNS and regex_flags in (None, 0, self.global_regex_flags)
        found = self._analyze(text, regex_flags, own, skip=own)
        if found is None:  # the skip's condition did not hold (see _analyze): read again without it
            found = self._analyze(text, regex_flags, own, skip=False)
        return found

    def _analyze(self, text: str, regex_flags, own: bool, skip: bool) -> Optional[List[RecognizerResult]]:
        """analyze()'s answer; with `skip`, the weaker patterns are not tried inside a strong address S that
        runs to its clause's end and begins at a division's full name, and None is returned unless S comes
        out as the address that starts at that name (DIVISION_START, its start kept).

        Why that answer is the full one: a weaker match W starting inside S ends inside S (at the latest at
        the clause's end), so it hides no later start from its pattern and no weaker match before S from
        the weaker patterns' de-duplication. divisions.addresses reads S's division first (earlier names never
        see W, which starts later) and takes it as confirmed up to S's end either way (W, starting there,
        ends no later), skipping every name inside; with_divisions then finds S (score 0.85 beats any W)
        as the address starting there and drops everything inside it, W included, before any W is looked
        at. So when S comes out marked and unmoved, the Ws would have changed nothing; otherwise (S moved, or
        another address won at its start) the text is read again without the skip.
        """
        origins, pieces = _clauses(text) if own else _unit_clauses(text)
        if not pieces:
            if own and _unit_clauses(text)[1]:  # clauses with no match: the division names are still read
                named = self._division_results(text, [])
                return remove_duplicates(with_divisions(text, [], named, _is_glue) if named else [])
            return []
        starts: List[int] = []
        position = 0
        for piece in pieces:
            starts.append(position)
            position += len(piece) + len(_JOIN)
        # validate_result's answers for this call: several patterns match the same address, and a page
        # repeats its streets; dropped when the call returns, so no address outlives it.
        verdicts: dict = {}
        # The strongest pattern first; a clause it covers whole is an address the weaker patterns could
        # only find again, inside it and with a lower score (dropped on overlap): they skip it.
        joined = _JOIN.join(pieces)
        strong = self._analyze_patterns(joined, regex_flags, self.patterns[:1], verdicts)
        slot_of = {start: i for i, start in enumerate(starts)}
        covered = {slot_of[r.start] for r in strong
                   if r.start in slot_of and r.end - r.start == len(pieces[slot_of[r.start]])}
        skipped = {}  # strong addresses running to their clause's end from a division's full name, by clause
        if skip:
            for r in strong:
                i = bisect.bisect_right(starts, r.start) - 1
                if i not in covered and r.end == starts[i] + len(pieces[i]) \
                        and divisions.starts_with_full_name(joined, r.start):
                    skipped[i] = (r.start - starts[i], r, origins[i] + r.start - starts[i])
        # The clauses left to the weaker patterns, each text once (with its hidden part): a clause's matches
        # depend on its text alone (none reaches past it or looks across _JOIN), and a page repeats its phrases.
        rest_starts, rest_pieces, rest_origins = [], [], []  # rest_origins: where each occurs in the text
        hidden = []  # [from, to) of the rest where the weaker patterns are not tried
        distinct: dict = {}
        position = 0
        for i, piece in enumerate(pieces):
            if i in covered:
                continue
            key = (piece, skipped[i][0] if i in skipped else None) if own else i
            slot = distinct.get(key)
            if slot is not None:
                rest_origins[slot].append(origins[i])
                continue
            distinct[key] = len(rest_pieces)
            rest_starts.append(position)
            rest_pieces.append(piece)
            rest_origins.append([origins[i]])
            if i in skipped:
                hidden.append((position + skipped[i][0], position + len(piece)))
            position += len(piece) + len(_JOIN)
        weak = []
        if rest_pieces:  # the weaker PATTERNS all begin at a BOUNDARY before a component: tried only there
            rest = _JOIN.join(rest_pieces)
            weak_starts = [m.start() for m in _WEAK_START.finditer(rest)] if own else None
            if hidden and weak_starts:
                weak_starts = _outside(weak_starts, hidden)
            if weak_starts != []:
                weak = self._analyze_patterns(rest, regex_flags, self.patterns[1:], verdicts, weak_starts)
        for result in strong:
            i = bisect.bisect_right(starts, result.start) - 1
            shift = origins[i] - starts[i]
            result.start += shift
            result.end += shift
        repeated = []
        for result in weak:
            i = bisect.bisect_right(rest_starts, result.start) - 1
            at = rest_origins[i]
            for origin in at[1:]:  # the same match where the clause's text occurs again
                twin = _copied(result)
                twin.start += origin - rest_starts[i]
                twin.end += origin - rest_starts[i]
                repeated.append(twin)
            result.start += at[0] - rest_starts[i]
            result.end += at[0] - rest_starts[i]
        if repeated:  # in the order the patterns' loop gives every clause read (its de-duplication sorts)
            weak = remove_duplicates(weak + repeated)
        found = strong + weak
        named = self._division_results(text, found)
        found = with_divisions(text, found, named, _is_glue) if named else found
        if skipped:
            kept = {id(r) for r in found}
            for _, r, start in skipped.values():
                if id(r) not in kept or r.start != start or not r.recognition_metadata.get(DIVISION_START):
                    return None
        return remove_duplicates(found)

    def _division_results(self, text: str, found: List[RecognizerResult]) -> List[RecognizerResult]:
        """Addresses that start at a known division's name (divisions.addresses), without a boundary before
        it: 户主王建国延边朝鲜族自治州延吉市…, 延边延吉市光明街12号."""
        named = divisions.addresses(text, _STRUCTURE_FAST, [(r.start, r.end) for r in found], _is_glue)
        metadata = {RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id}
        return [RecognizerResult(self.supported_entities[0], start, end, score, recognition_metadata=dict(metadata))
                for start, end, score in named]

    def validate_result(self, pattern_text: str) -> Optional[bool]:
        """
        Count the components: at least two, and a number unless the address starts at province or city.

        :param pattern_text: the text detected by the regex engine
        :return: False for too thin a match; None keeps the pattern's score
        """
        return _structure_verdict(pattern_text)


def _copied(result: RecognizerResult) -> RecognizerResult:
    """A result of its own (start, end and metadata are changed in place later) equal to `result`."""
    twin = copy.copy(result)  # presidio's fields and, for ExplainedLater, the explanation to build
    twin.recognition_metadata = dict(result.recognition_metadata)
    return twin


def _outside(positions: List[int], spans: List[Tuple[int, int]]) -> List[int]:
    """The ascending `positions` outside every [from, to) of the ascending, disjoint `spans`."""
    kept = []
    i = 0
    for at in positions:
        while i < len(spans) and spans[i][1] <= at:
            i += 1
        if i == len(spans) or at < spans[i][0]:
            kept.append(at)
    return kept


def _is_glue(words: str) -> bool:
    """Words before a division name that hold no address component (户主张三, 原籍, 申请人李四)."""
    if _UNIT_CHAR.search(words) is None and _DIGIT.search(words) is None:
        return True
    return _COMPONENT.search(words) is None


_DIGIT = re.compile(r"\d")
_COMPONENT = re.compile(rf"{CITY}|{DISTRICT}|{TOWN}|{ESTATE}|{ROAD}|{NUMBER}", flags=re.IGNORECASE)
_HEAD = ("province", "city", "district", "town")
# _STRUCTURE's groups by number, in the order they are written (checked in test_cn_address).
_PROVINCE, _CITY, _DISTRICT, _TOWN, _ESTATE, _ROAD, _NUMBER = range(1, 8)


def _structure_verdict(text: str) -> Optional[bool]:
    """validate_result's answer. Decided from the standard library's match where its groups suffice: no match;
    nothing after the head (province, city, district, town: the count is theirs, and no number); a province or
    city with more after it (two components, no number needed); a run that ends in a number, alone at the end
    (its last repetition is that number, so there is one; it has company when the head or another repetition
    precedes it). Otherwise `regex` counts the components."""
    fast = _STRUCTURE_FAST.fullmatch(text)
    if fast is None:
        return False
    regs = fast.regs  # one (start, end) per group, (-1, -1) for a group that took no part
    province, city, district, town = regs[_PROVINCE][1], regs[_CITY][1], regs[_DISTRICT][1], regs[_TOWN][1]
    size = len(text)
    if max(province, city, district, town, 0) == size:
        heads = (province >= 0) + (city >= 0) + (district >= 0) + (town >= 0)
        return None if heads >= 2 and (province >= 0 or city >= 0) else False
    if province >= 0 or city >= 0:
        return None
    number = regs[_NUMBER]
    if number[1] == size and regs[_ESTATE][1] != size and regs[_ROAD][1] != size:
        # the last repetition is this number; before it the head or earlier repetitions: two or more
        return None if number[0] > 0 else False
    return _counted_verdict(text)


def _counted_verdict(text: str) -> Optional[bool]:
    """The verdict from every component's count (`regex` captures): the rule validate_result states."""
    match = _STRUCTURE.fullmatch(text)
    if match is None:
        return False
    counts = {name: len(match.captures(name)) for name in
              ("province", "city", "district", "town", "estate", "road", "number")}
    if sum(counts.values()) < 2:
        return False
    if not (counts["province"] or counts["city"]) and not counts["number"]:
        return False
    return None
