"""Shared fixtures: real demo department APIs on loopback, a real gateway on port 0, tokens for callers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from gateway.config import Config
from tests.support.gateway import GatewayClient, Response, make_config, upstream_port  # noqa: F401 - fixtures' API

ROOT = Path(__file__).resolve().parent.parent

# Property tests draw the same examples on every run of `make test` (a red CI run is then a defect of the
# commit, never a new draw); `make explore` (GOVSHARE_HYPOTHESIS=explore) draws new ones, and what it finds
# becomes a plain regression test. Loaded here, before any test module builds its @settings on the default.
settings.register_profile("govshare-repeatable", derandomize=True)
settings.load_profile("default" if os.environ.get("GOVSHARE_HYPOTHESIS") == "explore" else "govshare-repeatable")


@pytest.fixture(scope="session", autouse=True)
def audit_signing_key(tmp_path_factory):
    """The audit checkpoint key lives outside every data directory (docs/AUDIT.md): one per test session,
    never the developer's ~/.config/govshare key. Child processes (gateways under test) inherit it."""
    import os

    from gateway.audit.perms import FILE_MODE
    from gateway.audit.signing import create_exclusive, generate_key

    path = tmp_path_factory.mktemp("audit-key") / "audit-signing.key"
    # Made now, not by whichever test opens a trail first: otherwise that test's store alone holds a
    # `key.create` record, and what a test sees would depend on the order tests run in.
    create_exclusive(path, generate_key("ed25519")[0], FILE_MODE)
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


def _gateways(directory, demo_upstreams):
    """A starter of gateways on port 0 in front of the demo departments, config files in `directory()`;
    yields it, then stops every gateway it started."""
    from addons.runner import Gateway
    from gateway.services import Services

    started = []

    def start(config: Config | None = None, upstream_urls: dict | None = None, sections: dict | None = None,
              **gateway) -> GatewayClient:
        config = config or make_config(directory(), upstream_urls or demo_upstreams.urls, sections, **gateway)
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
def gateway_factory(tmp_path, demo_upstreams):
    """Start gateways on port 0 in front of the demo departments; all stopped at the end of the test."""
    yield from _gateways(lambda: tmp_path, demo_upstreams)


@pytest.fixture(scope="module")
def module_gateway_factory(tmp_path_factory, demo_upstreams):
    """gateway_factory for a gateway a whole module's cases share (each gateway in a directory of its own);
    stopped at the end of the module. For cases that each send calls and read their own records."""
    yield from _gateways(lambda: tmp_path_factory.mktemp("gw"), demo_upstreams)


@pytest.fixture
def gw(gateway_factory) -> GatewayClient:
    return gateway_factory()


# Tests marked `slow` (`make test-fast` skips them; `make test` runs everything): every end-to-end test, and
# the single tests measured at seconds each with `--durations=30` (the benchmark's quick run, the thousand
# seeded tamperings). Marked here, by location, so the test files themselves stay as their owners wrote them.
SLOW_DIRS = ("e2e",)
SLOW_TESTS = {
    "test_quick_benchmark_produces_every_figure",
    "test_one_thousand_seeded_tamperings_are_all_detected_with_the_right_kind",
}


def pytest_collection_modifyitems(config, items):
    tests_dir = Path(__file__).resolve().parent
    for item in items:
        parts = Path(item.path).resolve().relative_to(tests_dir).parts
        if parts[0] in SLOW_DIRS or item.originalname in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
