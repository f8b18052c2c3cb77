"""Fixtures for the audit tests: a config on a real SQLite file in tmp_path."""

from __future__ import annotations

import pytest

from gateway.config import Config
from tests.support.audit import make_config


@pytest.fixture
def config(tmp_path) -> Config:
    return make_config(tmp_path / "var")
