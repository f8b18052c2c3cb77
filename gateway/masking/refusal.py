"""The one exception masking raises: MaskingRefused(reason), and the time budget that raises it.

A refusal means the response is not delivered (fail closed). The reason is a fixed code; the message
never carries a body, a value or an exception text from inside masking.
"""

from __future__ import annotations

import time

from ..errors import GatewayError

REASONS = frozenset({
    "unsupported_encoding", "chained_encoding", "corrupt_encoding", "decompressed_too_large",
    "compression_ratio", "invalid_utf8", "unsupported_charset", "invalid_json", "invalid_csv",
    "unsupported_content_type", "too_deep", "masking_error", "masking_timeout",
    "invalid_ndjson", "invalid_jsonp", "invalid_xml", "xml_dtd", "identifier_in_markup",
})


class MaskingRefused(GatewayError):
    """The body cannot be masked safely, so it is not released. `reason` is one of REASONS."""

    status, reason = 502, "masking_error"

    def __init__(self, reason: str, message: str = "", *, cause: str | None = None):
        if reason not in REASONS:
            reason = "masking_error"
        super().__init__(reason, message or f"response refused: {reason.replace('_', ' ')}",
                         status=504 if reason == "masking_timeout" else 502)
        self.cause = cause  # class name of an internal error, for the audit trail; never a message


class Deadline:
    """A watchdog time budget checked between items; `check()` raises masking_timeout once spent.

    The clock is read on every CLOCK_EVERY-th check only (items are microseconds each, the budget is
    seconds), so a check costs a counter decrement on the hot path."""

    __slots__ = ("end", "_countdown")
    CLOCK_EVERY = 32

    def __init__(self, seconds: float | None):
        self.end = time.monotonic() + seconds if seconds and seconds > 0 else None
        self._countdown = 0

    def check(self) -> None:
        if self.end is None:
            return
        if self._countdown > 0:
            self._countdown -= 1
            return
        self.check_now()

    def check_now(self) -> None:
        """Read the clock now: after a step that may take long on its own (detection of a batch)."""
        self._countdown = self.CLOCK_EVERY - 1
        if self.end is not None and time.monotonic() > self.end:
            raise MaskingRefused("masking_timeout")
