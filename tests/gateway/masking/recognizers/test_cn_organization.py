"""cn_organization: the walk back from an organisation suffix."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.masking.recognizers.cn_organization import CnOrganizationRecognizer

RECOGNIZER = CnOrganizationRecognizer()


def orgs(text: str) -> list[str]:
    return [text[r.start:r.end] for r in RECOGNIZER.analyze(text, ["ORGANIZATION"])]


@pytest.mark.parametrize("name", ["伊宁县吉里于孜镇牦牛养殖专业合作社", "某某县和于乡卫生院", "城关区巴于街道办事处"])
def test_a_particle_inside_a_township_after_its_county_does_not_stop_the_walk(name):
    assert orgs(name) == [name]


@pytest.mark.parametrize("text,org", [
    ("张三于新城镇人民政府办理", "新城镇人民政府"), ("王小明于城关镇派出所报案", "城关镇派出所"),
])
def test_a_person_before_a_township_organisation_stays_out_of_it(text, org):
    assert orgs(text) == [org]


@pytest.mark.parametrize("text", ["补助已发放至王芳名下银行卡", "请将款项转入李强的银行账号", "银行流水已打印"])
def test_a_bank_card_or_account_is_no_bank(text):
    assert orgs(text) == []


def test_banks_are_still_organisations():
    assert orgs("中国工商银行杭州分行")[0] == "中国工商银行"
    assert orgs("交款至中国农业银行") == ["中国农业银行"]


@pytest.mark.parametrize("text,org", [
    ("杭州某某科技有限公司账户已冻结", "杭州某某科技有限公司"), ("宁夏某某物流有限公司流水已调取", "宁夏某某物流有限公司"),
])
def test_an_account_or_statement_after_a_company_keeps_the_company(text, org):
    # only a bank's suffix reads 卡/账/流水 after it as an account rather than the body
    assert orgs(text) == [org]


# --- document_numbers: _DOCUMENT_NUMBER.finditer, searched only around the opening brackets ---

def _spans(matches):
    return [m.span() for m in matches]


def test_document_numbers_are_the_finditer_matches_on_the_corpus():
    from gateway.masking.detector import SEPARATOR
    from gateway.masking.recognizers.cn_organization import _DOCUMENT_NUMBER, document_numbers
    from tests.masking_corpus.generate import generate
    from tests.support.corpus_strings import strings

    # the corpus's strings (which hold no document number) and some that do, read alone and joined
    corpus = sorted({s for case in generate() for s in strings(case.doc) if s}) + [
        "依据宁民发〔2020〕12号文件", "浙政办发[2021]3号", "国办【2019】115号与某某发〔2018〕1号",
        "某某省人民政府办公厅〔2020〕12345号"]
    joined = SEPARATOR.join(corpus)
    assert len(_spans(_DOCUMENT_NUMBER.finditer(joined))) == 5
    for text in corpus + [joined]:
        assert _spans(document_numbers(text)) == _spans(_DOCUMENT_NUMBER.finditer(text)), text


_DOC_PIECES = ["宁民发", "浙政办发", "国", "〔", "[", "【", "〕", "]", "】", "2020", "1999", "3", "12", "号", "第", "，",
               "字", "政府令", "a", " ", "九", "号号", "〔2021〕", "[2019]15号", "12345号", "人民政府办公厅"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_DOC_PIECES), max_size=16))
def test_document_numbers_are_the_finditer_matches_on_generated_text(pieces):
    from gateway.masking.recognizers.cn_organization import _DOCUMENT_NUMBER, document_numbers

    text = "".join(pieces)
    assert _spans(document_numbers(text)) == _spans(_DOCUMENT_NUMBER.finditer(text))


def test_back_to_back_document_numbers_are_each_found():
    from gateway.masking.recognizers.cn_organization import _DOCUMENT_NUMBER, document_numbers

    text = "依据浙政办发〔2021〕12号宁民发〔2020〕3号和国发[1999]15号【2020】"
    assert _spans(document_numbers(text)) == _spans(_DOCUMENT_NUMBER.finditer(text))
    assert len(_spans(document_numbers(text))) == 3
