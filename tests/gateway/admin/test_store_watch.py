"""The reload thread's view of the store of record: heads that verify, rows edited in the database, grant
seals, each problem reported once; and a masking version's text parsed as the rules file is."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from gateway.admin.store_watch import StoreWatch
from gateway.admin.versions import VersionStore
from gateway.masking.rules import RulesError, load_rules
from gateway.masking.rules_version import rules_from_text
from gateway.policy.grants import GrantStore
from gateway.policy.seals import check_grants

UNTIL = "2099-01-01T00:00:00Z"


@pytest.fixture
def store(ctx):
    return VersionStore(ctx.engine, ctx.config)


def test_heads_verify_and_an_edited_head_is_reported_once(ctx, store, admin_config):
    watch = StoreWatch(ctx.engine)
    original = admin_config.masking_rules.read_text(encoding="utf-8")
    v2 = store.commit("masking", original + "\n# v2\n", "sec", "comment only")
    state = watch.check()
    assert state.heads["masking"].version == 2 and state.heads["masking"].digest == v2.digest
    assert state.problems == {} and state.new_alarms == []
    with ctx.engine.begin() as conn:
        conn.execute(text("UPDATE config_versions SET content = 'version: 1\n' WHERE kind = 'masking' AND version = 2"))
    state = watch.check()
    assert "masking" not in state.heads
    assert state.new_alarms == [("masking", "masking version 2 was altered in the database")]
    assert watch.check().new_alarms == []  # said once
    assert watch.check().problems == {"masking": "masking version 2 was altered in the database"}


def test_a_broken_chain_in_the_middle_is_reported(ctx, store, admin_config):
    original = admin_config.policy.read_text(encoding="utf-8")
    store.commit("policy", original + "\n", "sec", "one")
    store.commit("policy", original + "\n\n", "sec", "two")
    with ctx.engine.begin() as conn:
        conn.execute(text("UPDATE config_versions SET comment = 'other' WHERE kind = 'policy' AND version = 2"))
    state = StoreWatch(ctx.engine).check()
    assert state.problems == {"policy": "policy version 2 was altered in the database"}
    assert "policy" not in state.heads


def test_grant_rows_differing_from_their_seals_are_named(ctx):
    grants = GrantStore(ctx.engine, ctx.catalog())
    g = grants.add("MZ", None, "GA-RK-0001", ["xm"], [], "最低生活保障资格核查", UNTIL, "sec")
    other = grants.add("MZ", None, "GA-RK-0001", [], [], "最低生活保障资格核查", UNTIL, "sec")
    grants.revoke(other.id, "sec")
    watch = StoreWatch(ctx.engine)
    assert check_grants(ctx.engine) == [] and watch.check().problems == {}
    with ctx.engine.begin() as conn:
        conn.execute(text("UPDATE grants SET fields = '[\"xm\", \"sfzh\"]' WHERE id = :id"), {"id": g.id})
        conn.execute(text("UPDATE grants SET revoked_at = NULL WHERE id = :id"), {"id": other.id})
    assert check_grants(ctx.engine) == sorted([(g.id, "altered in the database"),
                                                (other.id, "altered in the database")])
    state = watch.check()
    assert state.problems == {"grants": "2 grant(s) altered in the database"}
    assert sorted(state.grants) == sorted([g.id, other.id]) and len(state.new_alarms) == 1
    with ctx.engine.begin() as conn:
        conn.execute(text("DELETE FROM grants WHERE id = :id"), {"id": g.id})
    assert (g.id, "deleted from the database") in check_grants(ctx.engine)
    assert len(watch.check().new_alarms) == 1  # a different set of grants is a new alarm


def test_grants_made_before_seals_are_sealed_on_first_use(ctx):
    grants = GrantStore(ctx.engine, ctx.catalog())
    g = grants.add("MZ", None, "GA-RK-0001", ["xm"], [], "最低生活保障资格核查", UNTIL, "sec")
    with ctx.engine.begin() as conn:
        conn.execute(text("DELETE FROM grant_seals"))
    assert check_grants(ctx.engine) == [(g.id, "inserted outside the grant store")]
    assert StoreWatch(ctx.engine).check().problems == {}  # an empty seal table seals what stands


def test_a_rules_text_parses_like_the_file_and_names_its_errors(admin_config):
    shipped = admin_config.masking_rules.read_text(encoding="utf-8")
    from_text, from_file = rules_from_text(shipped), load_rules(admin_config.masking_rules)
    assert from_text.digest == from_file.digest
    assert set(from_text.entities) == set(from_file.entities)
    with pytest.raises(RulesError, match=r"masking version 3:3: entities.NOPE: unknown entity"):
        rules_from_text("version: 1\nentities:\n  NOPE: {operator: redact}\n", "masking version 3")


def test_a_version_whose_text_was_altered_is_not_rolled_back_to(ctx, store, admin_config):
    from gateway.admin.versions import VersionError

    original = admin_config.masking_rules.read_text(encoding="utf-8")
    store.commit("masking", original + "\n# v2\n", "sec", "two")
    with ctx.engine.begin() as conn:
        conn.execute(text("UPDATE config_versions SET content = 'version: 1\n' WHERE kind = 'masking' AND version = 1"))
    with pytest.raises(VersionError, match="masking version 1 was altered in the database"):
        store.rollback("masking", 1, "sec", "back")
