"""The normalised view detection sees, and its map back to the caller's characters."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.masking.normalise import normalise


def test_full_width_and_separated_identifiers_become_compact():
    assert normalise("手机１３８１２３４５６７８").text == "手机13812345678"
    assert normalise("110101 19900307 777X").text == "11010119900307777X"
    assert normalise("+86 138-1234-5678").text == "+8613812345678"
    assert normalise("0571-8581 8451").text == "0571-85818451"


def test_dates_and_numbers_side_by_side_keep_their_separators():
    assert normalise("2023-01-05 12:00").text == "2023-01-05 12:00"
    assert normalise("13812345678 13912345678").text == "13812345678 13912345678"
    assert normalise("020-33125001-2216").text == "020-33125001-2216"


def test_spans_map_back_to_the_original_characters():
    text = "身份证 110101 19900307 777X 电话 138-1234-5678。"
    view = normalise(text)
    start = view.text.index("11010119900307777X")
    assert text[slice(*view.span(start, start + 18))] == "110101 19900307 777X"
    start = view.text.index("13812345678")
    assert text[slice(*view.span(start, start + 11))] == "138-1234-5678"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789０１２ -X+。a", max_size=40))
def test_every_view_character_maps_to_its_original(text):
    view = normalise(text)
    for i, ch in enumerate(view.text):
        start, end = view.span(i, i + 1)
        assert end - start == 1
        assert normalise(text[start]).text == ch


def test_octets_and_a_group_after_a_spaced_dash_keep_their_separators():
    assert normalise("D1-28-25-73-77-13").text == "D1-28-25-73-77-13"  # a MAC written in pairs
    assert normalise("12 34 56 78 90 12").text == "12 34 56 78 90 12"
    # a local number and its extension after a spaced dash do not merge into one long number
    assert normalise("电话0871 - 53604089-347").text == "电话0871 - 53604089-347"
    assert normalise("+86 991 4193383").text == "+869914193383"
