"""Key names → entity hints: pinyin initials, English, Chinese, normalisation, suffixes, context words."""

import pytest

from gateway.catalog import KNOWN_ENTITIES
from gateway.masking.keynames import (
    ENTITY_CONTEXT_WORD,
    FREE_TEXT,
    KEY_ENTITIES,
    context_words,
    is_free_text_key,
    key_hint,
    normalise_key,
)
from gateway.masking.recognizers import RECOGNIZER_CLASSES


@pytest.mark.parametrize(
    "key, entity",
    [
        ("xm", "PERSON"), ("sfzh", "CN_ID_CARD"), ("zjhm", "CN_ID_CARD"), ("sjhm", "CN_MOBILE"),
        ("lxdh", "CN_MOBILE"), ("zz", "CN_ADDRESS"), ("dz", "CN_ADDRESS"), ("yhkh", "CN_BANK_CARD"),
        ("bz", FREE_TEXT), ("name", "PERSON"), ("idCard", "CN_ID_CARD"), ("mobile", "CN_MOBILE"),
        ("phone", "CN_MOBILE"), ("address", "CN_ADDRESS"), ("bankCard", "CN_BANK_CARD"),
        ("email", "EMAIL_ADDRESS"), ("姓名", "PERSON"), ("身份证号码", "CN_ID_CARD"), ("联系电话", "CN_MOBILE"),
        ("住址", "CN_ADDRESS"), ("备注", FREE_TEXT), ("yysr", "TRADE_SECRET"), ("nsje", "TRADE_SECRET"),
        ("lr", "TRADE_SECRET"), ("cb", "TRADE_SECRET"), ("tbjg", "TRADE_SECRET"), ("revenue", "TRADE_SECRET"),
        ("tax", "TRADE_SECRET"), ("hphm", "CN_LICENSE_PLATE"), ("tyshxydm", "CN_USCC"), ("hzhm", "CN_PASSPORT"),
        ("clientIp", "IP_ADDRESS"), ("csrq", "DATE_OF_BIRTH"), ("remark", FREE_TEXT), ("gddh", "CN_LANDLINE"),
    ],
)
def test_known_keys(key, entity):
    assert key_hint(key) == entity


@pytest.mark.parametrize(
    "key, entity",
    [
        ("ID_CARD", "CN_ID_CARD"), ("id-card", "CN_ID_CARD"), ("Id Card", "CN_ID_CARD"), ("XM", "PERSON"),
        ("bank_card_no", "CN_BANK_CARD"), ("e.mail", "EMAIL_ADDRESS"), ("SFZH", "CN_ID_CARD"),
    ],
)
def test_case_underscores_dashes_and_spaces_are_normalised(key, entity):
    assert key_hint(key) == entity


@pytest.mark.parametrize(
    "key, entity",
    [
        ("sqrxm", "PERSON"), ("lxrsjhm", "CN_MOBILE"), ("hjdz", "CN_ADDRESS"), ("jtzz", "CN_ADDRESS"),
        ("frsfzh", "CN_ID_CARD"), ("applicantName", "PERSON"), ("contact_mobile", "CN_MOBILE"),
        ("homeAddress", "CN_ADDRESS"), ("申请人联系电话", "CN_MOBILE"), ("法定代表人身份证号", "CN_ID_CARD"),
        ("户籍地址", "CN_ADDRESS"), ("IP地址", "IP_ADDRESS"), ("sqbz", FREE_TEXT), ("netProfit", "TRADE_SECRET"),
    ],
)
def test_compound_keys_by_suffix_or_chinese_word(key, entity):
    assert key_hint(key) == entity


@pytest.mark.parametrize(
    "key",
    [None, "", "id", "status", "code", "type", "companyName", "fileName", "deptName", "zip",
     "updated", "count", "状态", "___"],
)
def test_keys_without_a_hint(key):
    assert key_hint(key) is None


def test_normalise_key():
    assert normalise_key("Bank_Card-No .x") == "bankcardnox"


def test_free_text_keys():
    assert is_free_text_key("bz") and is_free_text_key("Remarks") and is_free_text_key("备注说明")
    assert not is_free_text_key("xm") and not is_free_text_key(None)


def test_every_hint_is_a_known_entity():
    assert set(KEY_ENTITIES.values()) <= KNOWN_ENTITIES


def test_context_words():
    assert context_words("PERSON") == ["姓名"]
    assert context_words(FREE_TEXT) == []
    assert context_words(None) == []


@pytest.mark.parametrize("entity, word", sorted(ENTITY_CONTEXT_WORD.items()))
def test_each_context_word_supports_only_its_own_recognizer(entity, word):
    # Presidio matches a recognizer's context word as a substring of the supplied word.
    supported = {
        name for name, cls in RECOGNIZER_CLASSES.items()
        if any(context.lower() in word.lower() for context in cls.CONTEXT)
    }
    assert supported == {entity}


@pytest.mark.parametrize("key,entity", [
    ("qlrmc", "PERSON"), ("legalRep", "PERSON"), ("owner_name", "PERSON"), ("法人代表", "PERSON"),
    ("cphm", "CN_LICENSE_PLATE"), ("hphm", "CN_LICENSE_PLATE"), ("clsbdh", "CN_VIN"), ("车架号", "CN_VIN"),
    ("nsze", "TRADE_SECRET"), ("yysr", "TRADE_SECRET"), ("tbj", "TRADE_SECRET"), ("企业所得税", "TRADE_SECRET"),
    ("sbkh", "CN_ID_CARD"), ("txzhm", "CN_PASSPORT"), ("fzrdh", "CN_MOBILE"),
    ("单位名称", None), ("企业名称", None), ("ddh", None),
    # a login is no name pattern (admin01, zhangsan): the hint only lifts name-shaped values (userName=王芳)
    ("username", "PERSON"), ("bsy", "PERSON"), ("syr", "PERSON"), ("jdcsyr", "PERSON"), ("ywxm", "PERSON"),
    ("所有人", "PERSON"),
    # 名称 names anything (事项名称, 项目名称, 单位名称): a person's name under mc is found by its spelling
    # (the whole-value rule), not by a hint that would lift 明细 or 黄金 to a name
    ("mc", None),
])
def test_the_larger_vocabulary(key, entity):
    assert key_hint(key) == entity
