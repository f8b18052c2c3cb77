"""CN_USCC: GB 32100 charset and check character."""

import pytest
from hypothesis import given

from gateway.masking.recognizers.cn_uscc import CHARSET, CnUsccRecognizer, uscc_check_character

from tests.support.strategies import uscc  # noqa: E402

RECOGNIZER = CnUsccRecognizer()


def found(text: str) -> list[tuple[str, float]]:
    return [(text[r.start : r.end], r.score) for r in RECOGNIZER.analyze(text, ["CN_USCC"])]


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000802100433B"])
def test_valid_codes(code):
    assert uscc_check_character(code[:17]) == code[17]
    assert found(code) == [(code, 1.0)]


def test_lowercase_is_accepted():
    assert found("91350100m000100y43") == [("91350100m000100y43", 1.0)]


@pytest.mark.parametrize(
    "text",
    [
        "91350100M000100Y44",  # wrong check character
        "91350100M000100Y4",  # 17 characters
        "91350100M000100Y430",  # 19 characters
        "X91350100M000100Y43",  # inside a longer run
        "91350100I000100Y43",  # I is not in the charset
        "9135A100M000100Y43",  # the area code must be digits
    ],
)

def test_non_codes(text):
    assert found(text) == []


def test_check_value_31_maps_to_zero():
    # Find a 17-character head whose check value is 31 (sum mod 31 == 0): the check character is '0'.
    head = "0" * 17
    assert uscc_check_character(head) == "0"


@given(code=uscc())
def test_generated_codes_are_found(code):
    assert all(char in CHARSET for char in code)
    assert found(code) == [(code, 1.0)]
