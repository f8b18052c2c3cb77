"""Record shapes, validation on append, the PII guard and the canonical form."""

from __future__ import annotations

import asyncio
import json

import pytest
from tests.support.audit import request_record
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.audit import ADMIN_FIELDS, REQUEST_FIELDS, AuditRejected, AuditTrail, canonical, validate
from gateway.audit.query import tail
from gateway.audit.record import is_valid_id_number, looks_like_pii, prepare

ID_NUMBER = "11010519491231002X"  # valid GB 11643 check character
MOBILE = "13812345678"


@pytest.mark.parametrize("shape", ["allow", "deny", "error"])
def test_every_request_field_is_present_in_the_stored_record(config, shape):
    record = request_record(7, shape=shape)
    del record["client"]  # omitted optional keys are stored as null
    with AuditTrail.open(config) as trail:
        seq = asyncio.run(trail.append(record))
        [row] = tail(trail.engine, 1)
    stored = row.record
    assert row.seq == seq == 1
    assert set(stored) == set(REQUEST_FIELDS)
    assert stored["client"] is None
    expected = {"allow": ("allow", 200, None), "deny": ("deny", 403, None), "error": ("deny", 502, "ConnectError")}
    assert (stored["decision"], stored["status"], stored["error"]) == expected[shape]
    assert stored["purpose"] == "最低生活保障审核"


def test_every_admin_field_is_present(config):
    with AuditTrail.open(config) as trail:
        seq = trail.append_admin("alice", "security_admin", "grant.add", target="g-1",
                                 digest_after="sha256:" + "cd" * 32, detail={"fields": ["xm", "sfzh"]})
        [row] = tail(trail.engine, 1)
    assert row.seq == seq
    assert set(row.record) == set(ADMIN_FIELDS)
    assert row.record["digest_before"] is None and row.record["outcome"] == "success"
    assert row.record["detail"] == {"fields": ["xm", "sfzh"]}


def test_timestamp_defaults_to_now_in_the_record_format():
    record = request_record(1)
    del record["ts"]
    ts = validate(record)["ts"]
    assert len(ts) == 24 and ts.endswith("Z") and ts[10] == "T" and ts[19] == "."


@pytest.mark.parametrize("change, field", [
    ({"token": "eyJ..."}, "record"),
    ({"status": "200"}, "status"),
    ({"status": True}, "status"),
    ({"bytes_out": -1}, "bytes_out"),
    ({"latency_ms": float("nan")}, "latency_ms"),
    ({"decision": "maybe"}, "decision"),
    ({"ts": "2026-11-25 10:00:00"}, "ts"),
    ({"request_id": None}, "request_id"),
    ({"subject": "alice"}, "subject"),
    ({"method": "GET /x"}, "method"),
    ({"masking": [{"path": "$.x", "entity": "PERSON", "operator": "mask"}]}, "masking[0]"),
    ({"masking": [{"path": "$.x", "entity": "PERSON", "operator": "mask", "count": 1, "value": "张三"}]},
     "masking[0]"),
    ({"reason": "x" * 513}, "reason"),
    ({"event": "login"}, "event"),
])
def test_invalid_request_records_are_refused(change, field):
    with pytest.raises(AuditRejected) as info:
        validate(request_record(1, **change))
    assert info.value.field == field


def test_strings_up_to_512_characters_are_accepted():
    assert validate(request_record(1, reason="x" * 512))["reason"] == "x" * 512


@pytest.mark.parametrize("change", [
    {"role": "root"}, {"action": "Grant Add"}, {"outcome": "OK!"}, {"actor": ""},
    {"detail": {"nested": {"a": 1}}}, {"detail": {"bad key": 1}}, {"detail": {f"k{i}": i for i in range(33)}},
])
def test_invalid_admin_records_are_refused(change):
    record = {"event": "admin", "actor": "alice", "role": "audit_admin", "action": "audit.export",
              "outcome": "success", **change}
    with pytest.raises(AuditRejected):
        validate(record)


@pytest.mark.parametrize("field, value", [
    ("purpose", f"核查 {ID_NUMBER} 的户籍"),
    ("reason", ID_NUMBER.lower()),
    ("purpose", f"回电 {MOBILE}"),
    ("client", "+86 13912345678"),
    ("request_id", MOBILE),
    ("error", f"ValueError:{ID_NUMBER}"),
    ("path", f"/api/ga/population/{ID_NUMBER}"),
])
def test_pii_guard_refuses_an_id_number_or_mobile_in_any_string(config, field, value):
    with AuditTrail.open(config) as trail:
        with pytest.raises(AuditRejected) as info:
            asyncio.run(trail.append(request_record(1, **{field: value})))
        assert info.value.field == field
        assert ID_NUMBER not in str(info.value) and MOBILE not in str(info.value)
        assert tail(trail.engine, 5) == []  # nothing was written


def test_pii_guard_reaches_masking_entries_and_admin_detail():
    with pytest.raises(AuditRejected):
        validate(request_record(1, masking=[{"path": f"$.{MOBILE}", "entity": "CN_MOBILE", "operator": "mask",
                                             "count": 1}]))
    for detail in ({"note": f"id {ID_NUMBER}"}, {"phone": 13812345678}, {"ids": ["x", ID_NUMBER]}):
        with pytest.raises(AuditRejected):
            validate({"event": "admin", "actor": "alice", "role": "security_admin", "action": "grant.add",
                      "outcome": "success", "detail": detail})


def test_pii_guard_ignores_numbers_that_are_not_identifiers():
    assert not is_valid_id_number("110105194912310021")  # wrong check character
    assert looks_like_pii("order 110105194912310021") is None
    assert looks_like_pii("10381234567") is None  # not a mobile prefix
    assert looks_like_pii("1381234567890") is None  # 13 digits: not a mobile
    assert looks_like_pii(f"{MOBILE}") == "CN_MOBILE"
    assert looks_like_pii(ID_NUMBER) == "CN_ID_CARD"


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=16, max_size=16))
def test_digest_shaped_identifiers_never_trip_the_guard(raw):
    """Request ids (uuid4 hex) and keyed subject hashes are random hex: they must never be refused."""
    record = request_record(1, request_id=raw.hex() * 2, subject="sub_" + raw.hex()[:24])
    assert validate(record)["request_id"] == raw.hex() * 2


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=8, max_size=8).filter(lambda b: any(c in "abcdef" for c in b.hex())))
def test_grant_ids_never_trip_the_guard(raw):
    """Grant ids (g- and 16 random hex digits) go into admin records' detail and target: one in two
    thousand held a mobile-shaped run of digits and made `grant add` withdraw the grant."""
    grant_id = f"g-{raw.hex()}"
    assert looks_like_pii(grant_id) is None
    assert looks_like_pii("g-a13812345678bcde") is None


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["purpose", "reason", "rule", "app"]),
                       st.text(max_size=40).filter(lambda s: looks_like_pii(s) is None), max_size=4))
def test_canonical_form_is_sorted_compact_utf8_and_stable(values):
    record = validate(request_record(3, **values))
    data = canonical(record)
    parsed = json.loads(data.decode("utf-8"))
    assert parsed == record
    assert canonical(parsed) == data  # re-serialising the stored form gives the same bytes
    assert list(parsed) == sorted(parsed)
    assert "审计".encode() in canonical({**record, "rule": "审计"})  # non-ASCII kept as UTF-8, not \\u escapes


def test_scrub_keeps_a_refused_request_auditable_without_the_offending_values():
    from gateway.audit.record import scrub

    raw = request_record(1, request_id=MOBILE, purpose=f"核查 {ID_NUMBER}", status="200", method="M-SEARCH",
                         subject="alice", token="eyJ")
    with pytest.raises(AuditRejected):
        validate(raw)
    clean, changed = scrub(raw)
    assert validate(clean) == clean
    assert sorted(changed) == ["purpose", "request_id", "status", "subject", "token"]
    assert (clean["request_id"], clean["purpose"], clean["status"], clean["subject"]) == \
        ("[removed]", "[removed]", None, None)
    assert clean["method"] == "M-SEARCH" and clean["dept"] == raw["dept"]
    assert MOBILE not in canonical(clean).decode() and ID_NUMBER not in canonical(clean).decode()


def test_the_guard_is_the_identifiers_module_rule_in_every_spelling():
    for spelled in ("138-1234-5678", "+86 138 1234 5678", "１３８１２３４５６７８", "6222021234567890128",
                    "110105 19491231 002X"):
        found = looks_like_pii(f"caller text {spelled}")
        assert found in ("CN_MOBILE", "CN_ID_CARD", "CN_BANK_CARD"), spelled


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["purpose", "reason", "rule", "app", "path", "query"]),
                       st.text(max_size=40).filter(lambda s: looks_like_pii(s) is None), max_size=4),
       st.lists(st.tuples(st.sampled_from(["$.data[*].sfzh", "$.a.b", "header.vary"]),
                          st.sampled_from(["CN_ID_CARD", "PERSON"]), st.sampled_from(["mask", "keep"]),
                          st.integers(0, 2**63 - 1)), max_size=4),
       st.booleans())
def test_prepared_bytes_are_the_canonical_form(values, entries, twice):
    """prepare() encodes a request record without sorting again (validate emits it sorted): the bytes must be
    exactly canonical()'s, for masking entries given in any key order, scanned before (twice) or not."""
    masking = [dict(reversed(list({"path": p, "entity": e, "operator": o, "count": c}.items())))
               for p, e, o, c in entries]
    record = request_record(5, masking=masking, **values)
    if twice:
        prepare(record)
    prepared = prepare(record)
    assert prepared.canonical == canonical(validate(record))
    assert prepared.canonical == canonical(json.loads(prepared.canonical))


def test_masking_entries_are_still_checked_once_their_strings_were_seen():
    """The fast path for known masking strings keeps every check: key set, count type and range."""
    good = {"path": "$.data[*].sfzh", "entity": "CN_ID_CARD", "operator": "mask", "count": 3}
    validate(request_record(1, masking=[good]))  # its strings are now known clean
    for bad in ({**good, "count": True}, {**good, "count": -1}, {**good, "count": 2**63},
                {k: v for k, v in good.items() if k != "count"} | {"extra": 3}, {**good, "count": "3"}):
        with pytest.raises(AuditRejected):
            validate(request_record(1, masking=[bad]))
