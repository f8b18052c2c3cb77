"""Identifier rules, in one place: what makes a string a resident ID number, a bank card, a mobile number…

Pure functions over strings (no Presidio, no I/O), used by the masking recognizers and operators, the audit
trail's personal-data guard and the demo data. Each `is_*` takes the compact form of a candidate (no
separators; `compact()` makes it) and answers with its real structure and checksum where one exists:

- resident ID (GB 11643-1999): 18 characters, area code of a real province (11–65, 71 Taiwan, 81/82/83 the
  Hong Kong/Macau/Taiwan residence permits), real birth date from 1900 to today, ISO 7064 MOD 11-2 check
  character (ISO 7064 MOD 11-2, read in one base-13 int() call; python-stdnum's `iso7064.mod_11_2` is the
  reference the tests compare it with); legacy 15 digits (6 + YYMMDD + 3, no check character);
- foreigners' permanent-residence ID: the 2023 form (18 characters starting with 9, GB 11643 check) and the
  older form (3 letters of nationality + 2-digit province of issue + YYMMDD + 4 digits, all real);
- unified social credit code (GB 32100-2015, read in one base-34 int() call); bank card (16–19 digits,
  Luhn with a doubled-digit table, equal to `stdnum.luhn`, which it calls for anything but ASCII digits);
- mobile (11 digits, 13–19), landline (area code + 7/8 digits); passports (E + 8 digits, E + letter + 7
  digits, G + 8 digits, D/S/P + 7–8 digits); travel permits (H/M + 8 or 10 digits to HK/Macau, 8 digits or
  10 digits + letter for Taiwan compatriots, C + letter/digit + 7 digits for mainland residents);
- social-security card numbers (letter + 8 digits; the social-security number itself is usually the ID);
- VIN (ISO 3779/GB 16735: 17 characters without I, O, Q, check digit in position 9); plates (ordinary and
  new-energy); IPv4/IPv6 addresses; MAC addresses.

A value that fails its checksum is not that identifier (an 18-digit order number is no ID number).
"""

from __future__ import annotations

import datetime
import functools
import ipaddress
import time
import re
import unicodedata

from stdnum import luhn
from stdnum.iso7064 import mod_11_2

__all__ = [
    "PROVINCE_PREFIXES", "PLATE_PROVINCES", "compact", "find_personal_identifier", "gb11643_check_char",
    "is_bank_card", "is_foreign_permanent_id", "is_ipv4", "is_ipv6", "is_landline", "is_mac", "is_mobile",
    "is_passport", "is_plate", "is_real_birth_date", "is_residence_permit", "is_resident_id",
    "is_resident_id_15", "is_social_security_card", "looks_like_resident_id", "is_travel_permit", "is_uscc",
    "is_vin", "luhn_check_digit", "luhn_valid", "mobile_digits",
    "personal_identifier_type", "uscc_check_char", "vin_check_char",
]

# Province-level prefixes of GB/T 2260 (71 Taiwan; 81/82/83: Hong Kong, Macao, Taiwan residence permits).
PROVINCE_PREFIXES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43",
    "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82", "83",
})
RESIDENCE_PERMIT_AREAS = frozenset({"810000", "820000", "830000"})
PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
EARLIEST_BIRTH = datetime.date(1900, 1, 1)

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_.·]+")


def compact(value: str) -> str:
    """NFKC (full-width digits and letters become ASCII), separators dropped, upper case."""
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value)
    return _SEPARATORS.sub("", value).upper()


# --- dates --------------------------------------------------------------------------------------


def is_real_birth_date(year: int, month: int, day: int, today: datetime.date | None = None) -> bool:
    """A calendar date between 1900-01-01 and today."""
    if year < 1900:
        return False
    try:
        born = datetime.date(year, month, day)
    except ValueError:
        return False
    return born <= (today or datetime.date.today())


@functools.lru_cache(maxsize=8192)
def _calendar_date(text: str, century: int | None) -> datetime.date | None:
    """The date written as YYYYMMDD (or YYMMDD after `century`) when it is a calendar date from 1900 on, else
    None. Kept by string: the pages of one register repeat their birth dates, and parsing one costs more than
    the look-up (whether it is past is asked again each time: _today())."""
    if not text.isdigit():
        return None
    if century is not None:
        year, month, day = century + int(text[0:2]), int(text[2:4]), int(text[4:6])
    else:
        year, month, day = int(text[0:4]), int(text[4:6]), int(text[6:8])
    if year < 1900:
        return None
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


# date.today() costs more than the rest of a birth-date check: it is read again only when time.time() leaves
# the local day of the last reading (past its midnight, or before its start if the clock is set back), so the
# answer is date.today()'s.
_today_now: tuple = (datetime.date.min, 0.0, 0.0)  # (today, timestamps of its start and of the next midnight)


def _today() -> datetime.date:
    global _today_now
    today, start, end = _today_now
    if not start <= time.time() < end:
        today = datetime.date.today()
        start = datetime.datetime.combine(today, datetime.time.min).timestamp()
        end = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min).timestamp()
        _today_now = (today, start, end)
    return today


def _digits_date(text: str, century: int | None = None) -> bool:
    """is_real_birth_date for a date written in digits (YYYYMMDD, or YYMMDD after `century`)."""
    born = _calendar_date(text, century)
    return born is not None and born <= _today()


# --- resident ID (GB 11643) and the numbers built like it -----------------------------------------


def gb11643_check_char(first17: str) -> str:
    """The check character of an 18-character ID number (ISO 7064 MOD 11-2 over the first 17 digits)."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("need the first 17 digits of an ID number")
    return mod_11_2.calc_check_digit(first17)


def _mod_11_2_valid(text: str) -> bool:
    """python-stdnum's `iso7064.mod_11_2.is_valid` for 17 digits + [0-9X], in one C call: the check sums
    digit × 2^k mod 11, and 13 ≡ 2 (mod 11), so reading the number in base 13 (X as A = 10) gives the same
    remainder (test_identifiers checks equality with stdnum on generated numbers)."""
    try:
        return int(text.replace("X", "A"), 13) % 11 == 1
    except ValueError:  # a digit int() does not read (stdnum's checksum fails on it alike)
        return False


def _gb11643_valid(text: str) -> bool:
    return (len(text) == 18 and text[:17].isdigit() and text[17] in "0123456789X"
            and _digits_date(text[6:14]) and _mod_11_2_valid(text))


def is_resident_id(value: str) -> bool:
    """A fully valid 18-character resident ID (also the HK/Macau/Taiwan residence permits): real province
    prefix, real birth date, right check character. `value` is compact (see compact())."""
    text = value.upper()
    return text[:2] in PROVINCE_PREFIXES and _gb11643_valid(text)


def looks_like_resident_id(value: str) -> bool:
    """18 characters with a real province prefix and a real birth date, whatever the check character says:
    an ID number (valid or mistyped), so not a bank card or an order number to be read another way."""
    text = value.upper()
    return (len(text) == 18 and text[:17].isdigit() and text[:2] in PROVINCE_PREFIXES
            and _digits_date(text[6:14]))


def is_resident_id_15(value: str) -> bool:
    """A plausible legacy 15-digit ID (born 19YY): real province prefix and birth date; it has no check."""
    return len(value) == 15 and value.isdigit() and value[:2] in PROVINCE_PREFIXES and \
        _digits_date(value[6:12], century=1900)


def is_residence_permit(value: str) -> bool:
    """A residence permit for Hong Kong, Macau or Taiwan residents (a GB 11643 number, area 81/82/830000)."""
    return value[:6] in RESIDENCE_PERMIT_AREAS and is_resident_id(value)


def is_foreign_permanent_id(value: str) -> bool:
    """A foreigner's permanent-residence ID: 2023 form (9 + province + nationality + YYYYMMDD + sequence +
    GB 11643 check) or the older one (3 letters of nationality + province + YYMMDD + 4 digits)."""
    text = value.upper()
    if len(text) == 18:
        return text[0] == "9" and text[1:3] in PROVINCE_PREFIXES and _gb11643_valid(text)
    if len(text) == 15 and text[:3].isalpha() and text[:3].isascii() and text[3:].isdigit():
        return text[3:5] in PROVINCE_PREFIXES and (
            _digits_date(text[5:11], century=1900) or _digits_date(text[5:11], century=2000))
    return False


# --- enterprise and bank ------------------------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}


# The weights are 3^i mod 31 and 34 ≡ 3 (mod 31): the weighted sum is the reversed code read in base 34, each
# character written as the base-34 digit of its value (USCC_ALPHABET[i] -> "0123456789abc…"[i]).
_USCC_BASE34 = str.maketrans(USCC_ALPHABET, "0123456789abcdefghijklmnopqrstu")
_USCC_SHAPE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")


def uscc_check_char(first17: str) -> str:
    """GB 32100-2015 check character of the first 17 characters."""
    if len(first17) != 17 or any(c not in _USCC_VALUE for c in first17):
        raise ValueError("need the first 17 characters of a USCC from its alphabet")
    c = 31 - sum(_USCC_VALUE[ch] * w for ch, w in zip(first17, _USCC_WEIGHTS)) % 31
    return USCC_ALPHABET[0 if c == 31 else c]


def is_uscc(value: str) -> bool:
    """A unified social credit code: 18 characters of the GB 32100 alphabet (the registering authority may be a
    letter, `Y1…`, which python-stdnum's cn.uscc refuses) with the right check character (uscc_check_char,
    computed here as one base-34 read: see _USCC_BASE34)."""
    if _USCC_SHAPE.fullmatch(value) is None:
        return False
    c = 31 - int(value[16::-1].translate(_USCC_BASE34), 34) % 31
    return USCC_ALPHABET[0 if c == 31 else c] == value[17]


def luhn_check_digit(payload: str) -> str:
    """The digit that makes `payload + digit` pass the Luhn check."""
    return luhn.calc_check_digit(payload)


_LUHN_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def luhn_valid(digits: str) -> bool:
    """python-stdnum's `luhn.is_valid` (which it stays for anything but ASCII digits), with the doubled digits
    looked up (test_identifiers checks equality with stdnum on generated numbers)."""
    if not (digits.isascii() and digits.isdigit()):
        return luhn.is_valid(digits)
    doubled = _LUHN_DOUBLED
    return (sum(map(int, digits[-1::-2])) + sum([doubled[int(c)] for c in digits[-2::-2]])) % 10 == 0


def is_bank_card(value: str) -> bool:
    """16 to 19 ASCII digits with a valid Luhn check digit."""
    return 16 <= len(value) <= 19 and value.isascii() and value.isdigit() and luhn_valid(value)


# --- phones -------------------------------------------------------------------------------------

_MOBILE = re.compile(r"1[3-9]\d{9}")
_COUNTRY = re.compile(r"^(?:\+86|0086|86)(?=1[3-9]\d{9}$)")
_LANDLINE = re.compile(r"(0[12]\d|0[3-9]\d{2})([1-9]\d{6,7})(?:(?:EXT|转|-)?\d{1,5})?")


def mobile_digits(value: str) -> str | None:
    """The 11 digits of a mobile number written compactly with or without +86/0086/86, else None."""
    text = _COUNTRY.sub("", value)
    return text if _MOBILE.fullmatch(text) else None


def is_mobile(value: str) -> bool:
    """11 digits starting 13–19 (a +86/0086 prefix allowed)."""
    return mobile_digits(value) is not None


def is_landline(value: str) -> bool:
    """Area code (010, 02X with 8 digits; 0XXX with 7–8 digits) + local number not starting with 0 or 1."""
    m = _LANDLINE.fullmatch(value)
    if not m:
        return False
    return len(m.group(1)) == 4 or len(m.group(2)) == 8


# --- travel documents ---------------------------------------------------------------------------

_PASSPORT = re.compile(r"E\d{8}|E[A-HJ-NP-Z]\d{7}|G\d{8}|[DSP]E?\d{7,8}")
_TRAVEL = re.compile(r"[HM]\d{8}(?:\d{2})?|C[A-HJ-NP-Z0-9]\d{7}|\d{10}[A-Z]|T\d{8}")


def is_passport(value: str) -> bool:
    """A PRC passport number: E + 8 digits, E + letter + 7 digits, G + 8 digits, D/S/P(+E) + 7–8 digits."""
    return _PASSPORT.fullmatch(value.upper()) is not None


def is_travel_permit(value: str) -> bool:
    """HK/Macau home-return permit (H/M + 8 or 10 digits), mainland residents' permit to HK/Macau (C + 8),
    Taiwan compatriot permit (10 digits + letter; the 8-digit form is told apart only by context)."""
    return _TRAVEL.fullmatch(value.upper()) is not None


# --- social security ----------------------------------------------------------------------------

_SOCIAL_SECURITY_CARD = re.compile(r"[A-Z]\d{8}")


def is_social_security_card(value: str) -> bool:
    """A social-security / medical-insurance card number: one capital letter + 8 digits, not one digit
    repeated (the shape alone is also that of other codes: context decides; the number is usually the
    holder's resident ID, which is_resident_id checks)."""
    return _SOCIAL_SECURITY_CARD.fullmatch(value) is not None and len(set(value[1:])) > 1


# --- vehicles -----------------------------------------------------------------------------------

_VIN = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
_VIN_VALUE = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9))),
              **dict(zip("JKLMN", range(1, 6))), "P": 7, "R": 9, **dict(zip("STUVWXYZ", range(2, 10)))}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_PLATE = re.compile(
    rf"[{PLATE_PROVINCES}][A-HJ-NP-Z]"
    r"(?:[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳]"  # ordinary: 5 characters
    r"|[DF][A-HJ-NP-Z0-9]\d{4}|\d{5}[DF])"  # new-energy small / large: 6 characters
)


def vin_check_char(vin: str) -> str:
    """The ISO 3779 check character (position 9) of a 17-character VIN."""
    total = sum(_VIN_VALUE[c] * w for c, w in zip(vin.upper(), _VIN_WEIGHTS, strict=True))
    return "X" if total % 11 == 10 else str(total % 11)


def is_vin(value: str) -> bool:
    """17 characters without I, O, Q, at least one letter and one digit, a model-year code in position 10
    (never 0, U or Z), a letter after the first two characters (a two-letter prefix on 15 digits is how
    work-order and case numbers are written, `SL251196201903599`: one in eleven passes the check digit by
    chance), and the right check digit."""
    text = value.upper()
    if not _VIN.fullmatch(text) or text.isdigit() or text.isalpha():
        return False
    if text[9] in "0UZ" or text[2:].isdigit():
        return False
    return vin_check_char(text) == text[8]


def is_plate(value: str) -> bool:
    """An ordinary (5 characters after the letter) or new-energy (6) plate: `京A12345`, `京AD12345`."""
    return _PLATE.fullmatch(value.upper()) is not None


# --- network ------------------------------------------------------------------------------------

_MAC = re.compile(r"[0-9A-F]{2}(?:([:-])[0-9A-F]{2})(?:\1[0-9A-F]{2}){4}")
_MAC_DOTTED = re.compile(r"[0-9A-F]{4}\.[0-9A-F]{4}\.[0-9A-F]{4}")


def is_ipv4(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


def is_ipv6(value: str) -> bool:
    try:
        ipaddress.IPv6Address(value.split("%", 1)[0])
    except ValueError:
        return False
    return True


def is_mac(value: str) -> bool:
    """A MAC address written with `:` or `-` between its six octets, or Cisco-style as three dotted groups of
    four hex digits (`0f8e.040b.a4c2`; at least one of them a letter, so dotted numbers such as `2024.0101.1234`
    stay numbers), not all zero or all F."""
    text = value.upper()
    if _MAC_DOTTED.fullmatch(text):
        bare = text.replace(".", "")
        return not bare.isdigit() and bare not in ("000000000000", "FFFFFFFFFFFF")
    return _MAC.fullmatch(text) is not None and text.replace(text[2], "") not in ("000000000000", "FFFFFFFFFFFF")


# --- the personal-identifier guard ----------------------------------------------------------------


def personal_identifier_type(value: str) -> str | None:
    """CN_ID_CARD or CN_BANK_CARD when `value` (separators allowed) is a valid one, else None: what a span
    found as a public entity (a credit code) must still be masked as."""
    text = compact(value)
    if is_resident_id(text) or is_foreign_permanent_id(text):
        return "CN_ID_CARD"
    if is_bank_card(text) and not (len(text) in (17, 18) and text[0] in "12") and not looks_like_resident_id(text):
        return "CN_BANK_CARD"  # 17/18 digits from a year (2019…) are order numbers, ID-shaped ones mistyped IDs
    return None


# Candidates for the guard: digit runs with optional single separators, and an optional +86/0086.
_GUARD_RUN = re.compile(r"(?<![0-9A-Za-z])(?:\+?86|0086)?[ -]?\d(?:[ -]?\d){10,18}[ -]?[0-9Xx]?(?![0-9A-Za-z])")


def find_personal_identifier(text: str) -> str | None:
    """The type of the first proven personal identifier in `text` ("CN_ID_CARD", "CN_BANK_CARD",
    "CN_MOBILE"), written plainly, with spaces or dashes, in full-width digits or with a country prefix;
    None when there is none. What the audit trail's guard calls on every string it stores."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    for m in _GUARD_RUN.finditer(text):
        run = compact(m.group(0)).lstrip("+")
        for candidate in (run, run[:-1]) if len(run) > 11 else (run,):
            if is_resident_id(candidate) or is_foreign_permanent_id(candidate):
                return "CN_ID_CARD"
        if is_mobile(run):
            return "CN_MOBILE"
        if is_bank_card(run):
            return "CN_BANK_CARD"
    return None
