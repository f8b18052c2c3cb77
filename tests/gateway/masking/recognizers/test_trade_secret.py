"""TRADE_SECRET: the amount after revenue/tax/profit/cost/bid words; dates, rates and words are not."""

import pytest

from gateway.masking.recognizers.trade_secret import TradeSecretRecognizer

RECOGNIZER = TradeSecretRecognizer()


def found(text: str) -> list[tuple[str, float]]:
    return [(text[r.start : r.end], r.score) for r in RECOGNIZER.analyze(text, ["TRADE_SECRET"])]


@pytest.mark.parametrize(
    "text, amount",
    [
        ("营业收入 1,234.56万元", "1,234.56万元"),
        ("纳税额：88万元", "88万元"),
        ("投标报价 3,200,000 元", "3,200,000 元"),
        ("revenue 1.2M", "1.2M"),
        ("Revenue: $1.2M", "$1.2M"),
        ("净利润为-350万元", "-350万元"),
        ("利润总额（万元）：1234", "1234"),
        ("营业成本约￥56.7亿元", "￥56.7亿元"),
        ("tax of 45,000", "45,000"),
        ("中标价人民币980万元整", "980万元"),
    ],
)
def test_amount_after_business_word(text, amount):
    assert found(text) == [(amount, 0.8)]


def test_several_amounts_in_one_sentence():
    text = "该企业营业收入1234.56万元，纳税额88万元，利润总额120万元。"
    assert [t for t, _ in found(text)] == ["1234.56万元", "88万元", "120万元"]


@pytest.mark.parametrize(
    "text",
    [
        "收入证明1份",
        "利润率12%",
        "成本 2024年",
        "成本核算于2024-01-15完成",
        "syntax 123",
        "营业执照已经办理",
        "投标人3家",
    ],
)
def test_not_trade_secrets(text):
    assert found(text) == []


@pytest.mark.parametrize("value", ["1234.56", "88", "-350", "1,234,567.00", "$1.2M", "100万元"])
def test_whole_value_amount_is_weak(value):
    assert found(value) == [(value, 0.2)]
