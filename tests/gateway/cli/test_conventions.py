"""The conventions every command shares: the one services builder, the acting officer, the data directory."""

from __future__ import annotations

import json

import pytest

from gateway.cli import main
from gateway.cli.common import actor
from gateway.config import POLICIES_DIR
from gateway.services import Services


@pytest.fixture
def config_file(tmp_path):
    (tmp_path / "var").mkdir()
    cfg = tmp_path / "govshare.toml"
    cfg.write_text(f'data_dir = "{tmp_path / "var"}"\ncatalog = "{POLICIES_DIR / "catalog.yaml"}"\n')
    return str(cfg)


def test_mask_and_policy_check_build_the_gateways_services(config_file, tmp_path, monkeypatch, capsys):
    opened = []
    real_open = Services.open.__func__

    def spy(cls, config, **kw):
        opened.append(kw)
        return real_open(cls, config, **kw)

    monkeypatch.setattr(Services, "open", classmethod(spy))
    assert main(["policy", "check", "--config", config_file, "--dept", "MZ", "GET", "/scjg/enterprises"]) == 0
    body = tmp_path / "body.json"
    body.write_text(json.dumps({"fddbr": "张三"}, ensure_ascii=False), encoding="utf-8")
    assert main(["mask", "--config", config_file, "--resource", "SCJG-QY-0001", "--dept", "MZ", str(body)]) == 0
    assert len(opened) == 2
    assert "张三" not in capsys.readouterr().out


def test_the_acting_officer_is_by_else_the_environment_else_the_os_user(monkeypatch):
    import argparse
    import getpass

    monkeypatch.setenv("GOVSHARE_ADMIN", "officer-env")
    assert actor(argparse.Namespace(by="officer-flag")) == "officer-flag"
    assert actor(argparse.Namespace(by=None)) == "officer-env"
    monkeypatch.delenv("GOVSHARE_ADMIN")
    assert actor(argparse.Namespace()) == getpass.getuser()


@pytest.mark.parametrize("argv", [["grant", "list"], ["audit", "tail"], ["policy", "check", "--dept", "MZ", "GET", "/x"],
                                  ["keys", "jwks"], ["grant", "revoke", "G1"]])
def test_commands_refuse_a_missing_data_directory_and_create_nothing(argv, tmp_path, capsys):
    missing = tmp_path / "typo"
    assert main([*argv, "--data-dir", str(missing)]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "no data directory" in err and str(missing) in err
    assert not missing.exists()


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["grant", "add"])
    assert exit_.value.code == 2
