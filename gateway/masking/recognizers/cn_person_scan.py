"""Where cn_person's patterns can match in a text: the positions and cheap gates that let the recognizer run each
pattern only where it can find something, with the matches presidio's loop would find over the whole text.

- The role-word pattern ("CN name after role word") runs on the standard library's `re` (GroupOneSpans): it
  uses \\K, which `re` does not read, to start its match after the role word; `re` reads it with a group
  around the name instead, eight times faster than `regex` on a joined page, and the group's span is the match.
- The Latin-name patterns need an ASCII capital after a letter (English role word) or after a Chinese word
  for a Latin name (may_hold_english_role_name, may_hold_chinese_role_name): both are searched with the
  standard library's `re`, and a text with neither skips the pattern.
- The whole-value pattern matches a whole line of two to four characters: whole_value_starts lists the starts
  of such lines.
- Word lists scanned at every position (clue words, markers) are alternations grouped by first character
  (first_character_alternation): `re` tries the alternatives in order, so at a position it tries only the
  group of that position's character instead of every word.

No presidio import; tests/gateway/masking/recognizers/test_cn_person_fast_paths.py proves each against the
pattern it stands for (the same matches on the development corpus and on random CJK/mixed text).
"""

from __future__ import annotations

import re
from typing import Dict, Iterator, List, Sequence, Tuple

from .cn_person_words import LATIN_NAME_TRIGGERS

# What the English-role pattern must hold: a letter (the role word's last one; with the characters `regex`
# folds to an ASCII letter under IGNORECASE), optional `.`, spaces and colon, then a case-sensitive ASCII capital.
_ENGLISH_ROLE_NAME = re.compile("[A-Za-z\u017f\u212a\u0130\u0131]\\.?[ \t]*[:\uff1a]?[ \t]*[A-Z]")
# What the Chinese-word pattern must hold: one of its words, up to two colons or spaces, an ASCII capital.
_CHINESE_ROLE_NAME = re.compile("(?:" + "|".join(LATIN_NAME_TRIGGERS) + ")[\uff1a: ]{0,2}[A-Z]")


class GroupOneSpans:
    """
    A pattern with one \\K, compiled with the standard library's `re` as the same pattern with a group from
    where \\K stood to its end: its finditer yields, for each match, what `regex` yields for the \\K pattern as
    far as presidio's loop reads it (span()), the group's span. Both engines backtrack alike through the same
    alternations and repeats; finditer resumes at the match's end in both. For patterns whose characters and
    classes no case folding touches (flags are not passed: IGNORECASE, MULTILINE and DOTALL change nothing without
    letters, ^, $ or a dot).
    """

    __slots__ = ("pattern", "compiled")

    def __init__(self, pattern: str):
        before, after = pattern.split("\\K")
        self.pattern = pattern
        self.compiled = re.compile(f"{before}({after})")

    def finditer(self, text: str) -> Iterator["_Span"]:
        """The matches of the \\K pattern in text, as objects with span()."""
        return map(_Span, self.compiled.finditer(text))


class _Span:
    """The part of a match presidio's loop reads: span(), here group 1's."""

    __slots__ = ("_span",)

    def __init__(self, match: re.Match):
        self._span = match.span(1)

    def span(self) -> Tuple[int, int]:
        return self._span


def first_character_alternation(words: Sequence[str]) -> str:
    """
    A regex source matching what the alternation of the literal `words` ("|".join, in this order) matches, with
    the words grouped by first character: 申(?:请人|报人)|被(?:申请人|保险人)|…. At any position only words that
    start with its character can match, and within a group they keep their order, so the first alternative that
    matches (and any backtracking order after it) is the same; `re` skips the other groups on one comparison
    each.

    :param words: the words, in the order the plain alternation would try them
    """
    groups: Dict[str, List[str]] = {}
    for word in words:
        groups.setdefault(word[0], []).append(word[1:])
    return "|".join(re.escape(first) + (re.escape(rests[0]) if len(rests) == 1 else
                                        "(?:" + "|".join(map(re.escape, rests)) + ")")
                    for first, rests in groups.items())


def may_hold_english_role_name(text: str) -> bool:
    """False only if the English-role pattern cannot match: no letter then an ASCII capital."""
    return _ENGLISH_ROLE_NAME.search(text) is not None


def may_hold_chinese_role_name(text: str) -> bool:
    """False only if the Chinese-word Latin-name pattern cannot match: no such word then an ASCII capital."""
    return _CHINESE_ROLE_NAME.search(text) is not None


def whole_value_starts(text: str) -> List[int]:
    """
    The starts of the lines ("\\n" ends one, as for `regex`'s MULTILINE ^ and $) two to four characters long:
    the only places where the whole-value pattern can match.

    :param text: the text
    """
    starts: List[int] = []
    at = 0
    for line in text.split("\n"):
        if 2 <= len(line) <= 4:
            starts.append(at)
        at += len(line) + 1
    return starts
