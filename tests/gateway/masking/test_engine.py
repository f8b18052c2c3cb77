"""The Masker: the decision per field (labels, grants, detection), findings, fail-closed behaviour,
and the properties that must hold for any document."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.config import MaskingSettings
from gateway.errors import GatewayError
from gateway.masking.engine import Finding, MaskingRefused, MaskingView
from gateway.identifiers import gb11643_check_char as gb11643_check_character
from gateway.masking.pseudonym import PseudonymKeys
from gateway.masking.rules import load_rules

from tests.support.masking import POPULATION, UNLABELLED, detector, masker, resource  # noqa: E402
from tests.support.strategies import (  # noqa: E402  (the detection helper's identifier strategies)
    bad_checksum_18, bank_card, compact_dates, dashed_dates, filler, id_card_18, luhn_valid, mobile_numbers,
    non_luhn_16)

KEY_A, KEY_B = b"A" * 32, b"B" * 32
PSN = re.compile(r"PSN_[0-9a-f]{16}")


def view(res=POPULATION, **kw) -> MaskingView:
    kw.setdefault("pseudonym_key", KEY_A)
    return MaskingView(resource=res, **kw)


def record() -> dict:
    return {
        "xm": "张三", "sfzh": "110101199003074514", "sjhm": "13812345678",
        "zz": "北京市朝阳区建国路88号院3号楼2单元1101室", "csrq": "1990-05-17", "mz": "汉族",
        "bz": "联系电话13912345678,已核验", "yysr": 12345678, "nsje": {"2023": 880000, "2024": 910000},
        "dwmc": "北京某某科技有限公司", "tyshxydm": "91110108551385082Q", "gxsj": "2024-05-17",
        "other": "13612345678",
    }


def summary(findings: list[Finding]) -> set[tuple[str, str, str, int]]:
    return {(f.path, f.entity, f.operator, f.count) for f in findings}


def test_labels_decide_for_labelled_fields():
    doc, findings = masker().mask_document({"data": [record()]}, view())
    assert doc == {"data": [{
        "xm": "张*", "sfzh": "110101********4514", "sjhm": "138****5678", "zz": "北京市朝阳区建国路****",
        "csrq": "1990", "mz": "***", "bz": "联系电话139****5678,已核验",
        "dwmc": "北京某某科技有限公司", "tyshxydm": "91110108551385082Q", "gxsj": "2024-05-17",
        "other": "136****5678",
    }]}
    assert summary(findings) == {
        ("$.data[*].xm", "PERSON", "name", 1), ("$.data[*].sfzh", "CN_ID_CARD", "keep", 1),
        ("$.data[*].sjhm", "CN_MOBILE", "keep", 1), ("$.data[*].zz", "CN_ADDRESS", "address", 1),
        ("$.data[*].csrq", "DATE_OF_BIRTH", "year_only", 1), ("$.data[*].mz", "PERSONAL", "redact", 1),
        ("$.data[*].bz", "CN_MOBILE", "keep", 1), ("$.data[*].yysr", "TRADE_SECRET", "remove", 1),
        ("$.data[*].nsje", "TRADE_SECRET", "remove", 1), ("$.data[*].other", "CN_MOBILE", "keep", 1),
    }


def test_labelled_fields_skip_detection():
    # the label, not the value, decides: a checksum-failing "ID" in an ID field is still masked,
    # and a name field holding digits is masked as a name
    doc, _ = masker().mask_document({"sfzh": "110101199003074515", "xm": "13912345678"}, view())
    assert doc == {"sfzh": "110101********4515", "xm": "1**********"}


def test_public_and_internal_fields_stay_plain_but_text_inside_is_scanned():
    res = resource(("fddbr", "public", None), ("jj", "internal", None), code="SC-QY-0001")
    doc, findings = masker().mask_document(
        {"fddbr": "张三", "jj": "法人身份证号11010519491231002X，电话13912345678"}, view(res))
    # `fddbr` would hint PERSON if unlabelled; labelled public it is plain (no key hints)
    assert doc == {"fddbr": "张三", "jj": "法人身份证号110105********002X，电话139****5678"}
    assert {f.entity for f in findings} == {"CN_ID_CARD", "CN_MOBILE"}
    unlabelled, _ = masker().mask_document({"fddbr": "张三"}, UNLABELLED)
    assert unlabelled == {"fddbr": "张*"}


def test_short_scanned_values_skip_detection_and_the_shortest_identifier_is_still_caught():
    class CountingDetector:
        def __init__(self, inner):
            self.inner, self.texts = inner, []

        def detect_many(self, items):
            self.texts += [text for _, text in items]
            return self.inner.detect_many(items)

        def detect_identifiers(self, texts):  # labelled public/internal fields take the identifiers-only path
            self.texts += list(texts)
            return self.inner.detect_identifiers(texts)

        def __getattr__(self, name):
            return getattr(self.inner, name)

    counting = CountingDetector(detector())
    res = resource(("xb", "internal", None), ("dh", "internal", None), code="SC-QY-0003")
    doc, findings = masker(det=counting).mask_document({"xb": "2", "dh": "13912345678"}, view(res))
    assert doc == {"xb": "2", "dh": "139****5678"}
    assert counting.texts == ["13912345678"]  # "2" never reached detection
    assert [(f.entity, f.count) for f in findings] == [("CN_MOBILE", 1)]


def test_public_and_internal_text_keeps_names_addresses_and_words_the_provider_declared_shareable():
    res = resource(("qymc", "public", None), ("zs", "public", "CN_ADDRESS"), ("btlx", "internal", None),
                   ("jj", "internal", None), code="SC-QY-0002")
    doc = {"qymc": "北京乐享电子有限公司", "zs": "北京市朝阳区建国路88号院3号楼2单元1101室",
           "btlx": "农村最低生活保障金", "jj": "法定代表人王小明，地址北京市海淀区中关村大街27号"}
    masked, findings = masker().mask_document(dict(doc), view(res))
    assert masked == doc
    assert findings == []


def test_reveal_shows_plain_and_records_it():
    doc, findings = masker().mask_document(record(), view(reveal=frozenset({"sfzh", "yysr", "other"})))
    assert doc["sfzh"] == "110101199003074514"
    assert doc["yysr"] == 12345678  # a trade secret revealed by the grant is not removed
    assert doc["other"] == "13612345678"  # an unlabelled revealed key: plain, but its content recorded
    assert "nsje" not in doc and doc["xm"] == "张*"
    assert {("$.sfzh", "CN_ID_CARD", "reveal", 1), ("$.yysr", "TRADE_SECRET", "reveal", 1),
            ("$.other", "CN_MOBILE", "reveal", 1)} <= summary(findings)


def test_pseudonymise_gives_joinable_keyed_tokens():
    docs = {"rows": [{"sfzh": "110101199003074514"}, {"sfzh": "110101199003074514"}, {"sfzh": "11010519491231002X"}]}
    a, findings = masker().mask_document(docs, view(pseudonymise=frozenset({"sfzh"}), reveal=frozenset({"sfzh"})))
    b, _ = masker().mask_document(docs, view(pseudonymise=frozenset({"sfzh"}), pseudonym_key=KEY_B))
    tokens_a = [r["sfzh"] for r in a["rows"]]
    tokens_b = [r["sfzh"] for r in b["rows"]]
    assert all(PSN.fullmatch(t) for t in tokens_a + tokens_b)
    assert tokens_a[0] == tokens_a[1] != tokens_a[2]  # same person joins, another does not
    assert not set(tokens_a) & set(tokens_b)  # another grant's key: nothing joins across grants
    assert summary(findings) == {("$.rows[*].sfzh", "CN_ID_CARD", "hash", 3)}


def test_pseudonyms_need_a_key():
    with pytest.raises(MaskingRefused) as e:
        masker().mask_document({"sfzh": "110101199003074514"},
                               view(pseudonymise=frozenset({"sfzh"}), pseudonym_key=b""))
    assert e.value.reason == "masking_error"


def test_gateway_default_key_when_the_view_has_none(tmp_path):
    rules_path = tmp_path / "masking.yaml"
    rules_path.write_text("entities:\n  CN_MOBILE: {operator: hash}\n", encoding="utf-8")
    m = masker(load_rules(rules_path), pseudonym_keys=PseudonymKeys(tmp_path))
    doc, _ = m.mask_document({"a": "电话13912345678"}, UNLABELLED)
    assert PSN.fullmatch(doc["a"][2:])
    assert doc == m.mask_document({"a": "电话13912345678"}, UNLABELLED)[0]


def test_uscc_is_public_unless_the_rules_say_otherwise(tmp_path):
    doc = {"qy": "统一社会信用代码91110108551385082Q"}
    assert masker().mask_document(doc, UNLABELLED)[0] == doc
    rules_path = tmp_path / "masking.yaml"
    rules_path.write_text("public_entities: []\n", encoding="utf-8")
    masked, _ = masker(load_rules(rules_path)).mask_document(doc, UNLABELLED)
    assert masked == {"qy": "统一社会信用代码91110108********2Q"}


def test_a_public_code_that_is_also_a_card_number_is_masked():
    # 622844183243772584 passes the social credit code check *and* the Luhn check
    doc, findings = masker().mask_document({"a": "622844183243772584", "b": 622844183243772584}, UNLABELLED)
    assert doc == {"a": "**************2584", "b": "**************2584"}
    assert {f.entity for f in findings} == {"CN_BANK_CARD"}


def test_labelled_container_passes_its_decision_down():
    res = resource(("jtcy", "personal", None), ("sfzh", "sensitive", "CN_ID_CARD"))
    doc, _ = masker().mask_document(
        {"jtcy": [{"gx": "父子", "nl": 50, "sfzh": "110101199003074514"}, "配偶"]}, view(res))
    assert doc == {"jtcy": [{"gx": "***", "nl": "***", "sfzh": "110101********4514"}, "***"]}


def test_field_override_bands_a_trade_secret(tmp_path):
    rules_path = tmp_path / "masking.yaml"
    rules_path.write_text("fields:\n  - {resource: GA-RK-0001, field: yysr, operator: band}\n", encoding="utf-8")
    doc, findings = masker(load_rules(rules_path)).mask_document({"yysr": 12345678, "nsje": 1}, view())
    assert doc == {"yysr": "1000万-5000万"}
    assert ("$.yysr", "TRADE_SECRET", "band", 1) in summary(findings)


def test_unlabelled_key_hints():
    doc, _ = masker().mask_document({"csrq": "1990年5月17日", "yysr": 100, "nsje": "88万元", "rq": "2024-05-17"},
                                    UNLABELLED)
    assert doc == {"csrq": "1990", "yysr": None, "nsje": None, "rq": "2024-05-17"}


def test_mask_document_does_not_touch_its_input():
    doc = {"data": [record()]}
    before = copy.deepcopy(doc)
    masker().mask_document(doc, view())
    assert doc == before


def test_mask_text():
    m = masker()
    assert m.mask_text("请联系13912345678或zhangsan@example.com", UNLABELLED) == (
        "请联系139****5678或z***@example.com",
        [Finding("$", "CN_MOBILE", "keep", 1), Finding("$", "EMAIL_ADDRESS", "email", 1)])
    assert m.mask_text("张三", UNLABELLED, key="xm")[0] == "张*"
    assert m.mask_text("12345678", view(), key="yysr") == ("", [Finding("$.yysr", "TRADE_SECRET", "remove", 1)])
    assert m.mask_text("", UNLABELLED) == ("", [])


def test_mask_query():
    m = masker()
    query, findings = m.mask_query("sfzh=110101199003074514&yysr=100&page=2&q=%E5%BC%A0%E4%B8%89", view())
    # q=张三: a name on its own under a key that says nothing is still a name (jieba's name tag)
    assert query == "sfzh=110101%2A%2A%2A%2A%2A%2A%2A%2A4514&page=2&q=%E5%BC%A0*".replace("%2A", "*")
    assert summary(findings) == {("query.sfzh", "CN_ID_CARD", "keep", 1), ("query.yysr", "TRADE_SECRET", "remove", 1),
                                 ("query.q", "PERSON", "name", 1)}
    assert m.mask_query("", view()) == ("", [])
    assert m.mask_query("tel=13912345678", UNLABELLED)[0] == "tel=139****5678"


def test_mask_body_json_and_result_fields():
    body = json.dumps({"data": [record()]}, ensure_ascii=False).encode()
    result = masker().mask_body(body, "application/json; charset=utf-8", None, view())
    out = json.loads(result.body)
    assert out["data"][0]["sfzh"] == "110101********4514" and "yysr" not in out["data"][0]
    assert result.content_type == "application/json; charset=utf-8" and result.content_encoding is None
    assert result.findings == masker().mask_document({"data": [record()]}, view())[1]


# --- fail closed --------------------------------------------------------------------------------


class BrokenDetector:
    def __init__(self, real, mode: str):
        self.real, self.mode = real, mode

    def key_hint(self, key):
        return self.real.key_hint(key)

    def may_contain_pii(self, text):
        return True

    def detect_many(self, items):
        if self.mode == "raise":
            raise ValueError(f"boom on {items[0][1]}")
        if self.mode == "short":
            return []
        time.sleep(0.05)
        return self.real.detect_many(items)


def test_any_internal_error_refuses_without_leaking():
    m = masker(det=BrokenDetector(detector(), "raise"))
    with pytest.raises(MaskingRefused) as e:
        m.mask_body(b'{"sfzh":"110101199003074514"}', "application/json", None, UNLABELLED)
    err = e.value
    assert err.reason == "masking_error" and err.cause == "ValueError"
    assert isinstance(err, GatewayError) and err.status == 502
    assert "110101199003074514" not in str(err) and err.__cause__ is None and err.__suppress_context__


def test_detector_answer_of_the_wrong_length_refuses():
    with pytest.raises(MaskingRefused) as e:
        masker(det=BrokenDetector(detector(), "short")).mask_document({"a": "13912345678"}, UNLABELLED)
    assert e.value.reason == "masking_error"


def test_time_budget_refuses():
    m = masker(settings=MaskingSettings(timeout_seconds=0.01), det=BrokenDetector(detector(), "slow"))
    with pytest.raises(MaskingRefused) as e:
        m.mask_body(b'{"a":"13912345678"}', "application/json", None, UNLABELLED)
    assert e.value.reason == "masking_timeout" and e.value.status == 504


# --- properties ---------------------------------------------------------------------------------

NEUTRAL_KEYS = ("data", "items", "records", "value", "ref", "a", "b", "c", "list", "info", "extra")
REMOVED_KEYS = frozenset({"yysr", "nsje"})
PROPERTY_KEYS = NEUTRAL_KEYS + ("yysr", "nsje", "xm", "sfzh", "bz")
identifiers = st.one_of(id_card_18(), mobile_numbers, bank_card())
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=20))


@st.composite
def order_numbers(draw) -> str:
    """18-digit business numbers (timestamp + sequence) that are neither an ID number nor a card number."""
    stamp = draw(st.datetimes(min_value=dt.datetime(2015, 1, 1), max_value=dt.datetime(2030, 1, 1)))
    number = f"{stamp:%Y%m%d%H%M%S}{draw(st.integers(0, 999)):03d}"
    return next(number + c for c in "0123456789" if not luhn_valid(number + c) and not id_valid(number + c))


def id_valid(number: str) -> bool:
    return gb11643_check_character(number[:17]) == number[17].upper()


lookalikes = st.one_of(
    dashed_dates, compact_dates, order_numbers(), non_luhn_16(),
    bad_checksum_18().filter(lambda n: n.isdigit() and not luhn_valid(n)))
plain_context = st.sampled_from(("", " ", "订单", "编号：", "日期 ", "单号:", "，", "(", ")", "ref "))


def json_docs(leaves):
    return st.recursive(leaves, lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(PROPERTY_KEYS), children, max_size=5)), max_leaves=20)


def shape(value, drop=frozenset()):
    if isinstance(value, dict):
        return {k: shape(v, drop) for k, v in value.items() if k not in drop}
    if isinstance(value, list):
        return [shape(v, drop) for v in value]
    return None


def contains_key(value, keys) -> bool:
    if isinstance(value, dict):
        return any(k in keys or contains_key(v, keys) for k, v in value.items())
    if isinstance(value, list):
        return any(contains_key(v, keys) for v in value)
    return False


PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(json_docs(scalars | identifiers))
def test_masking_keeps_shape_and_keys_except_removed_trade_secrets(doc):
    masked, _ = masker().mask_document(doc, view())
    assert shape(masked) == shape(doc, REMOVED_KEYS)
    assert not contains_key(masked, REMOVED_KEYS)


@st.composite
def placed_identifier(draw, ident):
    if ident.isdigit() and draw(st.booleans()):
        return int(ident)
    return draw(filler) + ident + draw(filler)


@PROPERTY_SETTINGS
@given(st.data())
def test_valid_identifiers_never_survive(data):
    idents = data.draw(st.lists(identifiers, min_size=1, max_size=5))
    leaves = st.sampled_from(idents).flatmap(lambda ident: placed_identifier(ident))
    doc = data.draw(st.dictionaries(st.sampled_from(NEUTRAL_KEYS), json_docs(leaves | scalars),
                                    min_size=1, max_size=4))
    doc["last"] = data.draw(placed_identifier(idents[0]))
    body = json.dumps(doc, ensure_ascii=False).encode()
    for v in (UNLABELLED, view()):
        out = masker().mask_body(body, "application/json", None, v).body.decode()
        for ident in idents:
            assert ident not in out


@PROPERTY_SETTINGS
@given(st.dictionaries(st.sampled_from(NEUTRAL_KEYS),
                       st.lists(st.builds(lambda a, x, b: a + x + b, plain_context, lookalikes, plain_context),
                                min_size=1, max_size=3),
                       min_size=1, max_size=4))
def test_dates_order_numbers_and_checksum_failures_survive(doc):
    masked, findings = masker().mask_document(doc, UNLABELLED)
    assert masked == doc
    assert findings == []


def test_field_rules_are_remembered_per_view_but_never_value_like_keys():
    from gateway.masking.session import VIEW_RULES_KEYS

    m = masker()
    doc = {"xm": "张三", "13812345678": {"v": 1}, "张三丰": "x", "sjhm": "13912345678"}
    first, _ = m.mask_document(doc, UNLABELLED)
    again, _ = m.mask_document(doc, UNLABELLED)
    assert first == again  # remembered rules give the same result
    remembered = m.rules_for(UNLABELLED)
    assert {"xm", "sjhm"} <= set(remembered)
    assert "13812345678" not in remembered and "张三丰" not in remembered
    m.mask_document({f"k{i}": "v" for i in range(VIEW_RULES_KEYS + 50)}, UNLABELLED)
    assert len(m.rules_for(UNLABELLED)) == VIEW_RULES_KEYS  # bounded


def test_a_revealed_field_still_masks_identifiers_of_another_kind_inside_it():
    res = resource(("xm", "personal", "PERSON"), ("lxdh", "personal", "CN_MOBILE"), code="GA-RK-0009")
    doc = {"xm": "张三 身份证11010519491231002X 手机13812345678", "lxdh": "13812345678 或 010-12345678",
           "contact": {"xm": "李四", "sjhm": "13912345678"}}
    masked, findings = masker().mask_document(doc, view(res, reveal=frozenset({"xm", "lxdh", "contact"})))
    assert masked["xm"] == "张三 身份证110105********002X 手机138****5678"  # the name is revealed, nothing else
    assert masked["lxdh"] == "13812345678 或 010-12345678"  # a landline is the revealed phone field's own kind
    assert masked["contact"] == {"xm": "李四", "sjhm": "139****5678"}  # its key names a person: the mobile is masked
    assert ("$.xm", "PERSON", "reveal", 1) in summary(findings)
    assert ("$.xm", "CN_ID_CARD", "keep", 1) in summary(findings)


def test_a_key_naming_an_identifier_masks_a_value_of_that_shape_whatever_its_checksum():
    doc = {"sbkh": "A12345678", "sfzh": "110101199003071234", "gddh": "(0571) 8765-4321", "lxdh": "无",
           "ddh": "202090646518762813"}
    masked, _ = masker().mask_document(doc, UNLABELLED)
    assert masked == {"sbkh": "*********", "sfzh": "110101********1234", "gddh": "(0571) ****-4321", "lxdh": "无",
                      "ddh": "202090646518762813"}  # an order number (订单号) is not a phone number
