"""A gateway under test: its config file in tmp_path, a client with tokens and raw HTTP, the CLI in-process."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from gateway.config import Config, load_config


# The calling applications the tests' tokens name, registered for every department of the test catalogs
# (the shipped catalog registers only real ones; an unregistered application is refused 403 unknown_caller).
TEST_APPLICATIONS = ("test-app", "unit", "e2e")


def register_test_applications(catalog: Path, apps: tuple[str, ...] = TEST_APPLICATIONS) -> None:
    """Add `apps` to every department's `applications` in the catalog file (parsed YAML, rewritten)."""
    import yaml

    doc = yaml.safe_load(catalog.read_text(encoding="utf-8"))
    for dept in doc["departments"]:
        listed = dept.setdefault("applications", [])
        known = {a["code"] for a in listed}
        listed += [{"code": app, "name": f"测试调用方 {app}"} for app in apps if app not in known]
    catalog.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=4096), encoding="utf-8")


def make_config(tmp_path: Path, upstream_urls: dict[str, str], sections: dict | None = None, **gateway) -> Config:
    """A config file in tmp_path (so the CLI and the gateway read the same one) for the demo catalog, with
    the test applications registered. `gateway` keywords go to [gateway]; `sections` maps other section
    names to their settings."""
    from gateway.demo.catalog import demo_catalog_for

    catalog = demo_catalog_for(upstream_urls, tmp_path / "catalog.yaml")
    register_test_applications(catalog)
    settings = {"listen_port": 0, "reload_interval": 0.2, "upstream_timeout": 5.0, **gateway}
    lines = [f'data_dir = "{tmp_path / "var"}"', f'catalog = "{catalog}"']
    for name, values in {"gateway": settings, **(sections or {})}.items():
        lines.append(f"[{name}]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    path = tmp_path / "govshare.toml"
    path.write_text("\n".join(lines) + "\n")
    return load_config(path)


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


class GatewayClient:
    """A running gateway plus what a test needs to call it: tokens, grants, raw HTTP."""

    def __init__(self, gateway, services, config, upstreams):
        self.gateway, self.services, self.config, self.upstreams = gateway, services, config, upstreams

    @property
    def url(self) -> str:
        return self.gateway.url

    def token(self, dept: str, app: str | None = "test-app", purpose: str | None = None, **kw) -> str:
        from gateway.identity import PilotKeys

        return PilotKeys(self.config.data_dir).issue(dept, app=app, purpose=purpose, **kw)

    def request(self, method: str, path: str, token: str | None = None, headers: dict | None = None,
                body: bytes | None = None, timeout: float = 20) -> Response:
        host, port = self.gateway.address
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        resp = Response(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        conn.close()
        return resp

    def cli(self, *argv: str) -> int:
        """Run a `govshare` command in-process against this gateway's config and data directory."""
        from gateway.cli import main

        return main([*argv, "--config", self.config.source])

    def get(self, path: str, dept: str | None = None, **kw) -> Response:
        token = kw.pop("token", None)
        if token is None and dept is not None:
            token = self.token(dept, app=kw.pop("app", "test-app"), purpose=kw.pop("purpose", None))
        return self.request("GET", path, token=token, **kw)


def upstream_port(url: str) -> int:
    return urlsplit(url).port
