"""Body handling around the masking engine: content types, content encodings, text and CSV codecs.

Everything here either returns usable bytes/text or raises MaskingRefused with a fixed reason code:

- Content-Encoding: identity, gzip, deflate, br (if the `brotli` module is importable and can bound
  its output), zstd (if `zstandard` or `compression.zstd` is importable). Unknown → `unsupported_encoding`;
  more than one coding (`gzip, gzip`) → `chained_encoding`; a corrupt stream → `corrupt_encoding`.
- Decompression streams with a cap on the output (`decompressed_too_large`, also applied to identity
  bodies) and a ratio limit (`compression_ratio`, once the output passes RATIO_FLOOR bytes).
- Text: UTF-8 (a BOM is allowed), or a declared GB charset (gbk, gb2312, gb18030); invalid bytes →
  `invalid_utf8`; any other declared charset → `unsupported_charset`.
- JSON: `invalid_json`; nesting too deep for the parser → `too_deep`.
- Content types: application/json and */*+json → JSON (the engine); NDJSON, JSONP, CSV/TSV, text/plain,
  HTML, XML (and */*+xml) and SSE → their module in gateway.masking.formats (`mask_text_body`), any other
  text/* as free text; a missing
  type is sniffed (JSON if it parses, else text); anything else → `unsupported_content_type`, unless the
  resource's catalog entry lists it in `public_content_types` (`is_public_type`): then it passes unchanged.

The masked body is re-encoded with the same Content-Encoding it arrived with (never a different one):
MaskResult.content_encoding names the coding of MaskResult.body (None = identity), and the caller sets
Content-Encoding to it and Content-Length to the new length.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import re
import zlib
from dataclasses import dataclass
from typing import Any

from .refusal import Deadline, MaskingRefused

CHUNK = 64 * 1024
RATIO_FLOOR = 1024 * 1024  # the ratio limit applies once this much has been decompressed

JSON_TYPES = frozenset({"application/json", "text/json"})
# The other media types we parse and mask, by kind (each kind is a module of gateway.masking.formats).
KINDS = {
    "text/plain": "text",
    "text/csv": "csv", "application/csv": "csv", "text/tab-separated-values": "csv",
    "application/x-ndjson": "ndjson", "application/ndjson": "ndjson", "application/jsonl": "ndjson",
    "application/x-jsonlines": "ndjson", "application/jsonlines": "ndjson", "application/json-lines": "ndjson",
    "application/javascript": "jsonp", "text/javascript": "jsonp", "application/x-javascript": "jsonp",
    "text/html": "html", "application/xhtml+xml": "html",
    "application/xml": "xml", "text/xml": "xml",
    "text/event-stream": "sse",
}
UTF8_CHARSETS = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})
GB_CHARSETS = {"gbk": "gbk", "gb2312": "gb2312", "gb18030": "gb18030", "cp936": "gbk"}
UTF8_BOM = b"\xef\xbb\xbf"

# --- optional codecs ----------------------------------------------------------------------------

try:  # pragma: no branch
    import brotli as _brotli

    try:
        _brotli.Decompressor().process(b"", output_buffer_limit=1)
    except TypeError:  # an old brotli that cannot bound its output: refuse br rather than risk a bomb
        _brotli = None
except ImportError:  # pragma: no cover - brotli is a dependency
    _brotli = None

_zstd_std: Any = None
_zstd_ext: Any = None
try:
    from compression import zstd as _zstd_std  # type: ignore[no-redef]  # Python 3.14+
except ImportError:
    try:
        import zstandard as _zstd_ext  # type: ignore[no-redef]
    except ImportError:
        pass


def supported_encodings() -> frozenset[str]:
    """The content codings this gateway can decode (and re-encode)."""
    codings = {"gzip", "deflate"}
    if _brotli is not None:
        codings.add("br")
    if _zstd_std is not None or _zstd_ext is not None:
        codings.add("zstd")
    return frozenset(codings)


# --- content type -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MediaType:
    kind: str  # json | text | csv | other | unknown (no Content-Type)
    mime: str
    charset: str | None


# A Content-Type value is parsed three times per response (the mask stage, the engine, the type we send back)
# and the same few values come back on every request: parsing is a pure function of the value, so short values'
# results are kept (bounded; MediaType is immutable). Not a cache of any body or its masking.
CACHED_TYPE_CHARS = 256


def parse_content_type(value: str | None) -> MediaType:
    if value is not None and len(value) <= CACHED_TYPE_CHARS:
        return _parse_content_type_cached(value)
    return _parse_content_type(value)


def _parse_content_type(value: str | None) -> MediaType:
    if value is None or not value.strip():
        return MediaType("unknown", "", None)
    mime, _, rest = value.partition(";")
    mime = mime.strip().lower()
    charset = None
    for param in rest.split(";"):
        name, _, val = param.partition("=")
        if name.strip().lower() == "charset":
            charset = val.strip().strip('"').lower() or None
    if mime in JSON_TYPES or (mime.startswith("application/") and mime.endswith("+json")):
        kind = "json"
    elif mime in KINDS:
        kind = KINDS[mime]
    elif mime.endswith("+xml") and "/" in mime:
        kind = "xml"
    elif mime.startswith("text/") and MEDIA_TYPE_RE.match(mime):
        kind = "text"  # any other text (markdown, a log, a vCard) is masked as free text, all of it
    else:
        kind = "other"
    return MediaType(kind, mime, charset)


_parse_content_type_cached = functools.lru_cache(maxsize=512)(_parse_content_type)


def is_public_type(resource, media: MediaType) -> bool:
    """True when `resource`'s catalog entry declares this (unparsed) media type public: only then does a body
    we cannot mask pass as it came. A resource declaring nothing passes nothing."""
    declared = getattr(resource, "public_content_types", None) if resource is not None else None
    return bool(declared) and media.kind == "other" and media.mime in declared


MEDIA_TYPE_RE = re.compile(r"\A[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\Z")


def declared_public_types(raw: Any) -> frozenset[str]:
    """A catalog entry's `public_content_types`: media types (type/subtype, no parameters) the gateway
    cannot parse and the provider declares public. A type the gateway masks cannot be declared (it is
    always masked). Raises ValueError naming the problem."""
    if not isinstance(raw, list):
        raise ValueError("must be a list of media types")
    types = set()
    for value in raw:
        mime = value.strip().lower() if isinstance(value, str) else ""
        if not MEDIA_TYPE_RE.match(mime):
            raise ValueError(f"{value!r} is not a media type (type/subtype)")
        if parse_content_type(mime).kind != "other":
            raise ValueError(f"{mime!r} is a type the gateway parses and masks; it cannot be declared public")
        types.add(mime)
    return frozenset(types)


def mask_text_body(kind: str, text: str, sink, charset: str | None = None) -> str:
    """Mask a decoded body of a non-JSON `kind` with its format module (gateway.masking.formats)."""
    from .formats import FORMATS, xml

    if kind == "xml":
        return xml.mask(text, sink, charset)
    return FORMATS[kind](text, sink)


@functools.lru_cache(maxsize=512)  # pure, on an immutable MediaType: see parse_content_type
def content_type_of(media: MediaType) -> str | None:
    """The Content-Type we send for a masked body: the media type and charset we parsed, nothing else
    of the provider's value (its parameters are not ours to relay)."""
    if not media.mime or not MEDIA_TYPE_RE.match(media.mime) or sum(c.isdigit() for c in media.mime) >= 5:
        return None  # not a media type we can vouch for (a head with no body to refuse it by): none at all
    known = media.charset in UTF8_CHARSETS or media.charset in GB_CHARSETS
    return f"{media.mime}; charset={media.charset}" if known else media.mime


# --- content encoding ---------------------------------------------------------------------------


def parse_encoding(value: str | None) -> str | None:
    """The one content coding of a Content-Encoding header value (None for identity)."""
    if value is None:
        return None
    codings = [c.strip().lower() for c in value.split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if not codings:
        return None
    known = {"gzip", "x-gzip", "deflate", "br", "zstd"}
    for c in codings:
        if c not in known:
            raise MaskingRefused("unsupported_encoding")
    if len(codings) > 1:
        raise MaskingRefused("chained_encoding")
    coding = "gzip" if codings[0] == "x-gzip" else codings[0]
    if coding not in supported_encodings():
        raise MaskingRefused("unsupported_encoding")
    return coding


class _Sink:
    """Collects decompressed output and enforces the size cap and the ratio limit."""

    def __init__(self, max_bytes: int, max_ratio: int, compressed_len: int, deadline: Deadline | None):
        self.out = bytearray()
        self.max_bytes, self.max_ratio = max_bytes, max_ratio
        self.compressed_len = max(compressed_len, 1)
        self.deadline = deadline

    def add(self, chunk: bytes, consumed: int | None = None) -> None:
        self.out += chunk
        n = len(self.out)
        if n > self.max_bytes:
            raise MaskingRefused("decompressed_too_large")
        if n > RATIO_FLOOR and self.max_ratio > 0:
            base = max(consumed if consumed else self.compressed_len, 1)
            if n > self.max_ratio * base:
                raise MaskingRefused("compression_ratio")
        if self.deadline is not None:
            self.deadline.check()


def decode_body(body: bytes, coding: str | None, *, max_bytes: int, max_ratio: int,
                deadline: Deadline | None = None) -> bytes:
    """Decompress `body` (coding from parse_encoding) under the size cap and ratio limit."""
    if coding is None:
        if len(body) > max_bytes:
            raise MaskingRefused("decompressed_too_large")
        return body
    sink = _Sink(max_bytes, max_ratio, len(body), deadline)
    if coding == "gzip":
        _inflate_gzip(body, sink)
    elif coding == "deflate":
        try:
            if _inflate(body, zlib.MAX_WBITS, sink):
                raise MaskingRefused("corrupt_encoding")  # data after the end of the stream
        except zlib.error:
            sink.out.clear()
            try:
                if _inflate(body, -zlib.MAX_WBITS, sink):  # raw deflate, as some servers send it
                    raise MaskingRefused("corrupt_encoding")
            except zlib.error:
                raise MaskingRefused("corrupt_encoding") from None
    elif coding == "br":
        _unbrotli(body, sink)
    elif coding == "zstd":
        _unzstd(body, sink)
    else:  # pragma: no cover - parse_encoding admits nothing else
        raise MaskingRefused("unsupported_encoding")
    return bytes(sink.out)


def _inflate(data: bytes, wbits: int, sink: _Sink, offset: int = 0) -> bytes:
    """One zlib/gzip/raw-deflate stream; returns the input left after its end.

    `offset`: compressed bytes consumed before `data` (earlier gzip members), for the ratio limit."""
    d = zlib.decompressobj(wbits)
    buf = data
    while True:
        chunk = d.decompress(buf, CHUNK)
        buf = d.unconsumed_tail
        sink.add(chunk, offset + len(data) - len(buf) - len(d.unused_data))
        if d.eof:
            return d.unused_data
        if not buf and not chunk:
            tail = d.flush()
            if tail:  # pragma: no cover - flush after max_length-bounded loop is normally empty
                sink.add(tail)
            raise MaskingRefused("corrupt_encoding")


def _inflate_gzip(data: bytes, sink: _Sink) -> None:
    rest = data
    while True:
        try:
            rest = _inflate(rest, 16 + zlib.MAX_WBITS, sink, len(data) - len(rest))
        except zlib.error:
            raise MaskingRefused("corrupt_encoding") from None
        if not rest.strip(b"\x00"):  # multi-member gzip is legal; trailing zero padding is tolerated
            return


def _unbrotli(data: bytes, sink: _Sink) -> None:
    d = _brotli.Decompressor()
    pos = 0
    try:
        while True:
            if d.can_accept_more_data():
                if pos >= len(data):
                    break
                piece = data[pos: pos + CHUNK]
                pos += len(piece)
            else:
                piece = b""
            out = d.process(piece, output_buffer_limit=CHUNK)
            sink.add(out, pos)
            if not piece and not out:
                break
    except _brotli.error:
        raise MaskingRefused("corrupt_encoding") from None
    if not d.is_finished():
        raise MaskingRefused("corrupt_encoding")


def _unzstd(data: bytes, sink: _Sink) -> None:  # pragma: no cover - depends on an optional module
    if _zstd_std is not None:
        rest = data
        try:
            while rest:
                d = _zstd_std.ZstdDecompressor()
                buf = rest
                while not d.eof:
                    out = d.decompress(buf, CHUNK)
                    buf = b""
                    sink.add(out)
                    if d.needs_input and not out:
                        raise MaskingRefused("corrupt_encoding")
                rest = d.unused_data
        except _zstd_std.ZstdError:
            raise MaskingRefused("corrupt_encoding") from None
        return
    try:
        # bounded streaming decompression first (the caps apply while reading) ...
        reader = _zstd_ext.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=True)
        while True:
            out = reader.read(CHUNK)
            if not out:
                break
            sink.add(out)
        # ... then check that every frame is complete: the reader stops silently on a truncated one.
        # The output is already known to be within the cap, so decompressing again is bounded.
        rest = data
        while rest:
            d = _zstd_ext.ZstdDecompressor().decompressobj()
            d.decompress(rest)
            if not d.eof:
                raise MaskingRefused("corrupt_encoding")
            rest = d.unused_data
    except _zstd_ext.ZstdError:
        raise MaskingRefused("corrupt_encoding") from None


def encode_body(data: bytes, coding: str | None) -> bytes:
    """Re-encode a masked body with the coding it arrived with."""
    if coding is None:
        return data
    if coding == "gzip":
        return gzip.compress(data, compresslevel=6, mtime=0)
    if coding == "deflate":
        return zlib.compress(data, 6)
    if coding == "br":
        return _brotli.compress(data, quality=5)
    if coding == "zstd":  # pragma: no cover - depends on an optional module
        if _zstd_std is not None:
            return _zstd_std.compress(data)
        return _zstd_ext.ZstdCompressor().compress(data)
    raise MaskingRefused("unsupported_encoding")  # pragma: no cover


# --- text ---------------------------------------------------------------------------------------


def decode_text(data: bytes, charset: str | None) -> tuple[str, bool]:
    """Bytes to text; returns (text, had_utf8_bom)."""
    codec = _codec(charset)
    if codec == "utf-8":
        bom = data.startswith(UTF8_BOM)
        try:
            return data[3:].decode("utf-8") if bom else data.decode("utf-8"), bom
        except UnicodeDecodeError:
            raise MaskingRefused("invalid_utf8") from None
    try:
        return data.decode(codec), False
    except UnicodeDecodeError:
        raise MaskingRefused("invalid_utf8") from None


def encode_text(text: str, charset: str | None, bom: bool = False) -> bytes:
    codec = _codec(charset)
    data = text.encode(codec)
    return UTF8_BOM + data if bom and codec == "utf-8" else data


def _codec(charset: str | None) -> str:
    if charset is None or charset in UTF8_CHARSETS:
        return "utf-8"
    codec = GB_CHARSETS.get(charset)
    if codec is None:
        raise MaskingRefused("unsupported_charset")
    return codec


# --- JSON ---------------------------------------------------------------------------------------


def parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise MaskingRefused("too_deep") from None
    except ValueError:
        raise MaskingRefused("invalid_json") from None


def dump_json(doc: Any) -> str:
    try:
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    except RecursionError:  # pragma: no cover - the walker refuses deep documents first
        raise MaskingRefused("too_deep") from None


def looks_like_json(text: str) -> bool:
    head = text.lstrip()[:1]
    return head in ("{", "[")


def sniff_kind(text: str) -> str:
    """The kind of a body that came without a Content-Type: JSON if it looks like it, markup (parsed as HTML,
    so character references are decoded before detection, as a browser sniffing it would decode them) if it
    starts with `<`, else free text."""
    if looks_like_json(text):
        return "json"
    return "html" if text.lstrip()[:1] == "<" else "text"
