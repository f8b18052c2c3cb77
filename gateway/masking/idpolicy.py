"""Identifier policy of the masking engine: which detected entities count as proven identifiers, which
characters are a personal identifier whatever entity a span was found as, and how a JSON leaf reads as text.

Checksums come from gateway.identifiers (one place for every identifier rule).
"""

from __future__ import annotations

import re
from typing import Any, Callable

from .operators import parse_amount, year_of
from ..identifiers import personal_identifier_type

MIN_NUMBER_DIGITS = 5  # JSON integers with at least this many digits are checked as identifiers
# Entities a key name may hint at that the detector does not find as spans by itself: applied to the
# whole value of an unlabelled field when the value has the entity's shape.
HINT_SHAPES: dict[str, Callable[[str], bool]] = {
    "DATE_OF_BIRTH": lambda text: year_of(text) is not None,
    "TRADE_SECRET": lambda text: parse_amount(text) is not None,
}


# In fields the provider labelled public or internal, detection masks only unambiguous personal
# identifiers: numbers a checksum proves (ID, bank card) and mobile numbers. A company name that looks like
# a person's, or a registered address, is what the provider declared shareable and stays as it is.
CHECKSUM_ENTITIES = frozenset({"CN_ID_CARD", "CN_BANK_CARD", "CN_MOBILE"})
CHECKSUM_MIN_CHARS = 11  # the shortest of them: a mobile number's 11 digits (IDs have 15/18, cards 16-19)


def personal_identifier_shape(text: str) -> str | None:
    """CN_ID_CARD or CN_BANK_CARD when `text` is a valid one (gateway.identifiers: full resident-ID check,
    region, birth date and check character; Luhn for a card), else None."""
    return personal_identifier_type(text)


def as_text(value: Any, *, whole: bool) -> str | None:
    """The text of a leaf for masking: strings as they are, integers with enough digits (or any
    number when a whole-field operator applies), never booleans."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        text = str(value)
        return text if whole or len(text.lstrip("-")) >= MIN_NUMBER_DIGITS else None
    if isinstance(value, float):
        return repr(value) if whole else None
    return None


