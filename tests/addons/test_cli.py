"""The installed `govshare` (addons.cli): the proxy's run/demo beside the core commands, busy ports in one line."""

from __future__ import annotations

import socket

import pytest

from addons.cli import main


@pytest.fixture
def busy_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


@pytest.mark.parametrize("command, option", [("run", "--port"), ("demo", "--port (make run PORT=8081)")])
def test_a_busy_port_is_named_in_one_line_with_the_option_that_changes_it(command, option, busy_port, tmp_path,
                                                                          capsys):
    code = main([command, "--port", str(busy_port), "--data-dir", str(tmp_path / "var")])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and f"127.0.0.1:{busy_port}" in err and option in err
    assert "Traceback" not in err


def test_the_core_commands_are_there_too_and_the_core_alone_has_no_run(tmp_path, capsys):
    from gateway.cli import main as core_main

    assert main(["catalog", "validate"]) == 0
    with pytest.raises(SystemExit) as exit_:
        core_main(["run"])
    assert exit_.value.code == 2  # a usage error: the core's command line does not start the proxy


def test_the_console_script_is_the_proxy_side_entry():
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["govshare"] == "addons.cli:main"
