"""`govshare grant show|extend|list --expiring` and the overlap warning of `grant add`, on real SQLite."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from gateway.config import load_config
from gateway.store import make_engine


def _until(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0).isoformat()


def _add(ops, *extra: str, days: int = 30, dept: str = "MZ") -> tuple[int, str, str]:
    return ops("grant", "add", "--dept", dept, "--resource", "GA-RK-0001", "--purpose", "低保核查",
               "--until", _until(days), *extra)


def _admin_actions(ops) -> list[dict]:
    from gateway.audit.query import Filters, iter_rows

    config = load_config(str(ops.config), None)
    engine = make_engine(config.db_url)
    try:
        return [row.record for row in iter_rows(engine, config.data_dir, Filters(event="admin"))]
    finally:
        engine.dispose()


def _tampered(ops) -> list:
    """What the gateway's reload would raise a tamper alarm for: an edit the grant store did not seal."""
    from gateway.policy.seals import check_grants

    engine = make_engine(load_config(str(ops.config), None).db_url)
    try:
        return check_grants(engine)
    finally:
        engine.dispose()


def _check(ops) -> dict:
    code, out, _ = ops("policy", "check", "--json", "--dept", "MZ", "--purpose", "低保核查", "GET", "/ga/rk/1")
    return json.loads(out)


def test_show_and_json(ops):
    code, out, err = _add(ops, "--fields", "xm")
    assert (code, err) == (0, "")
    gid = out.strip()
    code, out, _ = ops("grant", "show", gid)
    assert code == 0 and out.splitlines()[0] == f"grant {gid} (active)" and "reveals       xm" in out
    code, out, _ = ops("grant", "show", "--json", gid)
    doc = json.loads(out)
    assert (doc["id"], doc["status"], doc["fields"], doc["dept"]) == (gid, "active", ["xm"], "MZ")
    code, _, err = ops("grant", "show", "g-0000000000000000")
    assert code == 1 and "no grant" in err


def test_extend_moves_expiry_bumps_the_policy_version_and_is_audited(ops):
    _, out, _ = _add(ops, days=2)
    gid = out.strip()
    version_before = _check(ops)["policy_version"]
    new_until = (datetime.now(UTC) + timedelta(days=90)).replace(microsecond=0)
    code, out, err = ops("grant", "extend", gid, "--until", new_until.isoformat(), "--reason", "项目延期",
                         "--by", "officer-li")
    assert (code, err) == (0, "")
    expected = new_until.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert out.strip().endswith(f"to {expected}")
    decision = _check(ops)
    assert decision["allowed"] and decision["grant_id"] == gid
    assert decision["policy_version"] != version_before
    _, out, _ = ops("grant", "show", "--json", gid)
    assert json.loads(out)["until"] == expected
    extend = [r for r in _admin_actions(ops) if r["action"] == "grant.extend"]
    assert len(extend) == 1
    assert extend[0]["actor"] == "officer-li" and extend[0]["detail"]["reason"] == "项目延期"
    assert extend[0]["detail"]["until"] == expected and extend[0]["digest_before"] != extend[0]["digest_after"]
    assert _tampered(ops) == []


def test_extend_refuses_shortening_revoked_and_a_missing_reason(ops):
    _, out, _ = _add(ops, days=30)
    gid = out.strip()
    code, _, err = ops("grant", "extend", gid, "--until", _until(5), "--reason", "x")
    assert code == 1 and "not later than" in err
    code, _, err = ops("grant", "extend", gid, "--until", _until(60), "--reason", "  ")
    assert code == 1
    assert ops("grant", "revoke", gid)[0] == 0
    code, _, err = ops("grant", "extend", gid, "--until", _until(60), "--reason", "x")
    assert code == 1 and "revoked" in err
    code, _, _ = ops("grant", "extend", gid, "--until", _until(60))
    assert code == 2  # --reason is required
    assert not [r for r in _admin_actions(ops) if r["action"] == "grant.extend"]


def test_list_expiring(ops):
    soon = _add(ops, days=3)[1].strip()
    later = _add(ops, "--fields", "xm", days=40)[1].strip()
    code, out, _ = ops("grant", "list", "--expiring", "7", "--json")
    assert code == 0 and [g["id"] for g in json.loads(out)] == [soon]
    code, out, _ = ops("grant", "list", "--expiring", "60", "--json")
    assert [g["id"] for g in json.loads(out)] == [soon, later]
    ops("grant", "revoke", soon)
    code, out, _ = ops("grant", "list", "--expiring", "7")
    assert code == 0 and out.strip() == "no grant expires within 7 day(s)"


def test_duplicate_and_overlapping_grants_warn(ops):
    code, first, err = _add(ops, "--fields", "xm")
    assert (code, err) == (0, "")
    first = first.strip()
    code, out, err = _add(ops, "--fields", "xm", "--json")
    assert code == 0
    doc = json.loads(out)
    assert len(doc["warnings"]) == 1 and f"duplicates grant {first}" in doc["warnings"][0]
    assert err.strip() == f"warning: {doc['warnings'][0]}"

    code, out, err = _add(ops, "--fields", "xm,sfzh", "--app", "dibao", "--json")
    warnings = json.loads(out)["warnings"]
    assert len(warnings) == 2 and all("overlaps" in w and "fields xm" in w for w in warnings)

    # another department, or fields that do not meet, is no overlap
    code, out, err = _add(ops, "--fields", "xm", "--json", dept="SCJG")
    assert (json.loads(out)["warnings"], err) == ([], "")


def test_an_extension_the_trail_refuses_is_withdrawn(ops):
    """A reason carrying an ID number is refused by the audit trail's PII guard: nothing unaudited stays."""
    _, out, _ = _add(ops, days=2)
    gid = out.strip()
    _, before, _ = ops("grant", "show", "--json", gid)
    code, out, err = ops("grant", "extend", gid, "--until", _until(90), "--reason", "核对 11010519491231002X")
    assert code == 1 and "extension withdrawn" in err and "11010519491231002X" not in err
    _, after, _ = ops("grant", "show", "--json", gid)
    assert json.loads(after)["until"] == json.loads(before)["until"]
    assert _check(ops)["allowed"]  # the grant itself still works, with its old expiry
    assert _tampered(ops) == []
    assert not [r for r in _admin_actions(ops) if r["action"] == "grant.extend"]
