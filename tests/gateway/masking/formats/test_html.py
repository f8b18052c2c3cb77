"""HTML: text nodes and attribute values masked, comments and odd names dropped, entities decoded first."""

from __future__ import annotations

from tests.support.pii_scan import find_identifiers

from .conftest import CARD, ID, MOBILE


def test_text_nodes_and_attributes_are_masked_and_the_page_is_rebuilt(mask):
    page = (f'<!DOCTYPE html><html><head><title>{ID}</title><style>p{{color:red}}</style></head>'
            f'<body><a href="/p?id={ID}" title="{MOBILE}" hidden>联系电话{MOBILE}</a><br/></body></html>')
    out = mask(page, "text/html; charset=utf-8")
    assert out == ('<!DOCTYPE html><html><head><title>110105********002X</title><style>p{color:red}</style></head>'
                   '<body><a href="/p?id=110105********002X" title="139****5678" hidden>联系电话139****5678</a>'
                   '<br/></body></html>')


def test_character_references_are_decoded_before_masking(mask):
    encoded = "".join(f"&#{ord(c)};" for c in ID)
    out = mask(f"<p>身份证号{encoded}</p><p>&#x31;{MOBILE[1:]}</p>", "text/html")
    assert not find_identifiers(out) and "110105********002X" in out


def test_comments_declarations_and_numbered_names_are_dropped(mask):
    out = mask(f'<!-- {CARD} --><?php echo {ID} ?><x{MOBILE}>t</x{MOBILE}><p data-{ID[:11]}="1">a</p>',
               "text/html")
    assert out == "t<p>a</p>"


def test_script_text_is_masked_but_not_escaped(mask):
    out = mask(f'<script>var a = "{MOBILE}" && b < c;</script>', "text/html")
    assert out == '<script>var a = "139****5678" && b < c;</script>'


def test_text_is_escaped_on_the_way_out(mask):
    out = mask("<p>a &lt;b&gt; &amp; c</p>", "application/xhtml+xml")
    assert out == "<p>a &lt;b&gt; &amp; c</p>"


def test_an_identifier_split_over_text_nodes_is_masked_as_the_page_renders_it(mask):
    out = mask(f"<p>身份证<span>{ID[:6]}</span><span>{ID[6:14]}</span><b>{ID[14:]}</b>，电话<i>{MOBILE[:3]}</i>-"
               f"<i>{MOBILE[3:7]}</i>-<i>{MOBILE[7:]}</i>，共<b>2</b><b>3</b>人</p>", "text/html")
    rendered = "".join(part.split(">")[-1] for part in out.split("<"))
    assert not find_identifiers(rendered), rendered
    assert "共<b>2</b><b>3</b>人" in out  # short numbers beside each other are left alone
