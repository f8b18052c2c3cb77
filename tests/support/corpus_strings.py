"""The strings of a JSON document, as the property tests over the development corpus read them."""

from __future__ import annotations

import json


def strings(doc) -> list[str]:
    """Every string of `doc`, object keys included, in document order (numbers and other scalars left out)."""
    if isinstance(doc, str):
        return [doc]
    if isinstance(doc, dict):
        return [s for key, value in doc.items() for s in strings(key) + strings(value)]
    if isinstance(doc, list):
        return [s for value in doc for s in strings(value)]
    return []


def leaves(node) -> list[str]:
    """Every key and leaf of `node` as text, as the detector is handed them (other scalars as their JSON)."""
    if isinstance(node, dict):
        return [s for key, value in node.items() for s in [str(key), *leaves(value)]]
    if isinstance(node, list):
        return [s for value in node for s in leaves(value)]
    return [node if isinstance(node, str) else json.dumps(node)]
