"""Tests for gateway.catalog: validation errors name file, line, entry and problem; routing; summary().

Every catalog here is a real YAML file written to tmp_path; expected line numbers are computed from the
text itself, so a test cannot pass by accident when the layout changes.
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.catalog import CatalogError, FieldClass, Share, load_catalog

VALID = """\
version: 1
departments:
  - code: GA
    name: 市公安局
    upstream: http://127.0.0.1:9101/
  - code: SCJG
    name: 市市场监督管理局
    upstream: https://scjg.example.gov.cn:8443/base
resources:
  - code: GA-RK-0001
    name: 常住人口基本信息
    provider: GA
    path: /ga/population
    upstream_path: /api/v1/persons
    share: conditional
    fields:
      - {name: xm, label: 姓名, class: personal, entity: PERSON}
      - {name: sfzh, label: 公民身份号码, class: sensitive, entity: CN_ID_CARD}
      - {name: mz, label: 民族, class: internal}
  - code: GA-RK-0002
    name: 常住人口照片
    provider: GA
    path: /ga/population/photos
    upstream_path: /api/v1/photos
    share: conditional
  - code: GA-ZT-0001
    name: 在逃人员信息
    provider: GA
    path: /ga/fugitives
    share: none
    legal_basis: 《中华人民共和国保守国家秘密法》第十三条
  - code: SCJG-QY-0001
    name: 企业登记基本信息
    provider: SCJG
    path: /scjg/enterprises
    upstream_path: /api/v2/enterprises
    share: unconditional
    description: 企业基本信息
    fields:
      - {name: tyshxydm, label: 统一社会信用代码, class: public, entity: CN_USCC}
      - {name: qymc, label: 企业名称, class: public}
"""


def write(tmp_path: Path, text: str, name: str = "catalog.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str, occurrence: int = 1, *, exact: bool = False) -> int:
    """1-based line number of the `occurrence`-th line containing `needle` (or equal to it, stripped)."""
    seen = 0
    for number, line in enumerate(text.splitlines(), 1):
        if (line.strip() == needle) if exact else (needle in line):
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not in text")


def load_error(tmp_path: Path, text: str) -> CatalogError:
    path = write(tmp_path, text)
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    err = info.value
    assert err.path == str(path)
    assert str(err).startswith(f"{path}:{err.line}: " if err.line else f"{path}: ")
    return err


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


# ---------------------------------------------------------------------------------------------------
# Loading a valid catalog.


def test_valid_catalog_loads_every_part(tmp_path):
    cat = load_catalog(write(tmp_path, VALID))
    assert set(cat.departments) == {"GA", "SCJG"}
    assert cat.departments["GA"].upstream == "http://127.0.0.1:9101"  # trailing slash dropped
    assert set(cat.resources) == {"GA-RK-0001", "GA-RK-0002", "GA-ZT-0001", "SCJG-QY-0001"}
    rk = cat.resource("GA-RK-0001")
    assert rk.share is Share.CONDITIONAL
    assert rk.upstream == "http://127.0.0.1:9101/api/v1/persons"
    assert rk.field("sfzh").klass is FieldClass.SENSITIVE
    assert rk.field("sfzh").entity == "CN_ID_CARD"
    assert rk.field("mz").entity is None
    assert rk.field("nope") is None
    assert not rk.is_public
    qy = cat.resource("SCJG-QY-0001")
    assert qy.is_public
    assert qy.upstream == "https://scjg.example.gov.cn:8443/base/api/v2/enterprises"
    zt = cat.resource("GA-ZT-0001")
    assert zt.share is Share.NONE and zt.legal_basis.startswith("《中华人民共和国保守国家秘密法》")
    assert zt.upstream == "http://127.0.0.1:9101/ga/fugitives"  # no upstream_path: the gateway path
    assert cat.resource("XX-0000") is None


def test_digest_is_stable_and_follows_content(tmp_path):
    a = load_catalog(write(tmp_path, VALID, "a.yaml"))
    b = load_catalog(write(tmp_path, VALID, "b.yaml"))
    assert a.digest == b.digest and len(a.digest) == 64
    c = load_catalog(write(tmp_path, VALID.replace("label: 民族", "label: 民族代码"), "c.yaml"))
    assert c.digest != a.digest
    d = load_catalog(write(tmp_path, VALID.replace("share: unconditional", "share: conditional"), "d.yaml"))
    assert d.digest != a.digest


def test_summary_lists_every_resource_with_plain_values(tmp_path):
    cat = load_catalog(write(tmp_path, VALID))
    rows = {row["code"]: row for row in cat.summary()}
    assert set(rows) == set(cat.resources)
    rk = rows["GA-RK-0001"]
    assert set(rk) == {"code", "name", "provider", "path", "share", "upstream", "legal_basis", "public", "fields"}
    assert rk["share"] == "conditional" and type(rk["share"]) is str
    assert rk["provider"] == "GA" and rk["path"] == "/ga/population"
    assert rk["upstream"] == "http://127.0.0.1:9101/api/v1/persons"
    assert rk["public"] is False and rk["legal_basis"] is None
    assert rk["fields"][1] == {"name": "sfzh", "label": "公民身份号码", "class": "sensitive", "entity": "CN_ID_CARD"}
    assert type(rk["fields"][1]["class"]) is str
    assert rows["SCJG-QY-0001"]["public"] is True
    assert rows["GA-ZT-0001"]["legal_basis"] == "《中华人民共和国保守国家秘密法》第十三条"
    assert rows["GA-RK-0002"]["fields"] == []


def test_ca_bundle_relative_to_the_catalog_file(tmp_path):
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "ga.pem").write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    text = replace_once(VALID, "    upstream: http://127.0.0.1:9101/\n",
                        "    upstream: http://127.0.0.1:9101/\n    ca_bundle: certs/ga.pem\n")
    cat = load_catalog(write(tmp_path, text))
    assert cat.departments["GA"].ca_bundle == str(tmp_path / "certs" / "ga.pem")
    assert cat.departments["SCJG"].ca_bundle is None


# ---------------------------------------------------------------------------------------------------
# Validation errors: file, line, entry and problem.


def test_not_shared_resource_without_legal_basis(tmp_path):
    text = replace_once(VALID, "    legal_basis: 《中华人民共和国保守国家秘密法》第十三条\n", "")
    err = load_error(tmp_path, text)
    assert err.entry == "resource GA-ZT-0001"
    assert "legal_basis" in err.problem and "none" in err.problem
    assert err.line == line_of(text, "code: GA-ZT-0001")


def test_blank_legal_basis_counts_as_missing(tmp_path):
    text = replace_once(VALID, "legal_basis: 《中华人民共和国保守国家秘密法》第十三条", "legal_basis: '  '")
    err = load_error(tmp_path, text)
    assert err.entry == "resource GA-ZT-0001" and "legal_basis" in err.problem


def test_bad_share(tmp_path):
    text = replace_once(VALID, "    share: unconditional\n", "    share: open\n")
    err = load_error(tmp_path, text)
    assert err.entry == "resource SCJG-QY-0001"
    assert "'share'" in err.problem and "'open'" in err.problem and "unconditional" in err.problem
    assert err.line == line_of(text, "share: open")


def test_share_that_yaml_reads_as_a_boolean_is_refused(tmp_path):
    text = replace_once(VALID, "    share: unconditional\n", "    share: yes\n")
    err = load_error(tmp_path, text)
    assert err.entry == "resource SCJG-QY-0001" and "must be a string" in err.problem
    assert err.line == line_of(text, "share: yes")


def test_unknown_provider(tmp_path):
    text = replace_once(VALID, "    provider: SCJG\n", "    provider: SW\n")
    err = load_error(tmp_path, text)
    assert err.entry == "resource SCJG-QY-0001"
    assert "'SW'" in err.problem and "not a listed department" in err.problem
    assert err.line == line_of(text, "provider: SW")


def test_duplicate_resource_code(tmp_path):
    text = replace_once(VALID, "  - code: GA-RK-0002\n", "  - code: GA-RK-0001\n")
    err = load_error(tmp_path, text)
    assert err.entry == "resource GA-RK-0001" and err.problem == "duplicate resource code"
    assert err.line == line_of(text, "code: GA-RK-0001", occurrence=2)


def test_duplicate_department_code(tmp_path):
    text = replace_once(VALID, "  - code: SCJG\n", "  - code: GA\n")
    err = load_error(tmp_path, text)
    assert err.entry == "department GA" and err.problem == "duplicate department code"
    assert err.line == line_of(text, "- code: GA", occurrence=2)


def test_duplicate_path(tmp_path):
    text = replace_once(VALID, "    path: /ga/fugitives\n", "    path: /ga/population\n")
    err = load_error(tmp_path, text)
    assert err.entry == "resource GA-ZT-0001"
    assert "/ga/population" in err.problem and "GA-RK-0001" in err.problem
    assert err.line == line_of(text, "path: /ga/population", occurrence=2, exact=True)


@pytest.mark.parametrize("url, fragment", [
    ("ftp://127.0.0.1:9101", "http(s) URL"),
    ("127.0.0.1:9101", "http(s) URL"),
    ("http://", "http(s) URL"),
    ("http://127.0.0.1:9101/?debug=1", "query or fragment"),
    ("http://127.0.0.1:9101/#top", "query or fragment"),
])
def test_bad_upstream_url(tmp_path, url, fragment):
    text = replace_once(VALID, "    upstream: http://127.0.0.1:9101/\n", f"    upstream: '{url}'\n")
    err = load_error(tmp_path, text)
    assert err.entry == "department GA"
    assert fragment in err.problem
    assert err.line == line_of(text, f"upstream: '{url}'")


@pytest.mark.parametrize("where, old, new, entry, key", [
    ("top", "version: 1\n", "version: 1\nowner: GA\n", "catalog", "owner"),
    ("department", "    name: 市公安局\n", "    name: 市公安局\n    token: abc\n", "departments[0]", "token"),
    ("resource", "    share: none\n", "    share: none\n    secret: true\n", "resources[2]", "secret"),
    ("field", "{name: mz, label: 民族, class: internal}", "{name: mz, label: 民族, class: internal, mask: yes}",
     "resource GA-RK-0001 fields[2]", "mask"),
])
def test_unknown_key(tmp_path, where, old, new, entry, key):
    text = replace_once(VALID, old, new)
    err = load_error(tmp_path, text)
    assert err.entry == entry, where
    assert f"unknown key '{key}'" in err.problem and "allowed:" in err.problem
    needle = new.strip().splitlines()[-1] if where != "field" else "mask: yes"
    assert err.line == line_of(text, needle)


def test_bad_field_class(tmp_path):
    text = replace_once(VALID, "{name: mz, label: 民族, class: internal}", "{name: mz, label: 民族, class: secret}")
    err = load_error(tmp_path, text)
    assert err.entry == "resource GA-RK-0001 field mz"
    assert "'secret'" in err.problem and "trade_secret" in err.problem
    assert err.line == line_of(text, "class: secret")


def test_unknown_entity(tmp_path):
    text = replace_once(VALID, "entity: CN_ID_CARD", "entity: US_SSN")
    err = load_error(tmp_path, text)
    assert err.entry == "resource GA-RK-0001 field sfzh"
    assert "'US_SSN'" in err.problem and "CN_ID_CARD" in err.problem
    assert err.line == line_of(text, "entity: US_SSN")


def test_duplicate_field_name(tmp_path):
    text = replace_once(VALID, "{name: mz, label: 民族, class: internal}", "{name: xm, label: 民族, class: internal}")
    err = load_error(tmp_path, text)
    assert err.entry == "resource GA-RK-0001 field xm" and err.problem == "duplicate field name"
    assert err.line == line_of(text, "{name: xm, label: 民族")


def test_field_that_is_not_a_mapping(tmp_path):
    text = replace_once(VALID, "      - {name: mz, label: 民族, class: internal}\n", "      - mz\n")
    err = load_error(tmp_path, text)
    assert err.entry == "resource GA-RK-0001 fields[2]" and "mapping" in err.problem


def test_fields_must_be_a_list(tmp_path):
    scjg_fields = VALID[VALID.index("    fields:\n      - {name: tyshxydm"):]
    text = replace_once(VALID, scjg_fields, "    fields: all\n")
    err = load_error(tmp_path, text)
    assert err.entry == "resource SCJG-QY-0001" and "'fields' must be a list" in err.problem
    assert err.line == line_of(text, "fields: all")


@pytest.mark.parametrize("old, new, problem", [
    ("  - code: GA-RK-0001\n", "  - code: ga-rk-1\n", "'code' 'ga-rk-1' is not of the form"),
    ("    path: /ga/fugitives\n", "    path: ga/fugitives\n", "'path' 'ga/fugitives' is not of the form"),
    ("    path: /ga/fugitives\n", "    path: /ga/fugitives/\n", "is not of the form"),
    ("    path: /ga/fugitives\n", "    path: /ga/在逃\n", "is not of the form"),
    ("    upstream_path: /api/v1/photos\n", "    upstream_path: api/v1/photos\n", "'upstream_path'"),
    ("    name: 在逃人员信息\n", "", "missing 'name'"),
])
def test_resource_text_rules(tmp_path, old, new, problem):
    err = load_error(tmp_path, replace_once(VALID, old, new))
    assert problem in err.problem
    assert err.entry.startswith("resource") or err.entry.startswith("resources[")


def test_department_code_rule(tmp_path):
    err = load_error(tmp_path, replace_once(VALID, "  - code: SCJG\n", "  - code: scjg\n"))
    assert err.entry == "departments[1]" and "'code' 'scjg'" in err.problem


def test_missing_department_upstream(tmp_path):
    text = replace_once(VALID, "    upstream: https://scjg.example.gov.cn:8443/base\n", "")
    err = load_error(tmp_path, text)
    assert err.entry == "department SCJG" and err.problem == "missing 'upstream'"
    assert err.line == line_of(text, "- code: SCJG")


def test_ca_bundle_that_does_not_exist(tmp_path):
    text = replace_once(VALID, "    upstream: http://127.0.0.1:9101/\n",
                        "    upstream: http://127.0.0.1:9101/\n    ca_bundle: certs/missing.pem\n")
    err = load_error(tmp_path, text)
    assert err.entry == "department GA" and "certs/missing.pem" in err.problem
    assert err.line == line_of(text, "ca_bundle:")


def test_yaml_syntax_error_names_the_line(tmp_path):
    text = replace_once(VALID, "      - {name: mz, label: 民族, class: internal}\n",
                        "      - {name: mz, label: 民族, class: internal\n")
    err = load_error(tmp_path, text)
    assert err.entry == "" and err.problem.startswith("YAML syntax")
    assert err.line is not None
    assert line_of(text, "{name: mz") <= err.line <= line_of(text, "{name: mz") + 1


def test_yaml_bad_indentation_names_the_line(tmp_path):
    text = replace_once(VALID, "    provider: SCJG\n", "    provider: SCJG\n   path: /x\n")
    err = load_error(tmp_path, text)
    assert err.problem.startswith("YAML syntax")
    assert err.line == line_of(text, "   path: /x")


def test_duplicate_yaml_key_names_the_line(tmp_path):
    text = replace_once(VALID, "    share: none\n", "    share: none\n    share: conditional  # again\n")
    err = load_error(tmp_path, text)
    assert "duplicate key 'share'" in err.problem
    assert err.line == line_of(text, "# again")


@pytest.mark.parametrize("text, problem", [
    ("", "top level must be a mapping"),
    ("- a\n- b\n", "top level must be a mapping"),
    ("departments: []\nresources: []\n", "'departments' must be a non-empty list"),
    ("departments:\n  - {code: GA, name: 公安, upstream: 'http://h'}\nresources: {}\n", "'resources' must be a list"),
])
def test_top_level_shape(tmp_path, text, problem):
    err = load_error(tmp_path, text)
    assert problem in err.problem


def test_missing_file(tmp_path):
    with pytest.raises(CatalogError) as info:
        load_catalog(tmp_path / "absent.yaml")
    assert info.value.line is None and "cannot read" in info.value.problem
    assert info.value.path == str(tmp_path / "absent.yaml")


def test_not_utf8(tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_bytes(VALID.encode("gbk"))
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    assert "UTF-8" in info.value.problem


# ---------------------------------------------------------------------------------------------------
# Routing.


@pytest.fixture
def catalog(tmp_path):
    return load_catalog(write(tmp_path, VALID))


def test_route_exact_prefix(catalog):
    route = catalog.route("/ga/population")
    assert route.resource.code == "GA-RK-0001"
    assert route.department.code == "GA"
    assert route.rest == ""
    assert route.upstream_url == "http://127.0.0.1:9101/api/v1/persons"


def test_route_below_prefix_keeps_the_rest(catalog):
    route = catalog.route("/ga/population/110105194912310021")
    assert route.resource.code == "GA-RK-0001"
    assert route.rest == "/110105194912310021"
    assert route.upstream_url == "http://127.0.0.1:9101/api/v1/persons/110105194912310021"


def test_route_keeps_the_query(catalog):
    route = catalog.route("/ga/population?page=2&size=50")
    assert route.resource.code == "GA-RK-0001" and route.rest == ""
    assert route.upstream_url == "http://127.0.0.1:9101/api/v1/persons?page=2&size=50"
    deeper = catalog.route("/scjg/enterprises/91330106MA2B3C4D5E?fields=qymc")
    assert deeper.upstream_url == ("https://scjg.example.gov.cn:8443/base/api/v2/enterprises"
                                   "/91330106MA2B3C4D5E?fields=qymc")


def test_route_respects_segment_boundaries(catalog):
    assert catalog.route("/ga/populationX") is None
    assert catalog.route("/ga/population-photos") is None
    assert catalog.route("/ga/populationX?page=2") is None
    assert catalog.route("/ga") is None
    assert catalog.route("/") is None
    assert catalog.route("") is None
    assert catalog.route("/GA/population") is None  # paths are case-sensitive


def test_longest_prefix_wins(catalog):
    assert catalog.route("/ga/population/photos").resource.code == "GA-RK-0002"
    photo = catalog.route("/ga/population/photos/123?size=1")
    assert photo.resource.code == "GA-RK-0002"
    assert photo.upstream_url == "http://127.0.0.1:9101/api/v1/photos/123?size=1"
    assert catalog.route("/ga/population/photosX").resource.code == "GA-RK-0001"
    assert catalog.route("/ga/population/123/photos").resource.code == "GA-RK-0001"


def test_longest_prefix_wins_whatever_the_file_order(tmp_path):
    # The nested resource listed first: the order of the file must not matter.
    head, tail = VALID.split("  - code: GA-RK-0001\n")
    first, rest = tail.split("  - code: GA-RK-0002\n")
    nested, after = rest.split("  - code: GA-ZT-0001\n")
    text = (head + "  - code: GA-RK-0002\n" + nested + "  - code: GA-RK-0001\n" + first
            + "  - code: GA-ZT-0001\n" + after)
    cat = load_catalog(write(tmp_path, text))
    assert cat.route("/ga/population/photos/1").resource.code == "GA-RK-0002"
    assert cat.route("/ga/population/1").resource.code == "GA-RK-0001"


# Dot segments ("." and "..") are refused by the router (tested on their own), never routed below a prefix.
segment = st.text(alphabet=string.ascii_letters + string.digits + "-._~", min_size=1, max_size=12).filter(
    lambda s: s not in (".", ".."))
query = st.text(alphabet=string.ascii_letters + string.digits + "=&", max_size=16)


@settings(max_examples=150, deadline=None)
@given(segments=st.lists(segment, min_size=1, max_size=3), q=query)
def test_route_property_below_a_prefix(tmp_path_factory, segments, q):
    cat = _shared_catalog(tmp_path_factory)
    rest = "/" + "/".join(segments)
    path = "/scjg/enterprises" + rest + (f"?{q}" if q else "")
    route = cat.route(path)
    assert route is not None and route.resource.code == "SCJG-QY-0001"
    assert route.rest == rest
    assert route.upstream_url == "https://scjg.example.gov.cn:8443/base/api/v2/enterprises" + rest + (
        f"?{q}" if q else "")


@settings(max_examples=150, deadline=None)
@given(suffix=segment)
def test_route_property_no_match_without_a_slash(tmp_path_factory, suffix):
    cat = _shared_catalog(tmp_path_factory)
    assert cat.route("/scjg/enterprises" + suffix) is None
    assert cat.route("/ga/fugitives" + suffix) is None


_CACHE: dict = {}


def _shared_catalog(tmp_path_factory):
    if "catalog" not in _CACHE:
        _CACHE["catalog"] = load_catalog(write(tmp_path_factory.mktemp("catalog"), VALID))
    return _CACHE["catalog"]
