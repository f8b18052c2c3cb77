"""Operators for values written in words: personal names (keep the surname), addresses (keep down to
district/street) and e-mail addresses (keep the first letter and the domain).
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from typing import ClassVar

from .opcore import FULL_REDACTION, OpContext, Operator


# --- name ---------------------------------------------------------------------------------------

COMPOUND_SURNAMES = frozenset("""
欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 端木 独孤 南宫 西门 百里
呼延 万俟 闻人 赫连 澹台 公冶 宗政 濮阳 淳于 单于 太叔 申屠 仲孙 钟离 拓跋 第五 东郭 司空 鲜于 闾丘
子车 亓官 司寇 巫马 公西 颛孙 壤驷 公良 漆雕 乐正 宰父 谷梁 段干 东门 梁丘 左丘 公羊 羊舌 微生 北堂
""".split())
_NAME_DOTS = "·•‧・."


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


@dataclass(frozen=True, slots=True)
class Name(Operator):
    """Personal names keep the surname: `张三` → `张*`, `欧阳娜娜` → `欧阳**`, `买买提·艾力` → `买**·**`.

    Latin names keep the first letter of the first word: `John Smith` → `J*** *****`.
    """

    char: str = "*"
    name: ClassVar[str] = "name"
    params: ClassVar[tuple[str, ...]] = ("char",)

    def __call__(self, value: str, ctx: OpContext) -> str:
        if value.isalpha():  # the common case, one word (韦春雯, 欧阳娜娜, John): no spaces or dots to keep
            n = len(value)
            keep = 2 if n > 2 and value[:2] in COMPOUND_SURNAMES else 1
            if n <= keep:
                keep = 0
            return value[:keep] + self.char * (n - keep)
        text = value.strip()
        if not text:
            return value
        lead = value[: len(value) - len(value.lstrip())]
        trail = value[len(value.rstrip()):]
        if _is_cjk(text[0]):
            keep = 2 if text[:2] in COMPOUND_SURNAMES and len(text) > 2 else 1
        else:
            keep = 1
        if len(text) <= keep:  # a one-character "name" shows nothing
            keep = 0
        masked = text[:keep] + "".join(ch if (ch in _NAME_DOTS or ch.isspace()) else self.char
                                       for ch in text[keep:])
        return lead + masked + trail


# --- address ------------------------------------------------------------------------------------

# Suffixes that end an administrative unit or a street: what an address keeps. Checked longest first.
_ADDRESS_UNITS = ("特别行政区", "自治区", "自治州", "自治县", "街道", "大街", "大道", "胡同",
                  "省", "市", "州", "盟", "区", "县", "旗", "镇", "乡", "路", "街", "巷", "弄", "道")
# A 区 that is no district (a housing estate, a campus, a park) is not a place to stop.
_NOT_DISTRICT = tuple("小社园校景厂矿营片街")
_NUMBER_START = re.compile(r"[0-9０-９A-Za-z一二三四五六七八九十百零〇甲乙丙丁#＃-]*[0-9０-９一二三四五六七八九十零〇]+"
                           r"\s*(?:号|號|栋|幢|座|楼|层|单元|室|户|弄|巷|排|组|#)")
# Where the part to hide starts: the first digit, or a house/building/room number however written.
_DETAIL_START = re.compile(r"[0-9０-９]|" + _NUMBER_START.pattern)


def _unit_alternative(unit: str) -> str:
    """A unit as a regex alternative; a 区 after 小/社/园… (no district) and a 道 after 街/大 match nothing."""
    if unit == "区":
        return "(?<![" + "".join(_NOT_DISTRICT) + "])区"
    if unit == "道":
        return "(?<![街大])道"
    return re.escape(unit)


# Longest first, so 自治区 wins over 区 and 街道 over 街 at the same position.
_UNIT_RE = re.compile("|".join(_unit_alternative(u) for u in sorted(_ADDRESS_UNITS, key=len, reverse=True)))


# The cut of an address depends only on its part before the first house number ("北京市大兴区黄村东大街"), and
# the same streets come back record after record: cuts are remembered by that part. Only parts followed by
# a number are remembered (so never a whole value), short ones, and a bounded number of them.
_CUT_MEMO: dict[str, int] = {}
CUT_MEMO_SIZE = 4096
CUT_MEMO_MAX_CHARS = 48


def _last_unit_end(value: str, limit: int) -> int:
    last = deque(_UNIT_RE.finditer(value, 0, limit), maxlen=1)  # consumed in C
    return last[0].end() if last else 0


def address_cut(value: str) -> int:
    """How many leading characters of an address may be shown (down to district/street): the end of the
    last unit before the first house/building/room number."""
    m = _DETAIL_START.search(value)
    if m is None:
        return _last_unit_end(value, len(value))
    limit = m.start()
    head = value[:limit]
    cut = _CUT_MEMO.get(head)
    if cut is None:
        cut = _last_unit_end(value, limit)
        if limit <= CUT_MEMO_MAX_CHARS:
            if len(_CUT_MEMO) >= CUT_MEMO_SIZE:
                _CUT_MEMO.clear()
            _CUT_MEMO[head] = cut
    return cut


@dataclass(frozen=True, slots=True)
class Address(Operator):
    """Keep an address down to district/street, drop the number and room:
    `北京市朝阳区建国路88号院3号楼2单元1101室` → `北京市朝阳区建国路****`."""

    replacement: str = "****"
    name: ClassVar[str] = "address"
    params: ClassVar[tuple[str, ...]] = ("replacement",)

    def __call__(self, value: str, ctx: OpContext) -> str:
        if not value:
            return value
        cut = address_cut(value)
        if cut >= len(value.rstrip()):
            return value  # nothing below street level to hide
        return value[:cut] + self.replacement


# --- email --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Email(Operator):
    """`zhangsan@example.com` → `z***@example.com`; a value without `@` is fully redacted."""

    char: str = "*"
    name: ClassVar[str] = "email"
    params: ClassVar[tuple[str, ...]] = ("char",)

    def __call__(self, value: str, ctx: OpContext) -> str:
        local, at, domain = value.rpartition("@")
        if not at or not domain:
            return FULL_REDACTION
        shown = local[:1] if len(local) > 1 else ""
        return f"{shown}{self.char * 3}@{domain}"
