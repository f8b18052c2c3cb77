"""XML: element text and attributes masked by their names; no DTD, no entities, no identifiers in names."""

from __future__ import annotations

import pytest

from gateway.masking.refusal import MaskingRefused
from tests.support.masking import masker
from tests.support.pii_scan import find_identifiers

from .conftest import CARD, ID, LABELLED, MOBILE


def test_labels_apply_to_elements_and_attributes(mask):
    doc = (f'<?xml version="1.0" encoding="GBK"?><r xmlns:g="urn:x"><g:p sfzh="{ID}" n="1"><xm>张三</xm>'
           f'<bz>电话{MOBILE} &amp; 卡号{CARD}</bz><yysr>100</yysr><![CDATA[{ID}]]><!-- {MOBILE} --></g:p></r>')
    out = mask(doc, "application/xml", LABELLED)
    assert out == ('<?xml version="1.0" encoding="utf-8"?><r xmlns:g="urn:x"><g:p sfzh="110105********002X" n="1">'
                   '<xm>张*</xm><bz>电话139****5678 &amp; 卡号***************0128</bz><yysr></yysr>'
                   '110105********002X</g:p></r>')


@pytest.mark.parametrize("doc, reason", [
    ('<!DOCTYPE r [<!ENTITY a "x">]><r>&a;</r>', "xml_dtd"),
    ('<!DOCTYPE r SYSTEM "http://evil/x.dtd"><r/>', "xml_dtd"),
    ('<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><r/>', "xml_dtd"),
    ('<r>&undeclared;</r>', "invalid_xml"),
    (f'<r><a>{ID}</r>', "invalid_xml"),
    (f'<r><x{MOBILE}>1</x{MOBILE}></r>', "identifier_in_markup"),
    (f'<r a{ID[:12]}="1"/>', "identifier_in_markup"),
    ('<r' + '><a' * 100_000 + '>', "invalid_xml"),
])
def test_what_cannot_be_read_safely_is_refused(doc, reason):
    with pytest.raises(MaskingRefused) as e:
        masker().mask_body(doc.encode(), "text/xml", None, LABELLED)
    assert e.value.reason == reason


def test_soap_and_atom_are_xml(mask):
    assert not find_identifiers(mask(f"<e><sjhm>{MOBILE}</sjhm></e>", "application/soap+xml"))
    assert not find_identifiers(mask(f"<feed><title>{ID}</title></feed>", "application/atom+xml"))
