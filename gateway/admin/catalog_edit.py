"""Editing one field's label in the catalog text ("whoever provides the data labels it"): the field's
entry is rewritten in place as one flow mapping, every other byte of the file (comments, layout) is kept,
and the result goes through the store of record as a new version (validated, chained, audited)."""

from __future__ import annotations

import json
import re

import yaml

from ..catalog import FieldClass


ENTITY_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,47}$")


class LabelError(ValueError):
    """The field cannot be relabelled as asked (names the problem)."""


def _scalar(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML flow scalar


def _find(root, code: str, field: str):
    def mapping(node) -> dict:
        return {k.value: v for k, v in node.value} if isinstance(node, yaml.MappingNode) else {}

    resources = mapping(root).get("resources")
    for res in getattr(resources, "value", ()):
        entry = mapping(res)
        if getattr(entry.get("code"), "value", None) != code:
            continue
        for node in getattr(entry.get("fields"), "value", ()):
            values = mapping(node)
            if getattr(values.get("name"), "value", None) == field:
                return node, {k: getattr(v, "value", None) for k, v in values.items()}
    raise LabelError(f"the catalog has no field {field!r} in resource {code!r}")


def relabel(text: str, code: str, field: str, label: str, klass: str, entity: str | None) -> str:
    """`text` with the field's label, class and entity replaced (other keys of the entry kept)."""
    label = (label or "").strip()
    if not label or len(label) > 100 or any(ord(c) < 32 for c in label):
        raise LabelError("a label is 1-100 printable characters")
    if klass not in {str(c) for c in FieldClass}:
        raise LabelError(f"class must be one of {', '.join(str(c) for c in FieldClass)}")
    entity = (entity or "").strip() or None
    if entity is not None and not ENTITY_RE.match(entity):
        raise LabelError("an entity is an upper-case name such as PERSON or CN_MOBILE")
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as e:
        raise LabelError(f"the catalog is not valid YAML: {e}") from None
    node, values = _find(root, code, field)
    values.update({"label": label, "class": klass})
    values.pop("entity", None)
    if entity:
        values["entity"] = entity
    order = ["name", "label", "class", "entity"] + [k for k in values if k not in ("name", "label", "class",
                                                                                   "entity")]
    flow = "{" + ", ".join(f"{k}: {_scalar(str(values[k])) if k == 'label' else values[k]}" for k in order
                           if k in values) + "}"
    start = node.start_mark.index
    end = start + len(text[start:node.end_mark.index].rstrip())
    return text[:start] + flow + text[end:]
