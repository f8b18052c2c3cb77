"""gateway.identifiers: one rule per identifier, with its checksum or structure."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway import identifiers as ids


def with_check(first17: str) -> str:
    return first17 + ids.gb11643_check_char(first17)


def test_gb11643_the_domain_example_and_its_neighbours():
    assert ids.gb11643_check_char("11010519491231002") == "X"
    assert ids.is_resident_id("11010519491231002X")
    assert not ids.is_resident_id("110105194912310021")  # wrong check
    assert not ids.is_resident_id(with_check("11010519490231002"))  # 31 February
    assert not ids.is_resident_id(with_check("10010519491231002"))  # no province 10
    assert ids.is_residence_permit(with_check("81000019900101001"))
    assert ids.is_resident_id(with_check("83000019900101001"))
    assert ids.is_resident_id_15("110105491231002") and not ids.is_resident_id_15("110105491331002")


def test_foreigners_permanent_residence_ids_new_and_old():
    assert ids.is_foreign_permanent_id(with_check("93115619850412001"))
    assert not ids.is_foreign_permanent_id(with_check("90015619850412001"))  # 00 is no province
    assert ids.is_foreign_permanent_id("USA318504120001")
    assert not ids.is_foreign_permanent_id("USA319913120001")
    assert ids.is_foreign_permanent_id("CAN538805093187")  # nationality, Yunnan 53, born 880509, sequence
    assert not ids.is_foreign_permanent_id("CAN008805093187")  # 00 is no province of issue
    assert not ids.is_foreign_permanent_id("CAN53880509318")  # 14 characters


def test_uscc_bank_card_vin():
    first17 = "91350100M000100Y4"
    assert ids.is_uscc(first17 + ids.uscc_check_char(first17))
    assert ids.is_uscc("91350100M000100Y43") and not ids.is_uscc("91350100M000100Y44")
    assert ids.is_bank_card("6222021234567890128") is ids.is_bank_card("6222021234567890128")
    assert ids.is_bank_card("4111111111111111") and not ids.is_bank_card("4111111111111112")
    assert ids.is_vin("1M8GDM9AXKP042788") and not ids.is_vin("1M8GDM9A1KP042788")
    assert not ids.is_vin("1M8GDM9AXKP04278O")  # O is never used


def vin_with_check(vin: str) -> str:
    return vin[:8] + ids.vin_check_char(vin) + vin[9:]


def test_a_two_letter_prefix_on_digits_or_a_zero_model_year_is_no_vin():
    # work-order numbers "SL" + 15 digits pass the check digit one time in eleven
    order = vin_with_check("SL251196201903599")
    assert not ids.is_vin(order)
    assert not ids.is_vin(vin_with_check("LSVAM41870C184847"))  # model year 0 is never issued
    assert not ids.is_vin(vin_with_check("LSVAM4187UC184847"))  # nor U
    assert ids.is_vin(vin_with_check("LSVAM4187C2184847"))
    assert ids.is_vin(vin_with_check("LS5A3ABE5CB123456"))


@pytest.mark.parametrize("value,ok", [
    ("13812345678", True), ("+8613812345678", True), ("008613812345678", True), ("12812345678", False),
])
def test_mobiles(value, ok):
    assert ids.is_mobile(value) is ok


@pytest.mark.parametrize("value,ok", [
    ("01012345678", True), ("057187654321", True), ("02174381004", True), ("0101234567", False),
    ("057101234567", False),
])
def test_landlines(value, ok):
    assert ids.is_landline(value) is ok


@pytest.mark.parametrize("value,ok", [
    ("E12345678", True), ("EA1234567", True), ("G12345678", True), ("DE1234567", True), ("EI1234567", False),
    ("Q12345678", False),
])
def test_passports(value, ok):
    assert ids.is_passport(value) is ok


@pytest.mark.parametrize("value,ok", [
    ("H12345678", True), ("M1234567890", True), ("C12345678", True), ("1234567890B", True), ("H1234567", False),
])
def test_travel_permits(value, ok):
    assert ids.is_travel_permit(value) is ok


@pytest.mark.parametrize("value,ok", [
    ("京A12345", True), ("沪AD12345", True), ("粤B12345F", True), ("京I12345", False), ("A12345", False),
])
def test_plates(value, ok):
    assert ids.is_plate(value) is ok


def test_network_addresses():
    assert ids.is_ipv4("192.168.0.1") and not ids.is_ipv4("256.1.1.1")
    assert ids.is_ipv6("2001:db8::1") and not ids.is_ipv6("2001:db8:::1")
    assert ids.is_mac("00:1A:2B:3C:4D:5E") and ids.is_mac("00-1a-2b-3c-4d-5e")
    assert not ids.is_mac("00:00:00:00:00:00") and not ids.is_mac("00:1A-2B:3C:4D:5E")
    assert ids.is_mac("0f8e.040b.a4c2") and ids.is_mac("1234.A8F5.AB86")  # Cisco-style
    assert not ids.is_mac("2024.0101.1234")  # dotted digits: a number, not an address
    assert not ids.is_mac("ffff.ffff.ffff") and not ids.is_mac("0f8e.040b.a4c")


@pytest.mark.parametrize("text,entity", [
    ("证件 11010519491231002X", "CN_ID_CARD"),
    ("证件 110105 19491231 002X", "CN_ID_CARD"),
    ("证件 １１０１０５１９４９１２３１００２Ｘ", "CN_ID_CARD"),
    ("电话 +86 138-1234-5678", "CN_MOBILE"),
    ("卡 6222 0212 3456 7890 128", None if not ids.is_bank_card("6222021234567890128") else "CN_BANK_CARD"),
    ("订单 110105194912310021", None),
    ("2026-12-04T05:35:22.123Z latency 12", None),
])
def test_the_guard_finds_identifiers_however_written(text, entity):
    assert ids.find_personal_identifier(text) == entity


def test_an_id_shaped_number_failing_its_check_is_no_card_either():
    assert ids.is_bank_card("310105196809192662") and ids.looks_like_resident_id("310105196809192662")
    assert ids.personal_identifier_type("310105196809192662") is None


# --- the fast checksums answer what python-stdnum answers ----------------------------------------------

_DIGITS = "0123456789"
_SOME_UNICODE_DIGITS = "０１２３４５６７８９٠١٢٣٤٥٦٧٨٩²"  # full-width, Arabic-Indic, and a digit int() refuses


@settings(max_examples=400, deadline=None)
@given(st.text(st.sampled_from(_DIGITS), min_size=17, max_size=17), st.sampled_from("0123456789X"))
def test_gb11643_check_equals_stdnum_mod_11_2(first17, last):
    from stdnum.iso7064 import mod_11_2

    number = first17 + last
    assert ids._mod_11_2_valid(number) is mod_11_2.is_valid(number)
    assert ids._mod_11_2_valid(first17 + ids.gb11643_check_char(first17))


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from(_DIGITS + _SOME_UNICODE_DIGITS), min_size=17, max_size=17),
       st.sampled_from("0123456789X"))
def test_gb11643_check_equals_stdnum_on_unicode_digits(first17, last):
    from stdnum.iso7064 import mod_11_2

    assert ids._mod_11_2_valid(first17 + last) is mod_11_2.is_valid(first17 + last)


@settings(max_examples=400, deadline=None)
@given(st.text(st.sampled_from(_DIGITS + _SOME_UNICODE_DIGITS[:3] + " -a"), max_size=20))
def test_luhn_equals_stdnum(number):
    from stdnum import luhn

    assert ids.luhn_valid(number) is luhn.is_valid(number)
    if number.isascii() and number.isdigit():
        assert ids.luhn_valid(number + luhn.calc_check_digit(number))


@settings(max_examples=400, deadline=None)
@given(st.text(st.sampled_from(ids.USCC_ALPHABET + "IOSVZa"), min_size=17, max_size=19))
def test_uscc_equals_the_weighted_sum(value):
    def reference(code: str) -> bool:  # the GB 32100 rule as written before the base-34 read
        return (len(code) == 18 and all(c in ids.USCC_ALPHABET for c in code) and code[2:8].isdigit()
                and ids.uscc_check_char(code[:17]) == code[17])

    assert ids.is_uscc(value) is reference(value)
    if len(value) >= 17 and all(c in ids.USCC_ALPHABET for c in value[:17]):
        completed = value[:17] + ids.uscc_check_char(value[:17])
        assert ids.is_uscc(completed) is completed[2:8].isdigit()


def test_social_security_card_numbers():
    assert ids.is_social_security_card("K62811624") and ids.is_social_security_card("A67711416")
    assert not ids.is_social_security_card("K00000000")  # a placeholder
    assert not ids.is_social_security_card("K6281162") and not ids.is_social_security_card("KK6281162")


def test_the_birth_date_checks_read_todays_date():
    from datetime import date

    assert ids._today() == date.today()
    assert ids._today() == date.today()  # from the kept reading
    ids._today_now = (date(2000, 1, 1), 0.0, 1.0)  # a reading of another day is read again
    assert ids._today() == date.today()
