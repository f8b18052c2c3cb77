"""The compiled given-name class and the memoised verdicts answer as the per-character rule and the plain functions."""

from hypothesis import given
from hypothesis import strategies as st

from gateway.masking.recognizers.cn_person_spelling import _is_given_name_char, is_given_name_run

_CHARS = st.sampled_from("王芳于因的在和与刘平高中A1 ·\u4e00\u9fff\u3000")


@given(st.text(_CHARS, max_size=6), st.integers(0, 7), st.integers(0, 7))
def test_given_name_run_matches_per_character_rule(text, start, end):
    assert is_given_name_run(text, start, end) == all(_is_given_name_char(c) for c in text[start:end])


def test_given_name_run_refuses_a_non_name_character():
    assert is_given_name_run("刘和平", 1) and not is_given_name_run("张勇于", 1)
