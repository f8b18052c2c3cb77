"""CN_ID_CARD: the resident identity number (GB 11643-1999), 18-character and legacy 15-digit forms.

The 18-character form is 6-digit area code + YYYYMMDD birth date + 3-digit sequence + check character;
a candidate is only an ID number when its check character, its area code and its birth date are real.
The legacy 15-digit form (6 + YYMMDD + 3, born 19YY) has no check digit: it keeps a medium score that
context (身份证, a key such as `sfzh`) raises.
"""

from __future__ import annotations

from typing import List, Optional

from presidio_analyzer import Pattern

from .base import IDENTIFIER_BREAKS, GovPatternRecognizer

from ... import identifiers
from ...identifiers import gb11643_check_char as gb11643_check_character  # noqa: F401
from ...identifiers import is_real_birth_date  # noqa: F401

AREA_CODE_FIRST_DIGITS = "12345678"  # GB/T 2260 regions: 1 north … 6 north-west, 7 Taiwan, 8 HK/Macau


def is_valid_resident_id(value: str) -> bool:
    """True only for a fully valid 18-character resident ID number or foreigner's permanent-residence ID
    (gateway.identifiers: real province prefix, real birth date, GB 11643 check character)."""
    text = value.upper()
    return identifiers.is_resident_id(text) or identifiers.is_foreign_permanent_id(text)


class CnIdCardRecognizer(GovPatternRecognizer):
    """
    Recognize the Chinese resident identity number (居民身份证号码).

    :param patterns: List of patterns to be used by this recognizer
    :param context: List of context words to increase confidence in detection
    :param supported_language: Language this recognizer supports
    :param supported_entity: The entity this recognizer can detect
    """

    COUNTRY_CODE = "cn"

    PATTERNS = [
        Pattern(
            "CN ID card 18 (checksum)",
            r"(?<![0-9A-Za-z])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx]"
            r"(?![0-9A-Za-z])",
            0.5,
        ),
        Pattern(
            "Foreigner permanent residence ID 15 (medium)",
            r"(?<![0-9A-Za-z])[A-Z]{3}\d{12}(?![0-9A-Za-z])",
            0.4,
        ),
        Pattern(
            "CN ID card 15 legacy (medium)",
            r"(?<![0-9A-Za-z])[1-8]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9A-Za-z])",
            0.5,
        ),
    ]

    # Measured faster on the standard library's `re`, same matches (test_engines).
    STDLIB_RE = frozenset({"CN ID card 18 (checksum)", "CN ID card 15 legacy (medium)"})
    # Matches lie in runs of characters outside these (test_windows proves it from the patterns).
    WINDOW_BREAKS = IDENTIFIER_BREAKS + " \\-.:/+#()"
    WINDOW_MIN = 15
    CONTEXT = [
        "身份证",
        "身份号码",
        "证件号",
        "永久居留",
        "居留证",
        "居住证",
        "idcard",
        "id card",
    ]

    def __init__(
        self,
        patterns: Optional[List[Pattern]] = None,
        context: Optional[List[str]] = None,
        supported_language: str = "zh",
        supported_entity: str = "CN_ID_CARD",
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

    def validate_result(self, pattern_text: str) -> Optional[bool]:
        """
        Validate the check character (18 chars) and the birth date (both forms).

        :param pattern_text: the text detected by the regex engine
        :return: True for a valid 18-character number or an old 15-character permanent-residence ID
            (nationality letters + real province + real date), None (keep the pattern score) for a
            plausible 15-digit number, False for anything that is not an ID number
        """
        text = pattern_text.upper()
        if len(text) == 18:
            return is_valid_resident_id(text)
        if identifiers.is_foreign_permanent_id(text):
            return True  # three letters, a real province of issue and a real birth date: no ordinary code
        if identifiers.is_resident_id_15(text):
            return None
        return False
