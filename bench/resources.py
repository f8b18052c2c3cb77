"""Every demo resource side by side: its real page through bare mitmdump and through govshare, in one run.

For each resource of the demo catalog (policies/catalog.yaml), page 1 of `PAGE_SIZE` records is built
exactly as the demo department serialises it (gateway.demo.upstreams) and served by the bench upstream at
`/r/<code>`. Bare mitmproxy forwards that path unchanged; govshare serves it as `BR-<code>` at
`/bench/resource/<code>`, a copy of the demo entry with its field labels, made unconditional so that the
bench caller (another department, no grant) is allowed and gets the default masking view — the work a caller
without a grant costs. Not-shared entries are measured the same way (what masking them would cost were they
shared); `share` in the results says what the demo catalog really says.

Each resource is loaded for a few seconds through bare and then through govshare, back to back with the same
load generator, and its ratio recorded; the same pages are also masked in process (ms per page, MB/s). The
free-text body is every free-text remark of the demo departments in one page, labelled FREE_TEXT, the shape
the ≥ 2 MB/s goal is about.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEMO_CATALOG = ROOT / "policies" / "catalog.yaml"
PAGE_SIZE = 20
BENCH_PREFIX = "BR-"
FREE_TEXT_CODE = "BR-FREE-TEXT"
FREE_TEXT_RECORDS = 60
# Identifier entities whose raw values must never come back from the gateway to the bench caller.
CHECKED_ENTITIES = {"CN_ID_CARD", "CN_MOBILE", "CN_BANK_CARD"}


@dataclass(frozen=True)
class ResourcePage:
    code: str  # the demo catalog's resource code
    name: str
    share: str  # the demo catalog's share attribute (the bench copy is unconditional)
    fields: tuple[dict, ...]  # the demo entry's field labels, as in the YAML
    body: bytes  # page 1 as the department serves it
    dataset: str = ""  # the demo collection it is cut from

    @property
    def bench_code(self) -> str:
        return BENCH_PREFIX + self.code

    @property
    def gateway_path(self) -> str:
        return f"/bench/resource/{self.code.lower()}"

    @property
    def upstream_path(self) -> str:
        return f"/r/{self.code}"

    def secrets(self) -> set[str]:
        """The page's values of labelled identifier fields (never public): none may reach the caller."""
        keys = {f["name"] for f in self.fields
                if f.get("entity") in CHECKED_ENTITIES and f.get("class") not in ("public", "internal")}
        items = json.loads(self.body)["data"]["items"]
        if items and isinstance(items[0], list):  # a header row, then rows
            items = [dict(zip(items[0], row)) for row in items[1:]]
        return {str(item[k]) for item in items for k in keys if item.get(k)}


def _envelope(items: list[dict], total: int) -> bytes:
    """The demo departments' page envelope, serialised as gateway.demo.upstreams does."""
    doc = {"code": 0, "message": "ok", "data": {"items": items, "page": 1, "size": PAGE_SIZE, "total": total}}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


@lru_cache(maxsize=1)
def demo_pages() -> tuple[ResourcePage, ...]:
    """Every demo catalog resource served by a demo department, with its page (the catalog's order)."""
    from gateway.demo.data import demo_data
    from gateway.demo.tables import page_items
    from gateway.demo.upstreams import DEPARTMENT_APIS

    doc = yaml.safe_load(DEMO_CATALOG.read_text(encoding="utf-8"))
    datasets = demo_data().datasets()
    pages = []
    for entry in doc["resources"]:
        for endpoint in DEPARTMENT_APIS.get(entry["provider"], ()):
            if endpoint.path == entry["upstream_path"]:
                dataset = datasets[endpoint.dataset]
                records = dataset.records
                items = page_items(dataset, [dict(r) for r in records[:PAGE_SIZE]])
                pages.append(ResourcePage(entry["code"], entry["name"], entry["share"],
                                          tuple(dict(f) for f in entry.get("fields", ())),
                                          _envelope(items, len(records)), endpoint.dataset))
    return tuple(pages)


@lru_cache(maxsize=1)
def free_text_page() -> ResourcePage:
    """The demo departments' free-text field values (remarks, case summaries), in turn from each resource
    that has one, as one page of {"id", "bz"} records."""
    from gateway.demo.data import demo_data

    datasets = demo_data().datasets()
    sources = []
    for page in demo_pages():
        keys = [f["name"] for f in page.fields if f.get("entity") == "FREE_TEXT"]
        sources.append([r[k] for r in datasets[page.dataset].records for k in keys if isinstance(r.get(k), str)])
    texts = [t for row in zip(*[s for s in sources if s]) for t in row]
    items = [{"id": f"R{i:05d}", "bz": text} for i, text in enumerate(texts[:FREE_TEXT_RECORDS])]
    fields = ({"name": "id", "label": "编号", "class": "internal"},
              {"name": "bz", "label": "备注", "class": "internal", "entity": "FREE_TEXT"})
    return ResourcePage("FREE-TEXT", "自由文本备注（各部门）", "unconditional", fields, _envelope(items, len(items)))


def all_pages() -> tuple[ResourcePage, ...]:
    """The demo resources, then the free-text page."""
    return demo_pages() + (free_text_page(),)


def catalog_entries(provider: str) -> list[dict]:
    """The bench catalog's copies of every page's resource (unconditional, same field labels)."""
    out = []
    for page in all_pages():
        entry = {"code": bench_code(page),
                 "name": f"基准测试：{page.name}", "provider": provider, "path": page.gateway_path,
                 "upstream_path": page.upstream_path, "share": "unconditional",
                 "description": f"演示资源 {page.code} 的真实页面（演示目录共享属性：{page.share}）。"}
        if page.fields:
            entry["fields"] = [dict(f) for f in page.fields]
        out.append(entry)
    return out


def bench_code(page: ResourcePage) -> str:
    return FREE_TEXT_CODE if page.code == "FREE-TEXT" else page.bench_code


def routes() -> dict[bytes, bytes]:
    """Upstream path → body, for bench.upstream."""
    return {page.upstream_path.encode(): page.body for page in all_pages()}


def check_released(page: ResourcePage, body: bytes) -> None:
    """Raise when govshare's answer is not JSON or carries one of the page's labelled identifiers raw."""
    json.loads(body)
    text = body.decode("utf-8")
    leaked = sum(1 for value in page.secrets() if value in text)
    if leaked:
        raise RuntimeError(f"{page.code}: the gateway released {leaked} labelled identifier(s) unmasked")
