"""The detector's per-recognizer gates (RECOGNIZER_GATES) never keep a recognizer from a string it finds something in.

Each gate is a necessary condition read off its recognizer's patterns; this checks it on every string of the
development and held-out corpora (their values, sentences and keys, in the normalised view the recognizers read)
and on generated identifiers written in their spellings.
"""


import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.masking.detector import _DIGIT_RUN, RECOGNIZER_GATES, _passing
from gateway.masking.normalise import normalise
from gateway.masking.recognizers import build_recognizers
from tests.masking_corpus.generate import generate
from tests.masking_corpus.heldout import generate_set
from tests.support.corpus_strings import leaves as _strings
from tests.support.strategies import bank_card, formatted_mobile, grouped, id_card_15, id_card_18, uscc

RECOGNIZERS = [r for r in build_recognizers() if r.supported_entities[0] in RECOGNIZER_GATES]


def _corpus_texts() -> list[str]:
    cases = generate() + generate_set("ordinary", count=150) + generate_set("harsh", count=150)
    return sorted({normalise(s).text for case in cases for s in _strings(case.doc) if s})


def _gate_keeps(entity: str, text: str) -> bool:
    run = max(map(len, _DIGIT_RUN.findall(text)), default=0)
    return _passing(RECOGNIZER_GATES[entity], [text], [run]) == [0]


def _misses(texts: list[str]) -> list[tuple[str, str]]:
    return [(recognizer.supported_entities[0], text) for recognizer in RECOGNIZERS for text in texts
            if recognizer.analyze(text, recognizer.supported_entities, None)
            and not _gate_keeps(recognizer.supported_entities[0], text)]


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    return _corpus_texts()


def test_every_gate_keeps_the_corpus_strings_its_recognizer_finds_something_in(corpus_texts):
    found = {r.supported_entities[0] for r in RECOGNIZERS for t in corpus_texts if r.analyze(t, r.supported_entities, None)}
    assert {"CN_ID_CARD", "CN_MOBILE", "CN_BANK_CARD", "CN_ADDRESS", "TRADE_SECRET", "IP_ADDRESS"} <= found
    assert _misses(corpus_texts) == []


IDENTIFIER_TEXTS = st.one_of(id_card_18(), id_card_15(), bank_card(), uscc(), formatted_mobile().map(lambda m: m[0]),
                             bank_card().map(grouped), bank_card().map(lambda n: grouped(n, "-")), st.sampled_from([
                                 "营业收入1,234.56万元", "Revenue: $1.2M", "REVENUE 12", "-12.5", "¥ 300", "ſales 40",
                                 "192.168.0.1", "fe80::1", "::1", "abcd::ef", "00-1A-2B-3C-4D-5E", "001a.2b3c.4d5e",
                                 "a@b.cn", "京A12345", "沪AD12345", "E12345678", "G1234567", "H12345678", "A12345678",
                                 "010-12345678", "+86 10 1234 5678", "LSVAU2180N2183294"]))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="号码电话为收入 ：:,，-\n", max_size=6), IDENTIFIER_TEXTS, st.text(alphabet="号码 ：。\n", max_size=4))
def test_every_gate_keeps_identifiers_in_their_spellings(before, value, after):
    assert _misses([normalise(before + value + after).text]) == []


def test_each_recognizer_reads_the_join_of_the_strings_its_gate_keeps(monkeypatch):
    # a gate keeping every string hands over the batch's own join; one keeping some, the join of those only
    from gateway.masking.detector import SEPARATOR, Detector

    detector = Detector()
    texts = ["张三住在北京市朝阳区", "邮箱a@example.com", "b@example.org 王五，电话13812345678"]
    read: dict[str, list[str]] = {}
    for recognizer in detector._recognizers:
        entity, analyze = recognizer.supported_entities[0], recognizer.analyze
        monkeypatch.setattr(recognizer, "analyze", lambda text, *a, _e=entity, _f=analyze: (
            read.setdefault(_e, []).append(text), _f(text, *a))[1])
    detector.detect_many([("bz", text) for text in texts])
    views = [normalise(text).text for text in texts]  # what the recognizers read
    assert read["EMAIL_ADDRESS"] == [SEPARATOR.join(views[1:])]
    assert read["CN_ADDRESS"] == read["PERSON"] == [SEPARATOR.join(views)]  # every string holds CJK
    assert read["CN_MOBILE"] == [views[2]]
