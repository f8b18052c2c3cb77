"""JSON walking: normalised paths, depth limits, removal, inheritance; numbers and free text in documents."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from gateway.config import MaskingSettings
from gateway.masking.refusal import MaskingRefused
from gateway.masking.walker import REMOVE_MEMBER, SKIP_SUBTREE, member_path, walk

from tests.support.masking import UNLABELLED, masker  # noqa: E402


@dataclass(frozen=True)
class R:
    action: str
    tag: str = ""


WALK = R("walk")


def keep_walking(key, path, inherited):
    return WALK


def leaves_by_path(result):
    return sorted((leaf.path, leaf.key, leaf.value) for leaf in result.leaves)


def test_paths_are_normalised():
    doc = {"data": {"items": [{"sfzh": "1", "tags": ["a", ["b"]]}, {"sfzh": "2"}]},
           "a.b": "x", "it's": "y", "身份证号": "z", "13812345678": "k", "": "e"}
    result = walk(doc, keep_walking, WALK, max_depth=16)
    assert leaves_by_path(result) == sorted([
        ("$.data.items[*].sfzh", "sfzh", "1"),
        ("$.data.items[*].sfzh", "sfzh", "2"),
        ("$.data.items[*].tags[*]", "tags", "a"),
        ("$.data.items[*].tags[*][*]", "tags", "b"),
        ("$['a.b']", "a.b", "x"),
        ("$['it\\'s']", "it's", "y"),
        ("$.身份证号", "身份证号", "z"),
        ("$.*", "13812345678", "k"),  # a key that holds a value never appears in a path
        ("$['']", "", "e"),
    ])
    assert [ref.key for ref in result.suspect_keys] == ["13812345678"]


def test_member_path_hides_long_and_value_like_keys():
    assert member_path("$", "x" * 65) == "$.*"
    assert member_path("$", "a@b.cn") == "$.*"
    assert member_path("$.a", "ok_key-1") == "$.a.ok_key-1"
    assert member_path("$", "渝K-7M787") == "$.*"  # a plate as a key
    assert member_path("$", "晋 CFN4200") == "$.*"
    assert member_path("$", "１３４－２４０２－０４３８") == "$.*"  # full-width digits and dashes
    assert member_path("$", "北京市") == "$.北京市" and member_path("$", "京东") == "$.京东"


def test_leaves_skip_null_and_booleans_and_keep_numbers():
    result = walk({"a": None, "b": True, "c": 12, "d": 1.5, "e": "s"}, keep_walking, WALK, max_depth=4)
    assert sorted(leaf.key for leaf in result.leaves) == ["c", "d", "e"]


@pytest.mark.parametrize("doc", [{"a": ("13812345678",)}, {"a": {"13812345678"}}, {1: "x"}, [b"13812345678"]])
def test_anything_that_is_not_json_is_refused(doc):
    with pytest.raises(TypeError):
        walk(doc, keep_walking, WALK, max_depth=4)
    with pytest.raises(MaskingRefused) as e:
        masker().mask_document(doc, UNLABELLED)
    assert e.value.reason == "masking_error"


def test_scalar_root_is_a_leaf_in_its_holder():
    result = walk("13812345678", keep_walking, WALK, max_depth=4)
    assert [(leaf.path, leaf.key) for leaf in result.leaves] == [("$", None)]
    assert result.leaves[0].container is result.holder


def test_remove_and_skip_and_inheritance():
    def classify(key, path, inherited):
        if key == "secret":
            return R(REMOVE_MEMBER)
        if key == "plain":
            return R(SKIP_SUBTREE)
        if key == "labelled":
            return R("apply", "label")
        return inherited if inherited.tag else WALK

    doc = {"secret": {"deep": [1, 2]}, "plain": {"x": "1"}, "labelled": [{"inner": "v"}, "w"],
           "list": [{"secret": 1, "keep": 2}]}
    result = walk(doc, classify, WALK, max_depth=8)
    assert doc == {"plain": {"x": "1"}, "labelled": [{"inner": "v"}, "w"], "list": [{"keep": 2}]}
    tags = {leaf.path: leaf.rule.tag for leaf in result.leaves}
    assert tags == {"$.labelled[*].inner": "label", "$.labelled[*]": "label", "$.list[*].keep": ""}
    array_leaf = next(leaf for leaf in result.leaves if leaf.path == "$.labelled[*]")
    assert array_leaf.key == "labelled"  # array elements carry the array's key as context


def nested(depth: int):
    doc: list = []
    for _ in range(depth - 1):
        doc = [doc]
    return doc


def test_depth_limit():
    walk(nested(10), keep_walking, WALK, max_depth=10)
    with pytest.raises(MaskingRefused) as e:
        walk(nested(11), keep_walking, WALK, max_depth=10)
    assert e.value.reason == "too_deep"
    with pytest.raises(MaskingRefused):
        walk({"a": {"b": {"c": {}}}}, keep_walking, WALK, max_depth=3)


def test_walking_is_iterative():
    # far deeper than Python's recursion limit: must walk without recursing
    result = walk(nested(5000) + ["13812345678"], keep_walking, WALK, max_depth=10_000)
    assert [leaf.value for leaf in result.leaves] == ["13812345678"]


# --- through the Masker (real detector) ---------------------------------------------------------


def test_free_text_masked_span_by_span():
    doc, findings = masker().mask_document({"bz": "联系电话13912345678,已核验"}, UNLABELLED)
    assert doc == {"bz": "联系电话139****5678,已核验"}
    assert [(f.path, f.entity, f.operator, f.count) for f in findings] == [("$.bz", "CN_MOBILE", "keep", 1)]


def test_identifiers_sent_as_json_numbers_are_caught():
    doc = {"data": {"items": [{"a": 13912345678, "b": 110101199003074514, "c": 6222021234567890128,
                               "d": 12345, "e": 20240517, "f": 3.5}]}}
    masked, findings = masker().mask_document(doc, UNLABELLED)
    item = masked["data"]["items"][0]
    assert item["a"] == "139****5678"
    assert item["b"] == "110101********4514"
    assert item["c"] == "***************0128"
    assert (item["d"], item["e"], item["f"]) == (12345, 20240517, 3.5)  # untouched, still numbers
    assert {f.path for f in findings} == {"$.data.items[*].a", "$.data.items[*].b", "$.data.items[*].c"}


def test_keys_give_context_and_findings_aggregate_per_path():
    doc = {"records": [{"xm": "张三", "sjhm": "13912345678"}, {"xm": "欧阳娜娜", "sjhm": "13812345678"}]}
    masked, findings = masker().mask_document(doc, UNLABELLED)
    assert masked == {"records": [{"xm": "张*", "sjhm": "139****5678"}, {"xm": "欧阳**", "sjhm": "138****5678"}]}
    counts = {(f.path, f.entity): f.count for f in findings}
    assert counts[("$.records[*].xm", "PERSON")] == 2
    assert counts[("$.records[*].sjhm", "CN_MOBILE")] == 2
    text = json.dumps([f.__repr__() for f in findings], ensure_ascii=False)
    assert "张三" not in text and "13912345678" not in text


def test_keys_that_are_identifiers_are_masked_too():
    masked, findings = masker().mask_document({"byId": {"13912345678": {"v": 1}, "13812345678": 2}}, UNLABELLED)
    assert masked == {"byId": {"139****5678": {"v": 1}, "138****5678": 2}}
    assert all(".*" in f.path or f.path.endswith("*") for f in findings)


def test_depth_limit_through_the_masker():
    m = masker(settings=MaskingSettings(max_depth=5))
    m.mask_document(nested(5), UNLABELLED)
    with pytest.raises(MaskingRefused) as e:
        m.mask_document(nested(6), UNLABELLED)
    assert e.value.reason == "too_deep"


@dataclass(frozen=True)
class Counted:
    action: str
    finding: str | None = None


def test_a_member_is_classified_once_per_path_unless_its_rule_counts_each_occurrence():
    calls: list[str] = []

    def classify(key, path, inherited):
        calls.append(key)
        if key == "gone":
            return Counted(REMOVE_MEMBER, finding="remove")
        return Counted("walk", finding="reveal") if key == "seen" else WALK

    doc = {"rows": [{"a": 1, "seen": 2, "gone": 3}, {"a": 4, "seen": 5, "gone": 6}, {"a": 7, "seen": 8, "gone": 9}]}
    result = walk(doc, classify, WALK, max_depth=8)
    assert calls.count("rows") == 1 and calls.count("a") == 1  # decided once for every record
    assert calls.count("seen") == 3 and calls.count("gone") == 3  # the caller counts each occurrence
    assert doc == {"rows": [{"a": 1, "seen": 2}, {"a": 4, "seen": 5}, {"a": 7, "seen": 8}]}
    assert sorted(leaf.value for leaf in result.leaves) == [1, 2, 4, 5, 7, 8]


def test_aliased_members_are_walked_under_their_alias_and_stay_in_place():
    row = {"xm": "营业收入", "je": 12.5}
    other = {"xm": "营业收入", "je": 3}
    seen: list[tuple[str, str]] = []

    def classify(key, path, inherited):
        seen.append((key, path))
        return WALK

    result = walk({"rows": [row, other]}, classify, WALK, max_depth=8,
                  aliases={id(row): (row, {"je": "营业收入#je"})})
    assert ("营业收入#je", "$.rows[*]['营业收入#je']") in seen and ("je", "$.rows[*].je") in seen
    leaf = next(leaf for leaf in result.leaves if leaf.value == 12.5)
    assert (leaf.slot, leaf.key, leaf.path) == ("je", "营业收入#je", "$.rows[*]['营业收入#je']")
    assert next(leaf for leaf in result.leaves if leaf.value == 3).key == "je"  # only the aliased object
    assert list(row) == ["xm", "je"]
