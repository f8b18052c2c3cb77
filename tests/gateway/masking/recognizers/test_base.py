"""base.GovPatternRecognizer: its cheaper loop gives what presidio's PatternRecognizer loop gives.

Same results (type, span, score, order) and, when read, the same AnalysisExplanation, on sentences holding
every kind of identifier, for every govshare pattern recognizer whose `analyze` is the base loop.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from presidio_analyzer import AnalysisExplanation, EntityRecognizer, PatternRecognizer, RecognizerResult

from gateway.masking.recognizers import RECOGNIZER_CLASSES
from gateway.masking.recognizers.base import ExplainedLater, GovPatternRecognizer, TextExplainedLater, remove_duplicates

TEXTS = [
    "申请人王小明，身份证11010519491231002X，手机13812345678，电话010-12345678转123，"
    "卡号6222021234567890128，信用代码91350100M000100Y43，护照E12345678，车牌京A12345，"
    "邮箱a@example.com，IP 192.168.0.1，营业收入100万元。",
    "卡号 6222 0212 3456 7890 128 与 6222021234567890128 重复，11010519491231002X 重复，"
    "订单号202312011234567890，VIN 1M8GDM9AXKP042788，MAC 00:1A:2B:3C:4D:5E，fe80::1",
    "150",
    "",
    "护照E00000000，车牌京AB1CDE，电话010-00000000",  # refused by the recognizers' own invalidate_result
]
BASE_LOOP = [entity for entity, cls in RECOGNIZER_CLASSES.items()
             if issubclass(cls, GovPatternRecognizer) and cls.analyze is GovPatternRecognizer.analyze]


def _view(results):
    return [(r.entity_type, r.start, r.end, r.score) for r in results]


def test_the_base_loop_is_what_most_recognizers_run():
    assert {"CN_ID_CARD", "CN_BANK_CARD", "CN_MOBILE", "CN_USCC"} <= set(BASE_LOOP)


@pytest.mark.parametrize("entity", BASE_LOOP)
@pytest.mark.parametrize("text", TEXTS)
def test_same_results_and_explanations_as_presidio(entity, text):
    ours = RECOGNIZER_CLASSES[entity]()
    theirs = RECOGNIZER_CLASSES[entity]()  # presidio's own loop, run on a recognizer of the same class
    mine = ours.analyze(text, [entity])
    reference = PatternRecognizer.analyze(theirs, text, [entity])
    assert _view(mine) == _view(reference)
    for result, expected in zip(mine, reference):
        assert isinstance(result, ExplainedLater)
        assert vars(result.analysis_explanation) == vars(expected.analysis_explanation)
        assert result.to_dict().keys() == expected.to_dict().keys()


def test_a_later_explanation_takes_context_updates_like_presidios():
    recognizer = RECOGNIZER_CLASSES["CN_MOBILE"]()
    result = recognizer.analyze("手机13812345678", ["CN_MOBILE"])[0]
    result.analysis_explanation.set_improved_score(0.95)
    assert result.analysis_explanation.score == 0.95
    assert result.analysis_explanation.score_context_improvement == pytest.approx(0.95 - 0.6)
    result.analysis_explanation = None  # presidio's AnalyzerEngine drops it this way
    assert result.analysis_explanation is None and "_explain" not in vars(result)


def test_context_written_before_the_explanation_is_built_is_in_it():
    recognizer = RECOGNIZER_CLASSES["CN_MOBILE"]()
    early, late = (recognizer.analyze("手机13812345678", ["CN_MOBILE"])[0] for _ in range(2))
    early.explain_context("手机", 0.95)  # not built yet: kept for later
    late.analysis_explanation.set_supportive_context_word("手机")
    late.analysis_explanation.set_improved_score(0.95)
    assert vars(early.analysis_explanation) == vars(late.analysis_explanation)
    assert early.analysis_explanation.score_context_improvement == pytest.approx(0.95 - 0.6)
    assert "_context" not in vars(early) and early.to_dict().keys() == late.to_dict().keys()
    built = recognizer.analyze("手机13812345678", ["CN_MOBILE"])[0]
    built.analysis_explanation  # noqa: B018 - built first, then written into
    built.explain_context("手机", 0.95)
    assert vars(built.analysis_explanation) == vars(late.analysis_explanation)


def test_validation_runs_once_per_distinct_match():
    calls = []

    class Counting(RECOGNIZER_CLASSES["CN_MOBILE"]):
        def validate_result(self, pattern_text):
            calls.append(pattern_text)
            return super().validate_result(pattern_text)

    results = Counting().analyze("13812345678，13812345678；13812345678", ["CN_MOBILE"])
    assert len(results) == 3 and calls == ["13812345678"]


# Float scores, as every pattern and validation gives (with 1 and 1.0 together presidio's survivor depends on
# its set's hash order, which changes from process to process).
_SPANS = st.tuples(st.integers(0, 12), st.integers(1, 6), st.sampled_from([0.0, 0.2, 0.4, 0.5, 0.6, 0.85, 1.0]))


@settings(max_examples=400, deadline=None)
@given(st.lists(_SPANS, max_size=12))
def test_remove_duplicates_equals_presidios(spans):
    results = [RecognizerResult("CN_ID_CARD", start, start + length, score) for start, length, score in spans]
    ours = remove_duplicates(list(results))
    theirs = EntityRecognizer.remove_duplicates(list(results))
    assert [id(r) for r in ours] == [id(r) for r in theirs]


@settings(max_examples=600, deadline=None)
@given(_SPANS, _SPANS, st.sampled_from(["CN_ID_CARD", "PERSON"]))
def test_remove_duplicates_of_a_pair_equals_presidios(one, other, entity):
    # two results: the pair fast path (every order, overlap, containment, tie of position or score)
    results = [RecognizerResult(entity, start, start + length, score) for start, length, score in (one, other)]
    ours = remove_duplicates(list(results))
    theirs = EntityRecognizer.remove_duplicates(list(results))
    assert [id(r) for r in ours] == [id(r) for r in theirs]


# --- TextExplainedLater: the person recognizer's own results, explained when read ---

def _eager_person_result(recognizer, result, text):
    """The result as cn_person built it before its explanation was deferred: presidio's RecognizerResult with an
    AnalysisExplanation(recognizer, score, text) built at once."""
    explanation = AnalysisExplanation(recognizer=recognizer.name, original_score=result.score,
                                      textual_explanation=text)
    return RecognizerResult(entity_type=recognizer.supported_entities[0], start=result.start, end=result.end,
                            score=result.score, analysis_explanation=explanation,
                            recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: recognizer.name,
                                                  RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id})


PERSON_TEXTS = ["申请人刘和平因病住院，联系人王芳电话13800000000", "王小明\n李四\n热依拉·买合木提", "用户热依拉·买合木提于2021年"]


@pytest.mark.parametrize("text", PERSON_TEXTS)
def test_person_results_read_as_the_eager_ones(text):
    recognizer = RECOGNIZER_CLASSES["PERSON"]()
    own = [(r, recognizer.CONTEXT_EXPLANATION) for r in recognizer.analyze_context_names(text)] + \
        [(r, recognizer.WHOLE_EXPLANATION) for r in recognizer.analyze_whole_values(text)]
    assert own
    for result, words in own:
        assert isinstance(result, TextExplainedLater)
        eager = _eager_person_result(recognizer, result, words)
        explained = vars(result.analysis_explanation)
        assert explained == vars(eager.analysis_explanation)
        assert result.to_dict().keys() == eager.to_dict().keys()
        assert {k: v for k, v in vars(result).items() if k != "analysis_explanation"} == \
            {k: v for k, v in vars(eager).items() if k != "analysis_explanation"}


def test_person_context_written_before_the_explanation_is_built_is_in_it():
    recognizer = RECOGNIZER_CLASSES["PERSON"]()
    early = recognizer.analyze_context_names(PERSON_TEXTS[0])[0]
    eager = _eager_person_result(recognizer, early, recognizer.CONTEXT_EXPLANATION)
    early.explain_context("申请人", 0.95)
    eager.analysis_explanation.set_supportive_context_word("申请人")
    eager.analysis_explanation.set_improved_score(0.95)
    assert vars(early.analysis_explanation) == vars(eager.analysis_explanation)
    assert early.analysis_explanation.score_context_improvement == pytest.approx(0.95 - early.score)
