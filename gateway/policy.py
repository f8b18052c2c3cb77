"""The share policy: who may read what, decided by Casbin from the model, base rules, catalog and grants.

At build, four sources compile into one Casbin rule set (model in `policies/model.conf`):
  1. grants from the database, `grant:<id>` (read access for a department or one of its applications,
     bound to a purpose, until an expiry);
  2. base rules from `policies/policy.csv` (e.g. a department always reads its own resources);
  3. other run-time rules from the database (through Casbin's SQLAlchemy adapter);
  4. the catalog's share attributes: `unconditional` → any authenticated department may GET/HEAD;
     `conditional` → nothing (only grants open it); `none` → deny for every department but the provider.
Deny wins over allow. Everything is validated at build (errors name file, line and field) and the rules are
split by resource, so `decide()` evaluates only the few rules that can concern the requested resource and
never touches the database. `PolicyReloader` rebuilds when the revision, catalog or files change and keeps
the old engine in force when a rebuild fails.
"""

from __future__ import annotations

import bisect
import copy
import csv
import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple, Protocol

import casbin
from casbin.constant.constants import ALLOW_AND_DENY_EFFECT
from casbin.effect import AllowOverrideEffector
from casbin.util.log import disabled_logging
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from .catalog import CODE_RE, DEPT_RE, Catalog, Resource, Share
from .config import Config
from .grants import (APP_RE, READ_ACT, READ_METHODS, Grant, GrantError, PolicyAdapter, app_subject, dept_subject,
                     ensure_schema, grant_rule, is_utc_stamp, load_grants, now_stamp, read_revision, utc_stamp)
from .yamlsrc import SourceError

log = logging.getLogger("govshare.policy")
# Casbin logs every request it judges (caller, purpose) and the model; the audit trail is the record of
# decisions, so its loggers stay off from the start (Casbin turns them off itself, but only after the first
# enforcer has already logged its model).
disabled_logging()

# Decision reasons.
UNCONDITIONAL = "unconditional"
GRANTED = "granted"
OWN_DEPARTMENT = "own_department"
POLICY_RULE = "policy_rule"  # allowed by a base or run-time rule that is none of the above
NOT_SHARED = "not_shared"
NO_GRANT = "no_grant"
GRANT_EXPIRED = "grant_expired"
PURPOSE_MISMATCH = "purpose_mismatch"
PURPOSE_REQUIRED = "purpose_required"  # a grant exists but binds a purpose the call did not state
METHOD_NOT_ALLOWED = "method_not_allowed"
EXPLICIT_DENY = "explicit_deny"
UNKNOWN_RESOURCE = "unknown_resource"  # the resource is not in the catalog this policy was built from
INVALID_PRINCIPAL = "invalid_principal"  # department or application code of an impossible form

DEFAULT_DENY = "default-deny"
OWN_DEPARTMENT_RULE = "base:own-department"

REQUEST_TOKENS = ("sub", "dept", "obj", "act", "purpose", "now")
POLICY_FIELDS = ("sub", "obj", "act", "eft", "until", "purpose", "rule")
DENY_WINS_EFFECT = "some(where (p.eft == allow)) && !some(where (p.eft == deny))"
DECISION_CACHE_SIZE = 4096  # distinct (caller, resource, method, purpose) decisions kept per policy build
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
SPECIAL_SUBJECTS = frozenset({"*", "@owner", "@others"})
GROUP_RE = re.compile(r"^group:[a-z][a-z0-9_-]{0,63}$")
RULE_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]*:[A-Za-z0-9._:/-]+$")
RESERVED_PREFIXES = ("grant:", "catalog:")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


class PolicyError(SourceError):
    """The model, a base rule or a stored rule is invalid (names file, line and field)."""


class PrincipalLike(Protocol):
    """What the policy needs of a verified caller (gateway.identity.Principal has it)."""

    dept: str
    app: str | None
    purpose: str | None


@dataclass(frozen=True)
class Caller:
    """A caller named by hand (CLI `policy check`, tests)."""

    dept: str
    app: str | None = None
    purpose: str | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    rule: str  # name of the deciding rule, or "default-deny"
    policy_version: str
    grant: Grant | None = None  # the grant that allowed the call (fields it reveals / pseudonymises)
    legal_basis: str | None = None  # for not_shared: the law the catalog cites

    def to_json(self) -> dict:
        return {"allowed": self.allowed, "reason": self.reason, "rule": self.rule,
                "policy_version": self.policy_version, "grant_id": self.grant.id if self.grant else None,
                "legal_basis": self.legal_basis}


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


# ---------------------------------------------------------------------------------------------- catalog


def compile_catalog(catalog: Catalog) -> tuple[list[Rule], list[tuple[str, str]]]:
    """The catalog's share attributes as Casbin rules, and g2 links resource → providing department."""
    rules: list[Rule] = []
    owners: list[tuple[str, str]] = []
    for res in catalog.resources.values():
        owners.append((res.code, dept_subject(res.provider)))
        name = f"catalog:{res.code}:{res.share}"
        if res.share is Share.UNCONDITIONAL:
            rules.append(Rule(("*", res.code, READ_ACT, "allow", "", "", name), catalog.source))
        elif res.share is Share.NONE:
            rules.append(Rule(("@others", res.code, "*", "deny", "", "", name), catalog.source))
        # conditional: no rule; only grants open it.
    return rules, owners


# ---------------------------------------------------------------------------------------------- engine


class _Partition(NamedTuple):
    """The enforcers for one resource: rules whose obj is the resource or '*'."""

    enforcer: casbin.Enforcer  # the model's effect: deny wins; explains the deny rule that matched
    explainer: casbin.Enforcer  # same model and rules, first matching allow wins: names the allowing rule
    # Every expiry instant among those rules and the resource's grants, sorted: a decision can change
    # only when the clock passes one of them (the matcher's only use of time is `r.now < p.until`).
    boundaries: tuple[str, ...] = ()


def _partition(model_text: str, code: str, provider: str, rules: list[Rule],
               groups: list[tuple[str, str]]) -> _Partition:
    enforcer = casbin.Enforcer(casbin.Enforcer.new_model(text=model_text))
    enforcer.add_function("methodMatch", method_match)
    enforcer.auto_save = False
    if rules:
        enforcer.add_named_policies("p", [list(r.values) for r in rules])
    if groups:
        enforcer.add_named_grouping_policies("g", [list(g) for g in groups])
    enforcer.add_named_grouping_policies("g2", [[code, provider]])
    explainer = copy.copy(enforcer)
    explainer.set_effector(AllowOverrideEffector())
    return _Partition(enforcer, explainer, tuple(sorted({r.values[4] for r in rules if r.values[4]})))


@dataclass(frozen=True)
class _Sources:
    rules: list[Rule]  # in evaluation order
    groups: list[tuple[str, str]]
    owners: list[tuple[str, str]]
    grants: dict[str, Grant]


class PolicyEngine:
    """One immutable build of the policy; `decide` is the hot path."""

    def __init__(self, *, version: str, revision: int, catalog_digest: str, sources: _Sources,
                 partitions: dict[str, _Partition], resources: dict[str, Resource]):
        self.version = version
        self.revision = revision
        self.catalog_digest = catalog_digest
        self.rules = tuple(sources.rules)
        self.groups = tuple(sources.groups)
        self.grants = dict(sources.grants)
        self._partitions = partitions
        self._resources = resources
        self._grants_by_resource: dict[str, list[Grant]] = {}
        for grant in self.grants.values():
            self._grants_by_resource.setdefault(grant.resource, []).append(grant)
        for code, grants in self._grants_by_resource.items():  # _why_not reads grant expiry too
            if code in partitions:
                part = partitions[code]
                partitions[code] = part._replace(
                    boundaries=tuple(sorted(set(part.boundaries) | {g.until for g in grants})))
        # (sub, dept, obj, act, purpose) -> (decision, decided at, next expiry boundary): see decide.
        self._decisions: dict[tuple, tuple[Decision, str, str | None]] = {}

    @classmethod
    def build(cls, config: Config, catalog: Catalog, engine: Engine) -> "PolicyEngine":
        """Load, validate and compile everything; raises PolicyError (or a database error) on failure."""
        model_path, policy_path = Path(config.model), Path(config.policy)
        _, model_text = load_model(model_path)
        base_rules, groups = read_policy_csv(policy_path, catalog)
        catalog_rules, owners = compile_catalog(catalog)
        ensure_schema(engine)
        # Revision first: a change committed while we read makes the next check rebuild again.
        revision = read_revision(engine)
        grant_rules, runtime_rules, db_groups, grants = _database_rules(engine, catalog)
        sources = _Sources(rules=grant_rules + base_rules + runtime_rules + catalog_rules,
                           groups=groups + db_groups, owners=owners, grants=grants)
        partitions = {}
        owner_of = dict(owners)
        for code in catalog.resources:
            relevant = [r for r in sources.rules if r.obj in ("*", code)]
            partitions[code] = _partition(model_text, code, owner_of[code], relevant, sources.groups)
        canonical = json.dumps({"model": model_text, "p": [r.values for r in sources.rules],
                                "g": sources.groups, "g2": owners}, ensure_ascii=False, separators=(",", ":"))
        version = f"r{revision}-{hashlib.sha256(canonical.encode()).hexdigest()[:12]}"
        return cls(version=version, revision=revision, catalog_digest=catalog.digest, sources=sources,
                   partitions=partitions, resources=dict(catalog.resources))

    def decide(self, principal: PrincipalLike, method: str, resource: Resource,
               now: datetime | None = None) -> Decision:
        """May `principal` call `method` on `resource` at `now` (default: the current time)?"""
        method = (method or "").upper()
        dept = principal.dept or ""
        app = principal.app or None
        purpose = principal.purpose or ""
        if not DEPT_RE.match(dept) or (app is not None and not APP_RE.match(app)):
            return self._deny(INVALID_PRINCIPAL, DEFAULT_DENY)
        partition = self._partitions.get(resource.code)
        if partition is None:
            return self._deny(UNKNOWN_RESOURCE, DEFAULT_DENY)
        stamp = utc_stamp(now) if now is not None else now_stamp()
        key = (app_subject(dept, app) if app else "", dept_subject(dept), resource.code, method, purpose)
        cached = self._decisions.get(key)
        if cached is not None:
            decision, decided_at, boundary = cached
            if decided_at <= stamp and (boundary is None or stamp < boundary):
                return decision
        decision = self._enforce(partition, key + (stamp,), resource, dept, app)
        # The same request gets the same decision until the clock reaches the next expiry among the
        # partition's rules and grants (the engine is immutable: a policy change builds a new one).
        at = bisect.bisect_right(partition.boundaries, stamp)
        boundary = partition.boundaries[at] if at < len(partition.boundaries) else None
        if len(self._decisions) >= DECISION_CACHE_SIZE:
            self._decisions.clear()
        self._decisions[key] = (decision, stamp, boundary)
        return decision

    def _enforce(self, partition: _Partition, request: tuple, resource: Resource, dept: str,
                 app: str | None) -> Decision:
        """The decision Casbin makes for `request` (sub, dept, obj, act, purpose, now), with its rule."""
        method, purpose, stamp = request[3], request[4], request[5]
        allowed, deny_rule = partition.enforcer.enforce_ex(*request)
        if not allowed:
            if deny_rule:
                name = deny_rule[6]
                if name == f"catalog:{resource.code}:{Share.NONE}":
                    return self._deny(NOT_SHARED, name, legal_basis=self._resources[resource.code].legal_basis)
                return self._deny(EXPLICIT_DENY, name)
            return self._deny(self._why_not(method, dept, app, resource.code, purpose, stamp), DEFAULT_DENY)
        allowed_again, allow_rule = partition.explainer.enforce_ex(*request)
        if not (allowed_again and allow_rule):  # cannot happen: both passes see the same rules
            raise RuntimeError("policy allowed a request without an allowing rule")
        sub, name = allow_rule[0], allow_rule[6]
        if name.startswith("grant:"):
            return Decision(True, GRANTED, name, self.version, grant=self.grants[name.removeprefix("grant:")])
        if sub == "@owner":
            return Decision(True, OWN_DEPARTMENT, name, self.version)
        if name == f"catalog:{resource.code}:{Share.UNCONDITIONAL}":
            return Decision(True, UNCONDITIONAL, name, self.version)
        return Decision(True, POLICY_RULE, name, self.version)

    def _deny(self, reason: str, rule: str, *, legal_basis: str | None = None) -> Decision:
        return Decision(False, reason, rule, self.version, legal_basis=legal_basis)

    def _why_not(self, method: str, dept: str, app: str | None, code: str, purpose: str, stamp: str) -> str:
        """The reason for a refusal no deny rule made: wrong method, or what is wrong with the caller's grants."""
        if method not in READ_METHODS:
            return METHOD_NOT_ALLOWED
        mine = [g for g in self._grants_by_resource.get(code, ())
                if g.dept == dept and (g.app is None or g.app == app)]
        if not mine:
            return NO_GRANT
        if any(not g.expired(stamp) for g in mine):
            return PURPOSE_MISMATCH if purpose else PURPOSE_REQUIRED
        return GRANT_EXPIRED


def _database_rules(engine: Engine, catalog: Catalog):
    """Grant rules (only those matching an active grant record), other run-time rules and groups."""
    adapter = PolicyAdapter(engine)
    rows = adapter.rows()
    grants = {g.id: g for g in load_grants(engine)}
    grant_rules: list[Rule] = []
    runtime_rules: list[Rule] = []
    groups: list[tuple[str, str]] = []
    loaded: dict[str, Grant] = {}
    names: set[str] = set()
    for row_id, ptype, values in rows:
        where = _Where("database casbin_rule", None, f"rule id {row_id}")
        if ptype != "p":
            groups.append(check_group_rule(ptype, values, where))
            continue
        name = values[6] if len(values) == len(POLICY_FIELDS) else ""
        if name.startswith("grant:"):
            grant = grants.get(name.removeprefix("grant:"))
            if grant is None or tuple(grant_rule(grant)) != tuple(values):
                log.warning("ignoring %s (rule id %s): no active grant record matches it", name, row_id)
                continue
            if catalog.resource(grant.resource) is None:
                log.warning("ignoring %s: resource %s is no longer in the catalog", name, grant.resource)
                continue
            loaded[grant.id] = grant
            grant_rules.append(Rule(tuple(values), f"database grant {grant.id}"))
            continue
        if len(values) == len(POLICY_FIELDS) and values[1] != "*" and catalog.resource(values[1]) is None:
            log.warning("ignoring run-time rule id %s: resource %s is not in the catalog", row_id, values[1])
            continue
        rule = check_policy_rule(values, where, catalog)
        if rule.name in names:
            _fail(where, "rule", f"{rule.name!r} names another stored rule too")
        names.add(rule.name)
        runtime_rules.append(rule)
    return grant_rules, runtime_rules, groups, loaded


# ---------------------------------------------------------------------------------------------- reloading


class _Fingerprint(NamedTuple):
    revision: int
    catalog_digest: str
    model_stat: tuple | None
    policy_stat: tuple | None


def _stat(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def describe_error(error: BaseException) -> str:
    """A log-safe description: file problems in full, database and other errors by class only."""
    if isinstance(error, (SourceError, GrantError)):
        return str(error)
    if isinstance(error, OSError):
        return f"{type(error).__name__}: {error.strerror or ''}".strip()
    if isinstance(error, SQLAlchemyError):
        return f"database error ({type(error).__name__})"
    return type(error).__name__


class PolicyReloader:
    """Holds the engine in force (`current`) and swaps in a rebuilt one when something changed.

    Built once at start (raises when the first build fails: no policy, no service). `check()` polls the
    revision (one primary-key SELECT), the catalog digest and the model/policy file stats.
    """

    def __init__(self, config: Config, catalog_provider: Callable[[], Catalog], engine: Engine):
        self.config = config
        self.catalog_provider = catalog_provider
        self.engine = engine
        self.last_error: str | None = None
        catalog = catalog_provider()
        ensure_schema(engine)
        seen = self._fingerprint(catalog)
        self.current: PolicyEngine = PolicyEngine.build(config, catalog, engine)
        self._seen = seen._replace(revision=self.current.revision)

    def _fingerprint(self, catalog: Catalog) -> _Fingerprint:
        return _Fingerprint(read_revision(self.engine), catalog.digest, _stat(Path(self.config.model)),
                            _stat(Path(self.config.policy)))

    def check(self) -> bool:
        """Rebuild if anything changed. True when a new engine was put in force; False when nothing changed
        or the rebuild failed (then the old engine stays in force and `last_error` says why)."""
        try:
            catalog = self.catalog_provider()
            seen = self._fingerprint(catalog)
        except Exception as e:  # noqa: BLE001 - the old policy stays in force whatever went wrong
            self.last_error = describe_error(e)
            log.warning("policy check failed, version %s stays in force: %s", self.current.version, self.last_error)
            return False
        if seen == self._seen:
            return False
        try:
            engine = PolicyEngine.build(self.config, catalog, self.engine)
        except Exception as e:  # noqa: BLE001
            if isinstance(e, SourceError):  # a broken file stays broken until it changes: don't retry
                self._seen = seen
            self.last_error = describe_error(e)
            log.warning("policy not rebuilt, version %s stays in force: %s", self.current.version, self.last_error)
            return False
        self._seen = seen._replace(revision=engine.revision)
        previous, self.current, self.last_error = self.current.version, engine, None
        log.info("policy %s in force (was %s)", engine.version, previous)
        return True
