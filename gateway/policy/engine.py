"""The share policy engine: who may read what, decided by Casbin from the model, base rules, catalog and grants.

At build, four sources compile into one Casbin rule set (model in `policies/model.conf`):
  1. grants from the database, `grant:<id>` (read access for a department or one of its applications,
     bound to a purpose, until an expiry);
  2. base rules from `policies/policy.csv` (e.g. a department always reads its own resources);
  3. other run-time rules from the database (through Casbin's SQLAlchemy adapter);
  4. the catalog's share attributes: `unconditional` → any authenticated department may GET/HEAD;
     `conditional` → nothing (only grants open it); `none` → deny for every department but the provider.
Deny wins over allow. The rules are split by resource, so `decide()` evaluates only the few rules that
can concern the requested resource and never touches the database. Validation lives in `model`,
reloading in `reloader`.
"""

from __future__ import annotations

import bisect
import copy
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple, Protocol

import casbin
from casbin.effect import AllowOverrideEffector
from casbin.util.log import disabled_logging
from sqlalchemy.engine import Engine

from ..catalog import DEPT_RE, Catalog, Resource, Share
from ..config import Config
from .grants import APP_RE, READ_ACT, READ_METHODS, Grant, app_subject, dept_subject, grant_rule, load_grants, \
    now_stamp, utc_stamp
from .model import (POLICY_FIELDS, Rule, _Where, _fail, check_group_rule, check_policy_rule,
                    load_model, method_match, read_policy_csv)
from .tables import PolicyAdapter, ensure_schema, read_revision

DECISION_CACHE_SIZE = 4096  # distinct (caller, resource, method, purpose) decisions kept per policy build


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
        method = method or ""  # case-sensitive (RFC 9110): `get` is not GET and is refused, never judged as GET
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
