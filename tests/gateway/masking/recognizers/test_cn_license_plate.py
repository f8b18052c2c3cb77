"""CN_LICENSE_PLATE: province + letter + 5 (6 new-energy), separators, tails, digit minimum."""

import pytest

from gateway.masking.recognizers.cn_license_plate import CnLicensePlateRecognizer

RECOGNIZER = CnLicensePlateRecognizer()


def found(text: str) -> list[str]:
    return [text[r.start : r.end] for r in RECOGNIZER.analyze(text, ["CN_LICENSE_PLATE"])]


@pytest.mark.parametrize(
    "plate",
    ["京A12345", "粤B·D12345", "粤BD12345", "粤B12345D", "沪C·8H8H8", "浙A 2B345", "苏E1234学", "川A1234挂"],
)
def test_plates(plate):
    assert found(plate) == [plate]


@pytest.mark.parametrize(
    "text",
    [
        "京A1234",  # too short
        "京A1234567",  # too long
        "京I12345",  # I is not used
        "京AB1CDE",  # fewer than three digits
        "北A12345",  # 北 is not a province abbreviation
    ],
)
def test_non_plates(text):
    assert found(text) == []


def test_span_in_text():
    text = "车牌号京A12345的车辆"
    results = RECOGNIZER.analyze(text, ["CN_LICENSE_PLATE"])
    assert [(r.start, r.end) for r in results] == [(3, 10)]
