"""CN_LANDLINE: area codes, parentheses, separators, extensions; unseparated numbers are weak."""

import pytest

from gateway.masking.recognizers.cn_landline import CnLandlineRecognizer

RECOGNIZER = CnLandlineRecognizer()


def found(text: str) -> list[tuple[str, float]]:
    return [(text[r.start : r.end], r.score) for r in RECOGNIZER.analyze(text, ["CN_LANDLINE"])]


@pytest.mark.parametrize(
    "written",
    [
        "010-12345678",
        "0571-87654321",
        "021-6543210",  # 7-digit local number
        "(010)12345678",
        "（0755）88886666",
        "0571 87654321",
        "010-12345678-123",  # extension
        "010-12345678转801",
        "0512-6801234ext.12",
        "022 - 76274079",  # a spaced dash
        "0951 - 2156690",
        "0871 - 53604089-347",
        "+86 991 4193383",  # dialled from abroad: the area code loses its 0
        "+86 898 38150108",
        "0086-10-12345678",
        "+86 21 62345678",
    ],
)
def test_separated_numbers_are_found_whole(written):
    assert found(written) == [(written, 0.6)]


def test_unseparated_number_is_weak():
    assert found("01012345678") == [("01012345678", 0.3)]


@pytest.mark.parametrize(
    "text",
    [
        "2024-01-15",
        "20240115",
        "010-123456",  # local part too short
        "010-123456789",  # local part too long
        "010-02345678",  # local part starts with 0
        "0010-12345678",  # inside a longer run
        "010-88888888",  # placeholder
        "13812345678",
    ],
)
def test_non_landlines(text):
    assert found(text) == []


def test_span_in_text():
    text = "办公电话：0571-87654321，"
    assert [(r.start, r.end) for r in RECOGNIZER.analyze(text, ["CN_LANDLINE"])] == [(5, 18)]


@pytest.mark.parametrize("text", ["+86 138 1234 5678", "+8613812345678", "+86 991 0193383", "022 - - 76274079"])
def test_international_form_leaves_mobiles_and_bad_local_numbers(text):
    assert [s for s, score in found(text) if score >= 0.5] == []


@pytest.mark.parametrize("written", ["02149457684 分机418", "02149457684转418"])
def test_an_unseparated_landline_keeps_its_extension_and_needs_context(written):
    assert found(written) == [(written, 0.3)]
    from tests.support.masking import detector
    spans = detector().detect_many([("gddh", written)])[0]
    assert [(written[s.start:s.end], s.entity) for s in spans] == [(written, "CN_LANDLINE")]
    assert detector().detect_many([("bh", written)])[0] == []  # under a code key it stays
