"""The catalog's `public_content_types`: only unparsed types, only where declared."""

from __future__ import annotations

import pytest

from gateway.catalog import CatalogError, load_catalog
from gateway.demo.catalog import DEMO_CATALOG
from gateway.masking.body import declared_public_types


def test_declared_types_are_normalised():
    assert declared_public_types(["Application/PDF ", "image/png"]) == frozenset({"application/pdf", "image/png"})


@pytest.mark.parametrize("raw, problem", [
    ("application/pdf", "list"), (["pdf"], "media type"), (["application/pdf; x=1"], "media type"),
    (["text/csv"], "masks"), (["application/json"], "masks"), (["text/html"], "masks"), (["a/b+xml"], "masks"),
])
def test_bad_declarations_are_refused(raw, problem):
    with pytest.raises(ValueError, match=problem):
        declared_public_types(raw)


def test_the_catalog_names_file_line_and_entry(tmp_path):
    text = DEMO_CATALOG.read_text(encoding="utf-8").replace(
        "    upstream_path: /api/hr-agencies\n", "    upstream_path: /api/hr-agencies\n    public_content_types: [text/csv]\n")
    path = tmp_path / "catalog.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as e:
        load_catalog(path)
    assert "RS-RL-0001" in str(e.value) and "public_content_types" in str(e.value) and e.value.line


def test_no_resource_is_public_for_a_type_it_did_not_declare():
    catalog = load_catalog(DEMO_CATALOG)
    assert all(not r.public_content_types for r in catalog.resources.values())
