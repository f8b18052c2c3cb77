"""PERSON where department data really puts names: after more phrases, written with spaces or middle dots,
minority names without a Han surname, Latin names after a Chinese word or under a name key; and the controls
(organisations with a particle in a place name, document numbers) left intact."""

import pytest

from gateway.masking.detector import Detector
from gateway.masking.keynames import key_hint
from gateway.masking.recognizers.cn_person import is_minority_name


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


def persons(detector: Detector, text: str, key: str | None = None) -> list[str]:
    return [text[s.start:s.end] for s in detector.detect(text, key) if s.entity == "PERSON"]


@pytest.mark.parametrize("text, name", [
    ("补助资金已发放至周柳名下银行卡6222。", "周柳"),
    ("用户张宁于2021年3月28日登录网上办事大厅。", "张宁"),
    ("据申俊杰陈述，其于当日被撞伤。", "申俊杰"),
    ("该车登记所有人为林霞，于2024年办理转移登记。", "林霞"),
    ("区税务局接黄海燕报称，其车辆被刮擦。", "黄海燕"),
    ("提交查询，查询对象方桂兰，流水号1。", "方桂兰"),
    ("请将证书邮寄至某地，收件人白昊天，电话。", "白昊天"),
    ("参保人景志强的社会保障卡号已制卡。", "景志强"),
    ("回访：已电话联系高军（本人满意）。", "高军"),
    ("英文姓名Song Ping。", "Song Ping"),
    ("外籍人员Ahmed Hassan（永久居留）", "Ahmed Hassan"),
    ("经核实LIU JIAN（中文名张伟）为我市引进人才", "LIU JIAN"),
    ("查询对象乌云其木格，流水号1。", "乌云其木格"),
    ("用户热依拉·买合木提于2021年登录。", "热依拉·买合木提"),
    ("姓名:靳  超 证件号:1", "靳  超"),
])
def test_a_name_after_each_new_phrase_kind(detector, text, name):
    assert name in persons(detector, text, "bz")


@pytest.mark.parametrize("key, value", [
    ("xm", "王 芳"), ("xm", "王\u3000芳"), ("fullName", "许  岩"), ("xm", "热依拉·买合木提"), ("xm", "古丽娜尔•吐尔洪"),
    ("xm", "次仁卓玛"), ("xm", "乌云其木格"), ("xm", "阿西木呷"), ("ywxm", "HUANG/GUOHUA"), ("contactPerson", "Deng Jie"),
    ("syr", "苗文杰"), ("jdcsyr", "罗国华"), ("bsy", "梁玉兰"), ("userName", "黎国华"),
])
def test_whole_value_names_under_a_name_key(detector, key, value):
    assert persons(detector, value, key) == [value]


def test_minority_names_need_their_syllables():
    assert is_minority_name("扎西多吉") and is_minority_name("其其格") and is_minority_name("额尔敦巴雅尔")
    assert not is_minority_name("汉族") and not is_minority_name("已婚") and not is_minority_name("格")


def test_person_keys():
    for key in ("syr", "jdcsyr", "gyr", "bsy", "userName"):
        assert key_hint(key) == "PERSON", key


@pytest.mark.parametrize("key, text", [
    ("djjg", "固原市不动产登记中心"),
    ("qymc", "伊宁县吉里于孜镇枸杞种植专业合作社"),
    (None, "伊宁县吉里于孜镇人民政府"),
    ("slbh", "宁民发〔2023〕37号"),
    ("bz", "受理编号藏政办发〔2025〕185号。"),
])
def test_controls_left_intact(detector, key, text):
    assert detector.detect(text, key) == []


def test_a_person_next_to_an_agency_stays_a_person(detector):
    assert "王小明" in persons(detector, "王小明在北京市公安局报案", "bz")
    assert persons(detector, "户籍地址伊宁县吉里于孜镇某村", "bz") == []


def test_a_name_under_a_phone_number_key(detector):
    assert key_hint("+86 139 1234 5187") == "PERSON" and key_hint("１３８１２３４５６７８") == "PERSON"
    assert key_hint("20230101") is None  # a date-like key says nothing
    assert persons(detector, "温\u3000敏", "138 1234 9275") == ["温\u3000敏"]
