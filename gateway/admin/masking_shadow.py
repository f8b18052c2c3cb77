"""Shadow evaluation of a candidate masking-rules version on live traffic, from the findings alone.

Masking a body twice would double the gateway's masking cost. Instead, each masked call's findings (path,
entity, operator, count — never a value) are looked up again: which operator would the rules in force and
the candidate give that path's field and entity? The lookups follow the engine's decision order (a grant's
revealed or pseudonymised field is the grant's business, not the rules'; a per-field override; a labelled
field's entity or class operator; a detected entity's operator, or plain when the rules call it public), so
the cost is a few dictionary lookups per distinct path of the call, whatever the body's size.

What it cannot see: an entity the rules in force leave without a finding (a public entity the candidate
would mask), and a labelled container's decision carried down to unlabelled members. Both are said on the
console page; the officer can try a body in the masking preview with the candidate first.
"""

from __future__ import annotations

from ..masking.operators import Plain
from ..masking.rules import PROTECTED_CLASSES, MaskingRules
from ..masking.types import entity_of

GRANT_OPERATORS = frozenset({"reveal"})


def field_name(path: str) -> str | None:
    """The member name a finding's path ends with (`$.data.items[*].fddbr` -> `fddbr`), None for `*`."""
    while path.endswith(("[]", "[*]")):
        path = path[:path.rindex("[")]
    name = path.rsplit(".", 1)[-1]
    return None if not name or name == "*" or name == "$" else name


def _operator(rules: MaskingRules, resource, name: str | None, entity: str):
    code = resource.code if resource is not None else None
    field = resource.field(name) if resource is not None and name else None
    if field is not None and entity == entity_of(field):  # the labelled field's own rule
        return rules.field_operator(code, name, field.klass, field.entity)
    override = rules.override(code, name) if name else None
    if override is not None:
        return override
    if field is not None and field.klass in PROTECTED_CLASSES and field.entity is None:
        return rules.class_rule(field.klass).operator
    if rules.is_public_entity(entity):
        return Plain()
    return rules.entity_operator(entity)


def _label(op) -> str:
    return op.name


def differences(in_force: MaskingRules, candidate: MaskingRules, view, findings) -> list[dict]:
    """The findings the candidate would mask differently: resource, path, entity, both operators, count."""
    out = []
    seen: dict[tuple[str, str], bool] = {}
    resource = view.resource
    for f in findings:
        if f.operator in GRANT_OPERATORS:
            continue
        name = field_name(f.path)
        if name is not None and (name in view.reveal or name in view.pseudonymise):
            continue
        key = (f.path, f.entity)
        if key in seen:
            continue
        seen[key] = True
        now, new = _operator(in_force, resource, name, f.entity), _operator(candidate, resource, name, f.entity)
        if now == new:
            continue
        now_label, new_label = _label(now), _label(new)
        if now_label == new_label:
            new_label += " (other settings)"
        out.append({"resource": resource.code if resource is not None else None, "path": f.path,
                    "entity": f.entity, "now": now_label, "candidate": new_label, "count": f.count})
    return out
