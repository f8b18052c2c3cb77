"""CSV and TSV: a header row gives column labels; without one every cell is free text."""

from __future__ import annotations

import pytest

from gateway.masking.refusal import MaskingRefused
from tests.support.masking import masker
from tests.support.pii_scan import find_identifiers

from .conftest import CARD, ID, ID2, LABELLED, MOBILE


def test_a_header_row_labels_the_columns(mask):
    out = mask(f"xm,sfzh,sjhm,yysr\n张三,{ID},{MOBILE},100\n", "text/csv", LABELLED)
    assert out == "xm,sfzh,sjhm\n张*,110105********002X,139****5678\n"  # trade secret column removed


def test_without_a_header_row_the_first_row_is_data_and_is_masked(mask):
    out = mask(f"张三,{ID},{MOBILE}\n李四,{ID2},{CARD}", "text/csv", LABELLED)
    assert out.splitlines()[0].split(",")[1:] == ["110105********002X", "139****5678"]
    assert not find_identifiers(out)
    assert not out.endswith("\n")


def test_tsv_and_semicolons(mask):
    assert not find_identifiers(mask(f"a\tb\n{ID}\t{MOBILE}\n", "text/tab-separated-values"))
    assert not find_identifiers(mask(f"a;b\n{ID};{MOBILE}\n", "text/csv"))


def test_duplicate_or_empty_header_cells_mean_no_header(mask):
    out = mask(f"a,a\n{ID},x\n", "text/csv")
    assert out == "a,a\n110105********002X,x\n"
    assert not find_identifiers(mask(f",b\n{MOBILE},{ID}\n", "text/csv"))


def test_cells_beyond_the_header_are_free_text(mask):
    out = mask(f"xm\n张三,{ID},{MOBILE}\n", "text/csv", LABELLED)
    assert out == "xm\n张*,110105********002X,139****5678\n"


def test_quoting_survives_and_bad_quoting_is_refused(mask):
    out = mask(f'bz\n"电话{MOBILE}, 身份证{ID}"\n', "text/csv")
    assert out == 'bz\n"电话139****5678, 身份证110105********002X"\n'
    with pytest.raises(MaskingRefused) as e:
        masker().mask_body(b'a,b\n"unterminated,1\n', "text/csv", None, LABELLED)
    assert e.value.reason == "invalid_csv"
