"""CN_BANK_CARD: bank card numbers, 16-19 digits (plain or grouped in fours), Luhn-checked.

UnionPay cards (prefix 62) score higher than other Luhn-valid card numbers; a number that fails the
Luhn check is not a bank card, and neither is a number inside a longer digit run.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

from presidio_analyzer import EntityRecognizer, Pattern

from .base import IDENTIFIER_BREAKS, GovPatternRecognizer

from ... import identifiers


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check over a string of digits (gateway.identifiers)."""
    return identifiers.luhn_valid(digits)


# Every digit doubled and digit-summed (7 -> 14 -> 5), as one str.translate table.
_DOUBLED = str.maketrans("0123456789", "0246813579")
_DEFAULT_PAIRS = [("-", ""), (" ", "")]


def ascii_luhn_valid(digits: str) -> bool:
    """luhn_valid for ASCII digits without a Python step per digit (validate_result runs it on every 16-19 digit
    run of a page: case numbers, ID numbers): every second digit from the right is doubled by one translate,
    and the digits are summed as their ASCII codes (48 more each). test_cn_bank_card compares it with
    luhn_valid on generated digit strings."""
    kept = digits[-1::-2].encode("ascii")
    doubled = digits[-2::-2].translate(_DOUBLED).encode("ascii")
    return (sum(kept) + sum(doubled) - 48 * len(digits)) % 10 == 0


class CnBankCardRecognizer(GovPatternRecognizer):
    """
    Recognize bank card numbers (银行卡号) using regex and the Luhn checksum.

    :param patterns: List of patterns to be used by this recognizer
    :param context: List of context words to increase confidence in detection
    :param supported_language: Language this recognizer supports
    :param supported_entity: The entity this recognizer can detect
    :param replacement_pairs: List of tuples with potential replacement values
    for different strings to be used during pattern matching.
    """

    COUNTRY_CODE = "cn"

    PATTERNS = [
        Pattern(
            "UnionPay card (strong)",
            r"(?<!\d)62\d{14,17}(?![\dXx])",
            0.9,
        ),
        Pattern(
            "UnionPay card grouped (strong)",
            r"(?<!\d)(?<!\d[ -])62\d{2}(?:([ -])\d{4})(?:\1\d{4}){2}(?:\1\d{1,3})?(?![\dXx])(?![ -]\d)",
            0.9,
        ),
        Pattern(
            "Bank card (medium)",
            r"(?<!\d)(?:[3-9]\d{15,18}|[12](?:\d{15}|\d{18}))(?![\dXx])",
            0.6,
        ),
        Pattern(
            "Bank card 17-18 digits from a year-like prefix (weak)",
            r"(?<!\d)[12]\d{16,17}(?![\dXx])",
            0.3,
        ),
        Pattern(
            "Bank card grouped (medium)",
            r"(?<!\d)(?<!\d[ -])[1-9]\d{3}(?:([ -])\d{4})(?:\1\d{4}){2}(?:\1\d{1,3})?(?![\dXx])(?![ -]\d)",
            0.6,
        ),
    ]

    # Measured faster on the standard library's `re`, same matches (test_engines).
    STDLIB_RE = frozenset({
        "Bank card (medium)",
        "Bank card 17-18 digits from a year-like prefix (weak)",
        "Bank card grouped (medium)",
    })
    # Matches lie in runs of characters outside these (test_windows proves it from the patterns).
    WINDOW_BREAKS = IDENTIFIER_BREAKS + ".:/+#()"
    WINDOW_MIN = 16
    # The grouped forms hold their separator, a space or a hyphen: windows without either skip them.
    PATTERN_NEEDS = {PATTERNS[1].regex: " -", PATTERNS[4].regex: " -"}
    CONTEXT = [
        "银行卡",
        "卡号",
        "银行账号",
        "账号",
        "开户",
        "bank",
    ]

    def __init__(
        self,
        patterns: Optional[List[Pattern]] = None,
        context: Optional[List[str]] = None,
        supported_language: str = "zh",
        supported_entity: str = "CN_BANK_CARD",
        replacement_pairs: Optional[List[Tuple[str, str]]] = None,
        name: Optional[str] = None,
    ):
        self.replacement_pairs = replacement_pairs if replacement_pairs else [("-", ""), (" ", "")]
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
        Run the Luhn checksum.

        :param pattern_text: the text detected by the regex engine
        :return: False when the checksum fails; None (keep the pattern's score) when it passes
        """
        if pattern_text.isdigit() and self.replacement_pairs == _DEFAULT_PAIRS:
            digits = pattern_text  # nothing to remove: the usual plain run skips presidio's replace loop
        else:
            digits = EntityRecognizer.sanitize_value(pattern_text, self.replacement_pairs)
        if not digits.isdigit() or not 16 <= len(digits) <= 19:
            return False
        if len(digits) == 18 and identifiers.looks_like_resident_id(digits):
            return False  # an ID number whose check character fails is no card either
        valid = ascii_luhn_valid(digits) if digits.isascii() else luhn_valid(digits)
        return None if valid else False
