"""XML: element text and attribute values masked, keyed by their element or attribute name (so a catalog
label such as `sfzh` applies to `<sfzh>…</sfzh>` as it does to a JSON member); the document is written back
from its parse.

Parsed with the standard library's expat and nothing else: a DOCTYPE, an entity declaration or an external
entity reference refuses the body (`xml_dtd`) — no DTD is read, no entity is expanded, nothing is fetched
(billion laughs and XXE need one of them). Malformed XML refuses it too (`invalid_xml`), and so does an
element or attribute name that may hold an identifier (`identifier_in_markup`, see _check_names). Comments and
processing instructions are dropped; CDATA sections come back as escaped text; the XML declaration is
rewritten to name the encoding we send.
"""

from __future__ import annotations

from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

from ..refusal import MaskingRefused
from . import Sink, mask_values


class _Refused(Exception):
    pass


class _Document:
    def __init__(self):
        self.pieces: list[str | int] = []
        self.values: list[tuple[str | None, str]] = []
        self.stack: list[str] = []
        self.text: list[str] = []
        self.declared = False
        self.attrs: set[int] = set()  # indices of the values that are attribute values
        self.names: set[str] = set()  # element and attribute names, checked before they are written back

    def value(self, key: str | None, text: str) -> int:
        self.values.append((key, text))
        return len(self.values) - 1

    def flush(self) -> None:
        if not self.text:
            return
        data = "".join(self.text)
        self.text = []
        if not data.strip():
            self.pieces.append(escape(data))
            return
        key = self.stack[-1].rpartition(":")[2] if self.stack else None
        self.pieces.append(self.value(key, data))

    def start(self, name, attrs):
        self.flush()
        self.names.add(name)
        self.names.update(attrs[0::2])
        self.pieces.append(f"<{name}")
        for i in range(0, len(attrs), 2):
            attr, val = attrs[i], attrs[i + 1]
            index = self.value(attr.rpartition(":")[2], val)
            self.attrs.add(index)
            self.pieces += [f" {attr}=", index]
        self.pieces.append(">")
        self.stack.append(name)

    def end(self, name):
        self.flush()
        self.stack.pop()
        self.pieces.append(f"</{name}>")

    def chars(self, data):
        self.text.append(data)

    def xml_decl(self, version, encoding, standalone):
        self.declared = True


def _refuse(*_args):
    raise _Refused()


def mask(text: str, sink: Sink, charset: str | None = None) -> str:
    doc = _Document()
    parser = expat.ParserCreate("utf-8")
    parser.ordered_attributes = True
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    parser.NotationDeclHandler = _refuse
    parser.SkippedEntityHandler = _refuse
    parser.DefaultHandler = _no_default
    parser.StartElementHandler = doc.start
    parser.EndElementHandler = doc.end
    parser.CharacterDataHandler = doc.chars
    parser.XmlDeclHandler = doc.xml_decl
    try:
        parser.Parse(text.encode("utf-8"), True)
    except _Refused:
        raise MaskingRefused("xml_dtd") from None
    except RecursionError:
        raise MaskingRefused("too_deep") from None
    except expat.ExpatError:
        raise MaskingRefused("invalid_xml") from None
    doc.flush()
    _check_names(doc.names, sink)
    masked = mask_values(sink, doc.values)
    out = [f'<?xml version="1.0" encoding="{charset or "utf-8"}"?>'] if doc.declared else []
    for piece in doc.pieces:
        if isinstance(piece, str):
            out.append(piece)
        elif piece in doc.attrs:
            out.append(quoteattr(masked[piece]))
        else:
            out.append(escape(masked[piece]))
    return "".join(out)


def _check_names(names: set[str], sink: Sink) -> None:
    """Element and attribute names are written back as they are (a name cannot hold `*`), so a name with 5 or
    more digits, or one in which detection finds anything (a person's name as an element), refuses the body
    (`identifier_in_markup`)."""
    if any(sum(c.isdigit() for c in name) >= 5 for name in names):
        raise MaskingRefused("identifier_in_markup")
    suspects = sorted(name for name in names if not name.isascii())
    if suspects and mask_values(sink, [(None, name) for name in suspects]) != suspects:
        raise MaskingRefused("identifier_in_markup")


def _no_default(data):
    """Anything expat reports only to the default handler (comments, PIs, whitespace outside the root,
    undeclared entity references) is dropped — except an entity reference, which cannot be resolved."""
    if data.startswith("&"):
        raise _Refused()

