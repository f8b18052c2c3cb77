"""`ops`: a gateway data directory of its own (catalog, model, policy and masking rules copied into tmp, so
a stored version materialised by a command never touches the repository's files) and `govshare` run
in-process through gateway.cli.main, returning (exit code, stdout, stderr)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.catalogs import POLICY_CATALOG

REPO = Path(__file__).resolve().parents[3]


@dataclass
class Ops:
    root: Path
    config: Path
    capsys: object

    @property
    def data_dir(self) -> Path:
        return self.root / "var"

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        from gateway.cli import main

        self.capsys.readouterr()
        try:
            code = main(["--config", str(self.config), *argv])
        except SystemExit as e:  # argparse's usage errors
            code = e.code
        out, err = self.capsys.readouterr()
        return code, out, err


@pytest.fixture
def ops(tmp_path, capsys, monkeypatch) -> Ops:
    monkeypatch.delenv("GOVSHARE_DATA_DIR", raising=False)
    monkeypatch.setenv("GOVSHARE_ADMIN", "security-admin")
    (tmp_path / "catalog.yaml").write_text(POLICY_CATALOG, encoding="utf-8")
    for name in ("model.conf", "policy.csv", "masking.yaml"):
        shutil.copy(REPO / "policies" / name, tmp_path / name)
    (tmp_path / "var").mkdir()
    config = tmp_path / "govshare.toml"
    config.write_text(f'data_dir = "{tmp_path / "var"}"\ncatalog = "catalog.yaml"\nmodel = "model.conf"\n'
                      'policy = "policy.csv"\nmasking_rules = "masking.yaml"\n', encoding="utf-8")
    return Ops(tmp_path, config, capsys)
