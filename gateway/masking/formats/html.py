"""HTML: every text node and every attribute value masked as free text; the page is written back from its
parse, so what we send is what we read.

Character references are decoded before masking (an ID number written as `&#49;&#49;…` is still found) and
text is re-escaped on output. Script and style contents are masked as text and written unescaped (the
parser ended them at their closing tag, and masking only ever puts digits, letters and `*` in). Comments,
processing instructions and declarations other than a plain `<!DOCTYPE html>` are dropped: they are not
content, and they can carry anything; so are tags and attributes whose names are not plain ASCII names with
fewer than 5 digits (the text inside such a tag is kept, masked).
"""

from __future__ import annotations

import bisect
import html
import re
from html.parser import HTMLParser

from ...identifiers import find_personal_identifier
from . import Sink, mask_values

# A digit run that may be an identifier once the page is rendered and adjacent text nodes run together.
_RUN = re.compile(r"(?<![0-9A-Za-z])\d(?:[ -]?\d){10,18}[ -]?[0-9Xx]?(?![0-9A-Za-z])")

_RAW_TEXT = frozenset({"script", "style"})
_NAME_SHAPE = re.compile(r"\A[A-Za-z][A-Za-z0-9:._-]{0,63}\Z")


class _Name:
    """Tag and attribute names we write back: ASCII names with fewer than 5 digits (a name never holds an
    identifier; one that might is dropped, with its attribute, or as a tag while its text is kept)."""

    @staticmethod
    def match(name: str) -> bool:
        return bool(_NAME_SHAPE.match(name)) and sum(c.isdigit() for c in name) < 5


_NAME = _Name()
_DOCTYPE = re.compile(r"\Adoctype\s+html\s*\Z", re.IGNORECASE)


class _Page(HTMLParser):
    """Parses a page into output pieces; str pieces are literal, int pieces index the values to mask."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces: list[str | int] = []
        self.values: list[tuple[str | None, str]] = []
        self.raw_stack: list[str] = []

    def value(self, key: str | None, text: str) -> int:
        self.values.append((key, text))
        return len(self.values) - 1

    def tag(self, tag: str, attrs, close: str) -> None:
        if not _NAME.match(tag):
            return
        self.pieces.append(f"<{tag}")
        for name, val in attrs:
            if not _NAME.match(name):
                continue
            if val is None:
                self.pieces.append(f" {name}")
            else:
                self.pieces += [f' {name}="', self.value(name, val), '"']
        self.pieces.append(close)

    def handle_starttag(self, tag, attrs):
        self.tag(tag, attrs, ">")
        if tag in _RAW_TEXT:
            self.raw_stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tag(tag, attrs, "/>")

    def handle_endtag(self, tag):
        if _NAME.match(tag):
            self.pieces.append(f"</{tag}>")
        if self.raw_stack and self.raw_stack[-1] == tag:
            self.raw_stack.pop()

    def handle_data(self, data):
        if not data.strip():
            self.pieces.append(data)
            return
        index = self.value(None, data)
        self.pieces.append(-1 - index if self.raw_stack else index)  # negative: write unescaped

    def handle_decl(self, decl):
        if _DOCTYPE.match(decl):
            self.pieces.append("<!DOCTYPE html>")

    def handle_comment(self, data):
        pass  # dropped (see the module docstring)

    def handle_pi(self, data):
        pass

    def unknown_decl(self, data):
        pass


def mask(text: str, sink: Sink) -> str:
    page = _Page()
    page.feed(text)
    page.close()
    masked = mask_values(sink, page.values)
    indices = [piece if piece >= 0 else -1 - piece for piece in page.pieces if isinstance(piece, int)]
    _guard_across_nodes(masked, [i for i in indices if page.values[i][0] is None])  # text nodes, in order
    out = []
    for piece in page.pieces:
        if isinstance(piece, str):
            out.append(piece)
        elif piece >= 0:
            attr = page.values[piece][0] is not None
            out.append(html.escape(masked[piece], quote=attr))
        else:
            out.append(masked[-1 - piece].replace("</", "<\\/"))
    return "".join(out)


def _guard_across_nodes(masked: list[str], order: list[int]) -> None:
    """An identifier split over several text nodes (`<span>110105</span><span>19491231002X</span>`) is one
    identifier on the rendered page: where the text of consecutive nodes, run together, holds a proven
    identifier (checksum, or a mobile's shape) that crosses a node boundary, its characters are starred."""
    if len(order) < 2:
        return
    starts, joined, pos = [], [], 0
    for index in order:
        starts.append(pos)
        joined.append(masked[index])
        pos += len(masked[index])
    text = "".join(joined)
    for m in _RUN.finditer(text):
        first = bisect.bisect_right(starts, m.start()) - 1
        last = bisect.bisect_right(starts, m.end() - 1) - 1
        if first == last or find_personal_identifier(m.group(0)) is None:
            continue
        for k in range(first, last + 1):
            index, base = order[k], starts[k]
            lo, hi = max(m.start() - base, 0), min(m.end() - base, len(masked[index]))
            piece = masked[index]
            masked[index] = piece[:lo] + re.sub(r"[0-9Xx]", "*", piece[lo:hi]) + piece[hi:]
