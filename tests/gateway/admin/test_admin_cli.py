"""`govshare admin create-user|list-users`: one role per account, exit codes, and the audit record."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from gateway.admin.context import AdminContext
from gateway.audit import store
from gateway.cli import main


def run(monkeypatch, config, *argv, password: str = "correct-horse-battery\n") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(password))
    return main(["admin", *argv, "--config", config.source])


def test_a_missing_data_directory_is_refused(admin_config, monkeypatch, capsys):
    assert run(monkeypatch, admin_config, "create-user", "wang", "--role", "audit", "--password-stdin") == 1
    assert "no data directory" in capsys.readouterr().err
    assert not admin_config.data_dir.exists()


def test_create_user_with_one_role_is_audited(admin_config, monkeypatch, capsys, cheap_hashes):
    admin_config.data_dir.mkdir()
    assert run(monkeypatch, admin_config, "create-user", "wang", "--role", "security", "--dept", "GA",
               "--password-stdin", "--by", "root") == 0
    assert "created wang (security, GA)" in capsys.readouterr().out
    assert run(monkeypatch, admin_config, "create-user", "wang", "--role", "audit", "--password-stdin",
               "--by", "root") == 1
    assert "exists already" in capsys.readouterr().err
    assert run(monkeypatch, admin_config, "create-user", "li", "--role", "audit", "--password-stdin",
               "--by", "root", password="short\n") == 1
    assert run(monkeypatch, admin_config, "list-users", "--json") == 0
    assert json.loads(capsys.readouterr().out) == [{"name": "wang", "role": "security", "dept": "GA"}]
    ctx = AdminContext.open(admin_config)
    try:
        with ctx.engine.connect() as conn:
            records = [json.loads(bytes(r.canonical)) for r in conn.execute(select(store.records.c.canonical))]
    finally:
        ctx.close()
    assert [(r["actor"], r["action"], r["target"], r["outcome"]) for r in records
            if r["action"].startswith("admin.")] == [
        ("root", "admin.create_user", "wang", "success"), ("root", "admin.create_user", "wang", "failure"),
        ("root", "admin.create_user", "li", "failure")]
    assert all(r["role"] == "system_admin" for r in records if r["action"].startswith("admin."))


def test_a_second_role_is_not_a_choice(admin_config, monkeypatch, capsys):
    with pytest.raises(SystemExit) as usage:
        run(monkeypatch, admin_config, "create-user", "zhao", "--role", "security,audit", "--password-stdin")
    assert usage.value.code == 2


def test_disable_user_is_audited_and_refuses_unknown_accounts(admin_config, monkeypatch, capsys, cheap_hashes):
    admin_config.data_dir.mkdir()
    run(monkeypatch, admin_config, "create-user", "wang", "--role", "audit", "--password-stdin", "--by", "root")
    assert run(monkeypatch, admin_config, "disable-user", "wang", "--by", "root") == 0
    assert run(monkeypatch, admin_config, "disable-user", "wang", "--by", "root") == 1
    assert "no active account" in capsys.readouterr().err
    assert run(monkeypatch, admin_config, "list-users", "--json") == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1]) == []
