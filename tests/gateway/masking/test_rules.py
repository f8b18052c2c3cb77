"""The masking rules file: the shipped defaults, field decisions, and validation naming file, line, entry."""

from __future__ import annotations

import textwrap

import pytest

from gateway.catalog import KNOWN_ENTITIES, FieldClass
from gateway.config import POLICIES_DIR
from gateway.masking.operators import Band, Keep, OpContext, Plain, Redact, Remove
from gateway.masking.rules import RulesError, default_rules, load_rules

SHIPPED = POLICIES_DIR / "masking.yaml"


def write(tmp_path, text: str):
    path = tmp_path / "masking.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_shipped_rules_load_and_match_the_built_in_defaults():
    shipped, builtin = load_rules(SHIPPED), default_rules()
    assert set(shipped.entities) == KNOWN_ENTITIES
    for entity in KNOWN_ENTITIES:
        assert shipped.entities[entity] == builtin.entities[entity], entity
    assert shipped.public_entities == frozenset({"CN_USCC", "ORGANIZATION"}) == builtin.public_entities
    assert isinstance(shipped.classes[FieldClass.TRADE_SECRET].operator, Remove)
    assert shipped.classes[FieldClass.PUBLIC] == builtin.classes[FieldClass.PUBLIC]
    assert shipped.classes[FieldClass.PUBLIC].scan and shipped.classes[FieldClass.INTERNAL].scan
    assert len(shipped.digest) == 64


def test_empty_file_gives_the_built_in_defaults(tmp_path):
    rules = load_rules(write(tmp_path, ""))
    assert rules.entities == default_rules().entities
    assert rules.overrides == {}


def test_field_decisions():
    rules = default_rules()
    op = rules.field_operator("GA-RK-0001", "sfzh", FieldClass.PERSONAL, "CN_ID_CARD")
    assert op("110101199003074514", OpContext("CN_ID_CARD")) == "110101********4514"
    assert isinstance(rules.field_operator("GA-RK-0001", "bz2", FieldClass.SENSITIVE, None), Redact)
    assert isinstance(rules.field_operator("SW-NS-0001", "yysr", FieldClass.TRADE_SECRET, None), Remove)
    assert isinstance(rules.field_operator("SW-NS-0001", "yysr", FieldClass.TRADE_SECRET, "TRADE_SECRET"), Remove)
    # public and internal fields ignore their entity: the provider declared them plain
    assert isinstance(rules.field_operator("SC-QY-0001", "tyshxydm", FieldClass.PUBLIC, "CN_USCC"), Plain)
    assert rules.is_public_entity("CN_USCC") and not rules.is_public_entity("CN_ID_CARD")
    assert isinstance(rules.entity_operator("SOMETHING_NEW"), Redact)  # unknown entities are redacted


def test_overrides_band_edges_and_public_entities(tmp_path):
    rules = load_rules(write(tmp_path, """
        public_entities: []
        band: {edges: [0, 100, 1000], style: interval}
        entities:
          CN_MOBILE: {operator: keep, first: 0, last: 2}
        fields:
          - {resource: SW-NS-0001, field: yysr, operator: band}
          - {resource: '*', field: nsje, operator: band, edges: [0, 10], style: cn}
        """))
    assert rules.public_entities == frozenset()
    assert rules.entities["CN_MOBILE"] == Keep(0, 2)
    op = rules.field_operator("SW-NS-0001", "yysr", FieldClass.TRADE_SECRET, None)
    assert isinstance(op, Band) and op("500", OpContext()) == "[100,1e3)"
    assert rules.field_operator("OTHER-X", "yysr", FieldClass.TRADE_SECRET, None) == Remove()
    assert rules.override("ANY-RES", "nsje")("20", OpContext()) == "≥10"


@pytest.mark.parametrize("text, line, entry, problem", [
    ("entities:\n  CN_FOO: {operator: redact}\n", 2, "entities.CN_FOO", "unknown entity"),
    ("entities:\n  CN_MOBILE: {operator: shred}\n", 2, "entities.CN_MOBILE", "unknown operator"),
    ("entities:\n  CN_MOBILE:\n    operator: keep\n    first: many\n", 4, "entities.CN_MOBILE", "'first'"),
    ("entities:\n  CN_MOBILE: {first: 3}\n", 2, "entities.CN_MOBILE", "missing 'operator'"),
    ("entities:\n  CN_MOBILE: {operator: scan}\n", 2, "entities.CN_MOBILE", "only for FREE_TEXT"),
    ("entities:\n  CN_MOBILE: redact\n", 2, "entities.CN_MOBILE", "must be a mapping"),
    ("classes:\n  personal: {operator: plain}\n", 2, "classes.personal", "protected class"),
    ("classes:\n  sensitive:\n    operator: redact\n    scan: true\n", 4, "classes.sensitive", "'scan'"),
    ("classes:\n  secret: {operator: remove}\n", 2, "classes.secret", "unknown class"),
    ("classes:\n  public: {operator: plain, scan: maybe}\n", 2, "classes.public", "'scan'"),
    ("band:\n  edges: [3, 2, 1]\n", 2, "band", "increasing"),
    ("band:\n  colour: red\n", 2, "band", "unknown key"),
    ("public_entities: [CN_NOPE]\n", 1, "public_entities", "unknown entity"),
    ("public_entities: [TRADE_SECRET]\n", 1, "public_entities", "cannot be public"),
    ("version: 2\n", 1, "rules", "unsupported version"),
    ("colour: red\n", 1, "rules", "unknown key"),
    ("fields:\n  - {resource: 'bad code', field: x, operator: remove}\n", 2, "fields[0]", "'resource'"),
    ("fields:\n  - {resource: AB-CD, field: x, operator: remove}\n  - {resource: AB-CD, field: x, operator: null}\n",
     3, "fields[1] AB-CD.x", "duplicate"),
    ("fields:\n  - {resource: '*', field: x, operator: band, edges: [1]}\n", 2, "fields[0] *.x", "'edges'"),
])
def test_invalid_rules_name_file_line_and_entry(tmp_path, text, line, entry, problem):
    path = write(tmp_path, text)
    with pytest.raises(RulesError) as e:
        load_rules(path)
    err = e.value
    assert err.path == str(path)
    assert err.line == line
    assert err.entry == entry
    assert problem in err.problem
    assert str(path) in str(err)


def test_yaml_syntax_error_and_missing_file(tmp_path):
    with pytest.raises(RulesError) as e:
        load_rules(write(tmp_path, "entities: {CN_MOBILE: [\n"))
    assert "YAML syntax" in e.value.problem
    with pytest.raises(RulesError) as e:
        load_rules(tmp_path / "absent.yaml")
    assert "cannot read" in e.value.problem
    with pytest.raises(RulesError):
        load_rules(write(tmp_path, "- just\n- a list\n"))
