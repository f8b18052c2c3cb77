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
from typing import Any, Callable, NamedTuple, Protocol

from .refusal import Deadline, MaskingRefused
from ..identifiers import PLATE_PROVINCES

REMOVE_MEMBER = "remove"
SKIP_SUBTREE = "skip"

_PLAIN_KEY = re.compile(r"^[A-Za-z_\u3400-\u9fff][\w\u3400-\u9fff\-]{0,63}$")
# A key that may hold a value: digit runs, an e-mail, grouped digits (also with a full-width dash), a plate.
SUSPECT_KEY = re.compile(rf"\d{{5}}|@|\d{{3}}[\s\-－]\d{{4}}|[{PLATE_PROVINCES}] ?[A-HJ-NP-Z]")


class Rule(Protocol):
    action: str


class Leaf(NamedTuple):
    """A scalar to be masked in place: `container[slot]` holds `value`.

    A tuple, made with `tuple.__new__` on the hot path: a megabyte of JSON has tens of thousands of them."""

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


CHECK_EVERY = 256  # members walked between two reads of the watchdog clock
_new = tuple.__new__


def walk(doc: Any, classify: Callable[[str, str, Any], Any], root_rule: Any, *, max_depth: int,
         deadline: Deadline | None = None) -> WalkResult:
    """Walk `doc` (mutating it only to delete members classified REMOVE_MEMBER).

    `classify(key, path, inherited_rule) -> rule` is called once per object member; `rule.action`
    REMOVE_MEMBER deletes the member, SKIP_SUBTREE leaves it untouched, anything else walks on.
    Raises MaskingRefused('too_deep') when containers nest deeper than `max_depth`.

    This is the masking hot path (every member of every response), written for speed: a member's path and
    whether its key is suspect are worked out once per (parent path, key), not once per record; JSON
    types are told apart by exact type first; the watchdog clock is read every CHECK_EVERY members.
    """
    holder = [doc]
    leaves: list[Leaf] = []
    suspects: list[KeyRef] = []
    check_now = deadline.check_now if deadline is not None else (lambda: None)
    if isinstance(doc, (dict, list)):
        stack: list[tuple[Any, str, str | None, Any, int]] = [(doc, "$", None, root_rule, 1)]
    else:
        if _is_leaf(doc):
            leaves.append(_new(Leaf, (holder, 0, "$", None, doc, root_rule)))
        stack = []
    if stack and max_depth < 1:
        raise MaskingRefused("too_deep")
    members_of: dict[str, dict[str, tuple[str, bool]]] = {}  # parent path -> key -> (path, suspect)
    budget = CHECK_EVERY
    while stack:
        container, path, key, rule, depth = stack.pop()
        budget -= 1
        if budget <= 0:
            budget = CHECK_EVERY
            check_now()
        deeper = depth + 1
        if isinstance(container, dict):
            removed: list[str] | None = None
            members = members_of.get(path)
            if members is None:
                members = members_of[path] = {}
            for k, v in container.items():
                budget -= 1
                if budget <= 0:
                    budget = CHECK_EVERY
                    check_now()
                info = members.get(k)
                if info is None:
                    if not isinstance(k, str):  # json.loads only makes str keys; anything else is no JSON
                        raise TypeError("object keys must be strings")
                    info = members[k] = (member_path(path, k), SUSPECT_KEY.search(k) is not None)
                child_path, suspect = info
                if suspect:
                    suspects.append(KeyRef(container, k, child_path))
                child_rule = classify(k, child_path, rule)
                action = child_rule.action
                if action == REMOVE_MEMBER:
                    if removed is None:
                        removed = []
                    removed.append(k)
                    continue
                if action == SKIP_SUBTREE:
                    continue
                t = type(v)
                if t is str or t is int or t is float:
                    leaves.append(_new(Leaf, (container, k, child_path, k, v, child_rule)))
                elif t is dict or t is list or isinstance(v, (dict, list)):
                    if deeper > max_depth:
                        raise MaskingRefused("too_deep")
                    stack.append((v, child_path, k, child_rule, deeper))
                elif _is_leaf(v):  # subclasses of str/int/float; raises on anything that is no JSON
                    leaves.append(_new(Leaf, (container, k, child_path, k, v, child_rule)))
            if removed:
                for k in removed:
                    del container[k]
                suspects[:] = [s for s in suspects if not (s.container is container and s.key in removed)]
        else:
            child_path = path + "[*]"
            for i, v in enumerate(container):
                t = type(v)
                if t is str or t is int or t is float:
                    leaves.append(_new(Leaf, (container, i, child_path, key, v, rule)))
                elif t is dict or t is list or isinstance(v, (dict, list)):
                    if deeper > max_depth:
                        raise MaskingRefused("too_deep")
                    stack.append((v, child_path, key, rule, deeper))
                elif _is_leaf(v):
                    leaves.append(_new(Leaf, (container, i, child_path, key, v, rule)))
            budget -= len(container)
    return WalkResult(holder, leaves, suspects)


def _is_leaf(value: Any) -> bool:
    """True for strings and numbers; False for null and booleans; anything that is not JSON raises
    (a tuple or a set could not be rewritten in place and must not pass unmasked)."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return True
    if value is None or isinstance(value, bool):
        return False
    raise TypeError(f"not a JSON value: {type(value).__name__}")
