"""CN_PASSPORT: ordinary passports of the People's Republic of China.

E or G followed by 8 digits (E12345678, G12345678) and the newer e-passport series E + letter + 7 digits
(EA1234567; the letter is never I or O), diplomatic/service passports (D/S/P + 7–8 digits), and the
travel permits reported as the same entity (a travel document number, masked alike): home-return permits
(H/M + 8 or 10 digits), mainland residents' permits to HK/Macau (C + letter/digit + 7 digits), Taiwan
compatriot permits (10 digits + letter; the 8-digit form scores low and counts only with context: a key such as
`tbzh`/`txzhm` or a word such as 台胞证 nearby). Shapes are short and generic, so the score is medium and the
context (护照, 通行证, 回乡证, 台胞证, passport) raises it; structure rules live in gateway.identifiers.
"""

from __future__ import annotations

from typing import List, Optional

from presidio_analyzer import Pattern

from .base import IDENTIFIER_BREAKS, GovPatternRecognizer


class CnPassportRecognizer(GovPatternRecognizer):
    """
    Recognize Chinese passport numbers (护照号码).

    :param patterns: List of patterns to be used by this recognizer
    :param context: List of context words to increase confidence in detection
    :param supported_language: Language this recognizer supports
    :param supported_entity: The entity this recognizer can detect
    """

    COUNTRY_CODE = "cn"

    PATTERNS = [
        Pattern(
            "CN passport E/G (medium)",
            r"(?<![0-9A-Za-z])[EG]\d{8}(?![0-9A-Za-z])",
            0.5,
        ),
        Pattern(
            "CN diplomatic/service passport (weak)",
            r"(?<![0-9A-Za-z])(?:DE|SE|PE|[DSP])\d{7,8}(?![0-9A-Za-z])",
            0.4,
        ),
        Pattern(
            "HK/Macau/Taiwan travel permit (medium)",
            r"(?<![0-9A-Za-z])(?:[HM]\d{8}(?:\d{2})?|C[A-HJ-NP-Z0-9]\d{7}|\d{10}[A-Z])(?![0-9A-Za-z])",
            0.5,
        ),
        Pattern(
            "Taiwan compatriot permit 8 digits (weak: needs context)",
            r"(?<![0-9A-Za-z])\d{8}(?![0-9A-Za-z])",
            0.2,
        ),
        Pattern(
            "CN e-passport E+letter (medium)",
            r"(?<![0-9A-Za-z])E[A-HJ-NP-Z]\d{7}(?![0-9A-Za-z])",
            0.5,
        ),
    ]

    # Measured faster on the standard library's `re`, same matches (test_engines; not the travel permit: its
    # [A-Z] folds İ under IGNORECASE in `re` only).
    STDLIB_RE = frozenset({"Taiwan compatriot permit 8 digits (weak: needs context)"})
    # The travel permit on `re` when the text is ASCII (the windows usually are): measured 4x faster there.
    STDLIB_RE_ASCII = frozenset({"HK/Macau/Taiwan travel permit (medium)"})
    # Matches lie in runs of characters outside these (test_windows proves it from the patterns).
    WINDOW_BREAKS = IDENTIFIER_BREAKS + " \\-.:/+#()"
    WINDOW_MIN = 8
    CONTEXT = [
        "护照",
        "通行证",
        "回乡证",
        "台胞证",
        "passport",
        "permit",
    ]

    def __init__(
        self,
        patterns: Optional[List[Pattern]] = None,
        context: Optional[List[str]] = None,
        supported_language: str = "zh",
        supported_entity: str = "CN_PASSPORT",
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
        Reject placeholder numbers made of one repeated digit (E00000000).

        :param pattern_text: the text detected by the regex engine
        :return: True if invalidated
        """
        digits = "".join(c for c in pattern_text if c.isdigit())
        return len(set(digits)) == 1
