"""Per-grant pseudonym keys: one private master secret created once, a different key per scope."""

from __future__ import annotations

import os
import stat
import threading

import pytest

from gateway.masking.operators import pseudonym
from gateway.masking.pseudonym import PseudonymKeyError, PseudonymKeys, grant_scope


def test_master_created_private_on_first_use(tmp_path):
    keys = PseudonymKeys(tmp_path)
    assert not (tmp_path / "keys").exists()  # nothing happens until a key is needed
    key = keys.key_for("grant:G1")
    path = tmp_path / "keys" / "pseudonym.key"
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    assert key.hex() not in path.read_text()  # the file holds the master, not a derived key
    assert [p.name for p in (tmp_path / "keys").iterdir()] == ["pseudonym.key"]  # no temp file left


def test_keys_are_stable_across_instances_and_differ_per_scope(tmp_path):
    a = PseudonymKeys(tmp_path).key_for("grant:G1")
    assert PseudonymKeys(tmp_path).key_for("grant:G1") == a
    assert PseudonymKeys(tmp_path).key_for("grant:G2") != a
    assert PseudonymKeys(tmp_path / "other").key_for("grant:G1") != a  # another gateway, another master


def test_two_grants_get_different_pseudonyms_for_the_same_value(tmp_path):
    keys = PseudonymKeys(tmp_path)
    mz = pseudonym("110101199003074514", keys.key_for(grant_scope("G-MZ", "MZ")), entity="CN_ID_CARD")
    sw = pseudonym("110101199003074514", keys.key_for(grant_scope("G-SW", "SW")), entity="CN_ID_CARD")
    again = pseudonym("110101199003074514", keys.key_for(grant_scope("G-MZ", "MZ")), entity="CN_ID_CARD")
    assert mz != sw and mz == again


def test_concurrent_first_use_agrees_on_one_master(tmp_path):
    results: list[bytes] = []
    barrier = threading.Barrier(8)

    def worker():
        barrier.wait()
        results.append(PseudonymKeys(tmp_path).key_for("grant:X"))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and len(set(results)) == 1
    assert [p.name for p in (tmp_path / "keys").iterdir()] == ["pseudonym.key"]


def test_refuses_a_master_readable_by_others(tmp_path):
    PseudonymKeys(tmp_path).key_for("x")
    path = tmp_path / "keys" / "pseudonym.key"
    os.chmod(path, 0o644)
    with pytest.raises(PseudonymKeyError) as e:
        PseudonymKeys(tmp_path).key_for("x")
    assert "readable by others" in str(e.value)


def test_refuses_a_corrupt_master(tmp_path):
    (tmp_path / "keys").mkdir(mode=0o700)
    path = tmp_path / "keys" / "pseudonym.key"
    path.write_text("not hex at all\n")
    os.chmod(path, 0o600)
    with pytest.raises(PseudonymKeyError) as e:
        PseudonymKeys(tmp_path).key_for("x")
    assert "not hex" not in str(e.value)  # the message names the file, never its content
    assert str(path) in str(e.value)


def test_scope_rules():
    assert grant_scope("G1", "MZ") == "grant:G1"
    assert grant_scope(None, "MZ") == "dept:MZ"
    assert grant_scope(None, None) == "gateway"
    with pytest.raises(ValueError):
        PseudonymKeys("/nonexistent").key_for("")
