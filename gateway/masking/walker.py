"""JSON-aware walking: visit every member of a parsed JSON document, without recursion.

The walker knows JSON structure, not masking: for each object member it asks the engine's `classify`
callback what to do (remove the member, leave its subtree alone, or walk on carrying a rule), and it
returns the scalar leaves with everything needed to rewrite them in place later (container, slot,
normalised path, key context, inherited rule). Array elements inherit the rule and key of the array's
key. Paths are normalised (`$.data.items[*].sfzh`); a key that itself looks like it holds a value
(a run of digits, an @) appears as `*` so no path ever carries personal data into the audit trail.
"""

from __future__ import annotations

import functools

import re
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from .refusal import Deadline, MaskingRefused

REMOVE_MEMBER = "remove"
SKIP_SUBTREE = "skip"

_PLAIN_KEY = re.compile(r"^[A-Za-z_\u3400-\u9fff][\w\u3400-\u9fff\-]{0,63}$")
SUSPECT_KEY = re.compile(r"\d{5}|@|\d{3}[\s-]\d{4}")


class Rule(Protocol):
    action: str


@dataclass(slots=True)
class Leaf:
    """A scalar to be masked in place: `container[slot]` holds `value`."""

    container: dict | list
    slot: str | int
    path: str
    key: str | None
    value: Any
    rule: Any


@dataclass(slots=True)
class KeyRef:
    """An object key that may itself hold personal data (e.g. records keyed by ID number)."""

    container: dict
    key: str
    path: str


@dataclass(slots=True)
class WalkResult:
    holder: list  # one element: the (mutated in place) root; a scalar root is rewritten inside it
    leaves: list[Leaf]
    suspect_keys: list[KeyRef]


def member_path(parent: str, key: str) -> str:
    """The normalised path of `parent`'s member `key`."""
    if len(key) > 64:
        return parent + ".*"
    return _member_path(parent, key)


@functools.lru_cache(maxsize=8192)
def _member_path(parent: str, key: str) -> str:
    """member_path for short keys, memoised: the same paths repeat in every record of a page."""
    if SUSPECT_KEY.search(key):
        return parent + ".*"
    if _PLAIN_KEY.match(key):
        return f"{parent}.{key}"
    return parent + "['" + key.replace("\\", "\\\\").replace("'", "\\'") + "']"


def walk(doc: Any, classify: Callable[[str, str, Any], Any], root_rule: Any, *, max_depth: int,
         deadline: Deadline | None = None) -> WalkResult:
    """Walk `doc` (mutating it only to delete members classified REMOVE_MEMBER).

    `classify(key, path, inherited_rule) -> rule` is called once per object member; `rule.action`
    REMOVE_MEMBER deletes the member, SKIP_SUBTREE leaves it untouched, anything else walks on.
    Raises MaskingRefused('too_deep') when containers nest deeper than `max_depth`.
    """
    holder = [doc]
    leaves: list[Leaf] = []
    suspects: list[KeyRef] = []
    check = deadline.check if deadline is not None else (lambda: None)
    if isinstance(doc, (dict, list)):
        stack: list[tuple[Any, str, str | None, Any, int]] = [(doc, "$", None, root_rule, 1)]
    else:
        if _is_leaf(doc):
            leaves.append(Leaf(holder, 0, "$", None, doc, root_rule))
        stack = []
    if stack and max_depth < 1:
        raise MaskingRefused("too_deep")
    while stack:
        check()
        container, path, key, rule, depth = stack.pop()
        if isinstance(container, dict):
            removed: list[str] = []
            for k, v in container.items():
                check()
                if not isinstance(k, str):  # json.loads only makes str keys; anything else is no JSON
                    raise TypeError("object keys must be strings")
                child_path = member_path(path, k)
                if SUSPECT_KEY.search(k):
                    suspects.append(KeyRef(container, k, child_path))
                child_rule = classify(k, child_path, rule)
                action = child_rule.action
                if action == REMOVE_MEMBER:
                    removed.append(k)
                elif action == SKIP_SUBTREE:
                    continue
                elif isinstance(v, (dict, list)):
                    if depth + 1 > max_depth:
                        raise MaskingRefused("too_deep")
                    stack.append((v, child_path, k, child_rule, depth + 1))
                elif _is_leaf(v):
                    leaves.append(Leaf(container, k, child_path, k, v, child_rule))
            for k in removed:
                del container[k]
            if removed:
                suspects[:] = [s for s in suspects if not (s.container is container and s.key in removed)]
        else:
            child_path = path + "[*]"
            for i, v in enumerate(container):
                if isinstance(v, (dict, list)):
                    if depth + 1 > max_depth:
                        raise MaskingRefused("too_deep")
                    stack.append((v, child_path, key, rule, depth + 1))
                elif _is_leaf(v):
                    leaves.append(Leaf(container, i, child_path, key, v, rule))
    return WalkResult(holder, leaves, suspects)


def _is_leaf(value: Any) -> bool:
    """True for strings and numbers; False for null and booleans; anything that is not JSON raises
    (a tuple or a set could not be rewritten in place and must not pass unmasked)."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return True
    if value is None or isinstance(value, bool):
        return False
    raise TypeError(f"not a JSON value: {type(value).__name__}")
