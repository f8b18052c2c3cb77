"""CN_LICENSE_PLATE: province + letter + 5 (6 new-energy), separators, tails, digit minimum."""

import pytest

from gateway.masking.recognizers.cn_license_plate import CnLicensePlateRecognizer

RECOGNIZER = CnLicensePlateRecognizer()


def found(text: str) -> list[str]:
    return [text[r.start : r.end] for r in RECOGNIZER.analyze(text, ["CN_LICENSE_PLATE"])]


@pytest.mark.parametrize(
    "plate",
    ["京A12345", "粤B·D12345", "粤BD12345", "粤B12345D", "沪C·8H8H8", "浙A 2B345", "苏E1234学", "川A1234挂",
     "渝 J79988", "晋 CFN4200", "琼 L40079D", "晋EW715D", "云KDZ0790", "琼F FS3208", "京D-702GQ"],
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
        "京  A12345",  # two spaces: not one plate
        "新 BBC",  # a word after a province character
        "云 KDZ07",  # fewer than three digits
    ],
)
def test_non_plates(text):
    assert found(text) == []


def test_span_in_text():
    text = "车牌号京A12345的车辆"
    results = RECOGNIZER.analyze(text, ["CN_LICENSE_PLATE"])
    assert [(r.start, r.end) for r in results] == [(3, 10)]


def test_a_space_after_the_province_character_is_part_of_the_span():
    text = "号牌渝 J79988，已年检"
    results = RECOGNIZER.analyze(text, ["CN_LICENSE_PLATE"])
    assert [text[r.start:r.end] for r in results] == ["渝 J79988"]
