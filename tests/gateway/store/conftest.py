"""Fixtures for the store's PostgreSQL tests: one throwaway cluster per session (tests/support/postgres.py),
a fresh database per test, and a gateway configuration pointing at it (real files, real PostgreSQL)."""

from __future__ import annotations

import itertools
import shutil

import pytest

from gateway.config import POLICIES_DIR, load_config
from tests.support.catalogs import CONSOLE_CATALOG as CATALOG
from tests.support.postgres import PostgresCluster

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres():
    """A running throwaway PostgreSQL cluster (never skipped: no server means a failing test)."""
    cluster = PostgresCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(postgres):
    """The SQLAlchemy URL of a new empty database."""
    return postgres.create_database(f"govshare_t{next(_numbers)}")


@pytest.fixture
def pg_config(tmp_path, pg_url, monkeypatch):
    """A gateway configuration whose store is the test's PostgreSQL database (masking in-process)."""
    monkeypatch.delenv("GOVSHARE_DATA_DIR", raising=False)
    (tmp_path / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    for name in ("policy.csv", "masking.yaml"):  # copies: the version store rewrites the files it manages
        shutil.copy(POLICIES_DIR / name, tmp_path / name)
    path = tmp_path / "govshare.toml"
    path.write_text(f'data_dir = "{tmp_path / "var"}"\ndatabase_url = "{pg_url}"\ncatalog = "catalog.yaml"\n'
                    'policy = "policy.csv"\nmasking_rules = "masking.yaml"\n'
                    '[gateway]\nreload_interval = 0.2\n[masking]\nworkers = 0\n', encoding="utf-8")
    return load_config(path)
