"""Tests for gateway.policy: share attributes, grants, purpose, expiry, deny-wins, validation and reloading.

Every engine here is built from the real policies/model.conf, a real SQLite file in tmp_path and a small
catalog written by the test (three providers, one resource per share attribute).
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.catalog import load_catalog
from gateway.config import POLICIES_DIR, load_config
from gateway.policy.grants import GrantStore, PolicyAdapter
from gateway.policy import (Caller, Decision, PolicyEngine, PolicyError, PolicyReloader, compile_catalog,
                            read_policy_csv)
from gateway.store import make_engine

CATALOG = """\
departments:
  - {code: GA, name: 公安局, upstream: "http://127.0.0.1:9001"}
  - {code: MZ, name: 民政局, upstream: "http://127.0.0.1:9002"}
  - {code: SCJG, name: 市场监管局, upstream: "http://127.0.0.1:9003"}
resources:
  - code: SCJG-QY-0001
    name: 企业登记信息
    provider: SCJG
    path: /scjg/qy
    share: unconditional
    fields:
      - {name: uscc, label: 统一社会信用代码, class: public}
      - {name: fddbr, label: 法定代表人, class: personal, entity: PERSON}
  - code: GA-RK-0001
    name: 人口基本信息
    provider: GA
    path: /ga/rk
    share: conditional
    fields:
      - {name: xm, label: 姓名, class: personal, entity: PERSON}
      - {name: sfzh, label: 身份证号, class: sensitive, entity: CN_ID_CARD}
      - {name: zz, label: 住址, class: personal, entity: CN_ADDRESS}
  - code: GA-ZT-0001
    name: 在逃人员
    provider: GA
    path: /ga/zt
    share: none
    legal_basis: 《中华人民共和国刑事诉讼法》第一百五十二条
"""

NOW = datetime(2026, 3, 1, 8, 0, 0, tzinfo=UTC)
UNTIL = NOW + timedelta(days=30)
PURPOSE = "最低生活保障资格核查"


@pytest.fixture(autouse=True)
def no_env_data_dir(monkeypatch):
    monkeypatch.delenv("GOVSHARE_DATA_DIR", raising=False)


@pytest.fixture
def setup(tmp_path):
    catalog_path = tmp_path / "catalog.yaml"
    catalog_path.write_text(CATALOG, encoding="utf-8")
    policy_path = tmp_path / "policy.csv"
    policy_path.write_text((POLICIES_DIR / "policy.csv").read_text(encoding="utf-8"), encoding="utf-8")
    config = replace(load_config(None, tmp_path / "var"), catalog=catalog_path, policy=policy_path)
    catalog = load_catalog(catalog_path)
    engine = make_engine(config.db_url)
    yield config, catalog, engine
    engine.dispose()


def build(setup) -> PolicyEngine:
    config, catalog, engine = setup
    return PolicyEngine.build(config, catalog, engine)


def grant(setup, dept="MZ", app=None, resource="GA-RK-0001", fields=("xm",), pseudonym_fields=("sfzh",),
          purpose=PURPOSE, until=UNTIL):
    _, catalog, engine = setup
    return GrantStore(engine, catalog).add(dept, app, resource, fields, pseudonym_fields, purpose, until,
                                           "security-admin", now=NOW)


def decide(policy: PolicyEngine, setup, dept, code, method="GET", app=None, purpose=None, now=NOW) -> Decision:
    return policy.decide(Caller(dept, app, purpose), method, setup[1].resource(code), now=now)


def write_policy(setup, extra: str) -> None:
    config = setup[0]
    Path(config.policy).write_text((POLICIES_DIR / "policy.csv").read_text(encoding="utf-8") + extra,
                                   encoding="utf-8")


def touch_later(path: Path, seconds: int) -> None:
    """Move the file's mtime forward so a change is seen even within one filesystem tick."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 1_000_000_000))


# ---------------------------------------------------------------------------------------------- unconditional


def test_unconditional_any_department_reads(setup):
    policy = build(setup)
    for method in ("GET", "HEAD"):
        d = decide(policy, setup, "MZ", "SCJG-QY-0001", method)
        assert (d.allowed, d.reason, d.rule) == (True, "unconditional", "catalog:SCJG-QY-0001:unconditional")
        assert d.grant is None and d.policy_version == policy.version
    # Methods are case-sensitive: a lowercase `get` is not judged as GET (a provider would run it verbatim).
    for method in ("get", "Head"):
        d = decide(policy, setup, "MZ", "SCJG-QY-0001", method)
        assert (d.allowed, d.reason) == (False, "method_not_allowed")


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_unconditional_other_methods_refused(setup, method):
    d = decide(build(setup), setup, "MZ", "SCJG-QY-0001", method)
    assert (d.allowed, d.reason, d.rule) == (False, "method_not_allowed", "default-deny")


def test_unconditional_own_department(setup):
    policy = build(setup)
    assert decide(policy, setup, "SCJG", "SCJG-QY-0001").reason == "own_department"
    assert decide(policy, setup, "SCJG", "SCJG-QY-0001").rule == "base:own-department"
    assert decide(policy, setup, "SCJG", "SCJG-QY-0001", "DELETE").reason == "method_not_allowed"


def test_unconditional_with_a_grant_reports_the_grant_and_its_fields(setup):
    g = grant(setup, resource="SCJG-QY-0001", fields=("fddbr",), pseudonym_fields=())
    d = decide(build(setup), setup, "MZ", "SCJG-QY-0001", purpose=PURPOSE)
    assert (d.allowed, d.reason, d.rule) == (True, "granted", f"grant:{g.id}")
    assert d.grant.fields == ("fddbr",)
    # without the grant's purpose the resource is still readable, but unconditionally (nothing revealed)
    d = decide(build(setup), setup, "MZ", "SCJG-QY-0001", purpose="something else")
    assert (d.allowed, d.reason, d.grant) == (True, "unconditional", None)


# ---------------------------------------------------------------------------------------------- conditional


def test_conditional_without_grant_refused(setup):
    d = decide(build(setup), setup, "MZ", "GA-RK-0001", purpose=PURPOSE)
    assert (d.allowed, d.reason, d.rule, d.grant) == (False, "no_grant", "default-deny", None)


def test_conditional_with_grant_allowed_and_carries_fields(setup):
    g = grant(setup, fields=("xm", "zz"), pseudonym_fields=("sfzh",))
    policy = build(setup)
    for method in ("GET", "HEAD"):
        d = decide(policy, setup, "MZ", "GA-RK-0001", method, app="dibao", purpose=PURPOSE)
        assert (d.allowed, d.reason, d.rule) == (True, "granted", f"grant:{g.id}")
        assert d.grant == g
        assert d.grant.fields == ("xm", "zz") and d.grant.pseudonym_fields == ("sfzh",)


def test_conditional_grant_expires_at_its_until(setup):
    grant(setup)
    policy = build(setup)
    assert decide(policy, setup, "MZ", "GA-RK-0001", purpose=PURPOSE, now=UNTIL - timedelta(seconds=1)).allowed
    for later in (UNTIL, UNTIL + timedelta(days=1)):
        d = decide(policy, setup, "MZ", "GA-RK-0001", purpose=PURPOSE, now=later)
        assert (d.allowed, d.reason, d.grant) == (False, "grant_expired", None)


def test_remembered_decisions_follow_the_clock_across_expiry_both_ways(setup):
    """decide remembers a decision until the next expiry instant: a remembered allow must end exactly at
    the grant's until, and a clock set back (or a `now` from the past) must not reuse a later decision."""
    grant(setup)
    policy = build(setup)
    times = [UNTIL - timedelta(seconds=2), UNTIL - timedelta(seconds=1), UNTIL, UNTIL + timedelta(seconds=1),
             UNTIL - timedelta(seconds=1), NOW, UNTIL + timedelta(days=2), NOW]
    for now in times:
        remembered = decide(policy, setup, "MZ", "GA-RK-0001", purpose=PURPOSE, now=now)
        fresh = decide(build(setup), setup, "MZ", "GA-RK-0001", purpose=PURPOSE, now=now)
        assert remembered == fresh
        assert remembered.allowed == (now < UNTIL)


def test_conditional_own_department_reads_without_grant(setup):
    d = decide(build(setup), setup, "GA", "GA-RK-0001")
    assert (d.allowed, d.reason, d.rule) == (True, "own_department", "base:own-department")


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_conditional_grant_does_not_open_other_methods(setup, method):
    grant(setup)
    d = decide(build(setup), setup, "MZ", "GA-RK-0001", method, purpose=PURPOSE)
    assert (d.allowed, d.reason) == (False, "method_not_allowed")


def test_grant_for_one_application_only(setup):
    g = grant(setup, app="dibao")
    policy = build(setup)
    ok = decide(policy, setup, "MZ", "GA-RK-0001", app="dibao", purpose=PURPOSE)
    assert (ok.allowed, ok.rule) == (True, f"grant:{g.id}")
    for app in ("yanglao", None):
        d = decide(policy, setup, "MZ", "GA-RK-0001", app=app, purpose=PURPOSE)
        assert (d.allowed, d.reason) == (False, "no_grant")
    # the same application name in another department is another subject
    assert decide(policy, setup, "SCJG", "GA-RK-0001", app="dibao", purpose=PURPOSE).reason == "no_grant"


def test_department_grant_covers_all_its_applications(setup):
    grant(setup, app=None)
    policy = build(setup)
    for app in ("dibao", "yanglao", None):
        assert decide(policy, setup, "MZ", "GA-RK-0001", app=app, purpose=PURPOSE).reason == "granted"
    assert decide(policy, setup, "SCJG", "GA-RK-0001", purpose=PURPOSE).reason == "no_grant"


def test_purpose_must_equal_the_grants(setup):
    grant(setup)
    policy = build(setup)
    d = decide(policy, setup, "MZ", "GA-RK-0001", purpose="招商引资")
    assert (d.allowed, d.reason) == (False, "purpose_mismatch")
    d = decide(policy, setup, "MZ", "GA-RK-0001", purpose=None)
    assert (d.allowed, d.reason) == (False, "purpose_required")
    assert not decide(policy, setup, "MZ", "GA-RK-0001", purpose=PURPOSE + " ").allowed


def test_purpose_mismatch_reported_before_expiry(setup):
    grant(setup, purpose="old purpose", until=NOW + timedelta(days=1))
    grant(setup, purpose=PURPOSE)
    policy = build(setup)
    later = NOW + timedelta(days=2)
    assert decide(policy, setup, "MZ", "GA-RK-0001", purpose="old purpose", now=later).reason == "purpose_mismatch"
    assert decide(policy, setup, "MZ", "GA-RK-0001", purpose=PURPOSE, now=later).reason == "granted"


def test_purpose_with_comma_and_brackets_survives_the_database(setup):
    purpose = "核查(低保), [复审]"
    g = grant(setup, purpose=purpose)
    d = decide(build(setup), setup, "MZ", "GA-RK-0001", purpose=purpose)
    assert (d.allowed, d.rule) == (True, f"grant:{g.id}")


def test_revoked_grant_no_longer_allows(setup):
    g = grant(setup)
    assert decide(build(setup), setup, "MZ", "GA-RK-0001", purpose=PURPOSE).allowed
    GrantStore(setup[2]).revoke(g.id, "security-admin", now=NOW)
    d = decide(build(setup), setup, "MZ", "GA-RK-0001", purpose=PURPOSE)
    assert (d.allowed, d.reason) == (False, "no_grant")


# ---------------------------------------------------------------------------------------------- not shared


def test_not_shared_refused_with_legal_basis(setup):
    policy = build(setup)
    for method in ("GET", "HEAD", "POST"):
        d = decide(policy, setup, "MZ", "GA-ZT-0001", method)
        assert (d.allowed, d.reason, d.rule) == (False, "not_shared", "catalog:GA-ZT-0001:none")
        assert d.legal_basis == "《中华人民共和国刑事诉讼法》第一百五十二条"


def test_not_shared_is_readable_by_its_provider(setup):
    policy = build(setup)
    d = decide(policy, setup, "GA", "GA-ZT-0001")
    assert (d.allowed, d.reason, d.legal_basis) == (True, "own_department", None)
    assert decide(policy, setup, "GA", "GA-ZT-0001", "PUT").reason == "method_not_allowed"


def test_not_shared_deny_beats_an_allow_rule(setup):
    write_policy(setup, "p, dept:MZ, *, GET|HEAD, allow, , , base:mz-reads-everything\n")
    policy = build(setup)
    assert decide(policy, setup, "MZ", "GA-RK-0001").reason == "policy_rule"
    assert decide(policy, setup, "MZ", "GA-ZT-0001").reason == "not_shared"


# ---------------------------------------------------------------------------------------------- deny wins


def test_explicit_deny_wins_over_unconditional_and_grant(setup):
    g = grant(setup)
    write_policy(setup, "p, dept:MZ, *, *, deny, , , base:mz-suspended\n")
    policy = build(setup)
    for code in ("SCJG-QY-0001", "GA-RK-0001"):
        d = decide(policy, setup, "MZ", code, purpose=PURPOSE)
        assert (d.allowed, d.reason, d.rule, d.grant) == (False, "explicit_deny", "base:mz-suspended", None)
    assert decide(policy, setup, "SCJG", "SCJG-QY-0001").allowed  # others unaffected
    assert g.id in policy.grants


def test_deny_for_one_application_with_expiry(setup):
    pause_until = (NOW + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    write_policy(setup, f"p, app:MZ/leaky, SCJG-QY-0001, GET, deny, {pause_until}, , base:leaky-paused\n")
    policy = build(setup)
    assert decide(policy, setup, "MZ", "SCJG-QY-0001", app="leaky").reason == "explicit_deny"
    assert decide(policy, setup, "MZ", "SCJG-QY-0001", app="dibao").reason == "unconditional"
    assert decide(policy, setup, "MZ", "SCJG-QY-0001", app="leaky", now=NOW + timedelta(hours=2)).allowed


def test_group_rule_and_write_method_rule(setup):
    write_policy(setup, "g, dept:MZ, group:minsheng\n"
                        "p, group:minsheng, GA-RK-0001, GET, allow, , 社会救助, base:minsheng-reads\n"
                        "p, app:MZ/sync, SCJG-QY-0001, POST, allow, , , base:mz-sync-writes\n")
    policy = build(setup)
    d = decide(policy, setup, "MZ", "GA-RK-0001", purpose="社会救助")
    assert (d.allowed, d.reason, d.rule) == (True, "policy_rule", "base:minsheng-reads")
    assert not decide(policy, setup, "MZ", "GA-RK-0001", purpose="其他").allowed
    assert not decide(policy, setup, "SCJG", "GA-RK-0001", purpose="社会救助").allowed
    assert decide(policy, setup, "MZ", "SCJG-QY-0001", "POST", app="sync").rule == "base:mz-sync-writes"
    assert decide(policy, setup, "MZ", "SCJG-QY-0001", "POST", app="other").reason == "method_not_allowed"


# ---------------------------------------------------------------------------------------------- odd callers


def test_unknown_resource_and_invalid_principal(setup):
    policy = build(setup)
    stranger = replace(setup[1].resource("GA-RK-0001"), code="XX-YY-0001")
    d = policy.decide(Caller("GA"), "GET", stranger, now=NOW)
    assert (d.allowed, d.reason) == (False, "unknown_resource")
    for caller in (Caller(""), Caller("mz"), Caller("MZ", app="bad/app"), Caller("dept:GA")):
        d = policy.decide(caller, "GET", setup[1].resource("SCJG-QY-0001"), now=NOW)
        assert (d.allowed, d.reason) == (False, "invalid_principal")


def test_naive_now_is_refused(setup):
    with pytest.raises(ValueError):
        build(setup).decide(Caller("MZ"), "GET", setup[1].resource("SCJG-QY-0001"), now=datetime(2026, 1, 1))


# ---------------------------------------------------------------------------------------------- database rules


def test_database_rules_are_loaded_and_tampered_grant_rules_ignored(setup):
    adapter = PolicyAdapter(setup[2])
    adapter.add_policy("p", "p", ["dept:MZ", "SCJG-QY-0001", "GET", "deny", "", "", "ops:mz-incident"])
    adapter.add_policy("p", "p", ["dept:SCJG", "GA-RK-0001", "GET|HEAD", "allow", "", "", "grant:g-0123456789abcdef"])
    g = grant(setup)
    adapter.add_policy("p", "p", ["dept:SCJG", "GA-RK-0001", "GET|HEAD", "allow", "", PURPOSE, f"grant:{g.id}"])
    policy = build(setup)
    assert decide(policy, setup, "MZ", "SCJG-QY-0001").rule == "ops:mz-incident"
    assert decide(policy, setup, "SCJG", "GA-RK-0001", purpose=PURPOSE).reason == "no_grant"
    assert decide(policy, setup, "MZ", "GA-RK-0001", purpose=PURPOSE).reason == "granted"


def test_invalid_database_rule_fails_the_build(setup):
    PolicyAdapter(setup[2]).add_policy("p", "p", ["dept:MZ", "*", "FETCH", "allow", "", "", "ops:x"])
    with pytest.raises(PolicyError) as e:
        build(setup)
    assert "rule id" in str(e.value) and "'act'" in str(e.value)


# ---------------------------------------------------------------------------------------------- versions


def test_policy_version_is_deterministic_and_follows_changes(setup):
    first, again = build(setup), build(setup)
    assert first.version == again.version and first.version.startswith("r0-")
    g = grant(setup)
    second = build(setup)
    assert second.version != first.version and second.revision == 1
    GrantStore(setup[2]).revoke(g.id, "security-admin", now=NOW)
    assert build(setup).version.startswith("r2-")


def test_compiled_catalog_rules(setup):
    rules, owners = compile_catalog(setup[1])
    by_name = {r.name: r.values for r in rules}
    assert by_name["catalog:SCJG-QY-0001:unconditional"] == ("*", "SCJG-QY-0001", "GET|HEAD", "allow", "", "",
                                                             "catalog:SCJG-QY-0001:unconditional")
    assert by_name["catalog:GA-ZT-0001:none"][:4] == ("@others", "GA-ZT-0001", "*", "deny")
    assert not any("GA-RK-0001" in name for name in by_name)  # conditional: only grants open it
    assert ("GA-RK-0001", "dept:GA") in owners


# ---------------------------------------------------------------------------------------------- validation

BAD_LINES = [
    ("p, dept:MZ, GA-RK-0001, GET, allow, , base:x\n", None, "7 fields"),
    ("p, dept:MZ, GA-RK-0001, FETCH, allow, , , base:x\n", "act", "FETCH"),
    ("p, dept:MZ, GA-RK-0001, GET, permit, , , base:x\n", "eft", "permit"),
    ("p, dept:MZ, GA-RK-0001, GET, allow, 2026-12-31, , base:x\n", "until", "ISO-8601"),
    ("p, dept:MZ, GA-RK-0001, GET, allow, , , grant:g-1\n", "rule", "reserved"),
    ("p, dept:MZ, GA-XX-9999, GET, allow, , , base:x\n", "obj", "not in the catalog"),
    ("p, MZ, GA-RK-0001, GET, allow, , , base:x\n", "sub", "not a subject"),
    ("p, dept:MZ, GA-RK-0001, GET, allow, , , base:own-department\n", "rule", "already named"),
    ("g2, GA-RK-0001, dept:MZ\n", "ptype", "catalog"),
    ("g, dept:MZ, dept:GA\n", "group", "group:"),
    ("q, a, b\n", "ptype", "must be p or g"),
]


@pytest.mark.parametrize("line,field,problem", BAD_LINES)
def test_bad_policy_line_names_file_line_and_field(setup, line, field, problem):
    config = setup[0]
    base = (POLICIES_DIR / "policy.csv").read_text(encoding="utf-8")
    write_policy(setup, "\n# a comment\n" + line)
    expected_line = len(base.splitlines()) + 3
    with pytest.raises(PolicyError) as e:
        build(setup)
    err = e.value
    assert err.path == str(config.policy) and err.line == expected_line
    assert problem in str(err)
    assert f"{config.policy}:{expected_line}" in str(err)
    if field:
        assert f"field '{field}'" in str(err)


def test_shipped_policy_csv_is_valid(setup):
    rules, groups = read_policy_csv(POLICIES_DIR / "policy.csv", setup[1])
    assert [r.name for r in rules] == ["base:own-department"] and groups == []


def test_model_must_keep_deny_wins(setup, tmp_path):
    text = (POLICIES_DIR / "model.conf").read_text(encoding="utf-8")
    bad = tmp_path / "model.conf"
    bad.write_text(text.replace("e = some(where (p.eft == allow)) && !some(where (p.eft == deny))",
                                "e = some(where (p.eft == allow))"), encoding="utf-8")
    config, catalog, engine = setup
    with pytest.raises(PolicyError) as e:
        PolicyEngine.build(replace(config, model=bad), catalog, engine)
    assert str(bad) in str(e.value) and "[policy_effect]" in str(e.value)
    missing = replace(config, model=tmp_path / "nope.conf")
    with pytest.raises(PolicyError, match="cannot read"):
        PolicyEngine.build(missing, catalog, engine)


# ---------------------------------------------------------------------------------------------- reloading


def test_change_by_another_process_reaches_a_second_reloader_after_check(setup):
    config, catalog, _ = setup
    gateway_engine, cli_engine = make_engine(config.db_url), make_engine(config.db_url)  # two "processes"
    try:
        gateway = PolicyReloader(config, lambda: catalog, gateway_engine)
        before = gateway.current
        assert gateway.check() is False  # nothing changed
        assert gateway.current is before
        g = GrantStore(cli_engine, catalog).add("MZ", None, "GA-RK-0001", ["xm"], [], PURPOSE, UNTIL, "admin",
                                                now=NOW)
        assert not decide(gateway.current, setup, "MZ", "GA-RK-0001", purpose=PURPOSE).allowed
        assert gateway.check() is True
        assert gateway.current.version != before.version and gateway.last_error is None
        d = decide(gateway.current, setup, "MZ", "GA-RK-0001", purpose=PURPOSE)
        assert (d.allowed, d.rule, d.grant.fields) == (True, f"grant:{g.id}", ("xm",))
        GrantStore(cli_engine).revoke(g.id, "admin")
        assert gateway.check() is True
        assert decide(gateway.current, setup, "MZ", "GA-RK-0001", purpose=PURPOSE).reason == "no_grant"
    finally:
        gateway_engine.dispose()
        cli_engine.dispose()


def test_broken_policy_csv_keeps_the_old_engine(setup):
    config, catalog, engine = setup
    reloader = PolicyReloader(config, lambda: catalog, engine)
    old = reloader.current
    policy_path = Path(config.policy)
    good = policy_path.read_text(encoding="utf-8")
    policy_path.write_text(good + "p, dept:MZ, *, GET, allow\n", encoding="utf-8")
    touch_later(policy_path, 1)
    assert reloader.check() is False
    assert reloader.current is old
    assert f"{policy_path}:{len(good.splitlines()) + 1}" in reloader.last_error
    assert reloader.check() is False and reloader.current is old  # not retried until the file changes
    assert decide(reloader.current, setup, "GA", "GA-ZT-0001").allowed
    policy_path.write_text(good + "p, dept:MZ, *, *, deny, , , base:mz-off\n", encoding="utf-8")
    touch_later(policy_path, 2)
    assert reloader.check() is True and reloader.last_error is None
    assert decide(reloader.current, setup, "MZ", "SCJG-QY-0001").reason == "explicit_deny"


def test_catalog_change_triggers_rebuild(setup, tmp_path):
    config, catalog, engine = setup
    current = {"catalog": catalog}
    reloader = PolicyReloader(config, lambda: current["catalog"], engine)
    assert decide(reloader.current, setup, "MZ", "SCJG-QY-0001").allowed
    changed = tmp_path / "catalog2.yaml"
    changed.write_text(CATALOG.replace("share: unconditional", "share: conditional"), encoding="utf-8")
    current["catalog"] = load_catalog(changed)
    assert reloader.check() is True
    d = reloader.current.decide(Caller("MZ"), "GET", current["catalog"].resource("SCJG-QY-0001"), now=NOW)
    assert (d.allowed, d.reason) == (False, "no_grant")


def test_first_build_failure_raises(setup):
    config, catalog, engine = setup
    Path(config.policy).write_text("p, nobody\n", encoding="utf-8")
    with pytest.raises(PolicyError):
        PolicyReloader(config, lambda: catalog, engine)


# ---------------------------------------------------------------------------------------------- properties


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("world")
    catalog_path = tmp / "catalog.yaml"
    catalog_path.write_text(CATALOG, encoding="utf-8")
    config = replace(load_config(None, tmp / "var"), catalog=catalog_path)
    catalog = load_catalog(catalog_path)
    engine = make_engine(config.db_url)
    store = GrantStore(engine, catalog)
    grants = [store.add("MZ", None, "GA-RK-0001", ["xm"], [], PURPOSE, UNTIL, "admin", now=NOW),
              store.add("SCJG", "jianguan", "GA-RK-0001", [], ["sfzh"], "市场监管", NOW + timedelta(days=5),
                        "admin", now=NOW)]
    policy = PolicyEngine.build(config, catalog, engine)
    yield catalog, policy, grants
    engine.dispose()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(dept=st.sampled_from(["GA", "MZ", "SCJG", "RS"]), app=st.sampled_from([None, "dibao", "jianguan"]),
       purpose=st.sampled_from([None, "", PURPOSE, "市场监管", "other"]),
       method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"]),
       code=st.sampled_from(["SCJG-QY-0001", "GA-RK-0001", "GA-ZT-0001"]),
       offset=st.integers(min_value=-10, max_value=60 * 24 * 3600))
def test_decisions_respect_the_share_rules(world, dept, app, purpose, method, code, offset):
    catalog, policy, grants = world
    resource = catalog.resource(code)
    now = NOW + timedelta(seconds=offset)
    d = policy.decide(Caller(dept, app, purpose), method, resource, now=now)
    assert d.policy_version == policy.version
    if d.allowed:
        assert method in ("GET", "HEAD")  # the base policy opens no other method
        if dept == resource.provider:
            assert d.reason == "own_department"
        elif code == "GA-ZT-0001":
            pytest.fail("a not-shared resource was released to another department")
        elif code == "GA-RK-0001":
            g = d.grant
            assert d.reason == "granted" and g is not None and g.dept == dept
            assert g.purpose == purpose and (g.app is None or g.app == app)
            assert now < datetime.fromisoformat(g.until)
    else:
        assert d.grant is None
        assert (d.reason == "not_shared") == (code == "GA-ZT-0001" and dept != resource.provider)
        if d.reason == "not_shared":
            assert d.legal_basis == resource.legal_basis
