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

    The layout of the plain tuples the walker makes (WalkResult.rows; a plain tuple costs a fifth of a named
    one to make, and a megabyte of JSON has tens of thousands of them); `WalkResult.leaves` names them."""

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
    rows: list[tuple]  # the leaves as plain tuples in Leaf's layout
    suspect_keys: list[KeyRef]

    @property
    def leaves(self) -> list[Leaf]:
        return [Leaf._make(row) for row in self.rows]


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


def walk(doc: Any, classify: Callable[[str, str, Any], Any], root_rule: Any, *, max_depth: int,
         deadline: Deadline | None = None, aliases: dict[int, tuple[dict, dict[str, str]]] | None = None
         ) -> WalkResult:
    """Walk `doc` (mutating it only to delete members classified REMOVE_MEMBER).

    `classify(key, path, inherited_rule) -> rule` decides a member; `rule.action` REMOVE_MEMBER deletes the
    member, SKIP_SUBTREE leaves it untouched, anything else walks on. Its answer must depend only on the key
    and the inherited rule: it is asked once per (parent path, key, inherited rule), and again on every
    occurrence only when the rule has a `finding` (a rule whose occurrences the caller counts).
    Raises MaskingRefused('too_deep') when containers nest deeper than `max_depth`.
    `aliases` (id(object) -> (object, {key: alias})) names members walked under another key: the alias is
    what is classified, what the path and the leaf's key say; the leaf's slot stays the member's own key.

    This is the masking hot path (every member of every response), written for speed: a member's path,
    whether its key is suspect and its rule are worked out once per (parent path, key), not once per record; JSON
    types are told apart by exact type first; the watchdog clock is read every CHECK_EVERY members.
    """
    holder = [doc]
    leaves: list[tuple] = []  # Leaf layout
    suspects: list[KeyRef] = []
    check_now = deadline.check_now if deadline is not None else (lambda: None)
    if isinstance(doc, (dict, list)):
        stack: list[tuple[Any, str, str | None, Any, int]] = [(doc, "$", None, root_rule, 1)]
    else:
        if _is_leaf(doc):
            leaves.append((holder, 0, "$", None, doc, root_rule))
        stack = []
    if stack and max_depth < 1:
        raise MaskingRefused("too_deep")
    # parent path -> (inherited rule, {key: (path, rule, flags)}): a member's path, its rule and whether it
    # needs more than queuing or walking its value (_SUSPECT, _REMOVE, _SKIP, _RECOUNT) are worked out once
    members_of: dict[str, tuple[Any, dict[str, tuple[str, Any, int]]]] = {}
    budget = CHECK_EVERY
    while stack:
        container, path, key, rule, depth = stack.pop()
        budget -= 1 + len(container)
        if budget <= 0:
            budget = CHECK_EVERY
            check_now()
        deeper = depth + 1
        if type(container) is dict or isinstance(container, dict):
            removed: list[str] | None = None
            entry = members_of.get(path)
            if entry is None or entry[0] is not rule:
                entry = members_of[path] = (rule, {})
            members = entry[1]
            alias = None
            if aliases:
                aliased = aliases.get(id(container))
                if aliased is not None and aliased[0] is container:
                    alias = aliased[1]
            for k, v in container.items():
                ak = k if alias is None else alias.get(k, k)  # the key the member is walked under
                info = members.get(ak)
                if info is None:
                    info = _member(members, path, ak, rule, classify)
                child_path, child_rule, flags = info
                if flags:
                    if flags & _SUSPECT:
                        suspects.append(KeyRef(container, k, child_path))
                    if flags & _RECOUNT:  # a rule that records a finding on every occurrence
                        classify(k, child_path, rule)
                    if flags & _REMOVE:
                        if removed is None:
                            removed = []
                        removed.append(k)
                        continue
                    if flags & _SKIP:
                        continue
                t = type(v)
                if t is str or t is int or t is float:
                    leaves.append((container, k, child_path, ak, v, child_rule))
                elif t is dict or t is list or isinstance(v, (dict, list)):
                    if deeper > max_depth:
                        raise MaskingRefused("too_deep")
                    stack.append((v, child_path, ak, child_rule, deeper))
                elif v is not None and _is_leaf(v):  # subclasses of str/int/float; raises on anything no JSON
                    leaves.append((container, k, child_path, ak, v, child_rule))
            if removed:
                for k in removed:
                    del container[k]
                suspects[:] = [s for s in suspects if not (s.container is container and s.key in removed)]
        else:
            child_path = path + "[*]"
            for i, v in enumerate(container):
                t = type(v)
                if t is str or t is int or t is float:
                    leaves.append((container, i, child_path, key, v, rule))
                elif t is dict or t is list or isinstance(v, (dict, list)):
                    if deeper > max_depth:
                        raise MaskingRefused("too_deep")
                    stack.append((v, child_path, key, rule, deeper))
                elif _is_leaf(v):
                    leaves.append((container, i, child_path, key, v, rule))
    return WalkResult(holder, leaves, suspects)


_SUSPECT, _REMOVE, _SKIP, _RECOUNT = 1, 2, 4, 8  # flags of a member beyond walking its value


def _member(members: dict, path: str, key: Any, inherited: Any, classify: Callable[[str, str, Any], Any]) -> tuple:
    """Classify member `key` of an object at `path` under `inherited`; remember (path, rule, flags) in `members`
    and return it without _RECOUNT (this first occurrence has just been classified)."""
    if not isinstance(key, str):  # json.loads only makes str keys; anything else is no JSON
        raise TypeError("object keys must be strings")
    child_path = member_path(path, key)
    rule = classify(key, child_path, inherited)
    action = rule.action
    flags = ((_SUSPECT if SUSPECT_KEY.search(key) is not None else 0)
             | (_REMOVE if action == REMOVE_MEMBER else _SKIP if action == SKIP_SUBTREE else 0))
    recount = _RECOUNT if getattr(rule, "finding", None) is not None else 0
    members[key] = (child_path, rule, flags | recount)
    return (child_path, rule, flags)


def _is_leaf(value: Any) -> bool:
    """True for strings and numbers; False for null and booleans; anything that is not JSON raises
    (a tuple or a set could not be rewritten in place and must not pass unmasked)."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return True
    if value is None or isinstance(value, bool):
        return False
    raise TypeError(f"not a JSON value: {type(value).__name__}")
