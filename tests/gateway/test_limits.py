"""The limits' core: the per-department cap, the refusals' statuses and headers, and their settings."""

from __future__ import annotations

import pytest

from gateway.config import ConfigError, load_config
from gateway.limits import DepartmentSlots, HeadersTooLarge, RequestTooLarge, TooManyRequests


def test_a_department_gets_at_most_its_cap_and_others_are_counted_apart():
    slots = DepartmentSlots(2)
    assert slots.acquire("MZ") and slots.acquire("MZ")
    assert not slots.acquire("MZ")
    assert slots.acquire("GA")
    slots.release("MZ")
    assert slots.in_flight("MZ") == 1 and slots.acquire("MZ")
    for _ in range(2):
        slots.release("MZ")
    assert slots.in_flight("MZ") == 0


def test_a_cap_of_zero_is_no_cap():
    slots = DepartmentSlots(0)
    assert all(slots.acquire("MZ") for _ in range(1000))


def test_the_refusals_carry_their_status_reason_and_headers():
    assert (HeadersTooLarge().status, HeadersTooLarge().headers()) == (431, {"Connection": "close"})
    assert (RequestTooLarge().status, RequestTooLarge().reason) == (413, "request_too_large")
    busy = TooManyRequests()
    assert (busy.status, busy.reason, busy.headers()) == (429, "too_many_requests", {"Retry-After": "1"})
    assert set(busy.document("rid")) == {"error", "status", "message", "request_id"}


@pytest.mark.parametrize("section,key,value", [
    ("gateway", "max_header_bytes", 0), ("gateway", "max_headers", 0), ("gateway", "max_request_body_bytes", -1),
    ("gateway", "max_concurrent_per_dept", -1), ("masking", "workers", -1), ("masking", "timeout_seconds", 0),
    ("masking", "workers", '"many"'), ("masking", "workers", "true"), ("masking", "workers", "1.5"),
])
def test_limits_out_of_range_are_refused_at_load_naming_the_setting(tmp_path, section, key, value):
    path = tmp_path / "govshare.toml"
    path.write_text(f"[{section}]\n{key} = {value}\n")
    with pytest.raises(ConfigError) as e:
        load_config(path, tmp_path / "var")
    assert key in str(e.value) or f"[{section}]" in str(e.value)


@pytest.mark.parametrize("line,workers", [("", "auto"), ('workers = "auto"', "auto"), ("workers = 0", 0),
                                          ("workers = 3", 3)])
def test_masking_workers_are_a_whole_number_or_auto(tmp_path, line, workers):
    path = tmp_path / "govshare.toml"
    path.write_text(f"[masking]\n{line}\n")
    assert load_config(path, tmp_path / "var").masking.workers == workers


def test_the_defaults_bound_every_request():
    gw = load_config(None, "var").gateway
    assert (gw.max_header_bytes, gw.max_headers, gw.max_request_body_bytes) == (32 * 1024, 100, 64 * 1024)
    assert gw.max_concurrent_per_dept == 32
