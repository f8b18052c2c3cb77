"""CN_BANK_CARD: 16-19 digits, Luhn, UnionPay scores higher, grouping, no match inside digit runs."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from presidio_analyzer import EntityRecognizer

from gateway import identifiers
from gateway.masking.recognizers.cn_bank_card import CnBankCardRecognizer, ascii_luhn_valid, luhn_valid
from tests.masking_corpus.generate import generate
from tests.support.corpus_strings import strings as _strings

from tests.support.strategies import bank_card, filler, grouped, neighbour, non_luhn_16  # noqa: E402

RECOGNIZER = CnBankCardRecognizer()
CORPUS_STRINGS = sorted({s for case in generate() for s in _strings(case.doc) if s})


def found(text: str) -> list[tuple[str, float]]:
    return [(text[r.start : r.end], r.score) for r in RECOGNIZER.analyze(text, ["CN_BANK_CARD"])]


def luhn_complete(body: str) -> str:
    return next(body + c for c in "0123456789" if luhn_valid(body + c))


UNIONPAY_16 = luhn_complete("622202123456789")
UNIONPAY_19 = luhn_complete("621700123456789012")
VISA_16 = "4111111111111111"


def test_luhn_known_values():
    assert luhn_valid("4111111111111111")
    assert luhn_valid("79927398713")
    assert not luhn_valid("4111111111111112")


@pytest.mark.parametrize(
    "written, score",
    [
        (UNIONPAY_16, 0.9),
        (UNIONPAY_19, 0.9),
        (luhn_complete("62220212345678901"), 0.9),  # 18 digits
        (VISA_16, 0.6),
        (grouped(UNIONPAY_16), 0.9),
        (grouped(UNIONPAY_16, "-"), 0.9),
        (grouped(UNIONPAY_19), 0.9),
        (grouped(VISA_16), 0.6),
    ],
)
def test_valid_cards(written, score):
    assert found(written) == [(written, score)]


@pytest.mark.parametrize(
    "text",
    [
        "4111111111111112",  # Luhn fails
        UNIONPAY_16[:-1] + str((int(UNIONPAY_16[-1]) + 1) % 10),
        luhn_complete("41111111111111"),  # 15 digits
        luhn_complete("6222021234567890123"),  # 20 digits
        "9" + UNIONPAY_16,  # inside a longer run
        UNIONPAY_16 + "9",
        "6222 0212 3456 78",  # incomplete groups
        "2024-01-15",
        "20240115",
    ],
)

def test_non_cards(text):
    assert found(text) == []


def test_mixed_group_separators_are_not_one_card():
    number = UNIONPAY_16
    text = f"{number[:4]} {number[4:8]}-{number[8:12]} {number[12:]}"
    assert found(text) == []


@given(number=non_luhn_16())
def test_sixteen_digits_failing_luhn_are_never_cards(number):
    assert found(number) == []


@given(number=bank_card(), group=st.booleans(), before=filler, after=filler, left=neighbour, right=neighbour)
def test_any_card_embedded_in_text_is_found_with_its_span(number, group, before, after, left, right):
    written = grouped(number) if group else number
    text = before + left + written + right + after
    start = len(before) + 1
    results = RECOGNIZER.analyze(text, ["CN_BANK_CARD"])
    assert [(r.start, r.end) for r in results] == [(start, start + len(written))]
    if number.startswith("62"):
        assert results[0].score == 0.9
    else:  # 17 and 18 digits written plainly are weak (order numbers have that length): context lifts them
        weak = len(number) in (17, 18) and not group and number[0] in "12"
        assert results[0].score == (0.3 if weak else 0.6)


def test_a_digit_run_ending_in_an_id_check_character_is_no_card():
    assert found("50011219990217265X") == [] and found("档案 50011219990217265x。") == []


# --- fast paths: ascii_luhn_valid is luhn_valid; validate_result's plain-digit path is the sanitized one ---


@given(digits=st.text(st.sampled_from("0123456789"), min_size=1, max_size=24))
def test_ascii_luhn_is_luhn_on_any_ascii_digits(digits):
    assert ascii_luhn_valid(digits) == luhn_valid(digits)


def test_ascii_luhn_on_every_single_digit_change_of_a_card():
    for number in (UNIONPAY_16, UNIONPAY_19, VISA_16):
        for i in range(len(number)):
            for d in "0123456789":
                changed = number[:i] + d + number[i + 1:]
                assert ascii_luhn_valid(changed) == luhn_valid(changed)


def _sanitized_verdict(text):
    """validate_result as it was before its fast path: presidio's sanitize, then the gateway's Luhn."""
    digits = EntityRecognizer.sanitize_value(text, RECOGNIZER.replacement_pairs)
    if not digits.isdigit() or not 16 <= len(digits) <= 19:
        return False
    if len(digits) == 18 and identifiers.looks_like_resident_id(digits):
        return False
    return None if luhn_valid(digits) else False


@given(text=st.text(st.sampled_from("0123456789 -X٣"), min_size=14, max_size=22) | bank_card() | non_luhn_16())
def test_validate_result_is_the_sanitized_verdict(text):
    assert RECOGNIZER.validate_result(text) == _sanitized_verdict(text)


def test_validate_result_on_the_corpus_digit_runs_is_the_sanitized_verdict():
    runs = {m.group() for s in CORPUS_STRINGS for m in re.finditer(r"\d[\d -]{14,22}\d", s)}
    assert len(runs) > 20
    for run in runs:
        assert RECOGNIZER.validate_result(run) == _sanitized_verdict(run), run
