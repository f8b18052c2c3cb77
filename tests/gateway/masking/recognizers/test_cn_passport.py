"""CN_PASSPORT: E/G + 8 digits and E + letter + 7 digits; medium score that context raises."""

import pytest

from gateway.masking.recognizers.cn_passport import CnPassportRecognizer

RECOGNIZER = CnPassportRecognizer()


def found(text: str) -> list[tuple[str, float]]:
    return [(text[r.start : r.end], r.score) for r in RECOGNIZER.analyze(text, ["CN_PASSPORT"])]


@pytest.mark.parametrize("number", ["E12345678", "G12345678", "EA1234567", "EH7654321"])
def test_passport_numbers(number):
    assert found(number) == [(number, 0.5)]


@pytest.mark.parametrize(
    "text",
    [
        "E1234567",  # too short
        "E123456789",  # too long
        "EI1234567",  # I is not used
        "EO1234567",  # O is not used
        "XE12345678",  # inside a longer run
        "E12345678X",
        "Q12345678",  # no passport series Q
        "E00000000",  # placeholder
    ],
)
def test_non_passports(text):
    assert found(text) == []


def test_span_in_text():
    text = "护照号码E12345678，"
    assert [(r.start, r.end) for r in RECOGNIZER.analyze(text, ["CN_PASSPORT"])] == [(4, 13)]


@pytest.mark.parametrize("text", ["P12345678", "DE1234567", "S1234567", "H12345678", "M1234567890", "C12345678",
                                  "1234567890B"])
def test_service_passports_and_travel_permits_are_candidates_for_context(text):
    results = RECOGNIZER.analyze(text, ["CN_PASSPORT"])
    assert [(r.start, r.end) for r in results] == [(0, len(text))]
