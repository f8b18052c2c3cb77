"""The Detector: key context, overlap resolution, the pre-filter, and detect_many == detect."""

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

from gateway.masking.detector import (
    _without_duplicates,
    build_prefilter,
    ENTITY_PRIORITY,
    SEPARATOR,
    Detector,
    KeyContextEnhancer,
    Span,
    disjoint_spans,
    make_span,
    resolve_overlaps,
)
from gateway.masking.recognizers import RECOGNIZER_CLASSES, SUPPORTED_ENTITIES
from gateway.masking.recognizers.cn_bank_card import luhn_valid
from gateway.identifiers import gb11643_check_char as gb11643_check_character

from tests.support.strategies import (  # noqa: E402
    bad_checksum_18,
    bank_card,
    compact_dates,
    dashed_dates,
    filler,
    formatted_mobile,
    grouped,
    id_card_15,
    id_card_18,
    uscc,
)

IDENTIFIERS = {"CN_ID_CARD", "CN_MOBILE", "CN_LANDLINE", "CN_BANK_CARD", "CN_USCC", "CN_PASSPORT",
               "CN_LICENSE_PLATE", "IP_ADDRESS"}


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


def typed(text: str, spans: list[Span]) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.entity) for s in spans]


# -- examples ---------------------------------------------------------------------------------------


def test_mixed_text(detector):
    text = ("申请人王小明，身份证11010519491231002X，手机+86 138-1234-5678，住址北京市朝阳区建国路88号院3号楼"
            "2单元1101室，邮箱zhang@example.com，营业收入1,234.56万元。")
    assert typed(text, detector.detect(text)) == [
        ("王小明", "PERSON"),
        ("11010519491231002X", "CN_ID_CARD"),
        ("+86 138-1234-5678", "CN_MOBILE"),
        ("北京市朝阳区建国路88号院3号楼2单元1101室", "CN_ADDRESS"),
        ("zhang@example.com", "EMAIL_ADDRESS"),
        ("1,234.56万元", "TRADE_SECRET"),
    ]


def test_key_hint_name(detector):
    # a whole value spelled as a name and no dictionary word is a name on its own (0.6); the key lifts it
    assert detector.detect("张三", "xm") == [Span(0, 2, "PERSON", pytest.approx(0.95))]
    assert detector.detect("张三") == [Span(0, 2, "PERSON", pytest.approx(0.6))]
    assert detector.detect("张三", "sfzh") == [Span(0, 2, "PERSON", pytest.approx(0.6))]
    # a name that is also a dictionary word (高峰) still needs a key that says "name"
    assert detector.detect("高峰", "sfzh") == []
    assert [s.entity for s in detector.detect("高峰", "xm")] == ["PERSON"]


def test_key_hint_boosts_the_hinted_entity(detector):
    legacy = "110105491231002"
    assert [s.score for s in detector.detect(legacy)] == [0.5]
    assert [s.score for s in detector.detect(legacy, "sfzh")] == [pytest.approx(0.85)]
    assert [s.score for s in detector.detect("E12345678")] == [0.5]
    assert [s.score for s in detector.detect("E12345678", "passportNo")] == [pytest.approx(0.85)]


def test_key_hint_trade_secret_value(detector):
    assert typed("1234.56", detector.detect("1234.56", "yysr")) == [("1234.56", "TRADE_SECRET")]
    assert detector.detect("1234.56", "count") == []


def test_free_text_key_scans_sentences_for_names(detector):
    text = "张伟和刘洋在公园散步聊天"
    assert typed(text, detector.detect(text, "bz")) == [("张伟", "PERSON"), ("刘洋", "PERSON")]
    assert typed(text, detector.detect(text, "status")) == typed(text, detector.detect(text, "bz"))  # a sentence
    assert detector.detect(text, "zz") == []  # a key hinting another entity: the value is not free text
    short = "张伟和刘洋"  # short phrases are name-tagged too: names hide in them as in sentences
    assert typed(short, detector.detect(short, None)) == [("张伟", "PERSON"), ("刘洋", "PERSON")]


def test_key_hint_api(detector):
    assert detector.key_hint("XM") == "PERSON"
    assert detector.key_hint("bz") == "FREE_TEXT"
    assert detector.key_hint(None) is None


@pytest.mark.parametrize("text", ["", "ACTIVE", "2024", "true", "A01", "1.5", "https://example.org/a"])
def test_prefilter_drops_plain_values(detector, text):
    assert not detector.may_contain_pii(text)


@pytest.mark.parametrize(
    "text", ["11010519491231002X", "a@b.cn", "10.0.0.1", "fe80::1", "张三", "138 1234 5678", "revenue", "京A12345"]
)
def test_prefilter_keeps_candidates(detector, text):
    assert detector.may_contain_pii(text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="的了是年月日号张王京沪市路营收入·0123456789 -.:@abcfeRrEVvn", max_size=24))
def test_prefilter_with_its_trigger_class_first_answers_as_the_whole_prefilter(detector, text):
    # the class is one of the prefilter's alternatives, searched alone first (a hit there is a hit of the whole)
    whole = build_prefilter(detector.score_threshold)
    assert detector._prefilter_triggers.pattern in whole.pattern.split("|")
    assert detector.may_contain_pii(text) == (whole.search(text) is not None)


def test_checksum_wins_over_weaker_readings_of_the_same_digits(detector):
    # A Gansu (62…) ID number that is also Luhn-valid: the UnionPay pattern sees a card, the ID wins.
    for sequence in range(1000):
        first17 = f"62010219800101{sequence:03d}"
        number = first17 + gb11643_check_character(first17)
        if number.isdigit() and luhn_valid(number):
            break
    assert detector.detect(number) == [Span(0, 18, "CN_ID_CARD", 1.0)]


def test_resolve_overlaps_rules():
    def result(entity, start, end, score):
        return RecognizerResult(entity, start, end, score)

    assert resolve_overlaps([result("CN_BANK_CARD", 0, 18, 0.9), result("CN_ID_CARD", 0, 18, 1.0)]) == [
        Span(0, 18, "CN_ID_CARD", 1.0)
    ]
    assert resolve_overlaps([result("PERSON", 0, 2, 0.85), result("CN_ADDRESS", 0, 10, 0.85)]) == [
        Span(0, 10, "CN_ADDRESS", 0.85)
    ]
    assert resolve_overlaps([result("CN_USCC", 0, 18, 1.0), result("CN_ID_CARD", 0, 18, 1.0)]) == [
        Span(0, 18, "CN_ID_CARD", 1.0)
    ]
    assert resolve_overlaps([result("PERSON", 5, 7, 0.6), result("PERSON", 0, 2, 0.6)]) == [
        Span(0, 2, "PERSON", 0.6), Span(5, 7, "PERSON", 0.6)
    ]
    assert set(ENTITY_PRIORITY) == set(SUPPORTED_ENTITIES)


_RESULTS = st.lists(
    st.tuples(st.sampled_from(sorted(ENTITY_PRIORITY)), st.integers(0, 30), st.integers(0, 6),
              st.sampled_from([0.0, 0.4, 0.6, 0.85, 1.0])),
    max_size=6,
)


@given(_RESULTS)
def test_disjoint_fast_path_equals_the_full_resolution(drawn):
    def made():
        return [RecognizerResult(entity, start, start + length, score) for entity, start, length, score in drawn]

    fast = disjoint_spans(made())
    if fast is not None:
        assert fast == resolve_overlaps(_without_duplicates(made()))


def test_disjoint_fast_path_takes_separate_findings_only():
    def result(entity, start, end, score=0.85):
        return RecognizerResult(entity, start, end, score)

    assert disjoint_spans([result("CN_MOBILE", 9, 20), result("PERSON", 0, 3)]) == [
        Span(0, 3, "PERSON", 0.85), Span(9, 20, "CN_MOBILE", 0.85)]
    assert disjoint_spans([result("PERSON", 0, 3), result("CN_ADDRESS", 3, 9)]) is not None  # touching
    assert disjoint_spans([result("PERSON", 0, 3), result("CN_ADDRESS", 2, 9)]) is None
    assert disjoint_spans([result("PERSON", 0, 3), result("ORGANIZATION", 5, 9)]) is None
    assert disjoint_spans([result("PERSON", 0, 3)]) is None


def test_an_organisation_keeps_its_place_and_is_not_returned():
    def result(entity, start, end, score):
        return RecognizerResult(entity, start, end, score)

    # 住杭州市西湖区人民法院 : the address part before the court is trimmed, the name inside it dropped
    spans = resolve_overlaps([result("ORGANIZATION", 7, 16, 0.95), result("CN_ADDRESS", 1, 13, 0.99),
                              result("PERSON", 8, 10, 1.0), result("CN_MOBILE", 20, 31, 1.0)])
    assert spans == [Span(1, 7, "CN_ADDRESS", 0.99), Span(20, 31, "CN_MOBILE", 1.0)]


def test_organisations_are_left_whole_names_beside_them_are_not(detector):
    det = detector
    text = "申请人王小明到上海市浦东新区人民法院起诉，经办单位不动产登记中心。"
    spans = [(text[s.start:s.end], s.entity) for s in det.detect(text)]
    assert ("王小明", "PERSON") in spans
    assert not any("法院" in t or "登记中心" in t for t, _ in spans)


def test_entities_and_threshold_are_honoured():
    mobiles_only = Detector(entities=["CN_MOBILE"], score_threshold=0.9)
    text = "手机13812345678，护照E12345678，身份证11010519491231002X"
    assert typed(text, mobiles_only.detect(text)) == [("13812345678", "CN_MOBILE")]
    assert mobiles_only.detect_many([(None, text)]) == [mobiles_only.detect(text)]
    with pytest.raises(ValueError):
        Detector(entities=["NOT_AN_ENTITY"])


def test_restricted_detector_agrees_on_free_text():
    passports_only = Detector(entities=["CN_PASSPORT"])
    items = [(None, "护照号码是E12345678，请核对后办理"), ("bz", "申请人王小明，护照E12345678"), ("xm", "张三")]
    assert passports_only.detect_many(items) == [passports_only.detect(text, key) for key, text in items]
    assert [s.entity for s in passports_only.detect_many(items)[1]] == ["CN_PASSPORT"]


def test_bad_input(detector):
    assert detector.detect("") == []
    assert detector.detect_many([]) == []
    with pytest.raises(TypeError):
        detector.detect(None)
    with pytest.raises(TypeError):
        detector.detect_many([("k", 5)])


def test_items_that_contain_the_separator_character(detector):
    text = "手机13812345678\u2029张三"
    assert detector.detect_many([("xm", text), (None, "x")]) == [detector.detect(text, "xm"), []]


def test_nothing_is_logged_from_the_text(detector, caplog):
    caplog.set_level(logging.DEBUG)
    detector.detect("护照号码E12345678，申请人王小明", "bz")
    detector.detect_many([("bz", "护照号码E12345678，申请人王小明")])
    assert "E12345678" not in caplog.text and "王小明" not in caplog.text


def test_recognizers_keep_presidio_default_recognizer_level_enhancement():
    # detect_many skips AnalyzerEngine's per-recognizer enhancement hook because it is a no-op here.
    for cls in RECOGNIZER_CLASSES.values():
        assert cls.enhance_using_context is EntityRecognizer.enhance_using_context


@pytest.mark.parametrize(
    "text, context",
    [
        ("护照号码E12345678", None),
        ("编号E12345678", ["护照"]),
        ("张三", ["姓名"]),
        ("办公电话 01012345678", None),
        ("地址 建国路88号 IP 10.0.0.1", None),
        ("1234.56", ["营业收入"]),
        ("申请人王小明", None),
    ],
)
def test_key_context_enhancer_scores_like_presidio_lemma_enhancer(detector, text, context):
    recognizers = detector._recognizers
    artifacts = detector._nlp.process_text(text, "zh")

    def raw():
        return [r for rec in recognizers for r in rec.analyze(text, rec.supported_entities, artifacts)]

    ours = KeyContextEnhancer().enhance_using_context(text, raw(), artifacts, recognizers, context)
    theirs = LemmaContextAwareEnhancer().enhance_using_context(text, raw(), artifacts, recognizers, context)
    assert sorted((r.entity_type, r.start, r.end, r.score) for r in ours) == sorted(
        (r.entity_type, r.start, r.end, r.score) for r in theirs
    )


# -- properties -------------------------------------------------------------------------------------

KEYS = st.sampled_from([None, "xm", "sfzh", "sjhm", "zz", "bz", "yysr", "name", "status", "hzhm", "备注", "ip",
                        "email", "remark", "cphm", "gddh"])
PIECES = st.one_of(
    id_card_18(), id_card_15(), bad_checksum_18(), bank_card(), bank_card().map(grouped), uscc(),
    formatted_mobile().map(lambda pair: pair[0]), dashed_dates, compact_dates, filler,
    st.sampled_from([
        "张三", "欧阳娜娜", "申请人王小明", "经办人李娜已审核", "北京市朝阳区建国路88号院3号楼2单元1101室", "建国路88号",
        "营业收入 1,234.56万元", "纳税额：88万元", "revenue 1.2M", "1234.56", "E12345678", "京A12345", "粤B·D12345",
        "010-12345678", "192.168.1.10", "fe80::1", "zhang@example.com", "张伟和刘洋在公园散步聊天", "护照", "身份证",
        "\n", " ", "，", "-", "+", "\u2029", "88", "0571", "138", "62", "欧阳", "户主", "住址：",
    ]),
    st.text(alphabet="0123456789 -+@.:,，。张王李市区路号收入税AEGX\n", max_size=12),
)

TEXTS = st.lists(PIECES, max_size=5).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=st.lists(st.tuples(KEYS, TEXTS), max_size=8))
def test_detect_many_agrees_with_detect(detector, items):
    batch = detector.detect_many(items)
    assert batch == [detector.detect(text, key) for key, text in items]
    for (_, text), spans in zip(items, batch, strict=True):
        assert spans == sorted(spans, key=lambda s: s.start)
        assert all(0 <= s.start < s.end <= len(text) for s in spans)
        assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))


@settings(max_examples=150, deadline=None)
@given(text=TEXTS)
def test_prefilter_never_drops_a_string_with_findings(detector, text):
    if detector.detect(text):
        assert detector.may_contain_pii(text)


@settings(deadline=None)
@given(date=st.one_of(dashed_dates, compact_dates), before=filler, after=filler)
def test_dates_are_never_identifiers(detector, date, before, after):
    for text in (date, before + date + after, f"于{date}办理"):
        assert [s for s in detector.detect(text) if s.entity in IDENTIFIERS] == []


@settings(deadline=None)
@given(number=bad_checksum_18())
def test_random_18_digits_failing_gb11643_are_never_id_cards(detector, number):
    assert [s for s in detector.detect(number, "sfzh") if s.entity == "CN_ID_CARD"] == []


@settings(deadline=None)
@given(number=id_card_18(), mobile=formatted_mobile(), card=bank_card(unionpay=True), before=filler)
def test_identifiers_in_a_sentence_keep_their_spans(detector, number, mobile, card, before):
    written = mobile[0]
    text = f"{before}，身份证{number}，手机 {written}，卡号 {card}。"
    assert [(e, t) for t, e in typed(text, detector.detect(text)) if e in IDENTIFIERS] == [
        ("CN_ID_CARD", number), ("CN_MOBILE", written), ("CN_BANK_CARD", card)
    ]


def test_separator_is_not_crossable_by_construction():
    assert "\u2029" in SEPARATOR and SEPARATOR.startswith("\n") and SEPARATOR.endswith("\n")


def test_a_place_word_inside_an_organisation_name_keeps_it_whole(detector):
    assert detector.detect("天津市和平区街道办事处") == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=st.lists(st.tuples(KEYS, TEXTS), min_size=1, max_size=4))
def test_repeated_strings_in_one_call_get_the_answer_they_get_alone(detector, items):
    """detect_many detects a (key hint, string) once per call and hands repeats the same spans."""
    doubled = items + [(key, text) for key, text in reversed(items)] + [("xingming", text) for _, text in items]
    assert detector.detect_many(doubled) == [detector.detect(text, key) for key, text in doubled]


# -- shapes the held-out corpora showed leaking (plates with a gap, Cisco MACs, full-width groups) ------------


@pytest.mark.parametrize("text,expected", [
    ("１５８－４１４７－５７２１", ("１５８－４１４７－５７２１", "CN_MOBILE")),  # full-width digits and dashes
    ("6227  0038  5123  0688", ("6227  0038  5123  0688", "CN_BANK_CARD")),  # double spaces
    ("0f8e.040b.a4c2", ("0f8e.040b.a4c2", "MAC_ADDRESS")),  # Cisco-style
    ("D1-28-25-73-77-13", ("D1-28-25-73-77-13", "MAC_ADDRESS")),  # digit octets stay octets
    ("渝 J79988", ("渝 J79988", "CN_LICENSE_PLATE")),
    ("电话０１０　－　４１４７２６２１", ("０１０　－　４１４７２６２１", "CN_LANDLINE")),
])
def test_unlabelled_values_in_real_world_spellings_are_found(detector, text, expected):
    assert detector.may_contain_pii(text)
    assert typed(text, detector.detect_many([(None, text)])[0]) == [expected]


def test_proven_identifiers_in_full_width_spellings_reach_the_identifier_path(detector):
    texts = ["１５８－４１４７－５７２１", "６２１７　００２６　０１４１　７７２６　２４４"]
    found = [typed(t, spans) for t, spans in zip(texts, detector.detect_identifiers(texts))]
    assert [[e for _, e in f] for f in found] == [["CN_MOBILE"], ["CN_BANK_CARD"]]


@pytest.mark.parametrize("control", ["SL251196201903599", "工单SL251196201903599已受理", "版本 2024.0101.1234"])
def test_work_orders_and_dotted_numbers_stay(detector, control):
    assert detector.detect_many([(None, control)])[0] == []


@given(st.integers(-5, 50), st.integers(-5, 50), st.sampled_from(sorted(ENTITY_PRIORITY)),
       st.sampled_from([0.0, 0.3, 0.85, 1.0, 1]))
def test_make_span_is_the_frozen_span(start, end, entity, score):
    made, plain = make_span(start, end, entity, score), Span(start, end, entity, score)
    assert type(made) is Span and made == plain and hash(made) == hash(plain) and repr(made) == repr(plain)
    assert (made.start, made.end, made.entity, made.score) == (start, end, entity, score)
    with pytest.raises(AttributeError):  # still frozen
        made.start = 0
