"""Division names from the data package; addresses in uncommon places found; organisations left whole."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.masking import divisions
from gateway.masking.detector import Detector
from gateway.masking.recognizers.cn_address import PROVINCES, CnAddressRecognizer

RECOGNIZER = CnAddressRecognizer()


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


def found(text: str) -> list[str]:
    return sorted(text[r.start : r.end] for r in RECOGNIZER.analyze(text, ["CN_ADDRESS"]))


def typed(detector: Detector, text: str) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.entity) for s in detector.detect(text)]


# -- the list ---------------------------------------------------------------------------------------


def test_every_level_to_county_is_loaded():
    counts = divisions.counts()
    assert counts["province"] == 34
    assert counts["prefecture"] >= 333
    assert counts["county"] >= 2840


@pytest.mark.parametrize("name", ["和安县", "和康县", "白杨市", "新星市", "清江浦区", "阿拉善左旗", "神农架林区", "六枝特区"])
def test_recent_and_unusual_divisions_are_known(name):
    assert [(d.start, d.end, d.short) for d in divisions.find(name)] == [(0, len(name), False)]


@pytest.mark.parametrize(
    "name, short",
    [
        ("浦东新区", "浦东"),
        ("西藏自治区", "西藏"),
        ("新疆维吾尔自治区", "新疆"),
        ("香港特别行政区", "香港"),
        ("延边朝鲜族自治州", "延边"),
        ("黔东南苗族侗族自治州", "黔东南"),
        ("恩施土家族苗族自治州", "恩施"),
        ("伊犁哈萨克自治州", "伊犁"),
        ("积石山保安族东乡族撒拉族自治县", "积石山"),
        ("阿拉善盟", "阿拉善"),
        ("和田地区", "和田"),
        ("鄂伦春自治旗", None),  # the name is the nationality's: no place is called 鄂伦春 alone
        ("市中区", None),  # a generic word
    ],
)
def test_short_forms(name, short):
    assert divisions.short_form(name) == short


def test_provinces_come_from_the_list_in_short_form():
    assert len(PROVINCES) == 34
    assert {"黑龙江", "内蒙古", "西藏", "新疆", "广西", "宁夏", "香港", "澳门", "台湾", "北京"} <= set(PROVINCES)
    assert all(not p.endswith(("省", "市", "自治区", "特别行政区")) for p in PROVINCES)


def test_a_full_name_inside_a_short_form_wins():
    text = "申请人王五河东区团结镇新华村3组"  # 五河 is 五河县's short form; 河东区 is a full name
    assert found(text) == ["河东区团结镇新华村3组"]


def test_longest_name_wins_where_names_nest():
    text = "延边朝鲜族自治州延吉市"
    assert [text[d.start : d.end] for d in divisions.find(text)] == ["延边朝鲜族自治州", "延吉市"]


# -- addresses in uncommon places -------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "西藏自治区日喀则市定日县岗嘎镇达嘎村3组",
        "青海省果洛藏族自治州玛沁县大武乡格多村2组",
        "新疆维吾尔自治区伊犁哈萨克自治州伊宁市巴彦岱镇红旗村5组",
        "内蒙古自治区阿拉善盟阿拉善左旗巴彦浩特镇新华村5组",
        "湖北省恩施土家族苗族自治州利川市团堡镇石龙村委会12号",
        "延边朝鲜族自治州延吉市河南街道光明村委会12号",
        "阿拉善盟阿拉善左旗巴彦浩特镇新华村5组",
        "定日县岗嘎镇达嘎村3组",
    ],
)
def test_rural_address_in_an_uncommon_place_is_one_span(address):
    assert found(address) == [address]
    assert found(f"户籍地：{address}。") == [address]


def test_divisions_across_the_list_start_an_address_after_a_glued_name():
    names = sorted(n for n, (_, short) in divisions.NAMES.items() if not short)
    assert len(names) > 3000
    wrong = {}
    for i, name in enumerate(names):  # the two templates in turn
        text = f"户主{name}团结镇新华村3组" if i % 2 else f"申请人王五{name}人民路88号"
        address = text[text.index(name):]
        if found(text) != [address]:
            wrong[text] = found(text)
    assert wrong == {}


@pytest.mark.parametrize(
    "text, address",
    [
        # no boundary before the division name: the word before it stays out of the address
        ("户主王建国延边朝鲜族自治州延吉市河南街道12号", "延边朝鲜族自治州延吉市河南街道12号"),
        ("申请人李四阿拉善盟阿拉善左旗巴彦浩特镇新华村5组", "阿拉善盟阿拉善左旗巴彦浩特镇新华村5组"),
        ("张三日喀则市定日县岗嘎镇达嘎村3组", "日喀则市定日县岗嘎镇达嘎村3组"),
        ("原籍浦东新区张江镇科苑路88号", "浦东新区张江镇科苑路88号"),
        ("户主张三公安县埠河镇天星村3组", "公安县埠河镇天星村3组"),  # 户 is also a unit (3户), not here
        # a short form before another division
        ("他来自延边延吉市光明街12号", "延边延吉市光明街12号"),
    ],
)
def test_address_starts_at_the_division_name(text, address):
    assert found(text) == [address]


@pytest.mark.parametrize(
    "text",
    [
        "前往西藏旅游",
        "延边的冬天很冷",
        "阿拉善盟",
        "恩施土家族苗族自治州",
        "他在浦东工作",
        "中山大道很长",
        "新华书店三楼",
        "他在西藏自治区工作了三年",
        "我们去了延边朝鲜族自治州旅游",
        "长安汽车3号车间",  # 长安: a county's short form, but no division follows
        "新华社北京3月5日电",
        "广州市2024年度工作报告",
        "吉林大学2号楼",
    ],
)
def test_a_division_name_alone_is_not_an_address(text):
    assert found(text) == []


# -- organisations hold their place -------------------------------------------------------------------


@pytest.mark.parametrize(
    "org",
    [
        "上海市浦东新区人民法院",
        "西藏自治区拉萨市城关区人民医院",
        "新疆生产建设兵团第八师石河子市市场监督管理局",
        "延边朝鲜族自治州延吉市人民政府",
        "恩施土家族苗族自治州中心医院",
        "利川市团堡镇石龙村村民委员会",
        "公安县公安局",
        "香港特别行政区政府",
        "固原市西吉县税务局",  # 原 is a particle elsewhere (原籍, 原住址), here part of 固原
        "国家税务总局固原市西吉县税务局",
    ],
)
def test_organisation_holding_division_names_is_not_masked(detector, org):
    assert typed(detector, org) == []
    assert typed(detector, f"申请人到{org}递交材料。") == []


def test_village_committee_with_a_number_after_it_is_an_address(detector):
    text = "户籍地：湖北省恩施土家族苗族自治州利川市团堡镇石龙村委会5组"
    assert typed(detector, text) == [("湖北省恩施土家族苗族自治州利川市团堡镇石龙村委会5组", "CN_ADDRESS")]


def test_uncommon_place_in_a_sentence_with_a_person(detector):
    text = "户主王建国延边朝鲜族自治州延吉市河南街道12号"
    assert typed(detector, text) == [("王建国", "PERSON"), ("延边朝鲜族自治州延吉市河南街道12号", "CN_ADDRESS")]


@pytest.mark.parametrize(
    "text, name, address",
    [
        # the name tagger reads three characters (张三杭); before, the name won and the whole address was lost
        ("户主张三杭州市西湖区文三路478号", "张三", "杭州市西湖区文三路478号"),
        ("户主张三朝阳区建国路88号", "张三", "朝阳区建国路88号"),
        ("申请人王五浦东新区张江镇科苑路88号", "王五", "浦东新区张江镇科苑路88号"),
        ("户主李四定日县岗嘎镇达嘎村3组", "李四", "定日县岗嘎镇达嘎村3组"),
        ("申请人王五浦东张江镇科苑路88号", "王五", "浦东张江镇科苑路88号"),
    ],
)
def test_a_name_glued_to_an_address_ends_where_the_division_begins(detector, text, name, address):
    assert typed(detector, text) == [(name, "PERSON"), (address, "CN_ADDRESS")]


def test_starts_with_full_name_reads_full_names_only():
    assert divisions.starts_with_full_name("住浙江省杭州市", 1)
    assert divisions.starts_with_full_name("延边朝鲜族自治州延吉市", 0)
    assert not divisions.starts_with_full_name("延边延吉市", 0)  # 延边 is a short form
    assert not divisions.starts_with_full_name("浙江省", 3)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(1, 30)), max_size=80), st.integers(-2, 95))
def test_the_index_of_known_spans_answers_as_the_scan(spans, at):
    known = [(s, s + n) for s, n in spans]
    scan = sorted((s, e) for s, e in known if s <= at < e)
    indexed = divisions.INDEX_ABOVE
    try:
        divisions.INDEX_ABOVE = -1  # the index even for a few
        assert sorted(divisions._containing(known)(at)) == scan
    finally:
        divisions.INDEX_ABOVE = indexed


# -- addresses(): names inside what is covered are dropped in bytes (skip_covered), as the plain read drops them --

def _both_reads(text: str) -> tuple[list, list]:
    from gateway.masking.recognizers.cn_address import _STRUCTURE_FAST, _is_glue

    known = [(r.start, r.end) for r in RECOGNIZER._analyze_patterns(text)]  # every pattern's addresses
    fast = divisions.addresses(text, _STRUCTURE_FAST, known, _is_glue)
    plain = divisions.addresses(text, _STRUCTURE_FAST, known, _is_glue, skip_covered=False)
    return fast, plain


def test_skipping_covered_names_reads_as_the_plain_read_on_the_corpus():
    from gateway.masking.detector import SEPARATOR
    from tests.masking_corpus.generate import generate
    from tests.support.corpus_strings import strings

    corpus = sorted({s for case in generate() for s in strings(case.doc) if s})
    skipped = 0
    for text in corpus + [SEPARATOR.join(corpus)]:
        fast, plain = _both_reads(text)
        assert fast == plain, text
        skipped += bool(fast)
    assert skipped > 20  # the corpus does hold addresses that start at division names


_NAME_PIECES = ["浙江省", "杭州市", "西湖区", "浦东", "延边", "延边朝鲜族自治州", "延吉市", "王五", "河东区", "吉林",
                "北京市", "朝阳区", "文三路", "88号", "3栋", "团结镇", "新华村", "，", "住", "a", "5组", "张三", "五河",
                "留下镇", "江门市", "蓬江区"]


def test_a_short_form_running_out_of_a_covered_address_still_gives_the_full_name_inside_it():
    # 镇江 (short form) starts in the address ending at 留下镇; 江门市 inside it starts where that address ends
    text = "浙江省杭州市西湖区留下镇江门市蓬江区"
    fast, plain = _both_reads(text)
    assert fast == plain and (text.index("江门市"), len(text), 0.7) in fast


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_NAME_PIECES), max_size=12))
def test_skipping_covered_names_reads_as_the_plain_read_on_generated_text(pieces):
    fast, plain = _both_reads("".join(pieces))
    assert fast == plain
