"""CN_ID_CARD: the resident identity number (GB 11643-1999), 18-character and legacy 15-digit forms.

The 18-character form is 6-digit area code + YYYYMMDD birth date + 3-digit sequence + check character;
a candidate is only an ID number when its check character, its area code and its birth date are real.
The legacy 15-digit form (6 + YYMMDD + 3, born 19YY) has no check digit: it keeps a medium score that
context (身份证, a key such as `sfzh`) raises.
"""

from __future__ import annotations

import datetime
from typing import List, Optional

from presidio_analyzer import Pattern, PatternRecognizer

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"  # indexed by (weighted sum mod 11)


def gb11643_check_character(first17: str) -> str:
    """The check character for the first 17 digits of an 18-character ID number."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def is_real_birth_date(year: int, month: int, day: int, today: datetime.date | None = None) -> bool:
    """A calendar date between 1900-01-01 and today."""
    today = today or datetime.date.today()
    if year < 1900:
        return False
    try:
        born = datetime.date(year, month, day)
    except ValueError:
        return False
    return born <= today


AREA_CODE_FIRST_DIGITS = "12345678"  # GB/T 2260 regions: 1 north … 6 north-west, 7 Taiwan, 8 HK/Macau


def is_valid_resident_id(value: str) -> bool:
    """
    True only for a fully valid 18-character resident ID number (GB 11643-1999).

    Seventeen digits then a digit or X (either case), an area code whose first digit names a real region
    (1–8), a real birth date (1900-01-01 up to today) and the right check character. An all-digit unified
    social credit code that happens to satisfy the check character (913301061948297646) fails on its
    first digit or its date. The legacy 15-digit form has no check character and is never valid here.

    :param value: the candidate, without separators
    """
    text = value.upper()
    if len(text) != 18 or not text[:17].isdigit() or text[17] not in "0123456789X":
        return False
    if text[0] not in AREA_CODE_FIRST_DIGITS:
        return False
    if not is_real_birth_date(int(text[6:10]), int(text[10:12]), int(text[12:14])):
        return False
    return gb11643_check_character(text[:17]) == text[17]


class CnIdCardRecognizer(PatternRecognizer):
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
            r"(?<![0-9A-Za-z])[1-8]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx]"
            r"(?![0-9A-Za-z])",
            0.5,
        ),
        Pattern(
            "CN ID card 15 legacy (medium)",
            r"(?<![0-9A-Za-z])[1-8]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9A-Za-z])",
            0.5,
        ),
    ]

    CONTEXT = [
        "身份证",
        "身份号码",
        "证件号",
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
        :return: True for a valid 18-character number, None (keep the pattern score) for a
            plausible 15-digit number, False for anything that is not an ID number
        """
        text = pattern_text.upper()
        if len(text) == 18:
            return is_valid_resident_id(text)
        if len(text) == 15 and text.isdigit() and text[0] in AREA_CODE_FIRST_DIGITS:
            if is_real_birth_date(1900 + int(text[6:8]), int(text[8:10]), int(text[10:12])):
                return None
        return False
