"""Helpers shared by the end-to-end tests (imported by module name; tests run with import-mode=importlib)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

PURPOSE = "最低生活保障资格核查"


def until(days: float = 30) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def add_grant(gw, dept="MZ", app=None, resource="GA-RK-0001", purpose=PURPOSE, days=30, fields=None,
              pseudonym_fields=None) -> str:
    from gateway.policy.grants import GrantStore

    store = GrantStore(gw.services.engine, gw.services.catalog.current)
    grant = store.add(dept, app, resource, tuple(fields or ()), tuple(pseudonym_fields or ()), purpose,
                      until(days), "test-officer")
    return grant.id
