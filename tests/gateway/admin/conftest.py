"""Fixtures for the console's tests: a catalog, a data directory with real SQLite, one account per role,
the Starlette app driven in-process over HTTP (httpx through Starlette's TestClient), and a clock to pass."""

from __future__ import annotations

import re
import shutil
import time

import pytest
from starlette.testclient import TestClient

from gateway.config import POLICIES_DIR, load_config
from tests.support.catalogs import CONSOLE_CATALOG as CATALOG


PASSWORD = "correct-horse-battery"
ACCOUNTS = {"sys": ("system", None), "sec": ("security", None), "aud": ("audit", None),
            "sec-ga": ("security", "GA"), "sec-mz": ("security", "MZ")}


class Clock:
    """A wall clock a test moves by hand (seconds since the epoch)."""

    def __init__(self):
        self.t = time.time()

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def admin_config(tmp_path, monkeypatch):
    monkeypatch.delenv("GOVSHARE_DATA_DIR", raising=False)
    (tmp_path / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    for name in ("policy.csv", "masking.yaml"):  # copies: the version store rewrites the files it manages
        shutil.copy(POLICIES_DIR / name, tmp_path / name)
    path = tmp_path / "govshare.toml"
    path.write_text(f'data_dir = "{tmp_path / "var"}"\ncatalog = "catalog.yaml"\npolicy = "policy.csv"\n'
                    f'masking_rules = "masking.yaml"\n', encoding="utf-8")
    return load_config(path)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def cheap_hashes(monkeypatch):
    """Argon2id with its smallest cost, so the fixtures' five accounts do not dominate the tests' time."""
    from argon2 import PasswordHasher

    from gateway.admin import accounts

    monkeypatch.setattr(accounts, "PasswordHasher",
                        lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def ctx(admin_config, clock, cheap_hashes):
    from gateway.admin.context import AdminContext

    context = AdminContext.open(admin_config, clock=clock)
    for name, (role, dept) in ACCOUNTS.items():
        context.accounts.create_user(name, role, PASSWORD, "test-setup", dept=dept)
    yield context
    context.close()


@pytest.fixture
def client(ctx):
    from gateway.admin.app import build_app

    with TestClient(build_app(ctx), base_url="http://127.0.0.1:8081") as c:
        yield c


def _login(client: TestClient, name: str, password: str = PASSWORD):
    """Sign in through the form (with its pre-session CSRF token); returns the session's CSRF token."""
    client.cookies.clear()
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"name": name, "password": password, "csrf": token}, follow_redirects=False)
    if r.status_code != 303:
        return None
    home = client.get(r.headers["location"])
    return re.search(r'name="csrf" value="([^"]+)"', home.text).group(1)


def _admin_records(ctx, **match) -> list[dict]:
    """Admin records of the trail matching every given key."""
    import json

    from sqlalchemy import select

    from gateway.audit import store

    with ctx.engine.connect() as conn:
        rows = conn.execute(select(store.records.c.canonical).where(store.records.c.event == "admin")
                            .order_by(store.records.c.seq)).all()
    out = [json.loads(bytes(r.canonical)) for r in rows]
    return [r for r in out if all(r.get(k) == v for k, v in match.items())]


@pytest.fixture
def login():
    """login(client, name[, password]) -> the session's CSRF token, or None when sign-in failed."""
    return _login


@pytest.fixture
def admin_records(ctx):
    """admin_records(**match) -> the trail's admin records matching every given key."""
    return lambda **match: _admin_records(ctx, **match)
