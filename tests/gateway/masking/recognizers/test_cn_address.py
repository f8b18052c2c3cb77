"""CN_ADDRESS: whole-span addresses from province/city/district/road down to the room; non-addresses."""

import pytest

from gateway.masking.recognizers.cn_address import CnAddressRecognizer

RECOGNIZER = CnAddressRecognizer()


def found(text: str) -> list[tuple[str, float]]:
    return [(text[r.start : r.end], r.score) for r in RECOGNIZER.analyze(text, ["CN_ADDRESS"])]


@pytest.mark.parametrize(
    "address, score",
    [
        ("北京市朝阳区建国路88号院3号楼2单元1101室", 0.85),
        ("浙江省杭州市西湖区文三路478号", 0.85),
        ("上海市浦东新区张江镇科苑路88弄5号1203室", 0.85),
        ("广东省深圳市南山区粤海街道科技园社区科苑路15号", 0.85),
        ("广西壮族自治区南宁市青秀区民族大道100号", 0.85),
        ("西藏自治区日喀则市定日县岗嘎镇达嘎村3组", 0.85),
        ("湖北省恩施土家族苗族自治州利川市团堡镇石龙村委会12号", 0.85),  # a village committee as a place
        ("延边朝鲜族自治州延吉市河南街道光明村委会12号", 0.7),  # not 河南街道… as from the province 河南
        ("阿拉善盟阿拉善左旗巴彦浩特镇新华村5组", 0.7),
        ("北京市朝阳区", 0.85),
        ("杭州市西湖区文三路478号", 0.7),
        ("杭州市西湖区", 0.7),
        ("朝阳区建国路88号院", 0.6),
        ("西湖区文三路478号A座1201室", 0.6),
        ("建国路88号", 0.4),
        ("科苑路88弄5号3-2-1101", 0.6),  # a road down to the room is medium
            ("白云大道北679号8栋803房", 0.6),
            ("星河雅居23栋B座401", 0.4),
    ],
)
def test_whole_address_is_one_span(address, score):
    assert found(address) == [(address, score)]


@pytest.mark.parametrize(
    "text, address",
    [
        ("住址：北京市朝阳区建国路88号院3号楼2单元1101室。", "北京市朝阳区建国路88号院3号楼2单元1101室"),
        ("本人因工作调动申请迁移户口至杭州市西湖区文三路478号。", "杭州市西湖区文三路478号"),
        ("他家住在朝阳区建国路88号院", "朝阳区建国路88号院"),
        ("现居住地：上海市浦东新区张江镇科苑路88弄5号", "上海市浦东新区张江镇科苑路88弄5号"),
    ],
)
def test_address_inside_text(text, address):
    assert [t for t, _ in found(text)] == [address]


@pytest.mark.parametrize(
    "text",
    [
        "北京市",
        "朝阳区建国路",  # below the city level without a number
        "偏远山区道路维修工程已经开工",
        "去超市买东西的时候下雨了",
        "市场监督管理局发布通知",
        "区域经理负责华东地区业务",
        "由市民政局负责办理此事",
        "88号",
    ],
)
def test_not_addresses(text):
    assert found(text) == []
