"""CN_MOBILE: mainland mobile numbers, 11 digits 1[3-9]x, optionally +86/0086/86 and grouped 3-4-4.

Only number segments that carriers actually issue count (13x, 14x, 15x but 154, 162/165-167, 170-178,
18x, 19x); a number inside a longer digit run is not a mobile number.
"""

from __future__ import annotations

import re
from typing import List, Optional

from presidio_analyzer import Pattern

from .base import IDENTIFIER_BREAKS, GovPatternRecognizer

ISSUED_PREFIX = re.compile(r"^1(?:3\d|4\d|5[0-35-9]|6[2567]|7[0-8]|8\d|9\d)\d{8}$")


class CnMobileRecognizer(GovPatternRecognizer):
    """
    Recognize Chinese mobile phone numbers (手机号码).

    :param patterns: List of patterns to be used by this recognizer
    :param context: List of context words to increase confidence in detection
    :param supported_language: Language this recognizer supports
    :param supported_entity: The entity this recognizer can detect
    """

    COUNTRY_CODE = "cn"

    PATTERNS = [
        Pattern(
            "CN mobile (medium)",
            r"(?<![0-9+])(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)",
            0.6,
        ),
    ]

    # Matches lie in runs of characters outside these (test_windows proves it from the pattern): the pattern
    # then searches a few short ASCII runs, not the whole text.
    WINDOW_BREAKS = IDENTIFIER_BREAKS + "\\.:/#()"
    WINDOW_MIN = 11
    # On `re` when the text is ASCII (the windows usually are): measured 3x faster there, same matches (test_engines).
    STDLIB_RE_ASCII = frozenset({"CN mobile (medium)"})
    CONTEXT = [
        "手机",
        "电话",
        "联系方式",
        "mobile",
        "phone",
    ]

    def __init__(
        self,
        patterns: Optional[List[Pattern]] = None,
        context: Optional[List[str]] = None,
        supported_language: str = "zh",
        supported_entity: str = "CN_MOBILE",
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

    def validate_result(self, pattern_text: str) -> bool:
        """
        Check that the 11 subscriber digits start with an issued segment.

        :param pattern_text: the text detected by the regex engine
        :return: True for an issued mobile number
        """
        digits = pattern_text if pattern_text.isdigit() else "".join(c for c in pattern_text if c.isdigit())
        if len(digits) > 11:
            if digits.startswith("0086"):
                digits = digits[4:]
            elif digits.startswith("86"):
                digits = digits[2:]
        return bool(ISSUED_PREFIX.match(digits))
