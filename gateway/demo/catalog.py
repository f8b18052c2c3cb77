"""The shipped demo catalog, and copies of it pointed at department upstreams bound elsewhere.

Tests bind the demo departments on port 0; `demo_catalog_for` writes a catalog identical to
policies/catalog.yaml except for the named departments' upstream URLs (edited in the parsed YAML
structure, never by string replacement). Relative ca_bundle paths are made absolute so the copy still
finds them from its new directory.
"""

from __future__ import annotations

from pathlib import Path

import yaml

DEMO_CATALOG = Path(__file__).resolve().parents[2] / "policies" / "catalog.yaml"


def demo_catalog_for(urls: dict[str, str], out: str | Path, source: str | Path = DEMO_CATALOG) -> Path:
    """Write `source` to `out` with departments[code].upstream = urls[code]; returns `out`.

    Raises ValueError when `urls` names a department the catalog does not list.
    """
    source, out = Path(source), Path(out)
    doc = yaml.safe_load(source.read_text(encoding="utf-8"))
    departments = doc.get("departments") if isinstance(doc, dict) else None
    if not isinstance(departments, list):
        raise ValueError(f"{source}: no 'departments' list")
    listed = {d.get("code") for d in departments if isinstance(d, dict)}
    unknown = set(urls) - listed
    if unknown:
        raise ValueError(f"{source}: no department {', '.join(sorted(unknown))}")
    for dept in departments:
        if not isinstance(dept, dict):
            continue
        if dept.get("code") in urls:
            dept["upstream"] = urls[dept["code"]].rstrip("/")
        ca = dept.get("ca_bundle")
        if isinstance(ca, str) and ca and not Path(ca).is_absolute():
            dept["ca_bundle"] = str((source.parent / ca).resolve())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=4096), encoding="utf-8")
    return out
