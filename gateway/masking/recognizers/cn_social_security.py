"""CN_SOCIAL_SECURITY: social-security and medical-insurance card numbers (社会保障卡号, 医保卡号).

Most cities use the holder's resident ID number as the social-security number (CN_ID_CARD finds those);
the card itself carries its own card number, one capital letter + 8 digits (`K62811624`), which departments
write next to the holder in remarks and tables. A letter and eight digits is also the shape of many codes
(passports E12345678, order numbers), so the pattern alone scores below the threshold: the context words
(社保卡, 社会保障卡, 医保卡, a key such as `sbkh`) raise it. Placeholders of one repeated digit are refused.
"""

from __future__ import annotations

from typing import List, Optional

from presidio_analyzer import Pattern

from .base import GovPatternRecognizer

from ... import identifiers


class CnSocialSecurityRecognizer(GovPatternRecognizer):
    """
    Recognize social-security / medical-insurance card numbers (社会保障卡号).

    :param patterns: List of patterns to be used by this recognizer
    :param context: List of context words to increase confidence in detection
    :param supported_language: Language this recognizer supports
    :param supported_entity: The entity this recognizer can detect
    """

    COUNTRY_CODE = "cn"

    PATTERNS = [
        Pattern(
            "CN social-security card number (weak: needs context)",
            r"(?<![0-9A-Za-z])[A-Z]\d{8}(?![0-9A-Za-z])",
            0.3,
        ),
    ]

    CONTEXT = [
        "社保",
        "社会保障",
        "医保",
        "医疗保险",
        "保障卡",
        "参保",
    ]

    def __init__(
        self,
        patterns: Optional[List[Pattern]] = None,
        context: Optional[List[str]] = None,
        supported_language: str = "zh",
        supported_entity: str = "CN_SOCIAL_SECURITY",
        name: Optional[str] = None,
    ):
        super().__init__(
            supported_entity=supported_entity,
            patterns=patterns or self.PATTERNS,
            context=context or self.CONTEXT,
            supported_language=supported_language,
            name=name,
        )

    def validate_result(self, pattern_text: str) -> Optional[bool]:
        """
        Keep the pattern score for a card-number shape; refuse placeholders.

        :param pattern_text: the text detected by the regex engine
        :return: None (the score context may raise) or False
        """
        return None if identifiers.is_social_security_card(pattern_text) else False
