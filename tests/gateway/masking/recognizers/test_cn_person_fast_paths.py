"""The person rules' fast paths give what the plain forms they replace give, on generated pieces, the development
corpus's strings and random CJK/mixed text: before_marker_matches is _BEFORE_MARKER.finditer, has_dot the dot set,
other_name_end and minority_name_after (which refuse most starts by their first character) and
name_after_context (sets, one regex per given name) their plain forms, the kept dictionary verdict the dictionary's,
the given-name character set and run (is_given_name_run, over any slice) are "a CJK ideograph not in
NOT_GIVEN_NAME_CHARS" per character."""

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.masking.detector import SEPARATOR
from gateway.masking.recognizers.cjk import is_cjk
from gateway.masking.recognizers.cn_person_spelling import (
    _BEFORE_MARKER, _DOTS, _GIVEN_NAME_RUN, _LATIN, _MARKER, _OTHER_CLOSED, _in_dictionary, _is_given_name_char,
    before_marker_matches, dictionary_entry, ends_name, has_dot, is_everyday_word, is_given_name_run, is_minority_name,
    looks_like_name, minority_name_after, name_after_context, other_name_end)
from gateway.masking.recognizers.cn_person_words import (
    BEFORE_MARKERS, COMPOUND_SURNAMES, MINORITY_NAME_PARTS, MINORITY_SYLLABLES, NAME_END_CHARS, NAME_WORD_MAX_FREQUENCY,
    NOT_GIVEN_NAME_CHARS, SINGLE_SURNAMES)
from gateway.masking.recognizers.base import remove_duplicates
from gateway.masking.recognizers.cn_person import CnPersonRecognizer
from tests.masking_corpus.generate import generate
from tests.support.corpus_strings import strings as _strings

# pieces that make surnames, leads, markers and spaces meet in every order
PIECES = [*SINGLE_SURNAMES[:20], *COMPOUND_SURNAMES[:4], *BEFORE_MARKERS, *"，由经明人 　芳华于是系a1\n"]


# the development corpus's strings (tests/masking_corpus), as the detector reads them: one by one and joined
CORPUS = sorted({s for case in generate() for s in _strings(case.doc) if s})
JOINED = SEPARATOR.join(CORPUS)
# random text: CJK ideographs, the pieces above, Latin letters, digits, dots and spaces
MIXED = st.lists(st.sampled_from(PIECES) | st.sampled_from(CORPUS) | st.text(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF) | st.sampled_from("·•・ \t\u3000\nAZaz09（）()/|:："),
    max_size=8), max_size=10).map("".join)


def test_before_marker_matches_on_the_corpus_are_finditers() -> None:
    assert [m.span() for m in before_marker_matches(JOINED)] == [m.span() for m in _BEFORE_MARKER.finditer(JOINED)]
    for text in CORPUS:
        assert [m.span() for m in before_marker_matches(text)] == [m.span() for m in _BEFORE_MARKER.finditer(text)]


@settings(max_examples=300, deadline=None)
@given(MIXED)
def test_before_marker_matches_on_mixed_text_are_finditers(text: str) -> None:
    expected = [m.span() for m in _BEFORE_MARKER.finditer(text)]
    assert [m.span() for m in before_marker_matches(text)] == expected
    assert [m.span() for m in before_marker_matches(text, list(_MARKER.finditer(text)))] == expected


@given(MIXED)
def test_has_dot_is_the_dot_set_test(text: str) -> None:
    assert has_dot(text) == bool(_DOTS.intersection(text))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14))
def test_before_marker_matches_are_the_lookbehind_patterns_matches(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert [m.span() for m in before_marker_matches(text)] == [m.span() for m in _BEFORE_MARKER.finditer(text)]


def test_before_marker_matches_keep_the_lead_rule() -> None:
    text = "由高洁代为领取，据石欣怡陈述，X王芳系"
    assert [text[m.start():m.end()] for m in before_marker_matches(text)] == ["由高洁", "石欣怡"]


@given(st.text(alphabet=st.characters(min_codepoint=0x4DF0, max_codepoint=0xA010) | st.sampled_from(
    NOT_GIVEN_NAME_CHARS + "a1 "), max_size=6))
def test_given_name_set_and_run_match_the_per_character_rule(text: str) -> None:
    plain = [is_cjk(c) and c not in NOT_GIVEN_NAME_CHARS for c in text]
    assert [_is_given_name_char(c) for c in text] == plain
    assert (_GIVEN_NAME_RUN.fullmatch(text) is not None) == (bool(text) and all(plain))


@given(st.text(st.sampled_from("王芳于因的在和与刘平高中A1 ·\u4e00\u9fff\u3000"), max_size=6), st.integers(0, 7),
       st.integers(0, 7))
def test_given_name_run_over_a_slice_matches_the_per_character_rule(text: str, start: int, end: int) -> None:
    assert is_given_name_run(text, start, end) == all(_is_given_name_char(c) for c in text[start:end])


def test_given_name_run_refuses_a_non_name_character() -> None:
    assert is_given_name_run("刘和平", 1) and not is_given_name_run("张勇于", 1)


def test_before_marker_matches_reach_the_longest_names() -> None:
    text = "，欧阳  永辉系，王  小明系，欧阳 永辉系，司马光系"  # 6, 5, 5 and 3 characters before the marker
    found = [text[m.start():m.end()] for m in before_marker_matches(text)]
    assert found == [text[m.start():m.end()] for m in _BEFORE_MARKER.finditer(text)]
    assert found == ["欧阳  永辉", "王  小明", "欧阳 永辉", "司马光"]


def _plain_other_name_end(text: str, start: int):  # other_name_end before its first-character test
    m = _OTHER_CLOSED.match(text, start)
    if m and m.end() - start >= 2:
        end, last_dot = m.end(), max(text.rfind(dot, start, m.end()) for dot in _DOTS)
        while last_dot >= 0 and end - last_dot > 3 and text[end - 1] in NAME_END_CHARS:
            end -= 1
        return end
    m = _LATIN.match(text, start)
    return m.end() if m else None


def _plain_minority_name_after(text: str, start: int):  # minority_name_after before its first-character test
    for end in range(min(len(text), start + 6), start + 1, -1):
        if ends_name(text, end) and is_minority_name(text[start:end]):
            return end
    return None


def _assert_other_names_as_plain(text: str) -> None:
    for start in range(len(text) + 1):
        assert other_name_end(text, start) == _plain_other_name_end(text, start)
        assert minority_name_after(text, start) == _plain_minority_name_after(text, start)


OTHER_PIECES = [*MINORITY_NAME_PARTS[:40], *sorted(MINORITY_SYLLABLES)[:40], "·", "•", "・", "Zhang Wei", "ZHANG/WEI",
                "于", "电话", "，", "1", " "]


def test_other_names_on_the_corpus_are_the_plain_forms() -> None:
    for text in CORPUS:
        _assert_other_names_as_plain(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(OTHER_PIECES), max_size=8).map("".join) | MIXED)
def test_other_names_on_mixed_text_are_the_plain_forms(text: str) -> None:
    _assert_other_names_as_plain(text)


def _plain_name_after_context(text: str, start: int):  # name_after_context as it was written first
    compound = text[start : start + 2] in COMPOUND_SURNAMES
    single = start < len(text) and text[start] in SINGLE_SURNAMES
    for surname in (2,) * compound + (1,) * single:
        gap = 0
        while gap < 3 and start + surname + gap < len(text) and text[start + surname + gap] in " \t\u3000":
            gap += 1
        for given in (2, 1):
            end = start + surname + gap + given
            if end > len(text) or not all(_is_given_name_char(c) for c in text[start + surname + gap:end]):
                continue
            candidate = text[start : start + surname] + text[start + surname + gap : end]
            if ends_name(text, end) and looks_like_name(candidate) and not is_everyday_word(candidate):
                return end
    return None


def test_name_after_context_on_the_corpus_is_the_plain_form() -> None:
    for text in CORPUS:
        for start in range(len(text) + 1):
            assert name_after_context(text, start) == _plain_name_after_context(text, start)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES + ["  ", "\u3000", "\t", "于", "电话", "因病", "高中", "刘和平", "欧阳永辉"]),
                max_size=10).map("".join) | MIXED)
def test_name_after_context_on_mixed_text_is_the_plain_form(text: str) -> None:
    for start in range(len(text) + 1):
        assert name_after_context(text, start) == _plain_name_after_context(text, start)


def test_name_after_context_reads_up_to_three_spaces() -> None:
    for text, end in (("王 芳，", 3), ("欧阳\u3000\u3000永辉电话", 6), ("王\t \u3000芳。", 5), ("王    芳。", None)):
        assert name_after_context(text, 0) == _plain_name_after_context(text, 0) == end


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(CORPUS), st.integers(0, 40), st.integers(2, 4))
def test_the_dictionary_verdict_kept_per_word_is_the_dictionarys(text: str, start: int, length: int) -> None:
    word = (text[start:start + length] or "王小明")[:length].rjust(2, "王")
    fresh = dictionary_entry(word)[0] >= NAME_WORD_MAX_FREQUENCY[min(len(word), 3)]
    assert _in_dictionary(word) == fresh and _in_dictionary(word) == fresh  # asked twice: the kept answer too


def test_the_dictionary_verdict_refuses_frequent_words_only() -> None:
    assert _in_dictionary("黄金") and _in_dictionary("高峰") and not _in_dictionary("王小明")


# --- analyze de-duplicates the pattern results once, with the others (_pattern_results without dedupe) ---

def _person_view(results):
    return [(r.start, r.end, r.score, type(r).__name__, getattr(r, "_explain", (None, None))[1]) for r in results]


def _deduped_in_steps(recognizer, text):
    """analyze as it ran before: each pattern loop's results de-duplicated, then all of them together."""
    results = recognizer._pattern_results(text, ["PERSON"], None, None, dedupe=True)
    results.extend(recognizer.analyze_whole_values(text))
    results.extend(recognizer.analyze_context_names(text))
    return remove_duplicates(results)


def test_analyze_deduplicates_as_in_steps_on_the_corpus():
    recognizer = CnPersonRecognizer()
    dropped = 0
    for text in CORPUS + [JOINED]:
        found = recognizer.analyze(text, ["PERSON"])
        assert _person_view(found) == _person_view(_deduped_in_steps(recognizer, text)), text
        kept = {id(r) for r in found}
        dropped += any(id(r) not in kept for r in recognizer._pattern_results(text, ["PERSON"], None, None))
    assert dropped  # the pattern results do meet the others' (申请人王芳: role pattern and context name)


def test_analyze_deduplicates_pattern_results_that_meet_only_each_other():
    recognizer = CnPersonRecognizer()
    for text in ["申请人王芳", "户主 王 芳\n王芳", "Applicant: John Smith 英文姓名：John Smith", "姓名王芳\n王芳"]:
        assert _person_view(recognizer.analyze(text, ["PERSON"])) == _person_view(_deduped_in_steps(recognizer, text))


@settings(max_examples=300, deadline=None)
@given(MIXED)
def test_analyze_deduplicates_as_in_steps_on_mixed_text(text: str) -> None:
    recognizer = CnPersonRecognizer()
    assert _person_view(recognizer.analyze(text, ["PERSON"])) == _person_view(_deduped_in_steps(recognizer, text))
