"""Fixtures for the audit tests; makes `audit_helpers` (beside this file) importable under importlib mode."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from audit_helpers import make_config  # noqa: E402

from gateway.config import Config  # noqa: E402


@pytest.fixture
def config(tmp_path) -> Config:
    return make_config(tmp_path / "var")
