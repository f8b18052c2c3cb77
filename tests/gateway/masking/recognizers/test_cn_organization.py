"""cn_organization: the walk back from an organisation suffix."""

from __future__ import annotations

import pytest

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
