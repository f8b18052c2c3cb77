"""Tests for gateway.policy.grants: validation of new grants, revocation, revision counter, Casbin rule rows, digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.catalog import load_catalog
from gateway.policy.grants import (Grant, GrantError, GrantStore, PolicyAdapter, grant_rule, is_utc_stamp, parse_instant,
                            utc_stamp)
from gateway.store import make_engine
from tests.support.catalogs import POLICY_CATALOG

CATALOG = POLICY_CATALOG

NOW = datetime(2026, 3, 1, 8, 0, 0, tzinfo=UTC)
UNTIL = "2026-06-30T23:59:59+08:00"


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_text(CATALOG, encoding="utf-8")
    engine = make_engine(f"sqlite:///{tmp_path / 'govshare.db'}")
    yield GrantStore(engine, load_catalog(path))
    engine.dispose()


def add(store, **kw):
    args = {"dept": "MZ", "app": None, "resource": "GA-RK-0001", "fields": ["xm"], "pseudonym_fields": ["sfzh"],
            "purpose": "低保核查", "until": UNTIL, "created_by": "security-admin"}
    args.update(kw)
    return store.add(**args, now=NOW)


def test_add_normalises_and_records(store):
    g = add(store, app="dibao", fields=["xm", "xm", " "], pseudonym_fields="sfzh")
    assert g.id.startswith("g-") and len(g.id) == 18
    assert (g.dept, g.app, g.resource, g.fields, g.pseudonym_fields) == ("MZ", "dibao", "GA-RK-0001", ("xm",),
                                                                          ("sfzh",))
    assert g.until == "2026-06-30T15:59:59Z"  # +08:00 normalised to UTC
    assert g.created_at == "2026-03-01T08:00:00Z" and g.created_by == "security-admin" and g.revoked_at is None
    assert store.get(g.id) == g
    assert store.list() == [g]


@pytest.mark.parametrize("changes,problem", [
    ({"resource": "GA-XX-0009"}, "not in the catalog"),
    ({"fields": ["xm", "mobile"]}, "no field 'mobile'"),
    ({"pseudonym_fields": ["nope"]}, "no field 'nope'"),
    ({"fields": ["xm"], "pseudonym_fields": ["xm"]}, "both revealed and pseudonymised"),
    ({"resource": "GA-ZT-0001", "fields": []}, "not shared"),
    ({"dept": "GA"}, "reads it without a grant"),
    ({"dept": "mz"}, "department"),
    ({"dept": "dept:MZ"}, "department"),
    ({"app": "di bao"}, "application"),
    ({"app": "a/b"}, "application"),
    ({"purpose": "  "}, "purpose"),
    ({"purpose": "x\ny"}, "control characters"),
    ({"purpose": "长" * 201}, "longer than"),
    ({"until": "2026-02-28T00:00:00Z"}, "not in the future"),
    ({"until": NOW.isoformat()}, "not in the future"),
    ({"until": "2026-12-31T00:00:00"}, "no time zone"),
    ({"until": "next year"}, "not an ISO-8601"),
    ({"created_by": ""}, "administrator"),
])
def test_add_refuses_invalid_grants(store, changes, problem):
    with pytest.raises(GrantError, match=problem):
        add(store, **changes)
    assert store.list(include_revoked=True) == [] and store.revision() == 0


def test_add_needs_a_catalog(store):
    with pytest.raises(GrantError, match="catalog"):
        GrantStore(store.engine).add("MZ", None, "GA-RK-0001", [], [], "p", UNTIL, "admin", now=NOW)


def test_unconditional_resource_accepts_a_grant(store):
    g = add(store, resource="SCJG-QY-0001", fields=[], pseudonym_fields=[])
    assert g.resource == "SCJG-QY-0001" and g.fields == ()


def test_grant_is_a_casbin_rule_until_revoked(store):
    g = add(store, app="dibao")
    rows = PolicyAdapter(store.engine).rows()
    assert [(ptype, values) for _, ptype, values in rows] == [("p", grant_rule(g))]
    assert grant_rule(g) == ["app:MZ/dibao", "GA-RK-0001", "GET|HEAD", "allow", g.until, "低保核查", f"grant:{g.id}"]
    other = add(store)
    revoked = store.revoke(g.id, "security-admin", now=NOW + timedelta(hours=1))
    assert revoked.revoked_at == "2026-03-01T09:00:00Z"
    assert [values for _, _, values in PolicyAdapter(store.engine).rows()] == [grant_rule(other)]
    assert store.list() == [other]
    assert {x.id for x in store.list(include_revoked=True)} == {g.id, other.id}
    assert store.get(g.id).revoked_at == revoked.revoked_at


def test_every_change_bumps_the_revision(store):
    assert store.revision() == 0
    g = add(store)
    assert store.revision() == 1
    add(store)
    assert store.revision() == 2
    store.revoke(g.id, "admin")
    assert store.revision() == 3


def test_revoke_refuses_unknown_and_repeated(store):
    g = add(store)
    store.revoke(g.id, "admin")
    rev = store.revision()
    with pytest.raises(GrantError, match="already revoked"):
        store.revoke(g.id, "admin")
    with pytest.raises(GrantError, match="no grant"):
        store.revoke("g-0000000000000000", "admin")
    with pytest.raises(GrantError, match="administrator"):
        store.revoke(g.id, " ")
    assert store.revision() == rev
    assert store.get("g-0000000000000000") is None


def test_digest_covers_active_grants(store):
    empty = store.digest()
    g = add(store)
    after_add = store.digest()
    assert after_add != empty and store.digest() == after_add
    store.revoke(g.id, "admin")
    assert store.digest() == empty


def test_second_store_on_same_file_sees_changes(store, tmp_path):
    other_engine = make_engine(f"sqlite:///{tmp_path / 'govshare.db'}")
    try:
        other = GrantStore(other_engine)
        g = add(store)
        assert other.get(g.id) == g and other.revision() == 1
        other.revoke(g.id, "admin")
        assert store.get(g.id).revoked_at is not None and store.revision() == 2
    finally:
        other_engine.dispose()


def test_grant_status_and_expiry():
    g = Grant("g-1", "MZ", None, "GA-RK-0001", (), (), "p", "2026-03-02T00:00:00Z", "2026-03-01T00:00:00Z", "a")
    assert g.status(datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC)) == "active"
    assert g.status(datetime(2026, 3, 2, 8, 0, 0, tzinfo=timezone(timedelta(hours=8)))) == "expired"
    assert g.expired("2026-03-02T00:00:00Z") and not g.expired("2026-03-01T23:59:59Z")
    assert Grant(**{**g.__dict__, "revoked_at": "2026-03-01T01:00:00Z"}).status(NOW) == "revoked"
    assert g.to_json()["fields"] == []


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9998, 12, 31),
                    timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))])))
def test_utc_stamps_order_like_times(moment):
    stamp = utc_stamp(moment)
    assert is_utc_stamp(stamp)
    assert parse_instant(stamp) == moment.replace(microsecond=0)
    later = utc_stamp(moment + timedelta(seconds=1))
    assert stamp < later


def test_utc_stamp_refuses_naive():
    with pytest.raises(ValueError):
        utc_stamp(datetime(2026, 1, 1))


def test_now_stamp_is_the_current_utc_second():
    from datetime import UTC, datetime

    from gateway.policy.grants import now_stamp, utc_stamp

    before = utc_stamp(datetime.now(UTC))
    stamp = now_stamp()
    after = utc_stamp(datetime.now(UTC))
    assert before <= stamp <= after
