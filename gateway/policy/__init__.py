"""The share policy, split the way pycasbin is: model and rule validation (`model`), the database tables
and Casbin adapter (`tables`), the grant register (`grants`), the engine that decides (`engine`) and the
reloader that keeps it current (`reloader`). Importers take the public API from here.
"""

from .engine import (DEFAULT_DENY, EXPLICIT_DENY, GRANT_EXPIRED, GRANTED, INVALID_PRINCIPAL, METHOD_NOT_ALLOWED,
                     NO_GRANT, NOT_SHARED, OWN_DEPARTMENT, OWN_DEPARTMENT_RULE, POLICY_RULE, PURPOSE_MISMATCH,
                     PURPOSE_REQUIRED, UNCONDITIONAL, UNKNOWN_RESOURCE, Caller, Decision, PolicyEngine,
                     PrincipalLike, compile_catalog)
from .grants import (APP_RE, READ_ACT, READ_METHODS, Grant, GrantError, GrantStore, grant_rule, is_utc_stamp,
                     load_grants, now_stamp, parse_instant, utc_stamp)
from .model import PolicyError, Rule, load_model, method_match, read_policy_csv
from .reloader import PolicyReloader, describe_error
from .tables import PolicyAdapter, ensure_schema, read_revision

__all__ = [
    "APP_RE", "DEFAULT_DENY", "EXPLICIT_DENY", "GRANTED", "GRANT_EXPIRED", "INVALID_PRINCIPAL", "METHOD_NOT_ALLOWED",
    "NOT_SHARED", "NO_GRANT", "OWN_DEPARTMENT", "OWN_DEPARTMENT_RULE", "POLICY_RULE", "PURPOSE_MISMATCH",
    "PURPOSE_REQUIRED", "READ_ACT", "READ_METHODS", "UNCONDITIONAL", "UNKNOWN_RESOURCE", "Caller", "Decision",
    "Grant", "GrantError", "GrantStore", "PolicyAdapter", "PolicyEngine", "PolicyError", "PolicyReloader",
    "PrincipalLike", "Rule", "compile_catalog", "describe_error", "ensure_schema", "grant_rule", "is_utc_stamp",
    "load_grants", "load_model", "method_match", "now_stamp", "parse_instant", "read_policy_csv", "read_revision",
    "utc_stamp",
]
