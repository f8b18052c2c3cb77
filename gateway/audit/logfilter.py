"""Nothing raw in a log line: a logging filter that strips the bytes mitmproxy prints into its messages.

mitmproxy's protocol layers log what they could not parse verbatim — `Unexpected data from server:
b'…'`, `Bad HTTP request line: b'GET /x?sfzh=…'`, `Invalid header line: b'…'`, HTTP/2 event reprs with their
`data:b'…'` — which can carry a provider's body or a caller's query. `RawBytesFilter` rewrites each record
once it is made: every bytes literal becomes `b'<N bytes>'`; in lines from mitmproxy's own loggers every
run of 7 or more digits becomes `<digits>` and every JWT `<token>`; in every other line (ours, which may
quote a caller-chosen request id) an identifier gateway.identifiers proves — ID number, mobile, bank card —
becomes `<identifier>`. The record keeps its level and logger, so operators still see what happened and where.

`install()` applies the filter to every record of the process, including those of handlers mitmproxy adds
later (it wraps the log-record factory); the runner calls it before the proxy starts. Importable without
mitmproxy.
"""

from __future__ import annotations

import ast
import logging
import re
from collections.abc import Callable

from .record import looks_like_pii

_BYTES = re.compile(r"""b'(?:[^'\\]|\\.)*'|b"(?:[^"\\]|\\.)*\"""")
_DIGITS = re.compile(r"\d[\d\s\-]{5,}\d")
_CANDIDATE = re.compile(r"[+\d][\d\s\-]{9,}[\dXx]|[０-９][０-９\s\-]{9,}[０-９]")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}(?:\.[A-Za-z0-9_-]*)?")
PROXY_LOGGERS = ("mitmproxy",)


def _bytes_mark(m: re.Match) -> str:
    literal = m.group(0)
    try:
        size = len(ast.literal_eval(literal))
    except (ValueError, SyntaxError):  # a truncated literal: say roughly how long it was
        size = len(literal) - 3
    return f"b'<{size} bytes>'"


def _digits_mark(m: re.Match) -> str:
    return "<digits>" if sum(c.isdigit() for c in m.group(0)) >= 7 else m.group(0)


def _identifier_mark(m: re.Match) -> str:
    return "<identifier>" if looks_like_pii(m.group(0)) else m.group(0)


def redact(message: str, from_proxy: bool = True) -> str:
    """`message` without bytes literals, and for proxy loggers without long digit runs and JWTs, for ours
    without proven identifiers."""
    out = _BYTES.sub(_bytes_mark, message)
    if from_proxy:
        out = _JWT.sub("<token>", out)
        out = _DIGITS.sub(_digits_mark, out)
    else:
        out = _CANDIDATE.sub(_identifier_mark, out)
    return out


class RawBytesFilter(logging.Filter):
    """Rewrites a record's message in place (never drops it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record: keep only its template
            message = str(record.msg)
        from_proxy = record.name.startswith(PROXY_LOGGERS)
        if from_proxy or "b'" in message or 'b"' in message or _CANDIDATE.search(message):
            cleaned = redact(message, from_proxy)
            if cleaned != message or record.args:
                record.msg, record.args = cleaned, None
        if record.exc_info and from_proxy:
            # A traceback from mitmproxy's parsers quotes the bytes it choked on: keep only the exception's
            # class and its redacted message (an OptionsError still names the file and line it refused).
            exc = record.exc_info[1]
            if exc is not None:
                record.msg = f"{record.msg}\n{type(exc).__name__}: {redact(str(exc), True)}"
                record.args = None
            record.exc_text = None
            record.exc_info = None
        return True


_installed: Callable | None = None


def install() -> Callable[[], None]:
    """Filter every log record this process makes; returns a function that undoes it. Idempotent."""
    global _installed
    if _installed is not None:
        return _uninstall
    previous = logging.getLogRecordFactory()
    record_filter = RawBytesFilter()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record_filter.filter(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = previous
    return _uninstall


def _uninstall() -> None:
    global _installed
    if _installed is not None:
        logging.setLogRecordFactory(_installed)
        _installed = None
