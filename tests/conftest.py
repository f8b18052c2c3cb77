"""Shared fixtures: real demo department APIs on loopback, a real gateway on port 0, tokens for callers."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from gateway.config import Config, load_config

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def audit_signing_key(tmp_path_factory):
    """The audit checkpoint key lives outside every data directory (docs/AUDIT.md): one per test session,
    never the developer's ~/.config/govshare key. Child processes (gateways under test) inherit it."""
    import os

    path = tmp_path_factory.mktemp("audit-key") / "audit-signing.key"
    old = os.environ.get("GOVSHARE_AUDIT_KEY")
    os.environ["GOVSHARE_AUDIT_KEY"] = str(path)
    yield path
    if old is None:
        os.environ.pop("GOVSHARE_AUDIT_KEY", None)
    else:
        os.environ["GOVSHARE_AUDIT_KEY"] = old


@pytest.fixture(scope="session")
def demo_upstreams():
    from gateway.demo.upstreams import start_demo_upstreams

    ups = start_demo_upstreams(host="127.0.0.1", ports={code: 0 for code in ("GA", "SCJG", "MZ", "RS")})
    yield ups
    ups.close()


def make_config(tmp_path: Path, upstream_urls: dict[str, str], sections: dict | None = None, **gateway) -> Config:
    """A config file in tmp_path (so the CLI and the gateway read the same one) for the demo catalog.
    `gateway` keywords go to [gateway]; `sections` maps other section names to their settings."""
    from gateway.demo.catalog import demo_catalog_for

    catalog = demo_catalog_for(upstream_urls, tmp_path / "catalog.yaml")
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


@pytest.fixture
def gateway_factory(tmp_path, demo_upstreams):
    """Start gateways on port 0 in front of the demo departments; all stopped at the end of the test."""
    from gateway.runner import Gateway
    from gateway.services import Services

    started = []

    def start(config: Config | None = None, upstream_urls: dict | None = None, sections: dict | None = None,
              **gateway) -> GatewayClient:
        config = config or make_config(tmp_path, upstream_urls or demo_upstreams.urls, sections, **gateway)
        services = Services.open(config)
        gw = Gateway(config, services).start()
        client = GatewayClient(gw, services, config, demo_upstreams)
        started.append(client)
        return client

    yield start
    for c in started:
        c.gateway.stop()
        c.services.close()


@pytest.fixture
def gw(gateway_factory) -> GatewayClient:
    return gateway_factory()


def upstream_port(url: str) -> int:
    return urlsplit(url).port
