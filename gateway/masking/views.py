"""Building the MaskingView of one caller: which fields it sees plain, pseudonymised or masked.

The grant (from the policy decision) lists the fields revealed and the fields pseudonymised; the
pseudonym key is derived per grant (or per department without a grant), so two departments never
receive joinable pseudonyms. A grant for another resource is ignored (fail closed: nothing revealed).
"""

from __future__ import annotations

from typing import Any

from ..catalog import Resource
from ..config import Config
from .engine import MaskingView
from .pseudonym import PseudonymKeys, grant_scope


def view_for(config: Config, resource: Resource | None, dept: str | None, app: str | None = None,
             grant: Any = None, *, keys: PseudonymKeys | None = None) -> MaskingView:
    """The view of `dept`/`app` on `resource`; `grant` is any object with `id`, `fields`,
    `pseudonym_fields` (and optionally `resource`), e.g. gateway.grants.Grant, or None."""
    if grant is not None and resource is not None:
        granted_resource = getattr(grant, "resource", None)
        if granted_resource is not None and granted_resource != resource.code:
            grant = None
    reveal = frozenset(_names(getattr(grant, "fields", ()))) if grant is not None else frozenset()
    pseudonymise = frozenset(_names(getattr(grant, "pseudonym_fields", ()))) if grant is not None else frozenset()
    grant_id = str(grant.id) if grant is not None and getattr(grant, "id", None) is not None else None
    keys = keys if keys is not None else PseudonymKeys(config.data_dir)
    key = keys.key_for(grant_scope(grant_id, dept))
    return MaskingView(resource=resource, reveal=reveal - pseudonymise, pseudonymise=pseudonymise,
                       pseudonym_key=key, grant_id=grant_id)


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(v) for v in value]


def view_for_decision(config: Config, resource: Resource | None, decision: Any, dept: str | None,
                      app: str | None = None, *, keys: PseudonymKeys | None = None) -> MaskingView:
    """The view a policy decision gives: the provider reads its own data as it holds it; a grant reveals
    what it names; anyone else sees the default masking. One function for the gateway and the CLI."""
    if resource is not None and decision is not None and getattr(decision, "reason", None) == "own_department":
        keys = keys if keys is not None else PseudonymKeys(config.data_dir)
        return MaskingView(resource=resource, reveal=frozenset(f.name for f in resource.fields),
                           pseudonym_key=keys.key_for(grant_scope(None, dept)), own=True)
    return view_for(config, resource, dept, app, grant=getattr(decision, "grant", None), keys=keys)
