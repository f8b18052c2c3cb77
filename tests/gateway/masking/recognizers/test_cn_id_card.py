"""CN_ID_CARD: GB 11643 check character, real birth dates, the legacy 15-digit form, boundaries."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.masking.recognizers.cn_id_card import (
    CnIdCardRecognizer,
    gb11643_check_character,
    is_real_birth_date,
)

from tests.support.strategies import bad_checksum_18, filler, id_card_15, id_card_18, neighbour  # noqa: E402

RECOGNIZER = CnIdCardRecognizer()


def found(text: str) -> list[tuple[str, float]]:
    return [(text[r.start : r.end], r.score) for r in RECOGNIZER.analyze(text, ["CN_ID_CARD"])]


def with_check(first17: str) -> str:
    return first17 + gb11643_check_character(first17)


VALID_18 = [
    "11010519491231002X",
    "11010519491231002x",
    with_check("44030419900307123"),
    with_check("51010020000229001"),  # 2000-02-29: leap day
    with_check("81000019000101001"),  # 1900-01-01: the earliest year accepted
]


@pytest.mark.parametrize("number", VALID_18)
def test_valid_18_character_numbers_score_full(number):
    assert found(number) == [(number, 1.0)]


@pytest.mark.parametrize(
    "number, why",
    [
        ("110105194912310021", "wrong check character"),
        (with_check("11010519990230123"), "1999-02-30 does not exist"),
        (with_check("11010519000229123"), "1900 was not a leap year"),
        (with_check("11010518991231123"), "born before 1900"),
        (with_check("01010519491231002"), "area code starts with 0"),
        (with_check("90010519491231002"), "9 (a permanent-residence ID) with no province after it"),
        (with_check("11010519491300002"), "month 13"),
        (with_check("11010519491200002"), "day 00"),
    ],
)
def test_invalid_18_character_numbers_are_not_id_cards(number, why):
    assert found(number) == [], why


def test_birth_date_in_the_future_is_rejected():
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    number = with_check("110105" + tomorrow.strftime("%Y%m%d") + "123")
    assert found(number) == []


def test_birth_date_today_is_accepted():
    number = with_check("110105" + datetime.date.today().strftime("%Y%m%d") + "123")
    assert found(number) == [(number, 1.0)]


def test_is_real_birth_date_limits():
    today = datetime.date(2024, 5, 1)
    assert is_real_birth_date(1900, 1, 1, today)
    assert not is_real_birth_date(1899, 12, 31, today)
    assert is_real_birth_date(2024, 5, 1, today)
    assert not is_real_birth_date(2024, 5, 2, today)
    assert not is_real_birth_date(2023, 2, 29, today)


@pytest.mark.parametrize(
    "number, expected",
    [
        ("110105491231002", [("110105491231002", 0.5)]),  # 1949-12-31
        ("440304000229123", []),  # read as 1900-02-29: 1900 was not a leap year
        ("440304960229123", [("440304960229123", 0.5)]),  # 1996-02-29
        ("110105491331002", []),  # month 13
        ("110105490230002", []),  # 1949-02-30
        ("010105491231002", []),  # area code starts with 0
    ],
)
def test_legacy_15_digit_form(number, expected):
    assert found(number) == expected


@pytest.mark.parametrize(
    "text",
    [
        "1" + "11010519491231002X" + "1",  # inside a 20-character run
        "11010519491231002X5",
        "A11010519491231002X",
        "11010519491231002XA",
        "order 9911010519491231002X",
        "12110105491231002",  # the 15-digit form inside a 17-digit run
        "1101051949123100",  # 16 digits
        "1101051949123100211",  # 19 digits
    ],
)
def test_no_match_inside_longer_runs_or_at_other_lengths(text):
    assert found(text) == []


@pytest.mark.parametrize(
    "text, start",
    [
        ("身份证号11010519491231002X，", 4),
        ("(11010519491231002X)", 1),
        ("ID:11010519491231002X", 3),
        ("11010519491231002X", 0),
        ("号码 11010519491231002X\n", 3),
    ],
)

def test_found_next_to_punctuation_and_chinese(text, start):
    results = RECOGNIZER.analyze(text, ["CN_ID_CARD"])
    assert [(r.start, r.end) for r in results] == [(start, start + 18)]


@given(number=id_card_18(), before=filler, after=filler, left=neighbour, right=neighbour)
def test_any_valid_id_embedded_in_text_is_found_with_its_span(number, before, after, left, right):
    text = before + left + number + right + after
    start = len(before) + 1
    results = RECOGNIZER.analyze(text, ["CN_ID_CARD"])
    assert [(r.start, r.end, r.score) for r in results] == [(start, start + 18, 1.0)]


@given(number=id_card_15())
def test_any_valid_legacy_number_is_found(number):
    assert found(number) == [(number, 0.5)]


@given(number=bad_checksum_18())
def test_eighteen_digits_failing_gb11643_are_never_id_cards(number):
    assert found(number) == []


@given(number=id_card_18(), outer=st.text(alphabet="0123456789", min_size=1, max_size=3))
def test_a_valid_id_inside_a_longer_digit_run_is_not_found(number, outer):
    assert found(outer + number) == []
    assert found(number + outer) == []


def test_foreigners_permanent_residence_ids_are_id_numbers():
    new = with_check("93115619850412001")  # 9 + Shanghai 31 + nationality 156 + birth date + sequence
    assert found(new) == [(new, 1.0)]
    text = "证件：USA318504120001 外国人永久居留证"
    spans = [text[r.start:r.end] for r in RECOGNIZER.analyze(text, ["CN_ID_CARD"])]
    assert spans == ["USA318504120001"]  # the older form
    assert RECOGNIZER.analyze("USA311399120001", ["CN_ID_CARD"]) == []  # month 13


@pytest.mark.parametrize("number", ["CAN538805093187", "GBR116107115144", "MNG119811138648"])
def test_old_permanent_residence_ids_count_without_context(number):
    # three nationality letters, a real province of issue and a real birth date: no code is built like that
    assert found(number) == [(number, 1.0)]
    assert [(r.start, r.end) for r in RECOGNIZER.analyze(f"证件号{number}，", ["CN_ID_CARD"])] == [(3, 18)]


@pytest.mark.parametrize("text", ["ORD202312011234", "ABC009905011234", "CAN531399051234", "SL2511962019035"])
def test_letter_prefixed_codes_stay(text):
    assert RECOGNIZER.analyze(text, ["CN_ID_CARD"]) == []
