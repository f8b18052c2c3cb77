"""The benchmark's own catalog and configuration: one provider in front of the bench upstream.

Department BENCH provides, for each body (a, b, c), two unconditional (无条件共享) resources over the same
upstream path, so any authenticated department may read them and the policy allows every load request:
- BENCH-L-<X> at /bench/labelled/<x>: fields labelled like the population register (xm PERSON,
  sfzh CN_ID_CARD, sjhm CN_MOBILE, zz CN_ADDRESS, csrq DATE_OF_BIRTH, xb internal), so masking goes by
  the labels;
- BENCH-U-<X> at /bench/unlabelled/<x>: no field labels, so Presidio detection does all the work.
The caller is civil affairs (MZ), app `bench-load`: another department than the provider, so it gets the
default masking (not the provider's own view).
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from .bodies import BODY_NAMES

PROVIDER = "BENCH"
CALLER_DEPT = "MZ"
CALLER_APP = "bench-load"
CALLER_PURPOSE = "性能基准测试"

LABELLED_FIELDS = (
    {"name": "xm", "label": "姓名", "class": "personal", "entity": "PERSON"},
    {"name": "xb", "label": "性别（GB/T 2261.1）", "class": "internal"},
    {"name": "csrq", "label": "出生日期", "class": "personal", "entity": "DATE_OF_BIRTH"},
    {"name": "sfzh", "label": "公民身份号码", "class": "sensitive", "entity": "CN_ID_CARD"},
    {"name": "sjhm", "label": "手机号码", "class": "personal", "entity": "CN_MOBILE"},
    {"name": "zz", "label": "现住址", "class": "personal", "entity": "CN_ADDRESS"},
)


def resource_code(body: str, labelled: bool = True) -> str:
    return f"BENCH-{'L' if labelled else 'U'}-{body.upper()}"


def gateway_path(body: str, labelled: bool = True) -> str:
    return f"/bench/{'labelled' if labelled else 'unlabelled'}/{body}"


def upstream_path(body: str) -> str:
    return f"/{body}"


def catalog_document(upstream_url: str) -> dict:
    resources = []
    for body in BODY_NAMES:
        for labelled in (True, False):
            entry = {
                "code": resource_code(body, labelled),
                "name": f"基准测试人口信息（{body}，{'字段已标注' if labelled else '未标注'}）",
                "provider": PROVIDER,
                "path": gateway_path(body, labelled),
                "upstream_path": upstream_path(body),
                "share": "unconditional",
                "description": "性能基准测试用的固定响应。",
            }
            if labelled:
                entry["fields"] = [dict(f) for f in LABELLED_FIELDS]
            resources.append(entry)
    from .resources import catalog_entries  # every demo resource's real page, side by side (bench.resources)

    resources += catalog_entries(PROVIDER)
    return {"version": 1,
            "departments": [{"code": PROVIDER, "name": "基准测试数据提供部门", "upstream": upstream_url.rstrip("/")},
                            # the caller is a registered department and application (else 403 unknown_caller)
                            {"code": CALLER_DEPT, "name": "基准测试调用部门", "upstream": upstream_url.rstrip("/"),
                             "applications": [{"code": CALLER_APP, "name": "性能测试调用方"}]}],
            "resources": resources}


def write_catalog(path: Path, upstream_url: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(catalog_document(upstream_url), allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return path


# The in-process masking figures include detection on a 1 MiB unlabelled body, which takes seconds: the
# bench's masking budget is raised so that it is measured rather than refused (the default stays 5 s).
BENCH_MASKING_TIMEOUT_SECONDS = 120.0


def write_config(directory: Path, catalog: Path) -> Path:
    """A govshare.toml with its own data directory (keys, SQLite, audit) in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    settings = {"listen_host": "127.0.0.1", "listen_port": 0, "reload_interval": 60.0, "upstream_timeout": 30.0}
    lines = [f"data_dir = {json.dumps(str(directory / 'var'))}", f"catalog = {json.dumps(str(catalog))}",
             "[gateway]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
    lines += ["[masking]", f"timeout_seconds = {BENCH_MASKING_TIMEOUT_SECONDS}"]
    path = directory / "govshare.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def caller_token(data_dir: Path, ttl: int = 3600) -> str:
    """A pilot token for the bench caller, signed with the key in `data_dir` (created if missing)."""
    from gateway.identity import PilotKeys

    return PilotKeys(data_dir).issue(CALLER_DEPT, app=CALLER_APP, purpose=CALLER_PURPOSE, ttl=ttl)
