"""Hypothesis strategies for valid (and deliberately invalid) Chinese identifiers, reused by the tests."""

from __future__ import annotations

import datetime

from hypothesis import assume
from hypothesis import strategies as st

from gateway.masking.recognizers.cn_bank_card import luhn_valid
from gateway.identifiers import PROVINCE_PREFIXES, looks_like_resident_id
from gateway.identifiers import gb11643_check_char as gb11643_check_character
from gateway.masking.recognizers.cn_uscc import CHARSET, uscc_check_character

TODAY = datetime.date.today()

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


def digit_string(length: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=length, max_size=length)


area_codes = st.builds(lambda first, rest: first + rest, st.sampled_from(sorted(PROVINCE_PREFIXES)), digit_string(4))
birth_dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=TODAY)


@st.composite
def id_card_18(draw, lowercase_x: bool | None = None) -> str:
    """A valid 18-character resident ID number (check character X sometimes written x)."""
    first17 = draw(area_codes) + draw(birth_dates).strftime("%Y%m%d") + draw(digit_string(3))
    check = gb11643_check_character(first17)
    if check == "X" and (draw(st.booleans()) if lowercase_x is None else lowercase_x):
        check = "x"
    return first17 + check


@st.composite
def id_card_15(draw) -> str:
    """A legacy 15-digit ID number: area code, YYMMDD of a 19YY date, sequence."""
    born = draw(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(1999, 12, 31)))
    return draw(area_codes) + born.strftime("%y%m%d") + draw(digit_string(3))


@st.composite
def bad_checksum_18(draw) -> str:
    """18 digits/X whose last character is not the GB 11643 check character of the first 17."""
    first17 = draw(digit_string(17))
    right = gb11643_check_character(first17)
    wrong = draw(st.sampled_from([c for c in "0123456789X" if c != right]))
    return first17 + wrong


MOBILE_SEGMENTS = [f"13{d}" for d in range(10)] + [f"14{d}" for d in range(10)] + [
    "150", "151", "152", "153", "155", "156", "157", "158", "159", "162", "165", "166", "167",
] + [f"17{d}" for d in range(9)] + [f"18{d}" for d in range(10)] + [f"19{d}" for d in range(10)]

mobile_numbers = st.builds(lambda segment, rest: segment + rest, st.sampled_from(MOBILE_SEGMENTS), digit_string(8))


@st.composite
def formatted_mobile(draw) -> tuple[str, str]:
    """(written form, 11 digits): plain, grouped 3-4-4 with '-' or ' ', optionally +86/0086/86 prefixed."""
    number = draw(mobile_numbers)
    separator = draw(st.sampled_from(["", "-", " "]))
    written = separator.join((number[:3], number[3:7], number[7:]))
    prefix = draw(st.sampled_from(["", "+86 ", "+86", "86-", "0086 ", "+86-"]))
    return prefix + written, number


@st.composite
def bank_card(draw, unionpay: bool | None = None, length: int | None = None) -> str:
    """A Luhn-valid card number of 16-19 digits (UnionPay 62 prefix or another issuer prefix).

    Not one of the rare 18-digit numbers that also read as a resident ID with a real province and birth date
    (620000190001010002): gateway.identifiers takes those for a mistyped ID number, neither ID nor card, by
    rule (cn_bank_card.validate_result), so they are no valid card to expect masked."""
    size = length or draw(st.integers(min_value=16, max_value=19))
    is_unionpay = draw(st.booleans()) if unionpay is None else unionpay
    prefix = "62" if is_unionpay else draw(st.sampled_from(["4", "5", "3", "9"]))
    body = prefix + draw(digit_string(size - len(prefix) - 1))
    for check in "0123456789":
        if luhn_valid(body + check):
            number = body + check
            assume(not (len(number) == 18 and looks_like_resident_id(number)))
            return number
    raise AssertionError("unreachable: one check digit always satisfies Luhn")


def grouped(number: str, separator: str = " ") -> str:
    """A card number written in groups of four."""
    return separator.join(number[i : i + 4] for i in range(0, len(number), 4))


@st.composite
def non_luhn_16(draw) -> str:
    """16 digits that fail the Luhn check (and start with a non-zero digit)."""
    body = draw(st.sampled_from("123456789")) + draw(digit_string(14))
    return body + draw(st.sampled_from([c for c in "0123456789" if not luhn_valid(body + c)]))


@st.composite
def uscc(draw) -> str:
    """A valid unified social credit code."""
    head = draw(st.sampled_from("159Y")) + draw(st.sampled_from("123"))
    middle = draw(area_codes)
    tail = draw(st.text(alphabet=CHARSET, min_size=9, max_size=9))
    first17 = head + middle + tail
    return first17 + uscc_check_character(first17)


calendar_dates = st.dates(min_value=datetime.date(1950, 1, 1), max_value=datetime.date(2049, 12, 31))
dashed_dates = calendar_dates.map(lambda d: d.strftime("%Y-%m-%d"))
compact_dates = calendar_dates.map(lambda d: d.strftime("%Y%m%d"))

# Text with no ASCII letters or digits and no word that starts a figure, name or address pattern:
# a safe neighbourhood to embed an identifier in.
FILLER_ALPHABET = "的一是不了有这中大上个我以要他时来用们到作就分对会可发动也能下过说种面而多定学得经进着等度家力里如水" \
    "化自二起物现加量都两体制机使点业去把性好开它还因其些然前外天事形全表间样与各心反你看原又么比但第命此变" \
    "只没结解问意月无系很情最想已通并直题程展果料象革位入常文总次品式活设特件长求头边流较将见别她手角期根论" \
    "，。；：、！？（）《》 \t"
filler = st.text(alphabet=FILLER_ALPHABET, max_size=20)
neighbour = st.sampled_from(list("，。；：、！？（）《》 ") + ["\n"])
