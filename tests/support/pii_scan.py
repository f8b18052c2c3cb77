"""Leak scanner for the end-to-end masking tests: every checksum-valid identifier left in a byte string.

Finds resident ID numbers (18 characters with a valid GB 11643 check, and legacy 15-digit ones with a
real birth date and province), mobile numbers (11 digits 13-19, also written `138-1234-5678`,
`138 1234 5678`, `+86 13812345678`) and Luhn-valid 16-19 digit card numbers. The validators are the
demo data's own (gateway.demo.identifiers), so anything the demo departments generate is recognised.

A digit run counts only as a whole (no digit right before or after it): an 18-digit USCC is not scanned
for the 11-digit windows inside it. Unified social credit codes that contain a letter are blanked out
first (their digit runs are not cards) unless they are also a valid ID number (`…915X` can be both); an
all-digit USCC is still scanned, because the same 18 digits may also be a valid card number and then they
must not leave the gateway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gateway.demo.identifiers import is_valid_bank_card, is_valid_mobile, is_valid_resident_id, is_valid_uscc

_USCC_RE = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{18}(?![0-9A-Z])")
_ID18_RE = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dXx])")
_ID15_RE = re.compile(r"(?<!\d)\d{15}(?!\d)")
_CARD_RE = re.compile(r"(?<!\d)\d{16,19}(?!\d)")
_MOBILE_RE = re.compile(r"(?<!\d)(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)")


@dataclass(frozen=True, slots=True)
class Leak:
    kind: str  # resident_id | mobile | bank_card
    value: str

    def __str__(self) -> str:  # the kind and a redacted hint only, so a failing test does not print it whole
        return f"{self.kind}:{self.value[:3]}…{self.value[-2:]}"


def _text(data: bytes | str) -> str:
    return data if isinstance(data, str) else data.decode("utf-8", errors="replace")


def _without_lettered_uscc(text: str) -> str:
    def blank(m: re.Match) -> str:
        code = m.group()
        lettered_uscc = is_valid_uscc(code) and not code.isdigit() and not is_valid_resident_id(code)
        return "_" * len(code) if lettered_uscc else code

    return _USCC_RE.sub(blank, text)


# Keyed pseudonyms (PSN_ and hex digits) and hex digests: their digit runs are random, and one pseudonym
# in about a thousand holds a mobile-shaped run. They are blanked before the scan.
_HEX_TOKEN_RE = re.compile(r"PSN_[0-9a-f]{8,64}(?![0-9A-Za-z])|(?<![0-9A-Za-z])(?=\d*[a-f])[0-9a-f]{32,}(?![0-9A-Za-z])")


def _without_hex_tokens(text: str) -> str:
    return _HEX_TOKEN_RE.sub(lambda m: "_" * len(m.group()), text)


def find_identifiers(data: bytes | str) -> list[Leak]:
    """Every valid resident ID, mobile and bank card number in `data` (UTF-8 bytes or text)."""
    text = _without_lettered_uscc(_without_hex_tokens(_text(data)))
    leaks: list[Leak] = []
    for m in _ID18_RE.finditer(text):
        if is_valid_resident_id(m.group().upper()):
            leaks.append(Leak("resident_id", m.group()))
    for m in _ID15_RE.finditer(text):
        if is_valid_resident_id(m.group(), allow_legacy=True):
            leaks.append(Leak("resident_id", m.group()))
    for m in _CARD_RE.finditer(text):
        # An all-digit 18-character social credit code passes the Luhn check one time in ten; the
        # enterprise register publishes it, so a valid USCC is not counted as a card here.
        if is_valid_bank_card(m.group()) and not (len(m.group()) == 18 and is_valid_uscc(m.group())):
            leaks.append(Leak("bank_card", m.group()))
    for m in _MOBILE_RE.finditer(text):
        number = "".join(m.groups())
        if is_valid_mobile(number):
            leaks.append(Leak("mobile", number))
    return leaks


def identifier_kind(value: str) -> str | None:
    """The kind of identifier a whole value is (resident_id, bank_card, mobile), or None."""
    if not isinstance(value, str):
        return None
    for leak in find_identifiers(value):
        if leak.value.replace(" ", "").replace("-", "") == value.replace(" ", "").replace("-", ""):
            return leak.kind
    return None
