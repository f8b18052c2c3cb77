"""The policy's sources as text: the Casbin model file and the base rules of `policy.csv`, validated.

Owns the rule shapes (`Rule`, request and policy tokens, subjects, rule names), the validation of every
`p`/`g` rule wherever it comes from (file or database; errors name file, line and field) and the check
that the model file keeps the shape the engine relies on (deny wins, `g` and `g2` roles).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import NamedTuple

import casbin
from casbin.constant.constants import ALLOW_AND_DENY_EFFECT

from ..catalog import CODE_RE, DEPT_RE, Catalog
from ..yamlsrc import SourceError
from .grants import APP_RE, is_utc_stamp

REQUEST_TOKENS = ("sub", "dept", "obj", "act", "purpose", "now")
POLICY_FIELDS = ("sub", "obj", "act", "eft", "until", "purpose", "rule")
DENY_WINS_EFFECT = "some(where (p.eft == allow)) && !some(where (p.eft == deny))"
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
SPECIAL_SUBJECTS = frozenset({"*", "@owner", "@others"})
GROUP_RE = re.compile(r"^group:[a-z][a-z0-9_-]{0,63}$")
RULE_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]*:[A-Za-z0-9._:/-]+$")
RESERVED_PREFIXES = ("grant:", "catalog:")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


class PolicyError(SourceError):
    """The model, a base rule or a stored rule is invalid (names file, line and field)."""


class Rule(NamedTuple):
    """One policy rule and where it came from (for error messages and `policy_version`)."""

    values: tuple[str, ...]  # POLICY_FIELDS
    source: str

    @property
    def sub(self) -> str:
        return self.values[0]

    @property
    def obj(self) -> str:
        return self.values[1]

    @property
    def eft(self) -> str:
        return self.values[3]

    @property
    def name(self) -> str:
        return self.values[6]


def method_match(act: str, allowed: str) -> bool:
    """Casbin function `methodMatch(r.act, p.act)`: p.act is "*" or a "|"-separated list of methods."""
    return allowed == "*" or act in allowed.split("|")


# ---------------------------------------------------------------------------------------------- validation


class _Where(NamedTuple):
    path: str
    line: int | None
    entry: str  # prefix such as "database rule 12"


def _fail(where: _Where, field: str | None, problem: str):
    entry = f"{where.entry} field '{field}'" if field and where.entry else (f"field '{field}'" if field
                                                                          else where.entry)
    raise PolicyError(where.path, where.line, entry, problem)


def _check_subject(value: str, where: _Where, field: str = "sub", *, allow_special: bool = True) -> None:
    if allow_special and value in SPECIAL_SUBJECTS:
        return
    if value.startswith("dept:") and DEPT_RE.match(value[5:]):
        return
    if value.startswith("app:"):
        dept, _, app = value[4:].partition("/")
        if DEPT_RE.match(dept) and APP_RE.match(app):
            return
    if GROUP_RE.match(value):
        return
    forms = "*, @owner, @others, " if allow_special else ""
    _fail(where, field, f"{value!r} is not a subject ({forms}dept:<DEPT>, app:<DEPT>/<app>, group:<name>)")


def check_policy_rule(values: list[str], where: _Where, catalog: Catalog, *, reserved_ok: bool = False) -> Rule:
    """Validate one `p` rule; raises PolicyError naming the field."""
    if len(values) != len(POLICY_FIELDS):
        _fail(where, None, f"a 'p' rule has {len(POLICY_FIELDS)} fields ({', '.join(POLICY_FIELDS)}), "
                           f"got {len(values)}")
    sub, obj, act, eft, until, purpose, name = values
    _check_subject(sub, where)
    if obj != "*":
        if not CODE_RE.match(obj):
            _fail(where, "obj", f"{obj!r} is neither '*' nor a resource code")
        if catalog.resource(obj) is None:
            _fail(where, "obj", f"resource {obj} is not in the catalog")
    if act != "*" and not all(m in HTTP_METHODS for m in act.split("|")):
        _fail(where, "act", f"{act!r} is neither '*' nor methods joined by '|' "
                            f"({', '.join(sorted(HTTP_METHODS))})")
    if eft not in ("allow", "deny"):
        _fail(where, "eft", f"{eft!r} must be allow or deny")
    if until and not is_utc_stamp(until):
        _fail(where, "until", f"{until!r} must be empty or an ISO-8601 UTC time like 2026-12-31T16:00:00Z")
    if _CONTROL_RE.search(purpose):
        _fail(where, "purpose", "must not contain control characters")
    if not RULE_NAME_RE.match(name):
        _fail(where, "rule", f"{name!r} must be a name like base:own-department")
    if not reserved_ok and name.startswith(RESERVED_PREFIXES):
        _fail(where, "rule", f"{name!r}: the prefixes {', '.join(RESERVED_PREFIXES)} are reserved")
    return Rule(tuple(values), f"{where.path}:{where.line}" if where.line else f"{where.path} {where.entry}")


def check_group_rule(ptype: str, values: list[str], where: _Where) -> tuple[str, str]:
    if ptype != "g":
        _fail(where, "ptype", f"'{ptype}' rules are compiled from the catalog and cannot be written here")
    if len(values) != 2:
        _fail(where, None, f"a 'g' rule has 2 fields (member, group), got {len(values)}")
    member, group = values
    if not (member.startswith("dept:") and DEPT_RE.match(member[5:])) and not GROUP_RE.match(member):
        _fail(where, "member", f"{member!r} must be dept:<DEPT> or group:<name>")
    if not GROUP_RE.match(group):
        _fail(where, "group", f"{group!r} must be group:<name> (lowercase)")
    return member, group


def read_policy_csv(path: Path, catalog: Catalog) -> tuple[list[Rule], list[tuple[str, str]]]:
    """Base rules and groups from policy.csv; '#' lines and blank lines are ignored."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise PolicyError(path, None, "", f"cannot read: {e.strerror or e}") from e
    except UnicodeDecodeError:
        raise PolicyError(path, None, "", "not valid UTF-8") from None
    rules: list[Rule] = []
    groups: list[tuple[str, str]] = []
    names: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = _Where(str(path), number, "")
        try:
            row = next(csv.reader([line], skipinitialspace=True, strict=True))
        except csv.Error as e:
            _fail(where, None, f"CSV syntax: {e}")
        row = [v.strip() for v in row]
        ptype, values = row[0], row[1:]
        if ptype == "p":
            rule = check_policy_rule(values, where, catalog)
            if rule.name in names:
                _fail(where, "rule", f"{rule.name!r} already named the rule on line {names[rule.name]}")
            names[rule.name] = number
            rules.append(rule)
        elif ptype in ("g", "g2"):
            groups.append(check_group_rule(ptype, values, where))
        else:
            _fail(where, "ptype", f"{ptype!r} must be p or g")
    return rules, groups


def load_model(path: Path) -> tuple[casbin.model.Model, str]:
    """Parse and check the Casbin model: the request and policy shapes the engine relies on, deny wins."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise PolicyError(path, None, "", f"cannot read: {e.strerror or e}") from e
    model = _parse_model(path, text)
    sections = model.model
    r_tokens = [t.removeprefix("r_") for t in sections["r"]["r"].tokens]
    p_tokens = [t.removeprefix("p_") for t in sections["p"]["p"].tokens]
    if tuple(r_tokens) != REQUEST_TOKENS:
        raise PolicyError(path, None, "[request_definition]", f"must be r = {', '.join(REQUEST_TOKENS)}")
    if tuple(p_tokens) != POLICY_FIELDS:
        raise PolicyError(path, None, "[policy_definition]", f"must be p = {', '.join(POLICY_FIELDS)}")
    if sections["e"]["e"].value != ALLOW_AND_DENY_EFFECT:
        raise PolicyError(path, None, "[policy_effect]", f"must be e = {DENY_WINS_EFFECT} (deny wins)")
    if set(sections.get("g", {})) != {"g", "g2"}:
        raise PolicyError(path, None, "[role_definition]", "must define g = _, _ and g2 = _, _")
    return model, text


def _parse_model(path: Path, text: str):
    try:
        model = casbin.Enforcer.new_model(text=text)
    except Exception as e:  # Casbin raises assorted types for a malformed model
        raise PolicyError(path, None, "", f"not a valid Casbin model: {type(e).__name__}: {e}") from None
    for sec in ("r", "p", "e", "m"):
        if sec not in model.model or sec not in model.model[sec]:
            raise PolicyError(path, None, "", f"section for '{sec}' is missing")
    return model
