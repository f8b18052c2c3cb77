"""TRADE_SECRET: business amounts next to revenue, tax, profit, cost and bid-price words.

营业收入 1,234.56万元 / 纳税额：88万元 / 投标报价 3,200,000 元 / revenue 1.2M: the span is the amount
(with its currency sign and unit), not the word before it. A value that is only an amount is weak on
its own; a key that names such a figure (`yysr`, `nsje`, `revenue`) lifts it through the context
mechanism, so the detector's key hint decides. Dates and percentages are not amounts.
"""

from __future__ import annotations

from typing import List, Optional

import re

from presidio_analyzer import Pattern

from .base import GovPatternRecognizer

KEYWORDS_ZH = (
    "主营业务收入", "营业收入", "销售收入", "营业额", "营收", "销售额", "收入", "应纳税额", "纳税总额", "纳税额",
    "缴税额", "缴纳税款", "纳税", "缴税", "税额", "税款", "税金", "净利润", "利润总额", "利润", "毛利",
    "营业成本", "总成本", "成本", "投标报价", "投标价格", "投标价", "投标金额", "中标价", "中标金额", "报价",
    "标底",
)
KEYWORDS_EN = (
    "net profit", "revenue", "turnover", "income", "profits", "profit", "sales", "taxes", "tax", "costs",
    "cost", "bid price", "bid", "tender price",
)

CONNECTOR = r"(?:[ \t\u3000：:=为是达约计共合了（）()]|万元|元|人民币|RMB|CNY|of|is|was|were|about)"
NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
UNIT = r"(?:[ \t]?(?:亿元|万元|千元|元|亿|万|千|million|billion|thousand|[KMB](?![A-Za-z])))"
AMOUNT = rf"[-+]?(?:[¥￥$][ ]?)?{NUMBER}{UNIT}?"
NOT_AFTER_AMOUNT = r"(?![\d年月日号时点%％]|[-/.]\d)"

_ZH = "|".join(KEYWORDS_ZH)
_EN = "|".join(word.replace(" ", "[ \t]") for word in KEYWORDS_EN)
# What every match of the PATTERNS holds besides a digit, one of: a business-figure word; a letter (the English
# words compare ignoring case, where `regex` also reads U+0130 and U+017F as i and s); a line that starts like
# an amount. The detector reads with this recognizer only the strings that hold one (test_detector checks it on
# the corpora); each is its own regex, which `re` scans fast.
GATE = (re.compile("|".join(KEYWORDS_ZH)).search, re.compile("[A-Za-z\u0130\u0131\u017f\u212a]").search,
        re.compile(r"\n[-+¥￥$\d]").search, re.compile(r"[-+¥￥$\d]").match)


class TradeSecretRecognizer(GovPatternRecognizer):
    """
    Recognize revenue, tax, profit, cost and bid amounts (商业秘密金额).

    :param patterns: List of patterns to be used by this recognizer
    :param context: List of context words to increase confidence in detection
    :param supported_language: Language this recognizer supports
    :param supported_entity: The entity this recognizer can detect
    """

    COUNTRY_CODE = "cn"

    PATTERNS = [
        Pattern(
            "Amount after a business-figure word (strong)",
            rf"(?:{_ZH}|(?<![A-Za-z])(?:{_EN}))(?:[ \t]|{CONNECTOR}){{0,6}}\K{AMOUNT}{NOT_AFTER_AMOUNT}",
            0.8,
        ),
        Pattern(
            "Amount as whole value (weak)",
            rf"^(?=[-+¥￥$\d]){AMOUNT}$",
            0.2,
        ),
    ]

    CONTEXT = [
        "收入",
        "营收",
        "销售额",
        "纳税",
        "税额",
        "税款",
        "利润",
        "成本",
        "报价",
        "投标",
        "中标",
        "revenue",
        "profit",
        "turnover",
    ]

    def __init__(
        self,
        patterns: Optional[List[Pattern]] = None,
        context: Optional[List[str]] = None,
        supported_language: str = "zh",
        supported_entity: str = "TRADE_SECRET",
        name: Optional[str] = None,
    ):
        patterns = patterns if patterns else self.PATTERNS
        context = context if context else self.CONTEXT
        super().__init__(
            supported_entity=supported_entity,
            patterns=patterns,
            context=context,
            supported_language=supported_language,
            name=name,
        )

    def invalidate_result(self, pattern_text: str) -> bool:
        """
        Reject a bare sign or currency symbol without digits.

        :param pattern_text: the text detected by the regex engine
        :return: True if invalidated
        """
        return not any(map(str.isdigit, pattern_text))
