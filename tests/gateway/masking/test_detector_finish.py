"""The detector's per-string finish skips work whose result it can prove: the person recognizer's NLP names are
only read for free text in which jieba tagged a probable name (nlp_engine.name_spans). Checked on the development corpus and
on generated strings: the skipped step finds nothing there, and the batch answer equals detect()'s full path."""


import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.masking.detector import Detector
from gateway.masking.nlp_engine import name_spans, name_tag_indices
from gateway.masking.normalise import normalise
from tests.masking_corpus.generate import generate
from tests.support.corpus_strings import leaves as _strings


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    return sorted({s for case in generate() for s in _strings(case.doc) if s and "\u2029" not in s})


def _nlp_names(detector: Detector, text: str) -> list:
    """What the finish step's skipped call would give: the person recognizer's names from the light artifacts."""
    (tagged,) = detector._nlp.tag_many([text])
    artifacts = detector._nlp.light_artifacts(text, "zh", with_entities=True, tagged=tagged)
    return detector._person.analyze_nlp_entities(artifacts)


def _skipped(detector: Detector, text: str) -> bool:
    (tagged,) = detector._nlp.tag_many([text])
    return tagged is None or not name_spans(None, tagged[0], tagged[1], raw=True, marked=name_tag_indices(tagged[1]))


def test_name_tag_indices_is_name_spans_own_test():
    assert name_tag_indices(["n", "nr", "v"]) == [1] and name_tag_indices(["nrfg"]) == [0]
    assert name_tag_indices(["nrt", "x"]) == [0]
    assert not name_tag_indices([]) and not name_tag_indices(["n", "ns", "vn", "x"])
    assert name_spans(None, ["在", "北京"], ["p", "ns"], raw=True) == []


def test_a_skipped_string_of_the_corpus_has_no_nlp_names(detector, corpus_texts):
    views = [normalise(text).text for text in corpus_texts]
    skipped = [view for view in views if _skipped(detector, view)]
    assert len(skipped) > 100 and len(skipped) < len(views)  # both paths are exercised
    assert [view for view in skipped if _nlp_names(detector, view)] == []


def test_the_corpus_as_remarks_gets_the_full_path_answer(detector, corpus_texts):
    items = [("bz", text) for text in corpus_texts] + [(None, text) for text in corpus_texts[::3]]
    assert detector.detect_many(items) == [detector.detect(text, key) for key, text in items]


NAMEISH = st.text(alphabet="张王李欧阳娜明伟华芳在了是的和市区路号户主申请人经办已审核，。 0123456789", max_size=16)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(NAMEISH, st.text(max_size=24)))
def test_a_skipped_generated_string_has_no_nlp_names_and_the_same_answer(detector, text):
    view = normalise(text).text
    if view and _skipped(detector, view):
        assert _nlp_names(detector, view) == []
    if "\u2029" not in text:
        assert detector.detect_many([("bz", text), (None, text)]) == [detector.detect(text, "bz"), detector.detect(text)]
