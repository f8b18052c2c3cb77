"""A masking candidate judged from a call's findings: which operator each path's field and entity would get
from the rules in force and from the candidate, following the engine's order, never a value."""

from __future__ import annotations

from gateway.admin.masking_shadow import differences, field_name
from gateway.catalog import load_catalog
from gateway.config import POLICIES_DIR
from gateway.masking.rules_version import rules_from_text
from gateway.masking.types import Finding, MaskingView

SHIPPED = (POLICIES_DIR / "masking.yaml").read_text(encoding="utf-8")


def view(**kw) -> MaskingView:
    return MaskingView(load_catalog(POLICIES_DIR / "catalog.yaml").resource("SCJG-QY-0001"), **kw)


def candidate(fields: str):
    return rules_from_text(SHIPPED.replace("\nfields: []\n", "\nfields:\n" + fields))


def test_field_names_of_finding_paths():
    assert field_name("$.data.items[*].fddbr") == "fddbr"
    assert field_name("$.data.tags[*]") == "tags" and field_name("$.data.*") is None


def test_an_override_on_a_labelled_field_is_a_difference_once_per_path():
    now = rules_from_text(SHIPPED)
    new = candidate("  - {resource: SCJG-QY-0001, field: fddbr, operator: redact}\n")
    findings = [Finding("$.data.items[*].fddbr", "PERSON", "name", 3),
                Finding("$.data.items[*].zs", "CN_ADDRESS", "address", 3),
                Finding("$.data.items[*].jyfw", "CN_MOBILE", "keep", 1)]
    assert differences(now, new, view(), findings) == [
        {"resource": "SCJG-QY-0001", "path": "$.data.items[*].fddbr", "entity": "PERSON", "now": "name",
         "candidate": "redact", "count": 3}]
    assert differences(now, rules_from_text(SHIPPED), view(), findings) == []


def test_changed_settings_of_the_same_operator_and_detected_entities_count():
    line = "  CN_MOBILE:        {operator: keep, first: 3, last: 4,"
    assert line in SHIPPED
    now, new = rules_from_text(SHIPPED), rules_from_text(SHIPPED.replace(line, line.replace("first: 3", "first: 0")))
    findings = [Finding("$.data.items[*].jyfw", "CN_MOBILE", "keep", 1)]  # detected in a public free-text field
    found = differences(now, new, view(), findings)
    assert [(d["entity"], d["now"], d["candidate"]) for d in found] == [("CN_MOBILE", "keep", "keep (other settings)")]


def test_a_grants_revealed_or_pseudonymised_field_is_not_the_rules_business():
    now = rules_from_text(SHIPPED)
    new = candidate("  - {resource: SCJG-QY-0001, field: fddbr, operator: redact}\n")
    findings = [Finding("$.data.items[*].fddbr", "PERSON", "reveal", 3)]
    assert differences(now, new, view(), findings) == []
    findings = [Finding("$.data.items[*].fddbr", "PERSON", "hash", 3)]
    assert differences(now, new, view(pseudonymise=frozenset({"fddbr"})), findings) == []
