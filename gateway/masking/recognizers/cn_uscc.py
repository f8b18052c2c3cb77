"""CN_USCC: the unified social credit code (GB 32100-2015), the identifier of a legal entity.

18 characters from 0-9A-HJ-NPQRTUWXY (no I O S V Z): registration department, organisation type,
6-digit administrative division code, 9-character organisation code, check character. An enterprise
identifier is normally public; this recognizer only detects it, the masking rules decide.
"""

from __future__ import annotations

from typing import List, Optional

from presidio_analyzer import Pattern, PatternRecognizer

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_character(first17: str) -> str:
    """The check character for the first 17 characters of a unified social credit code."""
    total = sum(CHARSET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    value = 31 - total % 31
    return CHARSET[0 if value == 31 else value]


class CnUsccRecognizer(PatternRecognizer):
    """
    Recognize the unified social credit code (统一社会信用代码).

    :param patterns: List of patterns to be used by this recognizer
    :param context: List of context words to increase confidence in detection
    :param supported_language: Language this recognizer supports
    :param supported_entity: The entity this recognizer can detect
    """

    COUNTRY_CODE = "cn"

    PATTERNS = [
        Pattern(
            "CN USCC (checksum)",
            r"(?<![0-9A-Za-z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Za-z])",
            0.5,
        ),
    ]

    CONTEXT = [
        "信用代码",
        "社会信用",
        "uscc",
    ]

    def __init__(
        self,
        patterns: Optional[List[Pattern]] = None,
        context: Optional[List[str]] = None,
        supported_language: str = "zh",
        supported_entity: str = "CN_USCC",
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
        Validate the GB 32100 check character.

        :param pattern_text: the text detected by the regex engine
        :return: True when the check character is right
        """
        code = pattern_text.upper()
        if len(code) != 18 or any(char not in CHARSET for char in code):
            return False
        return uscc_check_character(code[:17]) == code[17]
