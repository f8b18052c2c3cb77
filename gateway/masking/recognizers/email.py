"""EMAIL_ADDRESS: e-mail addresses, also when written against Chinese text (邮箱zhang@example.com联系).

Presidio's own email pattern relies on \\b, which does not fire between a CJK character and a Latin
one; this recognizer uses explicit ASCII lookarounds instead and validates the address structure.
"""

from __future__ import annotations

import re
from typing import List, Optional

from presidio_analyzer import Pattern

from .base import GovPatternRecognizer

DOMAIN_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


class EmailRecognizer(GovPatternRecognizer):
    """
    Recognize email addresses using regex and a structural check.

    :param patterns: List of patterns to be used by this recognizer
    :param context: List of context words to increase confidence in detection
    :param supported_language: Language this recognizer supports
    :param supported_entity: The entity this recognizer can detect
    """

    PATTERNS = [
        Pattern(
            "Email (medium)",
            r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
            r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])",
            0.5,
        ),
    ]

    # Measured faster on the standard library's `re`, same matches (test_engines).
    STDLIB_RE = frozenset({"Email (medium)"})
    CONTEXT = [
        "邮箱",
        "邮件",
        "email",
        "e-mail",
    ]

    def __init__(
        self,
        patterns: Optional[List[Pattern]] = None,
        context: Optional[List[str]] = None,
        supported_language: str = "zh",
        supported_entity: str = "EMAIL_ADDRESS",
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
        Check the local part and every domain label.

        :param pattern_text: the text detected by the regex engine
        :return: True for a well-formed address
        """
        local, _, domain = pattern_text.rpartition("@")
        if not local or ".." in local or local.endswith("."):
            return False
        labels = domain.split(".")
        return len(labels) >= 2 and all(DOMAIN_LABEL.match(label) for label in labels) and labels[-1].isalpha()
