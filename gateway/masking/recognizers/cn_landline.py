"""CN_LANDLINE: fixed-line numbers with an area code: 010-12345678, 0571-87654321, (010)12345678.

Also `022 - 76274079` (a spaced dash) and the international form `+86 991 4193383` / `0086-10-12345678`
(country code, then the area code without its leading 0).

Area codes are 010, 02x or 0[3-9]xx; the local number has 7-8 digits and does not start with 0;
an extension (-123, 转123, ` 分机418`, ext.123) belongs to the span. Without a separator after the area code
the match is weak and needs context (电话, a key such as `gddh`).
"""

from __future__ import annotations

from typing import List, Optional

from presidio_analyzer import Pattern

from .base import GovPatternRecognizer

AREA_CODE = r"(?:010|02\d|0[3-9]\d{2})"
INTERNATIONAL_AREA_CODE = r"(?:10|2\d|[3-9]\d{2})"  # dialled from abroad: the area code without its 0
LOCAL_NUMBER = r"[1-9]\d{6,7}"
EXTENSION = r"(?:(?:-| ?(?:转|分机|ext\.?)|#)\d{1,6})?"


class CnLandlineRecognizer(GovPatternRecognizer):
    """
    Recognize Chinese fixed-line phone numbers (固定电话).

    :param patterns: List of patterns to be used by this recognizer
    :param context: List of context words to increase confidence in detection
    :param supported_language: Language this recognizer supports
    :param supported_entity: The entity this recognizer can detect
    """

    COUNTRY_CODE = "cn"

    PATTERNS = [
        Pattern(
            "CN landline with area code (medium)",
            rf"(?<![0-9(（])(?:\({AREA_CODE}\)|（{AREA_CODE}）|{AREA_CODE} ?- ?|{AREA_CODE} )[ ]?{LOCAL_NUMBER}{EXTENSION}"
            r"(?!\d)",
            0.6,
        ),
        Pattern(
            "CN landline after +86/0086, area code without its 0 (medium)",
            rf"(?<![0-9A-Za-z+])(?:\+|00)86[ -]?{INTERNATIONAL_AREA_CODE}[ -]?{LOCAL_NUMBER}{EXTENSION}(?!\d)",
            0.6,
        ),
        Pattern(
            "CN landline unseparated (weak)",
            rf"(?<!\d){AREA_CODE}{LOCAL_NUMBER}{EXTENSION}(?!\d)",
            0.3,
        ),
    ]

    CONTEXT = [
        "电话",
        "座机",
        "固话",
        "传真",
        "landline",
        "telephone",
    ]

    def __init__(
        self,
        patterns: Optional[List[Pattern]] = None,
        context: Optional[List[str]] = None,
        supported_language: str = "zh",
        supported_entity: str = "CN_LANDLINE",
        name: Optional[str] = None,
    ):
        patterns = patterns if patterns else self.PATTERNS
        context = context if context else self.CONTEXT
        super().__init__(
            supported_entity=supported_entity,
            patterns=patterns,
            context=context,
            supported_language=supported_language,
            name=name,
        )

    def invalidate_result(self, pattern_text: str) -> bool:
        """
        Reject a number whose local part is one digit repeated (00000000 placeholders).

        :param pattern_text: the text detected by the regex engine
        :return: True if invalidated
        """
        digits = "".join(c for c in pattern_text if c.isdigit())
        local = digits[-8:]
        return len(set(local)) == 1
