"""Values hidden in tables, strings holding JSON or queries, and financial rows are masked in place."""

from __future__ import annotations

import json

from gateway.masking.shapes import needs_prepare, prepare

from gateway.masking.engine import MaskingView
from tests.support.masking import UNLABELLED, masker, resource


def view(res):
    return MaskingView(resource=res)

ID = "11010519491231002X"


def mask(doc, v=UNLABELLED):
    return masker().mask_document(doc, v)[0]


def test_header_row_tables_are_masked_by_column_and_keep_their_shape():
    doc = {"data": [["姓名", "身份证号", "状态"], ["张三", ID, "正常"], ["李四", "13812345678", "注销"]]}
    assert mask(doc) == {"data": [["姓名", "身份证号", "状态"], ["张*", "110105********002X", "正常"],
                                  ["李*", "138****5678", "注销"]]}


def test_columns_and_rows_objects():
    doc = {"columns": [{"name": "xm"}, {"name": "sjhm"}], "rows": [["王凯", "13812345678"]]}
    assert mask(doc)["rows"] == [["王*", "138****5678"]]


def test_columns_with_opaque_field_ids_are_read_by_their_titles():
    """Seen on held-out seed 2: with field ids c0, c1 … the header was unusable, the first data row was taken
    as the header (its phone number is a person key), and the other rows came back as nulls or unmasked."""
    doc = {"columns": [{"field": "c0", "title": "姓名"}, {"field": "c1", "title": "车牌号"},
                       {"field": "c2", "title": "联系电话"}, {"field": "c3", "title": "登记日期"}],
           "rows": [["王凯", "京A12345", "13812345678", "2021-02-05"],
                    ["其其格", "蒙B12345", "13912345678", "2021-02-06"]]}
    out = mask(doc)
    assert out["columns"] == doc["columns"]  # column titles are field names, not people
    assert out["rows"] == [["王*", "京A****5", "138****5678", "2021-02-05"],
                           ["其**", "蒙B****5", "139****5678", "2021-02-06"]]


def test_a_data_row_is_never_taken_for_a_header():
    doc = {"rows": [["王凯", "13812345678", "北京市朝阳区建国路88号"], ["李娜", "13912345678", "上海市黄浦区南京路1号"]]}
    out = json.dumps(mask(doc), ensure_ascii=False)
    assert "13812345678" not in out and "13912345678" not in out and "null" not in out


def test_arrays_of_plain_lists_are_not_tables():
    doc = {"tags": [["a", "b"], ["王凯", "x"]]}
    assert prepare([doc]).fixups == []


def test_json_inside_a_string_is_masked_and_reserialized_in_its_style():
    inner = {"xm": "张淑珍", "sjhm": "13812345678", "n": 1}
    spaced = mask({"payload": json.dumps(inner, ensure_ascii=False)})["payload"]
    compact = mask({"payload": json.dumps(inner, ensure_ascii=False, separators=(",", ":"))})["payload"]
    assert json.loads(spaced) == json.loads(compact) == {"xm": "张**", "sjhm": "138****5678", "n": 1}
    assert '": "' in spaced and '":"' in compact


def test_query_strings_and_key_value_text():
    url = "https://a.gov.cn/notify?xm=%E7%8E%8B%E5%87%AF&sjhm=13047334185&t=1#top"
    assert mask({"cb": url})["cb"] == "https://a.gov.cn/notify?xm=%E7%8E%8B*&sjhm=130****4185&t=1#top"
    assert mask({"ext": "xm=王凯;sjhm=13047334185;zt=1"})["ext"] == "xm=王*;sjhm=130****4185;zt=1"
    assert mask({"note": "a=b is an equation"})["note"] == "a=b is an equation"


def test_financial_rows_lose_their_amounts_and_labels_still_win():
    doc = {"cwbb": [{"xm": "营业收入", "je": "12345.6"}, {"xm": "净利润", "je": 88}, {"xm": "备注", "je": "无"}]}
    # as any unlabelled trade-secret key (yysr: null): the amounts go, each row keeps its own keys and order
    assert mask(doc) == {"cwbb": [{"xm": "营业收入", "je": None}, {"xm": "净利润", "je": None}, {"xm": "备注", "je": "无"}]}
    table = {"data": [["项目", "金额"], ["营业收入", "100万"]]}
    assert mask(table) == {"data": [["项目", "金额"], ["营业收入", None]]}
    rows = {"items": [{"label": "姓名", "value": "周杰"}, {"label": "状态", "value": "正常"}]}
    assert mask(rows) == {"items": [{"label": "姓名", "value": "周*"}, {"label": "状态", "value": "正常"}]}
    labelled = resource(("je", "public", None), code="SC-CW-0001")
    assert mask(doc, view(labelled)) == doc  # the catalog says the amounts are public


def test_financial_rows_are_reported_under_their_label():
    doc = {"cwbb": [{"xm": "营业收入", "je": 1.5}, {"xm": "营业成本", "je": 2}, {"xm": "营业收入", "je": 3}]}
    masked, findings = masker().mask_document(doc, UNLABELLED)
    assert masked == {"cwbb": [{"xm": "营业收入", "je": None}, {"xm": "营业成本", "je": None},
                               {"xm": "营业收入", "je": None}]}
    assert sorted((f.path, f.entity, f.operator, f.count) for f in findings) == [
        ("$.cwbb[*]['营业成本#je']", "TRADE_SECRET", "remove", 1),
        ("$.cwbb[*]['营业收入#je']", "TRADE_SECRET", "remove", 2)]
    assert doc["cwbb"][0] == {"xm": "营业收入", "je": 1.5}  # the caller's document is not touched


def test_a_header_row_that_masking_rewrites_still_gives_back_its_rows():
    # a header row under a labelled name key is masked like any of its names; the rows keep their cells
    doc = {"xm": [["0", "00000000000"], [[]]]}
    masked = mask(doc, view(resource(("xm", "personal", "PERSON"))))
    assert masked["xm"][1] == [[]]


def test_the_cheap_check_lets_ordinary_bodies_skip_the_pass():
    assert not needs_prepare('{"data": {"items": [{"xm": "张三", "sfzh": "11010519491231002X"}]}}')
    assert needs_prepare('{"data": [["姓名"], ["张三"]]}')
    assert needs_prepare('{"p": "{\\"xm\\": 1}"}')
    assert needs_prepare('{"u": "https://x/?a=1&b=2"}')


def test_every_financial_label_names_a_trade_secret():
    from gateway.masking.keynames import key_hint
    from gateway.masking.shapes import FINANCE_LABELS

    assert {label: key_hint(f"{label}#je") for label in FINANCE_LABELS} == dict.fromkeys(FINANCE_LABELS, "TRADE_SECRET")


def test_json_inside_a_string_that_masking_leaves_alone_keeps_its_exact_text():
    odd = '{ "a" :1,"b": [1,2] }'
    assert mask({"payload": odd}) == {"payload": odd}
