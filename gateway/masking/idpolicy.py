"""Identifier policy of the masking engine: which detected entities count as proven identifiers, which
characters are a personal identifier whatever entity a span was found as, and how a JSON leaf reads as text.

Checksums come from gateway.identifiers (one place for every identifier rule).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Callable

from .operators import parse_amount, year_of
from .recognizers.cjk import is_cjk
from .recognizers.cn_person import COMPOUND_SURNAMES, SINGLE_SURNAMES
from .shapes import FINANCE_LABELS
from ..identifiers import is_uscc, personal_identifier_type

MIN_NUMBER_DIGITS = 5  # JSON integers with at least this many digits are checked as identifiers
# Entities a key name may hint at that the detector does not find as spans by itself: applied to the
# whole value of an unlabelled field when the value has the entity's shape.
_LATIN_NAME = re.compile(r"[A-Z][a-z]+(?:[ '\-][A-Z][a-z]+){1,3}|[A-Z]+(?: [A-Z]+){1,3}|[A-Z][a-z]+,? [A-Z][a-z]+")
_ORG_END = re.compile(r"(?:公司|中心|局|委|办|院|校|社|所|会|厅|站|行|馆|部|队|处|室|组|村|区|县|市|省)$")
_SURNAMES = frozenset(SINGLE_SURNAMES)


def looks_like_name(text: str) -> bool:
    """A whole value that is a person's name: 2–4 Chinese characters starting with a surname (or a compound
    surname, or a minority name with ·), or a Latin/pinyin name (`Zhang Wei`, `JOHN SMITH`)."""
    text = text.strip()
    if not text or len(text) > 40:
        return False
    if text.isascii():
        return _LATIN_NAME.fullmatch(text) is not None
    if "·" in text or "•" in text:
        return 3 <= len(text) <= 20 and all(is_cjk(c) or c in "·•" for c in text)
    if not 2 <= len(text) <= 4 or not all(is_cjk(c) for c in text) or _ORG_END.search(text) \
            or text in FINANCE_LABELS:  # 利润总额 under `xm` (项目) is a statement's row label, not 利 + a name
        return False
    return text[0] in _SURNAMES or text[:2] in COMPOUND_SURNAMES


_IDENTIFIER_SHAPE = re.compile(r"[0-9A-Za-z()（）+\- ]{6,40}")


def looks_like_identifier(text: str) -> bool:
    """A whole value shaped like a number of some scheme: 6–40 letters/digits/separators, at least 4 digits
    (a social-security card number, a mistyped ID number, a passport of an unknown series)."""
    text = unicodedata.normalize("NFKC", text).strip() if not text.isascii() else text.strip()
    return _IDENTIFIER_SHAPE.fullmatch(text) is not None and sum(c.isdigit() for c in text) >= 4


HINT_SHAPES: dict[str, Callable[[str], bool]] = {
    "DATE_OF_BIRTH": lambda text: year_of(text) is not None,
    "TRADE_SECRET": lambda text: parse_amount(text) is not None,
    "PERSON": looks_like_name,
    # a key that names an identifier (sfzh, sbkh, hzhm, yhkh, lxdh, cphm, vin): a value of that shape is one,
    # whatever its checksum says
    **dict.fromkeys(("CN_ID_CARD", "CN_PASSPORT", "CN_BANK_CARD", "CN_MOBILE", "CN_LANDLINE", "CN_LICENSE_PLATE",
                     "CN_VIN"), looks_like_identifier),
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


def is_plain_credit_code(text: str) -> bool:
    """A whole value that is a valid unified social credit code and no personal identifier read another way
    (an all-digit code may also pass the ID or Luhn check): public, nothing in it to mask."""
    if len(text) != 18 or not is_uscc(text):
        return False
    # a code (ASCII, no separators) with a letter among its first 17 characters is no ID number (17 digits
    # and a check character) and no card number (digits): personal_identifier_type would say None
    return not text[:17].isdigit() or personal_identifier_type(text) is None


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
        if whole:
            return repr(value)
        if value.is_integer() and abs(value) >= 10 ** (MIN_NUMBER_DIGITS - 1) and abs(value) < 1e21:
            return str(int(value))  # a mobile or card number written as a float (1.3812345678E10)
        return None
    return None


