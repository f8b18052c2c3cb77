"""The masking rules file (policies/masking.yaml): which operator masks each entity and field class.

Parsed and validated once at load; every error names the file, the line, the entry and the problem.
The loaded MaskingRules is immutable and answers two questions for the engine: how is a detected
entity masked (`entity_operator`), and how is a labelled catalog field masked (`field_operator`).

File layout (every section optional; what is missing keeps the built-in default below):

    version: 1
    public_entities: [CN_USCC]              # detected spans of these entities stay plain
    band: {edges: [0, 1000000, ...], style: cn}   # edges used by every `band` without its own
    entities:
      CN_ID_CARD: {operator: keep, first: 6, last: 4}
      ...
    classes:
      personal:     {operator: redact}      # a labelled field without an entity
      trade_secret: {operator: remove}
      public:       {operator: plain, scan: true}   # plain, but free text inside still scanned
    fields:                                  # per-field overrides (resource code or '*')
      - {resource: SW-NS-0001, field: yysr, operator: band}
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from ..catalog import CODE_RE, FIELD_RE, KNOWN_ENTITIES, FieldClass
from ..yamlsrc import LineMap, SourceError, load_yaml
from .operators import (DEFAULT_BAND_EDGES, Band, Operator, OperatorError, Plain, Scan, build_operator)

PROTECTED_CLASSES = frozenset(c for c in FieldClass if c.protected)

# Built-in defaults (the display conventions users expect); the rules file overrides them per entry.
DEFAULT_ENTITY_RULES: dict[str, dict[str, Any]] = {
    "CN_ID_CARD": {"operator": "keep", "first": 6, "last": 4},
    "CN_MOBILE": {"operator": "keep", "first": 3, "last": 4, "keep_prefix": r"^(?:\+86|0086)[\s-]?"},
    "CN_LANDLINE": {"operator": "keep", "first": 0, "last": 4, "keep_prefix": r"^\(?0\d{2,3}\)?[\s-]?"},
    "CN_BANK_CARD": {"operator": "keep", "first": 0, "last": 4},
    "CN_USCC": {"operator": "keep", "first": 8, "last": 2},
    "CN_PASSPORT": {"operator": "keep", "first": 1, "last": 2},
    "CN_SOCIAL_SECURITY": {"operator": "keep", "first": 1, "last": 2},
    "CN_LICENSE_PLATE": {"operator": "keep", "first": 2, "last": 1},
    "CN_VIN": {"operator": "keep", "first": 3, "last": 0},
    "MAC_ADDRESS": {"operator": "redact"},
    "ORGANIZATION": {"operator": "plain"},
    "EMAIL_ADDRESS": {"operator": "email"},
    "IP_ADDRESS": {"operator": "redact"},
    "PERSON": {"operator": "name"},
    "CN_ADDRESS": {"operator": "address"},
    "TRADE_SECRET": {"operator": "remove"},
    "DATE_OF_BIRTH": {"operator": "year_only"},
    "FREE_TEXT": {"operator": "scan"},
}
DEFAULT_CLASS_RULES: dict[FieldClass, dict[str, Any]] = {
    FieldClass.PUBLIC: {"operator": "plain", "scan": True},
    FieldClass.INTERNAL: {"operator": "plain", "scan": True},
    FieldClass.PERSONAL: {"operator": "redact"},
    FieldClass.SENSITIVE: {"operator": "redact"},
    FieldClass.TRADE_SECRET: {"operator": "remove"},
}
DEFAULT_PUBLIC_ENTITIES = frozenset({"CN_USCC", "ORGANIZATION"})


class RulesError(SourceError):
    """The masking rules file is invalid."""


@dataclass(frozen=True, slots=True)
class ClassRule:
    """How a labelled field of one class is masked when it names no entity; `scan`: detection still runs."""

    operator: Operator
    scan: bool = False


@dataclass(frozen=True)
class MaskingRules:
    source: str
    entities: Mapping[str, Operator]
    classes: Mapping[FieldClass, ClassRule]
    public_entities: frozenset[str] = DEFAULT_PUBLIC_ENTITIES
    band_edges: tuple[float, ...] = DEFAULT_BAND_EDGES
    band_style: str = "cn"
    overrides: Mapping[tuple[str, str], Operator] = field(default_factory=dict)
    digest: str = ""

    def entity_operator(self, entity: str) -> Operator:
        """The operator for a detected (or labelled) entity; unknown entities are redacted."""
        op = self.entities.get(entity)
        return op if op is not None else build_operator("redact")

    def is_public_entity(self, entity: str) -> bool:
        return entity in self.public_entities

    def override(self, resource_code: str | None, field_name: str) -> Operator | None:
        if resource_code is not None:
            op = self.overrides.get((resource_code, field_name))
            if op is not None:
                return op
        return self.overrides.get(("*", field_name))

    def class_rule(self, klass: FieldClass) -> ClassRule:
        return self.classes[klass]

    def field_operator(self, resource_code: str | None, field_name: str, klass: FieldClass,
                       entity: str | None) -> Operator:
        """A labelled field's operator: a per-field override, else its entity's, else its class's.

        Public and internal fields ignore their entity (the provider declared them plain) and return
        their class operator (normally `plain`; `class_rule(klass).scan` tells whether to scan).
        """
        op = self.override(resource_code, field_name)
        if op is not None:
            return op
        if klass in PROTECTED_CLASSES and entity is not None:
            return self.entity_operator(entity)
        return self.classes[klass].operator


def default_rules() -> MaskingRules:
    """The built-in rules (what an empty rules file gives)."""
    return _Parser(Path("<built-in>"), LineMap(), b"").parse()


def load_rules(path: str | Path) -> MaskingRules:
    """Parse and validate a masking rules file. Raises RulesError naming file, line, entry and problem."""
    path = Path(path)
    try:
        doc = load_yaml(path)
        raw = path.read_bytes()
    except SourceError as e:
        raise RulesError(e.path, e.line, e.entry, e.problem) from e
    except OSError as e:
        raise RulesError(path, None, "", f"cannot read: {e.strerror or e}") from e
    if doc is None:
        doc = LineMap()
        doc.key_lines = {}
    return _Parser(path, doc, raw).parse()


class _Parser:
    def __init__(self, path: Path, doc: Any, raw: bytes):
        self.path, self.doc, self.raw = path, doc, raw
        if isinstance(doc, LineMap) and not hasattr(doc, "key_lines"):
            doc.key_lines = {}

    def fail(self, node: Any, entry: str, problem: str, key: str | None = None):
        line = None
        if isinstance(node, LineMap):
            line = node.line_of(key) if key else (node.line or None)
        raise RulesError(self.path, line, entry, problem)

    def mapping(self, node: Any, parent: LineMap, key: str, entry: str) -> LineMap:
        if not isinstance(node, LineMap):
            self.fail(parent, entry, "must be a mapping", key)
        return node

    def parse(self) -> MaskingRules:
        doc = self.doc
        if not isinstance(doc, LineMap):
            raise RulesError(self.path, None, "", "top level must be a mapping")
        allowed = {"version", "public_entities", "band", "entities", "classes", "fields"}
        for key in doc:
            if key not in allowed:
                self.fail(doc, "rules", f"unknown key '{key}' (allowed: {', '.join(sorted(allowed))})", key)
        version = doc.get("version", 1)
        if version != 1:
            self.fail(doc, "rules", f"unsupported version {version!r} (expected 1)", "version")

        band_edges, band_style = self.band(doc)
        public = self.public_entities(doc)

        entity_specs = {e: dict(spec) for e, spec in DEFAULT_ENTITY_RULES.items()}
        entity_lines: dict[str, tuple[LineMap, str]] = {}
        if "entities" in doc:
            entities_node = self.mapping(doc["entities"], doc, "entities", "entities")
            for entity, spec in entities_node.items():
                entry = f"entities.{entity}"
                if entity not in KNOWN_ENTITIES:
                    self.fail(entities_node, entry, f"unknown entity (known: {', '.join(sorted(KNOWN_ENTITIES))})",
                              entity)
                spec_node = self.mapping(spec, entities_node, entity, entry)
                entity_specs[entity] = dict(spec_node)
                entity_lines[entity] = (spec_node, entry)
        entities: dict[str, Operator] = {}
        for entity, spec in entity_specs.items():
            node, entry = entity_lines.get(entity, (None, f"entities.{entity}"))
            op = self.operator(spec, node, entry, band_edges, band_style)
            if isinstance(op, Scan) and entity != "FREE_TEXT":
                self.fail(node, entry, "operator 'scan' is only for FREE_TEXT", "operator")
            entities[entity] = op

        class_specs = {k: dict(v) for k, v in DEFAULT_CLASS_RULES.items()}
        class_lines: dict[FieldClass, tuple[LineMap, str]] = {}
        if "classes" in doc:
            classes_node = self.mapping(doc["classes"], doc, "classes", "classes")
            for name, spec in classes_node.items():
                entry = f"classes.{name}"
                try:
                    klass = FieldClass(name)
                except ValueError:
                    self.fail(classes_node, entry,
                              f"unknown class (known: {', '.join(c.value for c in FieldClass)})", name)
                spec_node = self.mapping(spec, classes_node, name, entry)
                class_specs[klass] = dict(spec_node)
                class_lines[klass] = (spec_node, entry)
        classes: dict[FieldClass, ClassRule] = {}
        for klass, spec in class_specs.items():
            node, entry = class_lines.get(klass, (None, f"classes.{klass.value}"))
            scan = spec.pop("scan", False)
            if not isinstance(scan, bool):
                self.fail(node, entry, "'scan' must be true or false", "scan")
            op = self.operator(spec, node, entry, band_edges, band_style)
            if klass in PROTECTED_CLASSES:
                if isinstance(op, (Plain, Scan)):
                    self.fail(node, entry, f"a protected class cannot default to '{op.name}' "
                                           "(reveal plain values per grant instead)", "operator")
                if scan:
                    self.fail(node, entry, "'scan' is only for public and internal classes "
                                           "(label a field FREE_TEXT to scan it)", "scan")
            elif isinstance(op, Scan):
                self.fail(node, entry, "use operator 'plain' with 'scan: true'", "operator")
            classes[klass] = ClassRule(op, scan)

        overrides = self.overrides(doc, band_edges, band_style)
        return MaskingRules(
            source=str(self.path), entities=MappingProxyType(entities), classes=MappingProxyType(classes),
            public_entities=public, band_edges=band_edges, band_style=band_style,
            overrides=MappingProxyType(overrides), digest=hashlib.sha256(self.raw).hexdigest())

    def band(self, doc: LineMap) -> tuple[tuple[float, ...], str]:
        if "band" not in doc:
            return DEFAULT_BAND_EDGES, "cn"
        node = self.mapping(doc["band"], doc, "band", "band")
        for key in node:
            if key not in ("edges", "style"):
                self.fail(node, "band", f"unknown key '{key}' (allowed: edges, style)", key)
        try:
            op = build_operator("band", dict(node))
        except OperatorError as e:
            self.fail(node, "band", e.problem if not e.param else f"'{e.param}' {e.problem}", e.param)
        assert isinstance(op, Band)
        return op.edges, op.style

    def public_entities(self, doc: LineMap) -> frozenset[str]:
        if "public_entities" not in doc:
            return DEFAULT_PUBLIC_ENTITIES
        value = doc["public_entities"]
        if value is None:
            return frozenset()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(doc, "public_entities", "must be a list of entity names", "public_entities")
        for v in value:
            if v not in KNOWN_ENTITIES:
                self.fail(doc, "public_entities", f"unknown entity {v!r}", "public_entities")
            if v in ("FREE_TEXT", "TRADE_SECRET"):
                self.fail(doc, "public_entities", f"{v} cannot be public", "public_entities")
        return frozenset(value)

    def operator(self, spec: dict, node: LineMap | None, entry: str, band_edges, band_style) -> Operator:
        spec = dict(spec)
        name = spec.pop("operator", None)
        if not isinstance(name, str) or not name:
            self.fail(node, entry, "missing 'operator'", "operator")
        if name == "band":
            spec.setdefault("edges", list(band_edges))
            spec.setdefault("style", band_style)
        try:
            return build_operator(name, spec)
        except OperatorError as e:
            key = e.param if e.param and node is not None and e.param in node else "operator"
            problem = e.problem if not e.param else f"'{e.param}' {e.problem}"
            self.fail(node, entry, problem, key)

    def overrides(self, doc: LineMap, band_edges, band_style) -> dict[tuple[str, str], Operator]:
        if "fields" not in doc or doc["fields"] is None:
            return {}
        items = doc["fields"]
        if not isinstance(items, list):
            self.fail(doc, "fields", "must be a list of {resource, field, operator, ...}", "fields")
        result: dict[tuple[str, str], Operator] = {}
        for i, node in enumerate(items):
            entry = f"fields[{i}]"
            node = self.mapping(node, doc, "fields", entry)
            resource, name = node.get("resource"), node.get("field")
            if not isinstance(resource, str) or not (resource == "*" or CODE_RE.match(resource)):
                self.fail(node, entry, "'resource' must be a resource code or '*'", "resource")
            if not isinstance(name, str) or not FIELD_RE.match(name):
                self.fail(node, entry, "'field' must be a field name", "field")
            entry = f"fields[{i}] {resource}.{name}"
            if (resource, name) in result:
                self.fail(node, entry, "duplicate override", "field")
            spec = {k: v for k, v in node.items() if k not in ("resource", "field")}
            op = self.operator(spec, node, entry, band_edges, band_style)
            if isinstance(op, Scan):
                self.fail(node, entry, "operator 'scan' is only for FREE_TEXT entities", "operator")
            result[(resource, name)] = op
        return result
