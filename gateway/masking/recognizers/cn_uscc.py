"""CN_USCC: the unified social credit code (GB 32100-2015), the identifier of a legal entity.

18 characters from 0-9A-HJ-NPQRTUWXY (no I O S V Z): registration department, organisation type,
6-digit administrative division code, 9-character organisation code, check character. An enterprise
identifier is normally public; this recognizer only detects it, the masking rules decide.
"""

from __future__ import annotations

from typing import List, Optional

from presidio_analyzer import Pattern

from .base import IDENTIFIER_BREAKS, GovPatternRecognizer

from ... import identifiers
from ...identifiers import USCC_ALPHABET as CHARSET  # noqa: F401 - the code's alphabet
from ...identifiers import uscc_check_char as uscc_check_character  # noqa: F401

class CnUsccRecognizer(GovPatternRecognizer):
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

    # Measured faster on the standard library's `re`, same matches (test_engines).
    STDLIB_RE = frozenset({"CN USCC (checksum)"})
    # Matches lie in runs of characters outside these (test_windows proves it from the patterns).
    WINDOW_BREAKS = IDENTIFIER_BREAKS + " \\-.:/+#()"
    WINDOW_MIN = 18
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
        return identifiers.is_uscc(pattern_text.upper())
