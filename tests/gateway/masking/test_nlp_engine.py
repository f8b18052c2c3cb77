"""The jieba NlpEngine: valid presidio NlpArtifacts, offsets, name entities, and use inside AnalyzerEngine."""

import pytest
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.tokens import Doc

from gateway.masking.nlp_engine import ChineseNlpEngine, is_probable_name
from gateway.masking.recognizers import CnPassportRecognizer


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
