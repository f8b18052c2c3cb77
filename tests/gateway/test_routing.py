"""Tests for the request side of the catalog: registered callers, nested provider URLs, and the whole chain
canonical_target -> Catalog.resolve on the shipped demo catalog with not-shared entries nested under a
shared provider URL (issue 12's reproductions), plus GrantStore refusing unregistered callers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.catalog import CatalogError, NestedResource, UnknownCaller, load_catalog
from gateway.config import POLICIES_DIR
from gateway.errors import Forbidden, GatewayError, NotFound
from gateway.policy import GrantError, GrantStore
from gateway.store import make_engine
from gateway.target import canonical_target

NOW = datetime(2026, 3, 1, 8, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def catalog():
    """The shipped demo catalog: it holds the not-shared GA-RK-0002/0003 nested under GA-RK-0001's provider URL."""
    cat = load_catalog(POLICIES_DIR / "catalog.yaml")
    assert cat.resources["GA-RK-0002"].upstream.endswith("/api/v1/persons/sensitive")
    assert cat.resources["GA-RK-0003"].upstream.endswith("/api/v1/persons/archive")
    return cat


def route_of(catalog, raw: str):
    target = canonical_target(raw)
    return catalog.resolve(target.target)


# -- nested provider URLs ---------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    "/ga/population/sensitive", "/ga/population/%73ensitive", "/ga/population/SENSITIVE",
    "/ga/population/sensitive/", "/ga/population/sensitive/110101", "/ga/population/sensitive.json",
    "/ga/population/archive", "/ga/population/%61rchive", "/ga/population/Archive?page=1",
    "http://evil/ga/population/archive", "/ga//population/./archive",
])
def test_a_nested_provider_url_is_never_reached_through_the_outer_entry(catalog, raw):
    with pytest.raises(NestedResource) as caught:
        route_of(catalog, raw)
    assert caught.value.status == 404 and caught.value.reason == "nested_resource"
    assert "/ga/population-" in caught.value.message


@pytest.mark.parametrize("raw", ["/ga/population/archive;x=1", "/ga/population/archive#x",
                                 "/ga/population/..;/fugitives", "/ga/population/%2e%2e/fugitives"])
def test_the_other_spellings_are_refused_before_routing(catalog, raw):
    with pytest.raises(GatewayError) as caught:
        route_of(catalog, raw)
    assert caught.value.status == 400


@pytest.mark.parametrize(("raw", "code", "upstream"), [
    ("/ga/population/110101199001011234", "GA-RK-0001", "/api/v1/persons/110101199001011234"),
    ("/ga/population/sensitivex", "GA-RK-0001", "/api/v1/persons/sensitivex"),
    ("/ga/population/archives", "GA-RK-0001", "/api/v1/persons/archives"),
    ("/ga/population?xm=%E5%BC%A0", "GA-RK-0001", "/api/v1/persons?xm=%E5%BC%A0"),
    ("/ga/population-sensitive/1", "GA-RK-0002", "/api/v1/persons/sensitive/1"),
    ("/ga/population-archive", "GA-RK-0003", "/api/v1/persons/archive"),
])
def test_other_paths_route_to_their_own_entry(catalog, raw, code, upstream):
    route = route_of(catalog, raw)
    assert route.resource.code == code
    assert route.upstream_url == "http://127.0.0.1:18101" + upstream
    assert route.host_header == "127.0.0.1:18101"


def test_route_returns_none_where_resolve_refuses(catalog):
    assert catalog.route("/ga/population/sensitive") is None
    assert catalog.route("/nowhere") is None
    with pytest.raises(NotFound) as caught:
        catalog.resolve("/nowhere")
    assert caught.value.reason == "unknown_resource"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["sensitive", "SENSITIVE", "Sensitive", "archive", "x", "1", "sensitive.json",
                                 "a.b", "-"]), min_size=1, max_size=4))
def test_no_gateway_path_reaches_a_provider_url_owned_by_a_more_specific_entry(catalog, segments):
    path = "/ga/population/" + "/".join(segments)
    try:
        route = catalog.resolve(path)
    except NestedResource:
        return
    target = route.upstream_url.casefold()
    for other in catalog.resources.values():
        if other.code != route.resource.code and len(other.upstream) > len(route.resource.upstream):
            url = other.upstream.casefold()
            assert not (target == url or target.startswith((url + "/", url + ".")))


def test_same_provider_url_with_different_share_is_refused(tmp_path):
    text = (POLICIES_DIR / "catalog.yaml").read_text(encoding="utf-8")
    text = text.replace("upstream_path: /api/v1/fugitives", "upstream_path: /api/v1/Persons")
    path = tmp_path / "catalog.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    line = text[:text.index("upstream_path: /api/v1/Persons")].count("\n") + 1
    assert caught.value.line == line and "GA-ZT-0001" in str(caught.value) and "GA-RK-0001" in str(caught.value)


# -- registered callers -----------------------------------------------------------------------------

@pytest.mark.parametrize(("dept", "app", "registered"), [
    ("MZ", "dibao-review", True), ("MZ", None, True), ("MZ", "bench-load", True),
    ("MZ", "employment-check", False), ("RS", "employment-check", True), ("MZ", "other", False),
    ("NOPE", None, False), ("NOPE", "dibao-review", False), ("", None, False), (None, None, False),
    ("mz", "dibao-review", False), ("GA", "hukou-service", True), ("GA", "anything", False),
    ("GA", "bad app", False),
])
def test_is_registered(catalog, dept, app, registered):
    assert catalog.is_registered(dept, app) is registered
    if registered:
        catalog.require_caller(dept, app)
    else:
        with pytest.raises(UnknownCaller) as caught:
            catalog.require_caller(dept, app)
        assert isinstance(caught.value, Forbidden)
        assert caught.value.status == 403 and caught.value.reason == "unknown_caller"


def write(tmp_path, apps: str) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text("departments:\n  - code: MZ\n    name: 民政局\n    upstream: http://127.0.0.1:9\n"
                    + apps + "resources: []\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("apps", "line", "problem"), [
    ("    applications: dibao\n", 5, "must be a list"),
    ("    applications:\n      - {code: a}\n", 6, "missing 'name'"),
    ("    applications:\n      - {code: 'bad app', name: x}\n", 6, "is not of the form"),
    ("    applications:\n      - {code: a, name: x}\n      - {code: a, name: y}\n", 7, "duplicate application"),
    ("    applications:\n      - {code: a, name: x, secret: y}\n", 6, "unknown key 'secret'"),
    ("    applications:\n      - a\n", 5, "must be a mapping"),
])
def test_application_registry_errors_name_file_line_and_field(tmp_path, apps, line, problem):
    path = write(tmp_path, apps)
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert caught.value.path == str(path) and caught.value.line == line and problem in caught.value.problem
    assert "department MZ" in caught.value.entry


def test_an_empty_registry_accepts_only_app_less_callers(tmp_path):
    cat = load_catalog(write(tmp_path, "    applications: []\n"))
    assert cat.is_registered("MZ", None) and not cat.is_registered("MZ", "x")
    assert cat.departments["MZ"].applications == frozenset()


def test_the_registry_is_part_of_the_digest(tmp_path):
    a = load_catalog(write(tmp_path, "    applications:\n      - {code: a, name: x}\n")).digest
    b = load_catalog(write(tmp_path, "    applications:\n      - {code: b, name: x}\n")).digest
    assert a != b


# -- grants name registered callers only ------------------------------------------------------------

@pytest.mark.parametrize(("dept", "app", "problem"), [
    ("NOPE", None, "department NOPE is not registered"),
    ("WJ", "x", "department WJ is not registered"),
    ("MZ", "unknown-app", "application 'unknown-app' is not registered for department MZ"),
])
def test_grants_cannot_name_unregistered_callers(catalog, tmp_path, dept, app, problem):
    engine = make_engine(f"sqlite:///{tmp_path / 'g.db'}")
    store = GrantStore(engine, catalog)
    with pytest.raises(GrantError) as caught:
        store.add(dept, app, "GA-RK-0001", ["xm"], [], "核查", NOW + timedelta(days=1), "officer", now=NOW)
    assert problem in str(caught.value)
    assert store.list() == []
    ok = store.add("MZ", "dibao-review", "GA-RK-0001", ["xm"], [], "核查", NOW + timedelta(days=1), "officer", now=NOW)
    assert ok.app == "dibao-review" and [g.id for g in store.list()] == [ok.id]
    engine.dispose()
