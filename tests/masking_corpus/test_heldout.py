"""The held-out masking corpora (heldout.py): deterministic, truthful (every declared identifier passes its
checksum, every checksum-failing control fails it, every value sits in its document) and scored with the
gateway's own rules and detector. `python -m tests.masking_corpus.score --corpus heldout-harsh --misses`
lists what was missed.

The floors below are MEASURED, NOT THE GOAL: a regression guard at the level the engine reached (first
scored on 2026-12-04 before anyone looked at these corpora; raised after work tuned only on seeds 1 and 2). The goals (issue 10) are higher:
ordinary fields >= 99.5%, free text >= 97%, controls >= 99%; harsh fields >= 98%, free text >= 95%,
controls >= 98%. Raise a floor when the engine improves; never tune the engine on these cases.
"""

from __future__ import annotations

import json
import re
import unicodedata

import pytest
from stdnum import luhn
from stdnum.cn import ric, uscc

from tests.masking_corpus.heldout import SETS, generate_set
from tests.masking_corpus.score import production_masker, score, table, totals

SEED, COUNT = 20261205, 400
FLOORS = {  # measured, not the goal: after the division list, the identifier shapes and the PERSON recall work
    # of 2026-12-04 (branches divisions, recallid, recallname, names2 merged in names3), tuned on validation seeds
    # 1 and 2 only; first scoring was ordinary 0.9781/0.8395/0.9960, harsh 0.9145/0.8310/0.9919
    "ordinary": {"fields": 0.9989, "text": 0.9999, "controls": 0.9992},
    "harsh": {"fields": 0.9971, "text": 0.9960, "controls": 0.9992},
}
ENTITIES = {"PERSON", "CN_ID_CARD", "CN_MOBILE", "CN_LANDLINE", "CN_BANK_CARD", "CN_PASSPORT", "CN_LICENSE_PLATE",
            "CN_VIN", "EMAIL_ADDRESS", "IP_ADDRESS", "MAC_ADDRESS", "CN_ADDRESS", "TRADE_SECRET", "CN_FOREIGN_PR",
            "CN_HMT_RESIDENCE", "CN_TRAVEL_PERMIT", "CN_SOCIAL_SECURITY"}
# ISO 3779 transliteration and position weights, written out independently of heldout_values.
VIN_VALUE = dict(zip("0123456789ABCDEFGHJKLMNPRSTUVWXYZ", [*range(10), 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9,
                                                            2, 3, 4, 5, 6, 7, 8, 9]))
VIN_WEIGHT = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]


@pytest.fixture(scope="module")
def corpora():
    return {which: generate_set(which, SEED, COUNT) for which in SETS}


@pytest.fixture(scope="module")
def results(corpora):
    from tests.support.masking import detector

    masker = production_masker(detector())
    return {which: score(cases, masker) for which, cases in corpora.items()}


def plain(value: str) -> str:
    """The characters of an identifier without full-width forms, separators or a +86/0086 prefix."""
    s = re.sub(r"[^0-9A-Za-z]", "", unicodedata.normalize("NFKC", value)).upper()
    return s[2:] if s.startswith("86") and len(s) == 13 else s[4:] if s.startswith("0086") else s


def gb11643_ok(s: str) -> bool:
    total = sum(int(d) * w for d, w in zip(s[:17], [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]))
    return len(s) == 18 and s[:17].isdigit() and "10X98765432"[total % 11] == s[17]


def vin_ok(s: str) -> bool:
    total = sum(VIN_VALUE[c] * w for c, w in zip(s, VIN_WEIGHT))
    return len(s) == 17 and "0123456789X"[total % 11] == s[8]


def test_generation_is_deterministic_per_seed():
    for which in SETS:
        a, b = generate_set(which, 11, 40), generate_set(which, 11, 40)
        assert [(c.doc, c.truth, c.controls) for c in a] == [(c.doc, c.truth, c.controls) for c in b]
        assert [c.doc for c in generate_set(which, 12, 40)] != [c.doc for c in a]


def test_every_value_sits_in_its_document_and_no_truth_overlaps_a_control(corpora):
    for cases in corpora.values():
        for case in cases:
            body = json.dumps(case.doc, ensure_ascii=False)
            for _, value, _ in case.truth:
                assert value in body, (case.shape, value)
                assert not any(value in c or c in value for _, c in case.controls), (case.shape, value)
            assert all(value in body for _, value in case.controls), case.shape


def test_every_declared_identifier_is_valid(corpora):
    checked = 0
    for cases in corpora.values():
        for case in cases:
            for entity, value, _ in case.truth:
                s = plain(value)
                if entity in ("CN_ID_CARD", "CN_SOCIAL_SECURITY") and len(s) == 18:
                    assert ric.is_valid(s), value
                elif entity == "CN_ID_CARD":
                    assert len(s) == 15 and s.isdigit() and ric.get_birth_date(s[:6] + "19" + s[6:] + "0"), value
                elif entity == "CN_HMT_RESIDENCE":
                    assert s[:6] in ("810000", "820000", "830000") and gb11643_ok(s), value
                elif entity == "CN_FOREIGN_PR":
                    new, old = s[0] == "9" and gb11643_ok(s), len(s) == 15 and s[:3].isalpha() and s[3:].isdigit()
                    assert new or old, value
                elif entity == "CN_BANK_CARD":
                    assert 16 <= len(s) <= 19 and luhn.is_valid(s), value
                elif entity == "CN_VIN":
                    assert vin_ok(s) and not set(s) & set("IOQ"), value
                elif entity == "CN_MOBILE":
                    assert re.fullmatch(r"1[3-9]\d{9}", s), value
                else:
                    continue
                checked += 1
    assert checked > 1000


def test_every_checksum_failing_control_fails_and_credit_codes_pass(corpora):
    kinds = {"bad_checksum": 0, "uscc": 0, "case_no": 0}
    for cases in corpora.values():
        for case in cases:
            for kind, value in case.controls:
                if kind == "bad_checksum":
                    assert len(value) == 18 and not gb11643_ok(value) and not luhn.is_valid(value), value
                elif kind == "uscc":
                    assert uscc.is_valid(value), value
                    assert not (value.isdigit() and (gb11643_ok(value) or luhn.is_valid(value))), value
                elif kind == "case_no":
                    for run in re.findall(r"\d+", value):
                        assert not (gb11643_ok(run) or (15 <= len(run) <= 19 and luhn.is_valid(run))), value
                else:
                    continue
                kinds[kind] += 1
    assert min(kinds.values()) >= 40, kinds


@pytest.mark.parametrize("which", SETS)
def test_the_set_covers_every_class(results, which):
    assert ENTITIES <= {e for e, _ in results[which]["seen"]}
    assert sum(results[which]["ctl_seen"].values()) >= 800


@pytest.mark.parametrize("which", SETS)
@pytest.mark.parametrize("measure", ["fields", "text", "controls"])
def test_no_regression_below_the_first_measurement(results, which, measure):
    print(f"\n{which}\n" + table(results[which]))
    got, floor = totals(results[which])[measure], FLOORS[which][measure]
    assert got >= floor, f"{which} {measure}: {100 * got:.2f}% < first measurement {100 * floor:.2f}%"
