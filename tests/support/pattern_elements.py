"""The one-character elements of a regex pattern, as class sources: what the engine and window proofs check.

`elements(source, flags)` walks the stdlib parser's tree of `source` and returns one regex source per element
that matches a single character (a literal, a class, \\d, ., a negated literal), lookarounds included;
`strict=True` refuses elements that match characters not listed (., negated classes and literals, \\w, \\s,
anchors), which a window proof cannot reason about.
"""

from __future__ import annotations

import re
import re._constants as C
import re._parser as parser

_CATEGORIES = {
    C.CATEGORY_DIGIT: r"\d", C.CATEGORY_NOT_DIGIT: r"\D", C.CATEGORY_SPACE: r"\s", C.CATEGORY_NOT_SPACE: r"\S",
    C.CATEGORY_WORD: r"\w", C.CATEGORY_NOT_WORD: r"\W",
}
BMP = "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, 0x10000)))


def elements(source: str, flags: int, strict: bool = False) -> list[str]:
    out: list[str] = []
    _walk(parser.parse(source, flags), out, strict)
    return out


def min_width(source: str, flags: int) -> int:
    return parser.parse(source, flags).getwidth()[0]


def _refuse(what) -> None:
    raise AssertionError(f"pattern element {what} matches characters it does not list")


def _walk(items, out: list[str], strict: bool) -> None:
    for op, av in items:
        if op is C.LITERAL:
            out.append(f"[{re.escape(chr(av))}]")
        elif op is C.NOT_LITERAL:
            _refuse(op) if strict else out.append(f"[^{re.escape(chr(av))}]")
        elif op is C.ANY:
            _refuse(op) if strict else out.append(".")
        elif op is C.IN:
            body = ""
            for kind, value in av:
                if kind is C.LITERAL:
                    body += re.escape(chr(value))
                elif kind is C.RANGE:
                    body += f"{re.escape(chr(value[0]))}-{re.escape(chr(value[1]))}"
                elif kind is C.CATEGORY and (value is C.CATEGORY_DIGIT or not strict):
                    body += _CATEGORIES[value]
                elif kind is C.NEGATE and not strict:
                    body = "^" + body
                else:
                    _refuse((kind, value))
            out.append(f"[{body}]")
        elif op is C.SUBPATTERN:
            _walk(av[3], out, strict)
        elif op is C.BRANCH:
            for branch in av[1]:
                _walk(branch, out, strict)
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            _walk(av[2], out, strict)
        elif op in (C.ASSERT, C.ASSERT_NOT):
            _walk(av[1], out, strict)
        elif op is C.ATOMIC_GROUP:
            _walk(av, out, strict)
        elif op is C.GROUPREF:
            continue  # repeats a group's text: its elements are checked where the group is
        elif op is C.AT and not strict:
            continue  # anchors match no character
        else:
            _refuse(op)
