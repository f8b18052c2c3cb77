"""The jieba NlpEngine: valid presidio NlpArtifacts, offsets, name entities, and use inside AnalyzerEngine."""

import pytest
import rjieba
from hypothesis import given, settings
from hypothesis import strategies as st
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.tokens import Doc

from gateway.masking.nlp_engine import (
    ChineseNlpEngine, _keyword_verdict, _plain_keyword, is_probable_name, name_spans, name_tag_indices)
from gateway.masking.recognizers import CnPassportRecognizer
from gateway.masking.nlp_engine import PUNCTUATION, STOPWORDS_ZH, LightArtifacts
from gateway.masking.spans import KeyContextEnhancer, _joined, _supportive_word


@pytest.fixture(scope="module")
def engine() -> ChineseNlpEngine:
    nlp = ChineseNlpEngine()
    nlp.load()
    return nlp


@pytest.mark.parametrize("with_entities", [True, False])
@pytest.mark.parametrize(
    "text",
    ["申请人王小明 于2024年3月\n提交申请,  联系电话13812345678。", "zhang@example.com", "护照号码E12345678", " \t"],
)
def test_artifacts_cover_the_text_with_right_offsets(engine, text, with_entities):
    artifacts = engine.process_text(text, "zh", with_entities=with_entities)
    assert isinstance(artifacts, NlpArtifacts)
    assert isinstance(artifacts.tokens, Doc)
    assert artifacts.tokens.text == text
    assert len(artifacts.tokens_indices) == len(artifacts.tokens) == len(artifacts.lemmas)
    for token, index in zip(artifacts.tokens, artifacts.tokens_indices, strict=True):
        assert text[index : index + len(token)] == token.text


def test_keywords_drop_punctuation_and_stopwords(engine):
    artifacts = engine.process_text("护照号码：E12345678，的", "zh", with_entities=False)
    assert artifacts.keywords == ["护照", "号码", "e12345678"]


def test_name_tags_become_person_entities(engine):
    text = "张伟和刘洋在公园散步聊天"
    artifacts = engine.process_text(text, "zh")
    assert [(span.text, span.label_) for span in artifacts.entities] == [("张伟", "PERSON"), ("刘洋", "PERSON")]
    assert artifacts.tokens[0].tag_.startswith("nr")
    assert len(artifacts.scores) == 2


def test_no_entities_without_tagging(engine):
    artifacts = engine.process_text("张伟和刘洋在公园散步聊天", "zh", with_entities=False)
    assert artifacts.entities == []


def test_common_dictionary_words_tagged_as_names_are_not_entities(engine):
    artifacts = engine.process_text("经审核，材料齐全符合要求", "zh")
    assert artifacts.entities == []
    assert not is_probable_name("齐全")
    assert is_probable_name("王小明")
    assert is_probable_name("张伟")


def test_compound_surname_is_joined(engine):
    artifacts = engine.process_text("欧阳娜娜是演员", "zh")
    assert [span.text for span in artifacts.entities] == ["欧阳娜娜"]


def test_empty_text(engine):
    artifacts = engine.process_text("", "zh")
    assert len(artifacts.tokens) == 0 and artifacts.entities == [] and artifacts.keywords == []


def test_rejects_other_languages_and_non_strings(engine):
    with pytest.raises(ValueError):
        engine.process_text("text", "en")
    with pytest.raises(TypeError):
        engine.process_text(b"bytes", "zh")


def test_process_batch(engine):
    results = list(engine.process_batch(["张三", "李四"], "zh", with_entities=False))
    assert [text for text, _ in results] == ["张三", "李四"]
    assert all(isinstance(artifacts, NlpArtifacts) for _, artifacts in results)


def test_word_classes(engine):
    assert engine.is_punct("，", "zh") and engine.is_punct(" ", "zh") and not engine.is_punct("护照", "zh")
    assert engine.is_stopword("的", "zh") and not engine.is_stopword("护照", "zh")
    assert engine.get_supported_languages() == ["zh"]
    assert engine.get_supported_entities() == ["PERSON"]
    assert engine.is_loaded()


def test_drives_presidio_default_context_enhancer():
    engine = ChineseNlpEngine()
    registry = RecognizerRegistry(recognizers=[CnPassportRecognizer()], supported_languages=["zh"])
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["zh"])
    with_context = analyzer.analyze("护照号码E12345678", "zh")
    without = analyzer.analyze("编号E12345678", "zh")
    assert [(r.entity_type, r.start, r.end, r.score) for r in with_context] == [("CN_PASSPORT", 4, 13, 0.85)]
    assert [r.score for r in without] == [0.5]


TEXTS = st.text(alphabet=st.sampled_from(list("王小明申请人于年月日电话住址北京市朝阳区路号室欧阳娜娜 ,:：。\n\t0123456789abcAB-")),
                max_size=40)


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXTS, max_size=6))
def test_tag_many_gives_each_text_the_tags_it_gets_alone(texts):
    engine = ChineseNlpEngine()
    engine.load()
    for text, tagged in zip(texts, engine.tag_many(texts)):
        if tagged is None:  # a token crossed the text's edge: the caller tags it alone
            continue
        alone = rjieba.tag(text, True)
        assert tagged == ([w for w, _ in alone], [t for _, t in alone])


@settings(max_examples=200, deadline=None)
@given(TEXTS, st.data())
def test_words_around_a_span_are_presidios(text, data):
    engine = ChineseNlpEngine()
    engine.load()
    if not text:
        return
    artifacts = engine.light_artifacts(text, "zh")
    start = data.draw(st.integers(0, len(text) - 1))
    enhancer = KeyContextEnhancer()
    expected = enhancer._extract_surrounding_words(nlp_artifacts=artifacts, word=text[start:], start=start)
    assert sorted(enhancer._words_around(artifacts, start, text[start:])) == sorted(expected)


@settings(max_examples=200, deadline=None)
@given(TEXTS)
def test_keyword_set_is_presidios_keywords(text):
    engine = ChineseNlpEngine()
    engine.load()
    artifacts = engine.light_artifacts(text, "zh")
    assert artifacts.keyword_set == frozenset(NlpArtifacts.set_keywords(engine, artifacts.lemmas, "zh"))


@settings(max_examples=300, deadline=None)
@given(st.lists(TEXTS, max_size=5), st.lists(TEXTS.filter(bool), min_size=1, max_size=5))
def test_supportive_word_is_presidios(words, context):
    lowered = [w.lower() for w in words]
    expected = KeyContextEnhancer._find_supportive_word_in_context(lowered, context, "substring")
    assert _supportive_word(_joined(lowered), [(w, w.lower()) for w in context]) == expected


LEMMAS = st.lists(st.sampled_from(["be", "Be", "BE", "-PRON-", "-pron-", "的", "The", "the", "a:b", "A", "a", "b", "，", " ",
                                   "\t", "住址", "E12", "e12", ":", "x:", "İ", "i̇"]), max_size=8)


@settings(max_examples=300, deadline=None)
@given(LEMMAS)
def test_is_keyword_answers_as_keyword_set(lemmas):
    engine = ChineseNlpEngine()
    ends = [sum(map(len, lemmas[:i + 1])) for i in range(len(lemmas))]
    artifacts = LightArtifacts([], lemmas, [e - len(w) for e, w in zip(ends, lemmas)], ends, engine, "zh")
    assert [artifacts.is_keyword(lemma) for lemma in lemmas] == [lemma.lower() in artifacts.keyword_set for lemma in lemmas]


TAGS = st.lists(st.sampled_from(["nr", "nrt", "nrfg", "n", "ns", "x", "v", "r", "nz", "anr", "n r", " nr", "eng", ""]),
                max_size=12)


@settings(max_examples=500, deadline=None)
@given(TAGS)
def test_name_tag_indices_are_the_tags_starting_nr(tags):
    expected = [i for i, tag in enumerate(tags) if tag[:2] == "nr"]
    assert name_tag_indices(tags) == expected
    if " " not in "".join(tags):  # jieba's tags hold no spaces: a tag starts "nr" where " nr" is in the join
        assert bool(name_tag_indices(tags)) == (" nr" in " " + " ".join(tags))


@settings(max_examples=200, deadline=None)
@given(TEXTS)
def test_name_spans_with_the_indices_given_are_name_spans(text):
    pairs = rjieba.tag(text, True)
    words, tags = [w for w, _ in pairs], [t for _, t in pairs]
    expected = name_spans(None, words, tags, raw=True)
    assert name_spans(None, words, tags, raw=True, marked=name_tag_indices(tags)) == expected
    assert expected == [(start, end) for start, end in expected
                        if is_probable_name("".join(words[start:end]))]  # the inlined is_probable_name


@settings(max_examples=300, deadline=None)
@given(LEMMAS)
def test_the_remembered_keyword_verdict_is_the_verdict(lemmas):
    for lemma in lemmas * 2:  # the second time from the table
        assert _plain_keyword(lemma) == _keyword_verdict(lemma) == (
            lemma.lower() not in STOPWORDS_ZH and bool(lemma.strip()) and bool(lemma.strip("".join(PUNCTUATION))))
