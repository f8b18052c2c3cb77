"""CN_MOBILE: issued segments, +86/0086/86 prefixes, 3-4-4 grouping, no match inside digit runs."""

import pytest
from hypothesis import given

from gateway.masking.recognizers.cn_mobile import CnMobileRecognizer

from tests.support.strategies import filler, formatted_mobile, neighbour  # noqa: E402

RECOGNIZER = CnMobileRecognizer()


def found(text: str) -> list[tuple[str, float]]:
    return [(text[r.start : r.end], r.score) for r in RECOGNIZER.analyze(text, ["CN_MOBILE"])]


@pytest.mark.parametrize(
    "written",
    [
        "13812345678",
        "+86 13812345678",
        "+8613812345678",
        "86-13812345678",
        "008613812345678",
        "138-1234-5678",
        "138 1234 5678",
        "+86 138-1234-5678",
        "19912345678",
        "16612345678",
        "14512345678",
    ],
)
def test_every_written_form_is_found_whole(written):
    assert found(written) == [(written, 1.0)]


@pytest.mark.parametrize(
    "text",
    [
        "12812345678",  # 12x is not a mobile segment
        "15412345678",  # 154 is not issued
        "16012345678",  # 160 is not issued
        "17912345678",  # 179 is not issued
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "913812345678",  # inside a longer run
        "2024-01-15",
        "20240115",
        "138-1234-567",
    ],
)
def test_non_mobiles(text):
    assert found(text) == []


@pytest.mark.parametrize(
    "text, span",
    [
        ("手机13812345678。", (2, 13)),
        ("联系电话：138-1234-5678，", (5, 18)),
        ("tel(+86 13812345678)", (4, 19)),
    ],
)

def test_spans_in_text(text, span):
    assert [(r.start, r.end) for r in RECOGNIZER.analyze(text, ["CN_MOBILE"])] == [span]


@given(mobile=formatted_mobile(), before=filler, after=filler, left=neighbour, right=neighbour)
def test_any_mobile_embedded_in_text_is_found_with_its_span(mobile, before, after, left, right):
    written, _ = mobile
    text = before + left + written + right + after
    start = len(before) + 1
    results = RECOGNIZER.analyze(text, ["CN_MOBILE"])
    assert [(r.start, r.end) for r in results] == [(start, start + len(written))]
