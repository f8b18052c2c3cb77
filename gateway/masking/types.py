"""The masking engine's value types: what a caller may see (MaskingView), what was masked (Finding,
MaskResult) and the per-member decision the engine makes (Rule, with the shared DETECT/SCAN/REVEAL/SKIP).

Pure data: no detection, no I/O. Findings never hold a value, only a path, an entity, an operator and a count.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..catalog import Field, FieldClass, Resource
from .operators import Operator
from .walker import SKIP_SUBTREE

__all__ = ["CLASS_ENTITY", "DETECT", "Finding", "MaskResult", "MaskingView", "REVEAL", "Rule", "SCAN", "SKIP",
           "entity_of"]

CLASS_ENTITY = {
    FieldClass.PUBLIC: "PUBLIC", FieldClass.INTERNAL: "INTERNAL", FieldClass.PERSONAL: "PERSONAL",
    FieldClass.SENSITIVE: "SENSITIVE", FieldClass.TRADE_SECRET: "TRADE_SECRET",
}


@dataclass(frozen=True)
class MaskingView:
    """What one caller may see of one resource."""

    resource: Resource | None  # None: unlabelled, detection only
    reveal: frozenset[str] = frozenset()  # field names shown plain (from the grant)
    pseudonymise: frozenset[str] = frozenset()  # field names replaced by keyed pseudonyms
    pseudonym_key: bytes = b""
    grant_id: str | None = None
    own: bool = False  # the provider reading its own resource: revealed fields exactly as it holds them


@dataclass(frozen=True, slots=True)
class Finding:
    path: str
    entity: str
    operator: str
    count: int


@dataclass
class MaskResult:
    body: bytes
    findings: list[Finding]
    content_type: str | None
    content_encoding: str | None  # coding of `body` (None = identity): set Content-Encoding to it


@dataclass(frozen=True, slots=True, eq=False)
class Rule:
    """What happens to one member: remove | skip | apply (operator) | detect | scan | reveal.

    Compared and hashed by identity (a session makes one per key), so it is a cheap dictionary key."""

    action: str
    operator: Operator | None = None
    entity: str = ""
    finding: str | None = None  # operator name recorded once per occurrence (remove, reveal)


DETECT = Rule("detect")  # detection with the key as context
SCAN = Rule("scan")  # detection without key hints (labelled plain fields)
REVEAL = Rule("reveal")  # detection for the findings only; values stay plain
SKIP = Rule(SKIP_SUBTREE)


def entity_of(field: Field | None) -> str | None:
    if field is None:
        return None
    return field.entity or CLASS_ENTITY[field.klass]


