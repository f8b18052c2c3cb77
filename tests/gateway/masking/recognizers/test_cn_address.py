"""CN_ADDRESS: whole-span addresses from province/city/district/road down to the room; non-addresses."""

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.masking.recognizers.cn_address import CnAddressRecognizer, _counted_verdict, _structure_verdict

RECOGNIZER = CnAddressRecognizer()


def found(text: str) -> list[tuple[str, float]]:
    return [(text[r.start : r.end], r.score) for r in RECOGNIZER.analyze(text, ["CN_ADDRESS"])]


WHOLE = [
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
]


@pytest.mark.parametrize("address, score", WHOLE)
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


# --- the structure verdict's fast path answers what counting the components answers ------------------------

_PIECES = ["北京市", "浙江省", "广西壮族自治区", "杭州市", "西湖区", "朝阳区", "张江镇", "粤海街道", "建国路", "白云大道北",
           "科苑路", "星河雅居", "御景新村", "科技园社区", "88号", "88号院", "3号楼", "2单元", "1101室", "A座", "401",
           "3-2-1101", "595弄", "B", "十二组", "和平", "的", "号", "市", "区", "7"]


def _verdict_cases():
    from tests.masking_corpus.generate import generate

    texts = [json.dumps(case.doc, ensure_ascii=False) for case in generate()]
    for text in texts + [a for a, _ in WHOLE] + ["北京市", "朝阳区建国路", "88号", ""]:
        for pattern in RECOGNIZER.patterns:
            for match in RECOGNIZER.compiled(pattern, RECOGNIZER.global_regex_flags).finditer(text):
                yield match.group()


def test_fast_verdict_equals_counted_verdict_on_every_match_of_the_corpus():
    cases = sorted(set(_verdict_cases()))
    assert len(cases) > 300
    assert [_structure_verdict(t) for t in cases] == [_counted_verdict(t) for t in cases]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=7))
def test_fast_verdict_equals_counted_verdict_on_generated_addresses(pieces):
    text = "".join(pieces)
    assert _structure_verdict(text) == _counted_verdict(text)


# --- the weaker patterns are tried only where they can begin (_WEAK_START) -------------------------------


def test_suffix_ends_hold_the_last_character_of_every_component_suffix():
    from gateway.masking.recognizers import cn_address

    for component in (cn_address.CITY, cn_address.DISTRICT, cn_address.TOWN, cn_address.ROAD, cn_address.ESTATE):
        names = re.search(r"\{\d+,(\d+)\}\?\(\?:([^()]*)\)", component)
        suffixes = names.group(2).split("|")
        assert suffixes and all(s[-1] in cn_address.SUFFIX_ENDS and len(s) <= 5 for s in suffixes), component
        assert int(names.group(1)) <= 8  # at most 8 names of at most 2 characters: the suffix ends within 21
    assert all(len(word) == 2 for word in cn_address.PLACE_WORDS)


def _ungated() -> CnAddressRecognizer:
    return CnAddressRecognizer(patterns=list(CnAddressRecognizer.PATTERNS))  # not the class's own: no gate


def test_gated_and_ungated_answers_agree_on_the_corpus():
    from tests.masking_corpus.generate import generate

    ungated = _ungated()
    texts = [json.dumps(case.doc, ensure_ascii=False) for case in generate()] + [a for a, _ in WHOLE]
    view = lambda results: sorted((r.start, r.end, r.score) for r in results)  # noqa: E731
    for text in texts:
        assert view(RECOGNIZER.analyze(text, ["CN_ADDRESS"])) == view(ungated.analyze(text, ["CN_ADDRESS"]))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES + ["，", "住在", "于", " ", "ab", "和平路", "中心", "大道"]), max_size=10))
def test_gated_and_ungated_answers_agree_on_generated_text(pieces):
    text = "".join(pieces)
    view = lambda results: sorted((r.start, r.end, r.score) for r in results)  # noqa: E731
    assert view(RECOGNIZER.analyze(text, ["CN_ADDRESS"])) == view(_ungated().analyze(text, ["CN_ADDRESS"]))


def test_a_division_name_inside_an_address_that_began_earlier_is_no_crash():
    """Hypothesis drew this: a division's address (浙江省北京市建国路) inside a pattern's match that began at an
    earlier division with components between them (北京市张江镇张江镇) raised ValueError: a masking refusal
    (502) for a caller, on a plain address."""
    text = "88号北京市张江镇张江镇浙江省北京市建国路"
    assert [t for t, _ in found(text)] == ["北京市张江镇张江镇浙江省北京市建国路"]


# --- only clauses that can hold a match are read (_MAY_MATCH) ----------------------------------------------


def test_every_pattern_begins_at_a_province_or_at_a_component_with_a_suffix():
    """_MAY_MATCH's derivation: the strongest pattern starts with the province names, every weaker one with a
    BOUNDARY and then a CITY, DISTRICT, TOWN, ESTATE or ROAD (whose suffixes end in SUFFIX_ENDS, tested above)."""
    from gateway.masking.recognizers import cn_address as a

    strong, *weaker = CnAddressRecognizer.PATTERNS
    assert strong.regex.startswith(f"(?:{'|'.join(a.PROVINCES)})")
    firsts = {
        "CN address from city (medium)": (a.CITY,),
        "CN address from district or street (medium)": (f"(?:{a.DISTRICT}(?:{a.TOWN})?|{a.TOWN})",),
        "CN address from road down to the building (medium)": (f"(?={a.ROAD_TO_BUILDING})(?:{a.ESTATE}|{a.ROAD})",),
        "CN address from road (weak)": (f"(?:{a.ESTATE}|{a.ROAD})",),
    }
    for pattern in weaker:
        (first,) = firsts[pattern.name]
        assert pattern.regex.startswith(a.BOUNDARY + first), pattern.name
    assert a._MAY_MATCH.pattern == f"[{a.SUFFIX_ENDS}]|{'|'.join(a.PROVINCES)}"


def test_the_corpus_clauses_left_unread_have_no_match_of_any_pattern():
    from gateway.masking.recognizers import cn_address as a
    from tests.masking_corpus.generate import generate

    texts = [json.dumps(case.doc, ensure_ascii=False) for case in generate()] + ["身份证号码已核验无误3号201室"]
    unread = {m.group() for text in texts for m in a._CLAUSE.finditer(text) if a._MAY_MATCH.search(m.group()) is None}
    assert len(unread) > 100 and "身份证号码已核验无误3号201室" in unread
    compiled = [RECOGNIZER.compiled(p, RECOGNIZER.global_regex_flags) for p in CnAddressRecognizer.PATTERNS]
    assert not [clause for clause in unread if any(c.search(clause) for c in compiled)]


def test_structure_groups_are_numbered_as_the_verdict_reads_them():
    from gateway.masking.recognizers import cn_address as a

    names = ("province", "city", "district", "town", "estate", "road", "number")
    assert a._STRUCTURE_FAST.groupindex == {name: i for i, name in enumerate(names, 1)}
    assert (a._PROVINCE, a._CITY, a._DISTRICT, a._TOWN, a._ESTATE, a._ROAD, a._NUMBER) == tuple(range(1, 8))


def test_division_names_are_read_when_the_only_unit_clauses_cannot_match():
    """The division pass runs whenever some clause holds an address unit character, as before the clause
    gate: here 身份证号码 (号, but no province name nor suffix end) lets 朝阳区 (a clause of three) read on
    into the Arabic-Indic digits, which the grammar's \\d takes."""
    assert found("朝阳区٨٨号，身份证号码") == [("朝阳区٨٨号", 0.6)]
    assert found("朝阳区٨٨号") == []


def test_clauses_are_cut_around_their_hits_as_a_walk_over_every_clause_cuts_them():
    from gateway.masking.recognizers import cn_address as a

    texts = ["", "省", "ab-北京市朝阳区1号,x", "，，住在杭州市西湖区文三路478号。其他内容社区", "浙江杭州_延边州-3号楼"]
    for text in texts:
        walked = [(m.start(), m.group()) for m in a._CLAUSE.finditer(text)
                  if len(m.group()) >= 4 and a._UNIT_CHAR.search(m.group()) and a._MAY_MATCH.search(m.group())]
        assert list(zip(*a._clauses(text))) == walked, text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES + ["，", "_", " ", "ab", "延边", "浙江", "社区", "身份证", "-"]), max_size=12))
def test_clauses_cut_around_hits_equal_the_walk_on_generated_text(pieces):
    from gateway.masking.recognizers import cn_address as a

    text = "".join(pieces)
    walked = [(m.start(), m.group()) for m in a._CLAUSE.finditer(text)
              if len(m.group()) >= 4 and a._UNIT_CHAR.search(m.group()) and a._MAY_MATCH.search(m.group())]
    assert list(zip(*a._clauses(text))) == walked


# --- the weaker patterns skip a strong address that starts at a division (CnAddressRecognizer._analyze) ----


def _full_view(results):
    from gateway.masking.spans import DIVISION_START

    return [(r.start, r.end, r.score, bool(r.recognition_metadata.get(DIVISION_START))) for r in results]


def _skip_agrees(text: str) -> bool:
    """The skipping read answers as the full one, or declines (None): never a different answer."""
    skipping = RECOGNIZER._analyze(text, None, True, skip=True)
    return skipping is None or _full_view(skipping) == _full_view(RECOGNIZER._analyze(text, None, True, skip=False))


def test_skipping_and_full_reads_agree_on_the_corpus():
    from tests.masking_corpus.generate import generate

    texts = [json.dumps(case.doc, ensure_ascii=False) for case in generate()] + [a for a, _ in WHOLE]
    assert all(_skip_agrees(text) for text in texts)
    assert RECOGNIZER._analyze("现住广东省深圳市宝安区西乡大道440号御景新村15栋A座203", None, True, skip=True)


def test_the_skip_declines_when_its_address_is_not_the_one_starting_at_the_division():
    """北京市浙江省A座: the strongest pattern matches 浙江省A座 (北京市 alone fails validation), which runs to
    the clause's end from a division's name; but the address read from the division 北京市 takes it in, so
    it is not the address starting at 浙江省: the skip declines and analyze reads the text again in full."""
    text = "北京市浙江省A座"
    assert RECOGNIZER._analyze(text, None, True, skip=True) is None
    assert found(text) == [("北京市浙江省A座", 0.85)]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES + ["，", "住在", "延边", "延吉市", "张三", "浦东新区", "河南街道", "现住", "_"]),
                max_size=12))
def test_skipping_and_full_reads_agree_on_generated_text(pieces):
    assert _skip_agrees("".join(pieces))


def test_a_long_body_merged_per_cluster_answers_as_merged_at_once(monkeypatch):
    """Many addresses (the corpus in one string): with_divisions merges per cluster of overlapping addresses
    (and divisions indexes the known ones); forced to merge and scan at once, the answer is the same."""
    from gateway.masking import divisions
    from gateway.masking.recognizers import cn_address_merge
    from tests.masking_corpus.generate import generate

    text = "\n".join(json.dumps(case.doc, ensure_ascii=False) for case in generate())
    clustered = _full_view(RECOGNIZER.analyze(text, ["CN_ADDRESS"]))
    assert len(clustered) > 100
    monkeypatch.setattr(cn_address_merge, "CLUSTER_ABOVE", 10**9)
    monkeypatch.setattr(divisions, "INDEX_ABOVE", 10**9)
    assert _full_view(RECOGNIZER.analyze(text, ["CN_ADDRESS"])) == clustered


def test_in_component_holds_every_character_a_component_can_hold_before_its_last():
    """_WEAK_START's derivation: a component is names (a name character or a place word) then a suffix."""
    from gateway.masking.recognizers import cn_address as a

    in_component = re.compile(a._IN_COMPONENT)
    name = re.compile(a.cjk_class_without(a.NOT_NAME_CHARS))
    names = [chr(c) for c in range(0x4E00, 0xA000) if name.fullmatch(chr(c))]
    assert len(names) > 20000
    held = names + list("".join(a.PLACE_WORDS + a.SUFFIXES))
    assert all(in_component.fullmatch(char) for char in held)
    assert {"大道", "村民委员会", "自治州", "雅居"} <= set(a.SUFFIXES) and not in_component.fullmatch("住")


def test_a_repeated_clause_is_read_once_and_found_at_every_occurrence():
    text = "，".join(["家住朝阳区建国路88号院"] * 3 + ["经社区公示无异议"] * 2)
    results = RECOGNIZER.analyze(text, ["CN_ADDRESS"])
    assert [(r.start, r.end, r.score) for r in sorted(results, key=lambda r: r.start)] == [
        (2, 12, 0.6), (15, 25, 0.6), (28, 38, 0.6)]
    assert len({id(r.recognition_metadata) for r in results}) == 3  # each its own, as the loop makes them
    assert _full_view(results) == _full_view(_ungated().analyze(text, ["CN_ADDRESS"]))


def test_every_pattern_is_compiled_when_the_recognizer_is_built():
    """The detector's warm-up address is read by the strongest pattern and skipped by the weaker ones, so the
    recognizer compiles them itself: the first request would otherwise pay a quarter of a second."""
    assert len(CnAddressRecognizer().__dict__["_compiled_by_pattern"]) == len(CnAddressRecognizer.PATTERNS)


def test_clauses_cut_around_hits_equal_the_walk_on_the_corpus_strings():
    from gateway.masking.detector import SEPARATOR
    from gateway.masking.recognizers import cn_address as a
    from tests.masking_corpus.generate import generate
    from tests.support.corpus_strings import strings

    corpus = sorted({s for case in generate() for s in strings(case.doc) if s})
    for text in corpus + [SEPARATOR.join(corpus)]:
        walked = [(m.start(), m.group()) for m in a._CLAUSE.finditer(text)
                  if len(m.group()) >= 4 and a._UNIT_CHAR.search(m.group()) and a._MAY_MATCH.search(m.group())]
        assert list(zip(*a._clauses(text))) == walked
