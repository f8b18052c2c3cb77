"""Tests for gateway.demo.identifiers: known-good values, generator validity and checksum error detection."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.demo.identifiers import (
    AREAS, BANKS, CITIES, HANGZHOU, SHENZHEN, USCC_ALPHABET, is_luhn_valid, is_unionpay_card, is_valid_bank_card,
    is_valid_landline, is_valid_mobile, is_valid_org_code_in_uscc, is_valid_passport, is_valid_plate,
    is_valid_resident_id, is_valid_uscc, luhn_check_digit, make_bank_card, make_resident_id, normalize_mobile,
    org_code_check_char, parse_resident_id, random_bank_card, random_landline, random_mobile, random_passport,
    random_plate, random_resident_id, random_uscc, resident_id_check_char, uscc_check_char,
)

seeds = st.integers(min_value=0, max_value=2 ** 32)


# ---------------------------------------------------------------------------------------------------
# Area codes.


def test_area_table_holds_real_county_codes():
    assert len(AREAS) >= 40
    assert AREAS["110105"].full_name == "北京市朝阳区"
    assert AREAS["310104"].full_name == "上海市徐汇区"
    assert AREAS["440305"].full_name == "广东省深圳市南山区"
    assert AREAS["330106"].full_name == "浙江省杭州市西湖区"
    assert AREAS["510107"].full_name == "四川省成都市武侯区"
    for code, area in AREAS.items():
        assert len(code) == 6 and code.isdigit() and area.code == code
        assert area.district.endswith("区")
        assert len(area.streets) >= 3 and len(set(area.streets)) == len(area.streets)
        assert all(s.endswith(("路", "街", "大道", "道", "大街", "正街", "新街", "条", "中", "北", "西")) for s in area.streets), code
    # Codes of one city share the city's 4-digit prefix.
    for city in CITIES:
        prefixes = {c[:4] for c, a in AREAS.items() if a.city == city}
        assert len(prefixes) == 1, city.name


def test_city_conventions():
    assert HANGZHOU.prefix == "浙江省杭州市" and HANGZHOU.short == "杭州" and not HANGZHOU.is_municipality
    assert AREAS["110105"].city.prefix == "北京市" and AREAS["110105"].city.is_municipality
    assert SHENZHEN.phone_code == "0755" and SHENZHEN.plate_prefix == "粤B"


# ---------------------------------------------------------------------------------------------------
# Resident ID numbers (GB 11643).


def test_known_resident_ids():
    assert is_valid_resident_id("11010519491231002X")
    assert is_valid_resident_id("11010519491231002x")  # lower-case check character is still the same number
    parsed = parse_resident_id("11010519491231002X")
    assert parsed.area_code == "110105" and parsed.birth == date(1949, 12, 31) and parsed.sex == "2"
    assert resident_id_check_char("11010519491231002") == "X"
    assert not is_valid_resident_id("110105194912310021")  # wrong check character
    assert not is_valid_resident_id("11010519491231002")  # too short
    assert not is_valid_resident_id(None)  # type: ignore[arg-type]


def test_checksum_alone_is_not_enough():
    # Right check characters, but impossible content: 30 February, a future birth, an unknown province.
    for first17 in ("11010519490230002", f"110105{date.today().year + 1}0101002", "99010519491231002"):
        assert not is_valid_resident_id(first17 + resident_id_check_char(first17)), first17


def test_legacy_15_digit_form():
    assert not is_valid_resident_id("110105491231002")
    assert is_valid_resident_id("110105491231002", allow_legacy=True)
    assert parse_resident_id("110105491231002", allow_legacy=True).birth == date(1949, 12, 31)
    assert not is_valid_resident_id("110105490231002", allow_legacy=True)


def test_make_resident_id_rejects_bad_parts():
    with pytest.raises(ValueError):
        make_resident_id("1101", date(1990, 1, 1), 1)
    with pytest.raises(ValueError):
        make_resident_id("110105", date(1990, 1, 1), 1000)


@settings(max_examples=300)
@given(seed=seeds, sex=st.sampled_from("12"))
def test_generated_resident_ids_are_valid_and_carry_their_parts(seed, sex):
    rng = random.Random(seed)
    area = rng.choice(list(AREAS))
    birth = date(1950, 1, 1) + (date(2005, 1, 1) - date(1950, 1, 1)) * rng.random()
    value = random_resident_id(rng, area_code=area, birth=birth, sex=sex)
    parsed = parse_resident_id(value)
    assert parsed == (parsed.__class__(area, birth, sex))


@settings(max_examples=300)
@given(seed=seeds, position=st.integers(0, 16), delta=st.integers(1, 9))
def test_any_single_digit_change_breaks_the_resident_id(seed, position, delta):
    value = random_resident_id(random.Random(seed))
    changed = value[:position] + str((int(value[position]) + delta) % 10) + value[position + 1:]
    assert resident_id_check_char(changed[:17]) != changed[17]
    assert not is_valid_resident_id(changed)


@settings(max_examples=200)
@given(first17=st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_an_18_digit_number_with_the_wrong_check_character_is_not_an_id(first17):
    # An order number or account number that happens to have 18 digits must not pass as an ID number.
    right = resident_id_check_char(first17)
    for check in "0123456789X":
        if check != right:
            assert not is_valid_resident_id(first17 + check)


# ---------------------------------------------------------------------------------------------------
# Unified social credit codes (GB 32100) and organisation codes (GB 11714).


def test_known_uscc_and_org_code():
    assert is_valid_uscc("91350100M000100Y43")
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert not is_valid_uscc("91350100M000100Y44")
    assert org_code_check_char("D2143569") == "X"
    for bad_char in "IOSVZ":
        first17 = "9135010" + bad_char + "M000100Y4"
        assert not is_valid_uscc(first17 + "3")
        with pytest.raises(ValueError):
            uscc_check_char(first17)
    assert not is_valid_uscc("91350100m000100y43")  # lower case is not in the alphabet


@settings(max_examples=300)
@given(seed=seeds, reform=st.booleans())
def test_generated_usccs_are_valid(seed, reform):
    rng = random.Random(seed)
    area = rng.choice(list(AREAS))
    value = random_uscc(rng, area, since_reform=reform)
    assert is_valid_uscc(value) and is_valid_org_code_in_uscc(value)
    assert value[:2] == "91" and value[2:8] == area
    assert value[8:10] == "MA" if reform else value[8:16].isdigit()


@settings(max_examples=300)
@given(seed=seeds, position=st.integers(0, 16), shift=st.integers(1, 30))
def test_any_single_character_change_breaks_the_uscc(seed, position, shift):
    value = random_uscc(random.Random(seed), "330106")
    replacement = USCC_ALPHABET[(USCC_ALPHABET.index(value[position]) + shift) % 31]
    changed = value[:position] + replacement + value[position + 1:]
    assert not is_valid_uscc(changed)


# ---------------------------------------------------------------------------------------------------
# Bank cards (Luhn, UnionPay).


def test_luhn_known_values():
    assert is_luhn_valid("79927398713")
    assert not is_luhn_valid("79927398710")
    assert luhn_check_digit("7992739871") == "3"
    assert is_valid_bank_card("4111111111111111") and not is_unionpay_card("4111111111111111")
    assert not is_valid_bank_card("411111111111111")  # 15 digits
    assert not is_valid_bank_card("62220212345678901234")  # 20 digits
    assert not is_valid_bank_card("6222 0212 3456 7890")


def test_bank_bins_are_unionpay():
    for bank in BANKS:
        assert bank.bin.startswith("62") and 16 <= bank.length <= 19


@settings(max_examples=300)
@given(seed=seeds)
def test_generated_cards_are_unionpay_with_valid_luhn(seed):
    bank, card = random_bank_card(random.Random(seed))
    assert is_unionpay_card(card) and card.startswith(bank.bin) and len(card) == bank.length
    assert make_bank_card(random.Random(seed), bank) == make_bank_card(random.Random(seed), bank)


@settings(max_examples=300)
@given(seed=seeds, position=st.integers(0, 18), delta=st.integers(1, 9))
def test_any_single_digit_change_breaks_the_card(seed, position, delta):
    _, card = random_bank_card(random.Random(seed))
    position %= len(card)
    changed = card[:position] + str((int(card[position]) + delta) % 10) + card[position + 1:]
    assert not is_valid_bank_card(changed)


# ---------------------------------------------------------------------------------------------------
# Mobiles, landlines, plates, passports.


@pytest.mark.parametrize("written", ["13812345678", "138-1234-5678", "138 1234 5678", "+86 13812345678",
                                     "+8613812345678", "86-13812345678"])
def test_normalize_mobile_written_forms(written):
    assert normalize_mobile(written) == "13812345678"


@pytest.mark.parametrize("bad", ["12812345678", "1381234567", "138123456789", "23812345678", "1381234567x", ""])
def test_not_mobiles(bad):
    assert not is_valid_mobile(bad)
    assert normalize_mobile(bad) is None


@settings(max_examples=200)
@given(seed=seeds)
def test_generated_mobiles_are_valid(seed):
    value = random_mobile(random.Random(seed))
    assert is_valid_mobile(value) and len(value) == 11


def test_landlines():
    for value in ("010-12345678", "0571-87654321", "021-62345678", "075586001234", "0755-8600123"):
        assert is_valid_landline(value), value
    for value in ("010-1234567", "0571-0765432", "13812345678", "021-123456789", "10-12345678"):
        assert not is_valid_landline(value), value
    rng = random.Random(7)
    for city in CITIES:
        value = random_landline(rng, city)
        assert is_valid_landline(value) and value.startswith(city.phone_code + "-")


def test_plates():
    for value in ("京A12345", "粤BD12345", "粤B12345D", "浙ADA1234", "浙AF12345", "沪A1B2C3", "苏A1234学"):
        assert is_valid_plate(value), value
    for value in ("京I12345", "京A1234", "京A123456", "AA12345", "粤BDI2345", "浙AF1A234"):
        assert not is_valid_plate(value), value
    rng = random.Random(11)
    for _ in range(200):
        plain, electric = random_plate(rng, HANGZHOU), random_plate(rng, SHENZHEN, new_energy=True)
        assert is_valid_plate(plain) and plain.startswith("浙A") and len(plain) == 7
        assert is_valid_plate(electric) and electric.startswith("粤B") and len(electric) == 8


def test_passports():
    assert is_valid_passport("E12345678") and is_valid_passport("G12345678") and is_valid_passport("EA1234567")
    assert not is_valid_passport("E1234567") and not is_valid_passport("EI1234567")
    rng = random.Random(3)
    assert all(is_valid_passport(random_passport(rng)) for _ in range(100))
