"""The normalised view detection sees, and the map from its offsets back to the caller's characters.

Departments write identifiers in full-width digits (`１３８１２３４５６７８`), with spaces or dashes between
digit groups (`110101 19900307 7777`, `138-1234-5678`, `+86 138 1234 5678`). Detection runs on a view of
each string where:

- full-width ASCII (U+FF01–U+FF5E), the ideographic space and Unicode dashes become their ASCII forms
  (one character for one, so offsets do not move);
- inside a run of digit groups joined by single spaces or dashes whose digits number as many as an
  identifier has (11–19, an optional trailing X), the separators are dropped.

A run with more digits (two mobiles side by side) or fewer (a date) keeps its separators, so numbers never
merge; so do hardware-address octets (`D1-28-25-73-77-13`) and a run that continues a group across a
spaced dash (`0871 - 53604089-347`: local number and extension stay apart). In a run starting with one 0 (a landline: `0571-8581 8451`) only the separators inside the 7–8
digit local number go; the one after the area code stays for the landline recognizer. So do those inside a
7–8 digit local number after a bracketed area code (`(0571) 8765 4321`). `Normalised.span()` maps a span of the view back to the original string, so the operator masks the
caller's own characters and keeps their formatting around the masked part.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_ONE_FOR_ONE = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_ONE_FOR_ONE.update({0x3000: 0x20, 0x2010: 0x2D, 0x2011: 0x2D, 0x2012: 0x2D, 0x2013: 0x2D, 0x2014: 0x2D,
                     0x2212: 0x2D, 0x00A0: 0x20})
_RUN = re.compile(r"(?:\+|00)?\d+(?:[ \-]{1,2}\d+)+(?:[ \-]?[Xx](?![0-9A-Za-z]))?")
_WHOLE_GROUP = re.compile(r"\d{11}")
_OCTETS = re.compile(r"\d{1,2}(?:([ \-])\d{2})(?:\1\d{2}){2,}")
_AFTER_GROUP = re.compile(r"\d ?[ \-] ?$")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")  # the commonest field with a dash in department data
_SEPARATORS = re.compile(r"[ \-]+")  # the first of them in a landline run ends its area code
# The characters _ONE_FOR_ONE replaces: a string holds only a few (its full-width punctuation), so they are
# replaced where found (str.translate looks every character of a CJK string up in the table: ~5x slower).
_REPLACED = re.compile("[" + re.escape("".join(map(chr, _ONE_FOR_ONE))) + "]")
_REPLACEMENT = {chr(k): chr(v) for k, v in _ONE_FOR_ONE.items()}.__getitem__
SQUEEZE_DIGITS = range(11, 20)  # digits of a mobile (11, or 13 with 86) … a bank card (19)


@dataclass(slots=True)
class Normalised:
    """The view `text` of an original string; `marks`/`shifts` map view offsets back."""

    text: str
    marks: list[int]  # view offsets at which some removed separators precede (sorted)
    shifts: list[int]  # total removed characters before the view offset marks[i] (inclusive)

    def original(self, offset: int) -> int:
        """The original offset of view offset `offset` (a character position)."""
        if not self.marks:
            return offset
        i = bisect.bisect_right(self.marks, offset) - 1
        return offset + (self.shifts[i] if i >= 0 else 0)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original [start, end) of the view's [start, end)."""
        if not self.marks or end <= start:
            return start, end
        return self.original(start), self.original(end - 1) + 1


def _digits(run: str) -> int:
    """The digits in a match of _RUN, whose other characters are only `+`, spaces, dashes and an X (counted in
    C: a per-character test cost a few microseconds per run, and every date and landline is a run)."""
    return len(run) - run.count(" ") - run.count("-") - run.count("+") - run.count("X") - run.count("x")


def _replace(match: re.Match[str]) -> str:
    return _REPLACEMENT(match.group())


def normalise(text: str) -> Normalised:
    """The normalised view of `text` (see the module docstring)."""
    if not text.isascii():
        text = _REPLACED.sub(_replace, text)
    return _squeezed(text)


def normalise_many(texts: list[str]) -> list[Normalised]:
    """[normalise(text) for text in texts], with the one-for-one replacements made in one pass over the texts
    joined: a remark holds a few distinct full-width marks (，：（）) many times, and str.replace per distinct
    mark over the joined texts costs less than a Python call per mark per text (re.sub with _replace). The
    replacements keep every length, so each text is cut back out of the joined one at its own offsets."""
    joined = "\n".join(texts)
    if not joined.isascii():
        found = set(_REPLACED.findall(joined))
        if found:
            for mark in found:
                joined = joined.replace(mark, _REPLACEMENT(mark))
            replaced, position = [], 0
            for text in texts:
                end = position + len(text)
                replaced.append(joined[position:end])
                position = end + 1
            texts = replaced
    return [_squeezed(text) for text in texts]


def _squeezed(text: str) -> Normalised:
    """normalise's second step: the separators inside identifier-length digit runs dropped (text replaced)."""
    if "-" not in text and " " not in text or _DATE.fullmatch(text):
        return Normalised(text, [], [])  # (a date alone, `2023-02-16`, is one run too short to squeeze)
    pieces: list[str] = []
    marks: list[int] = []
    shifts: list[int] = []
    removed = 0
    last = 0
    for m in _RUN.finditer(text):
        run = m.group(0)
        start = m.start()
        if run[0] == "0" and run[1] != "0":
            # a landline: the separator after the area code stays, one inside the local number goes
            cut = _SEPARATORS.search(run).end()
            local = run[cut:]
            if " " not in local and "-" not in local or _digits(local) not in (7, 8):
                continue  # (a local number without separators has nothing to squeeze: `0755-50475541`)
            start, run = start + cut, local
        elif _OCTETS.fullmatch(run) or _AFTER_GROUP.search(text, max(0, start - 4), start):
            # hardware-address octets (`D1-28-25-73-77-13`: no identifier is written in pairs), or the tail of a
            # group the run could not join (`0871 - 5360 4089-347`: a local number and its extension)
            continue
        elif (digits := _digits(run)) not in SQUEEZE_DIGITS or _WHOLE_GROUP.search(run):
            # a date, two numbers side by side, or a group already as long as an identifier with a short number
            # beside it (`13812345678 2号楼`): squeezed, the identifier would disappear into a longer number;
            # but a local number after "(0571) " is squeezed
            if not (digits in (7, 8) and text[max(0, start - 2):start].rstrip()[-1:] in (")", "）")):
                continue
        pieces.append(text[last:start])
        position = start
        pending = False
        kept: list[str] = []
        for ch in run:
            if ch == " " or ch == "-":
                removed += 1
                pending = True
            else:
                if pending:
                    marks.append(position - removed)
                    shifts.append(removed)
                    pending = False
                kept.append(ch)
            position += 1
        pieces.append("".join(kept))
        last = m.end()
    if not marks:
        return Normalised(text, [], [])
    pieces.append(text[last:])
    return Normalised("".join(pieces), marks, shifts)
