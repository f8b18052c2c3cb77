"""Masking operators: each display form users expect, odd and short values, parameter validation."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.masking.operators import (
    FULL_REDACTION, REMOVE, Address, Band, Email, Hash, Keep, Name, Null, OpContext, OperatorError, Redact, Remove,
    YearOnly, build_operator, normalise_for_hash, parse_amount, pseudonym, year_of)
from gateway.masking.rules import default_rules

RULES = default_rules()
CTX = OpContext("X", b"k" * 32)


def entity_mask(entity: str, value: str):
    return RULES.entity_operator(entity)(value, OpContext(entity, b"k" * 32))


@pytest.mark.parametrize("entity, value, masked", [
    ("CN_ID_CARD", "110101199003074514", "110101********4514"),
    ("CN_ID_CARD", "11010519491231002X", "110105********002X"),
    ("CN_ID_CARD", "110105491231002", "110105*****1002"),  # legacy 15-digit form
    ("CN_MOBILE", "13812345678", "138****5678"),
    ("CN_MOBILE", "138-1234-5678", "138-****-5678"),
    ("CN_MOBILE", "138 1234 5678", "138 **** 5678"),
    ("CN_MOBILE", "+86 13812345678", "+86 138****5678"),
    ("CN_MOBILE", "008613812345678", "0086138****5678"),
    ("CN_BANK_CARD", "6222021234567891234", "***************1234"),
    ("CN_BANK_CARD", "6222 0212 3456 1234", "**** **** **** 1234"),
    ("CN_LANDLINE", "010-12345678", "010-****5678"),
    ("CN_LANDLINE", "0571-87654321", "0571-****4321"),
    ("CN_PASSPORT", "E12345678", "E******78"),
    ("CN_LICENSE_PLATE", "京A12345", "京A****5"),
    ("EMAIL_ADDRESS", "zhangsan@example.com", "z***@example.com"),
    ("PERSON", "张三", "张*"),
    ("PERSON", "欧阳娜娜", "欧阳**"),
    ("CN_ADDRESS", "北京市朝阳区建国路88号院3号楼2单元1101室", "北京市朝阳区建国路****"),
    ("DATE_OF_BIRTH", "1990-05-17", "1990"),
    ("IP_ADDRESS", "192.168.1.23", "***"),
    ("CN_USCC", "91110000100000000M", "91110000********0M"),
])
def test_default_display_forms(entity, value, masked):
    assert entity_mask(entity, value) == masked


def test_trade_secret_default_is_remove():
    assert entity_mask("TRADE_SECRET", "12345678") is REMOVE


@pytest.mark.parametrize("first, last, value, masked", [
    (3, 4, "", ""),
    (3, 4, "1234567", "*******"),  # nothing would stay hidden: everything is masked
    (3, 4, "12345678", "********"),  # one hidden digit of eight is too little
    (6, 4, "123456789012345", "123456*****2345"),
    (0, 4, "12", "**"),
    (1, 1, "a-b", "*-*"),
    (2, 2, "---", "***"),  # no letters or digits at all
])
def test_keep_short_and_odd_values(first, last, value, masked):
    assert Keep(first, last)(value, CTX) == masked


def test_keep_custom_char_and_prefix():
    op = build_operator("keep", {"first": 0, "last": 2, "char": "#", "keep_prefix": r"^ID:"})
    assert op("ID:123456", CTX) == "ID:####56"


@given(st.text(min_size=0, max_size=40), st.integers(0, 8), st.integers(0, 8))
def test_keep_never_shows_more_than_first_plus_last(value, first, last):
    masked = Keep(first, last)(value, CTX)
    assert len(masked) == len(value)
    shown = [a for a, b in zip(value, masked) if a == b and a.isalnum()]
    assert len(shown) <= first + last
    alnum = sum(ch.isalnum() for ch in value)
    if alnum:
        hidden = sum(1 for a, b in zip(value, masked) if a != b)
        assert hidden >= 1


@pytest.mark.parametrize("value, masked", [
    ("张三", "张*"),
    ("张三丰", "张**"),
    ("欧阳娜娜", "欧阳**"),
    ("欧阳修", "欧阳*"),
    ("司马相如", "司马**"),
    ("诸葛亮", "诸葛*"),
    ("欧阳", "欧*"),  # a compound surname alone still hides something
    ("张", "*"),
    ("", ""),
    (" 李四 ", " 李* "),
    ("买买提·艾力", "买**·**"),
    ("John Smith", "J*** *****"),
])
def test_name(value, masked):
    assert Name()(value, CTX) == masked


@pytest.mark.parametrize("value, masked", [
    ("北京市朝阳区建国路88号院3号楼2单元1101室", "北京市朝阳区建国路****"),
    ("上海市浦东新区张江镇祖冲之路2288弄3号", "上海市浦东新区张江镇祖冲之路****"),
    ("广东省深圳市南山区粤海街道科技园社区1栋", "广东省深圳市南山区粤海街道****"),
    ("北京市朝阳区望京花园小区3号楼", "北京市朝阳区****"),  # a housing estate is below street level
    ("北京市海淀区中关村大街一号", "北京市海淀区中关村大街****"),
    ("新疆维吾尔自治区乌鲁木齐市天山区解放南路5号", "新疆维吾尔自治区乌鲁木齐市天山区解放南路****"),
    ("长安大厦1101室", "****"),
    ("浙江省杭州市西湖区文三路", "浙江省杭州市西湖区文三路"),  # nothing below street level to hide
    ("", ""),
])
def test_address(value, masked):
    assert Address()(value, CTX) == masked


@pytest.mark.parametrize("value, masked", [
    ("zhangsan@example.com", "z***@example.com"),
    ("z@example.com", "***@example.com"),
    ("a.b+c@sub.gov.cn", "a***@sub.gov.cn"),
    ("not-an-email", FULL_REDACTION),
    ("", FULL_REDACTION),
])
def test_email(value, masked):
    assert Email()(value, CTX) == masked


@pytest.mark.parametrize("value, year", [
    ("1990-05-17", "1990"), ("19900517", "1990"), ("1990年5月17日", "1990"), ("1990/5/7", "1990"),
    ("1990.05.17", "1990"), ("1990-05-17T08:30:00", "1990"), ("1990年05月", "1990"), ("1990", "1990"),
])
def test_year_only(value, year):
    assert YearOnly()(value, CTX) == year
    assert year_of(value) == year


@pytest.mark.parametrize("value", ["", "abc", "1990-13-01", "1990-02-32", "0990-01-01", "199005"])
def test_year_only_redacts_what_is_no_date(value):
    assert YearOnly()(value, CTX) == FULL_REDACTION


EDGES = [0, 1_000_000, 5_000_000, 10_000_000, 50_000_000, 100_000_000]


@pytest.mark.parametrize("value, band", [
    ("12345678", "1000万-5000万"), ("500000", "0-100万"), ("1,200,000", "100万-500万"),
    ("3.5亿元", "≥1亿"), ("1200万", "1000万-5000万"), ("-5", "<0"), ("50000000", "5000万-1亿"),
    ("not a number", FULL_REDACTION), ("", FULL_REDACTION),
])
def test_band_cn(value, band):
    assert build_operator("band", {"edges": EDGES})(value, CTX) == band


@pytest.mark.parametrize("value, band", [
    ("1200000", "[1e6,5e6)"), ("7000000", "[5e6,1e7)"), ("-1", "(-inf,0)"), ("2e9", FULL_REDACTION),
    ("100000000", "[1e8,inf)"),
])
def test_band_interval(value, band):
    assert build_operator("band", {"edges": EDGES, "style": "interval"})(value, CTX) == band


def test_parse_amount():
    assert parse_amount("1,234.5") == 1234.5
    assert parse_amount("88万元") == 880_000
    assert parse_amount("1990-05-17") is None


def test_redact_remove_null():
    assert Redact()("secret", CTX) == "***"
    assert build_operator("redact", {"replacement": "[{entity}]"})("x", OpContext("CN_MOBILE")) == "[CN_MOBILE]"
    assert Remove()("x", CTX) is REMOVE
    assert Null()("x", CTX) is None


def test_hash_is_a_keyed_deterministic_pseudonym():
    k1, k2 = b"a" * 32, b"b" * 32
    token = Hash()("110101199003074514", OpContext("CN_ID_CARD", k1))
    assert re.fullmatch(r"PSN_[0-9a-f]{16}", token)
    assert token == Hash()("110101199003074514", OpContext("CN_ID_CARD", k1))
    assert token != Hash()("110101199003074514", OpContext("CN_ID_CARD", k2))
    assert token != Hash()("110101199003074515", OpContext("CN_ID_CARD", k1))
    custom = build_operator("hash", {"prefix": "ID_", "length": 8})("x", OpContext("", k1))
    assert re.fullmatch(r"ID_[0-9a-f]{8}", custom)


def test_hash_joins_spellings_of_the_same_identifier():
    key = b"k" * 32
    assert pseudonym("138-1234-5678", key, entity="CN_MOBILE") == pseudonym("+86 13812345678", key, entity="CN_MOBILE")
    assert pseudonym("11010519491231002x", key, entity="CN_ID_CARD") == pseudonym("11010519491231002X", key,
                                                                                     entity="CN_ID_CARD")
    assert normalise_for_hash("ZhangSan@Example.com", "EMAIL_ADDRESS") == "zhangsan@example.com"


def test_hash_refuses_an_empty_key():
    with pytest.raises(OperatorError):
        Hash()("110101199003074514", OpContext("CN_ID_CARD", b""))


@settings(max_examples=50)
@given(st.text(max_size=30), st.binary(min_size=1, max_size=32), st.binary(min_size=1, max_size=32))
def test_same_input_same_key_same_pseudonym_different_keys_differ(value, k1, k2):
    assert pseudonym(value, k1) == pseudonym(value, k1)
    if k1 != k2:
        assert pseudonym(value, k1) != pseudonym(value, k2)


@pytest.mark.parametrize("name, params, bad_param", [
    ("nonsense", {}, None),
    ("keep", {"first": -1}, "first"),
    ("keep", {"first": "3"}, "first"),
    ("keep", {"first": True}, "first"),
    ("keep", {"char": "**"}, "char"),
    ("keep", {"keep_prefix": "("}, "keep_prefix"),
    ("keep", {"colour": "red"}, "colour"),
    ("redact", {"replacement": ""}, "replacement"),
    ("hash", {"length": 4}, "length"),
    ("band", {"edges": [5, 1]}, "edges"),
    ("band", {"edges": [1]}, "edges"),
    ("band", {"edges": [0, "x"]}, "edges"),
    ("band", {"style": "roman"}, "style"),
    ("remove", {"first": 1}, "first"),
])
def test_build_operator_rejects_bad_parameters(name, params, bad_param):
    with pytest.raises(OperatorError) as e:
        build_operator(name, params)
    assert e.value.param == bad_param


def test_build_operator_builds_each_known_operator():
    for name in ("keep", "redact", "remove", "null", "hash", "year_only", "band", "name", "address", "email",
                 "plain", "scan"):
        assert build_operator(name).name == name
    assert isinstance(build_operator("band"), Band)


def _address_cut_by_scanning(value: str) -> int:
    """The address cut written the plain way: scan the units left to right, skipping a 区 that is no
    district and a 道 after 街/大, and keep the end of the last one before the first house number."""
    import re

    from gateway.masking.text_operators import _ADDRESS_UNITS, _DETAIL_START, _NOT_DISTRICT

    units = re.compile("|".join(sorted(_ADDRESS_UNITS, key=len, reverse=True)))
    m = _DETAIL_START.search(value)
    best = 0
    for u in units.finditer(value, 0, m.start() if m else len(value)):
        i, unit = u.start(), u.group()
        if i > 0 and ((unit == "区" and value[i - 1] in _NOT_DISTRICT) or (unit == "道" and value[i - 1] in "街大")):
            continue
        best = u.end()
    return best


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="北京市朝阳区建国路大街道小园社校景厂矿营片号栋院0123一二三#-自治州县镇乡巷弄胡同 室单元A",
               max_size=30))
def test_address_cut_agrees_with_the_plain_scan(value):
    from gateway.masking.operators import address_cut

    assert address_cut(value) == _address_cut_by_scanning(value)


def test_address_cuts_are_remembered_only_by_the_part_before_a_house_number():
    from gateway.masking import text_operators as operators

    operators._CUT_MEMO.clear()
    assert operators.address_cut("北京市大兴区黄村东大街942号院20号楼") == len("北京市大兴区黄村东大街")
    assert operators.address_cut("北京市大兴区黄村东大街17号") == len("北京市大兴区黄村东大街")
    assert operators.address_cut("北京市朝阳区某某小区张三家") == len("北京市朝阳区")
    assert set(operators._CUT_MEMO) == {"北京市大兴区黄村东大街"}  # never a whole value, nor one without a number
