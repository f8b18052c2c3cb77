"""Record cleaning: tokens never stored, query values and caller text masked or keyed-hashed, findings paths
without values used as keys; the result always passes the audit guard."""

from __future__ import annotations

import re

import pytest
from tests.support.audit import request_record

from gateway.audit.clean import TOKEN_MARK, Cleaner
from gateway.audit.record import validate

ID = "11010519491231002X"
MOBILE = "13812345678"
CARD = "6222021234567890123"
JWT = "eyJhbGciOiJFUzI1NiJ9.eyJkZXB0IjoiTVoifQ.c2lnbmF0dXJl"

cleaner = Cleaner(b"k" * 32, known_key=lambda k: k in {"姓名", "身份证号码"})


def fake_mask(query: str) -> str:
    """What the masking engine does to an ID number in a query (first 6, last 4)."""
    return re.sub(r"(?<![\dX])(\d{6})\d{8}(\d{3}[\dX])(?![\dX])", r"\1********\2", query)


@pytest.mark.parametrize("name", ["access_token", "token", "jwt", "id_token", "API-Key", "password", "Token"])
def test_token_parameters_are_never_stored(name):
    out = cleaner.query(f"page=1&{name}=s3cr3t-value&x=2")
    assert "s3cr3t" not in out and f"={TOKEN_MARK}" in out and out.startswith("page=1&")


def test_a_jwt_under_any_name_is_a_token():
    assert cleaner.query(f"q={JWT}") == f"q={TOKEN_MARK}"


def test_query_values_are_masked_and_what_stays_raw_is_hashed():
    out = cleaner.query(f"sfzh={ID}&sjhm={MOBILE}&yhkh={CARD}&page=2", mask=fake_mask)
    assert ID not in out and MOBILE not in out and CARD not in out
    assert "sfzh=110105********002X" in out and "page=2" in out
    assert re.search(r"sjhm=h_[0-9a-f]{16}", out) and re.search(r"yhkh=h_[0-9a-f]{16}", out)
    # Without a masking engine (unrouted requests) every long number is a keyed hash; equal inputs join.
    bare = cleaner.query(f"sfzh={ID}")
    assert bare == cleaner.query(f"sfzh={ID}") and ID not in bare and bare.startswith("sfzh=h_")


@pytest.mark.parametrize("value", ["１３８１２３４５６７８", "138-1234-5678", "+86 138 1234 5678",
                                   "110105 19491231 002X",
                                   "E12345678"])
def test_spelled_identifiers_are_hashed(value):
    out = cleaner.query("q=" + value)
    assert out.startswith("q=h_")


def test_parameter_names_that_are_values_are_hashed():
    out = cleaner.query(f"{MOBILE}=1&张伟=x")
    assert MOBILE not in out and "张伟" not in out and "%E5" not in out


def test_caller_request_ids_and_raw_paths_are_keyed_hashes():
    assert cleaner.request_id(f"req-{ID}", supplied_by_caller=True).startswith("rid_")
    assert ID not in cleaner.request_id(f"req-{ID}", supplied_by_caller=True)
    assert cleaner.request_id("0a1b" * 8, supplied_by_caller=False) == "0a1b" * 8
    assert cleaner.raw_path(f"/unknown/{ID}?x=1") == cleaner.raw_path(f"/unknown/{ID}")
    assert ID not in cleaner.raw_path(f"/unknown/{ID}")


def test_caller_text_is_masked_or_hashed():
    assert cleaner.text("最低生活保障审核") == "最低生活保障审核"
    assert cleaner.text(f"核查 {MOBILE}").startswith("h_")
    assert cleaner.text("核查张伟", mask=lambda t: t.replace("张伟", "张*")) == "核查张*"


@pytest.mark.parametrize("path, expected", [
    ("$.data[*].sfzh", "$.data[*].sfzh"),
    ("$.records.姓名", "$.records.姓名"),
    ("$.records.*.sfzh", "$.records.*.sfzh"),
    ("$['weird key'].x", None),
])
def test_findings_paths_keep_field_names(path, expected):
    out = cleaner.finding_path(path)
    assert out == (expected or out) and (expected or "$.#h_") in out


@pytest.mark.parametrize("key", ["张伟", "北京市朝阳区建国路88号", ID, "zhang@example.com", MOBILE])
def test_object_keys_that_are_values_are_hashed_in_findings_paths(key):
    path = f"$.records.{key}.sfzh" if "." not in key else f"$.records['{key}'].sfzh"
    out = cleaner.finding_path(path)
    assert key not in out and re.fullmatch(r"\$\.records\.#h_[0-9a-f]{16}\.sfzh", out), out
    assert cleaner.finding_path(path) == out  # the same key always gets the same hash


def test_catalog_fields_are_kept_even_when_they_look_odd():
    assert cleaner.finding_path("$.data[*].户籍地址", fields={"户籍地址"}) == "$.data[*].户籍地址"


def test_cleaned_values_always_pass_the_audit_guard():
    rec = request_record(1, request_id=cleaner.request_id(f"r-{ID}", True),
                         query=cleaner.query(f"sfzh={ID}&token={JWT}&p={MOBILE}", mask=fake_mask),
                         path=cleaner.raw_path(f"/x/{MOBILE}"), purpose=cleaner.text(f"查 {MOBILE}"),
                         masking=[{"path": cleaner.finding_path(f"$.r.{ID}.sjhm"), "entity": "CN_MOBILE",
                                   "operator": "keep", "count": 1}])
    checked = validate(rec)
    text = str(checked)
    assert ID not in text and MOBILE not in text and JWT not in text


def test_a_long_query_is_bounded_at_a_parameter():
    out = cleaner.query("&".join(f"p{i}=v{i}" for i in range(200)))
    assert len(out) <= 512 and out.endswith("&…")


def test_a_masking_failure_hashes_instead_of_failing_the_record():
    def broken(_text):
        raise RuntimeError("engine down")

    assert cleaner.query(f"sfzh={ID}&page=2", mask=broken) == cleaner.query(f"sfzh={ID}&page=2")
    assert cleaner.text("任何目的", mask=broken).startswith("h_")
