"""text/plain, NDJSON and JSONP: masked like free text and JSON, refused when they do not parse."""

from __future__ import annotations

import json

import pytest

from gateway.masking.refusal import MaskingRefused
from tests.support.masking import masker
from tests.support.pii_scan import find_identifiers

from .conftest import ID, ID2, LABELLED, MOBILE


def test_text_is_masked_span_by_span(mask):
    out = mask(f"申请人身份证号{ID}，电话{MOBILE}。", "text/plain; charset=utf-8")
    assert out == "申请人身份证号110105********002X，电话139****5678。"


def test_ndjson_each_line_is_a_document_and_blank_lines_stay(mask):
    body = f'{{"sfzh":"{ID}"}}\n\n{{"bz":"电话{MOBILE}"}}\r\n'
    out = mask(body, "application/x-ndjson", LABELLED)
    lines = out.split("\n")
    assert json.loads(lines[0]) == {"sfzh": "110105********002X"}
    assert lines[1] == "" and lines[2].endswith("\r") and lines[3] == ""
    assert not find_identifiers(out)


@pytest.mark.parametrize("body, reason", [
    ('{"a":1}\nnot json\n', "invalid_ndjson"),
    ('[' * 100_000 + ']' * 100_000, "too_deep"),
])
def test_ndjson_that_does_not_parse_is_refused(body, reason):
    with pytest.raises(MaskingRefused) as e:
        masker().mask_body(body.encode(), "application/x-ndjson", None, LABELLED)
    assert e.value.reason == reason


@pytest.mark.parametrize("wrapper", ["cb({})", "/**/cb({});", " jQuery1_2.done ( {} ) ;\n", "$cb({})"])
def test_jsonp_masks_the_json_inside_and_keeps_the_callback(mask, wrapper):
    doc = json.dumps({"sfzh": ID, "list": [f"电话{MOBILE}"]})
    out = mask(wrapper.replace("{}", doc), "application/javascript", LABELLED)
    callback = wrapper.replace("/**/", "").strip().split("(")[0].strip()
    assert out.startswith(callback + "(") and out.endswith(");")
    assert json.loads(out[len(callback) + 1:-2]) == {"sfzh": "110105********002X", "list": ["电话139****5678"]}


@pytest.mark.parametrize("body", [
    f'cb({{"a":"{ID}"}});alert(1)', f'typeof cb === "function" && cb({{"a":"{ID}"}});', f'var x = {{"a":"{ID}"}};',
    f'cb13912345678({{"a":1}})', f'cb({{"a":"{ID2}"}}', "a-b({})", f"cb('{ID}')", "",
])
def test_jsonp_anything_but_one_plain_call_is_refused(body):
    with pytest.raises(MaskingRefused) as e:
        masker().mask_body(body.encode() or b" ", "text/javascript", None, LABELLED)
    assert e.value.reason == "invalid_jsonp"


@pytest.mark.parametrize("text, masked", [
    (f"手机 {MOBILE} 2号楼", "手机 139****5678 2号楼"),
    (f"a 9252659 {MOBILE}", "a 9252659 139****5678"),
    (f"号 123 456 {MOBILE}", "号 123 456 139****5678"),
    (f" {ID} 1", " 110105********002X 1"),
    (f"身份证{ID2} 共1人", "身份证440103********4513 共1人"),
])
def test_a_short_number_beside_an_identifier_does_not_hide_it(mask, text, masked):
    """Found by the deep fuzz run: the normalised view squeezed `13912345678 2` into one 12-digit number."""
    assert mask(text, "text/plain") == masked
