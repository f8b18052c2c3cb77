"""Relabelling one field keeps the rest of the catalog file byte for byte and goes through the versions."""

from __future__ import annotations

import pytest

from gateway.admin.catalog_edit import LabelError, relabel
from gateway.config import POLICIES_DIR

FLOW = (POLICIES_DIR / "catalog.yaml").read_text(encoding="utf-8")
BLOCK = "resources:\n- code: A\n  fields:\n  - name: x\n    label: y\n    class: personal\n    entity: PERSON\n" \
        "  - name: w\n    label: v\n    class: public\n# end\n"


def test_a_flow_entry_is_rewritten_in_place_and_nothing_else_changes():
    out = relabel(FLOW, "SCJG-QY-0001", "fddbr", "法定代表人（公示）", "public", "")
    old = "{name: fddbr, label: 法定代表人, class: personal, entity: PERSON}"
    assert out == FLOW.replace(old, '{name: fddbr, label: "法定代表人（公示）", class: public}')


def test_a_block_entry_becomes_one_flow_line_in_its_place():
    out = relabel(BLOCK, "A", "x", "姓名", "sensitive", "PERSON")
    assert out == "resources:\n- code: A\n  fields:\n  - {name: x, label: \"姓名\", class: sensitive, entity: PERSON}\n" \
                  "  - name: w\n    label: v\n    class: public\n# end\n"


@pytest.mark.parametrize("args, problem", [
    (("A", "nope", "x", "public", None), "no field"), (("A", "x", "", "public", None), "1-100"),
    (("A", "x", "y", "secret", None), "class must be"),
    (("A", "x", "y", "public", "X}, evil: {"), "upper-case name"),
])
def test_impossible_relabels_are_refused(args, problem):
    with pytest.raises(LabelError, match=problem):
        relabel(BLOCK, *args)


def test_departments_label_only_their_own_fields_in_the_console(client, ctx, login, admin_records):
    csrf = login(client, "sec-mz")
    r = client.post("/security/catalog/GA-RK-0001/sjhm", data={"csrf": csrf, "label": "手机", "class": "public",
                                                              "comment": "x"})
    assert r.status_code == 403
    csrf = login(client, "sec-ga")
    r = client.post("/security/catalog/GA-RK-0001/sjhm", data={"csrf": csrf, "label": "联系电话", "class": "internal",
                                                              "entity": "", "comment": "公开号码"},
                    headers={"Accept": "application/json"})
    assert r.json() == {"version": 2}
    field = ctx.catalog().resource("GA-RK-0001").field("sjhm")
    assert (field.label, str(field.klass), field.entity) == ("联系电话", "internal", None)
    assert [(x["actor"], x["outcome"]) for x in admin_records(action="catalog.label")] == [
        ("sec-mz", "denied"), ("sec-ga", "success")]
