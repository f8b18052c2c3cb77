"""CJK character-class helpers shared by the recognizers for Chinese text.

A class like "any CJK ideograph except these particles" is written out as explicit ranges rather than
as a negative lookahead before [\\u4e00-\\u9fff]: the regex engine tests a plain class in one step,
which matters for patterns that are tried at every position of a long joined text.
"""

from __future__ import annotations

CJK_FIRST = 0x4E00
CJK_LAST = 0x9FFF
CJK = r"[\u4e00-\u9fff]"


def is_cjk(char: str) -> bool:
    """True for one character of the CJK Unified Ideographs block (the block the patterns here use)."""
    return len(char) == 1 and CJK_FIRST <= ord(char) <= CJK_LAST


def cjk_class_without(excluded: str) -> str:
    """A regex character class of the CJK Unified Ideographs block minus the given characters."""
    ranges: list[tuple[int, int]] = []
    low = CJK_FIRST
    for code in sorted({ord(char) for char in excluded if CJK_FIRST <= ord(char) <= CJK_LAST}):
        if code > low:
            ranges.append((low, code - 1))
        low = code + 1
    if low <= CJK_LAST:
        ranges.append((low, CJK_LAST))
    body = "".join(
        f"\\u{first:04x}" if first == last else f"\\u{first:04x}-\\u{last:04x}" for first, last in ranges
    )
    return f"[{body}]"
