"""End-to-end tests of `govshare policy check` and `govshare grant add|list|revoke` on a tmp data directory.

The parser is built like gateway.cli builds it (global --config/--data-dir, then `register`); the model and
base rules are the real policies/model.conf and policies/policy.csv, the catalog is written here.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta

import pytest

from gateway.cli.policy import register
from tests.support.catalogs import POLICY_CATALOG

CATALOG = POLICY_CATALOG

UNTIL = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)


@pytest.fixture(autouse=True)
def no_env(monkeypatch):
    monkeypatch.delenv("GOVSHARE_DATA_DIR", raising=False)
    monkeypatch.setenv("GOVSHARE_ADMIN", "security-admin")


@pytest.fixture
def config_file(tmp_path):
    (tmp_path / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    (tmp_path / "var").mkdir()  # the gateway's data directory (the CLI never creates one)
    path = tmp_path / "govshare.toml"
    path.write_text(f'data_dir = "{tmp_path / "var"}"\ncatalog = "catalog.yaml"\n', encoding="utf-8")
    return path


@pytest.fixture
def cli(config_file, capsys):
    def run(*argv: str) -> tuple[int, str, str]:
        parser = argparse.ArgumentParser(prog="govshare")
        parser.add_argument("--config", default=None)
        parser.add_argument("--data-dir", dest="data_dir", default=None)
        register(parser.add_subparsers(dest="command", required=True))
        args = parser.parse_args(["--config", str(config_file), *argv])
        code = args.func(args)
        out, err = capsys.readouterr()
        return code, out, err
    return run


def check_json(cli, *argv: str) -> tuple[int, dict]:
    code, out, err = cli("policy", "check", "--json", *argv)
    assert err == ""
    return code, json.loads(out)


def test_grant_lifecycle_end_to_end(cli):
    code, doc = check_json(cli, "--dept", "MZ", "--app", "dibao", "--purpose", "低保核查", "GET", "/ga/rk/110105")
    assert code == 1
    assert (doc["allowed"], doc["reason"], doc["rule"], doc["resource"]) == (False, "no_grant", "default-deny",
                                                                             "GA-RK-0001")
    assert doc["policy_version"].startswith("r0-") and doc["grant_id"] is None

    code, out, err = cli("grant", "add", "--dept", "MZ", "--app", "dibao", "--resource", "GA-RK-0001",
                         "--fields", "xm", "--pseudonym-fields", "sfzh", "--purpose", "低保核查",
                         "--until", UNTIL.isoformat())
    assert (code, err) == (0, "")
    grant_id = out.strip()
    assert grant_id.startswith("g-")

    code, doc = check_json(cli, "--dept", "MZ", "--app", "dibao", "--purpose", "低保核查", "GET", "/ga/rk/110105")
    assert code == 0
    assert (doc["allowed"], doc["reason"], doc["rule"], doc["grant_id"]) == (True, "granted", f"grant:{grant_id}",
                                                                             grant_id)
    assert doc["fields"] == ["xm"] and doc["pseudonym_fields"] == ["sfzh"] and doc["policy_version"].startswith("r1-")

    code, doc = check_json(cli, "--dept", "MZ", "--app", "other", "--purpose", "低保核查", "GET", "/ga/rk/1")
    assert (code, doc["reason"]) == (1, "no_grant")
    code, doc = check_json(cli, "--dept", "MZ", "--app", "dibao", "--purpose", "招商", "GET", "/ga/rk/1")
    assert (code, doc["reason"]) == (1, "purpose_mismatch")
    later = (UNTIL + timedelta(seconds=1)).isoformat()
    code, doc = check_json(cli, "--dept", "MZ", "--app", "dibao", "--purpose", "低保核查", "--at", later,
                           "GET", "/ga/rk/1")
    assert (code, doc["reason"]) == (1, "grant_expired")

    code, out, _ = cli("grant", "list", "--json")
    listed = json.loads(out)
    assert [(g["id"], g["status"], g["app"], g["created_by"]) for g in listed] == [(grant_id, "active", "dibao",
                                                                                   "security-admin")]
    code, out, _ = cli("grant", "list")
    assert code == 0 and grant_id in out and "active" in out and "GA-RK-0001" in out

    code, out, err = cli("grant", "revoke", grant_id)
    assert code == 0 and f"revoked {grant_id}" in out
    code, doc = check_json(cli, "--dept", "MZ", "--app", "dibao", "--purpose", "低保核查", "GET", "/ga/rk/1")
    assert (code, doc["reason"]) == (1, "no_grant")
    assert json.loads(cli("grant", "list", "--json")[1]) == []
    everything = json.loads(cli("grant", "list", "--json", "--all")[1])
    assert [g["status"] for g in everything] == ["revoked"]

    code, _, err = cli("grant", "revoke", grant_id)
    assert code == 1 and "already revoked" in err


def test_check_text_output_and_exit_codes(cli):
    code, out, err = cli("policy", "check", "--dept", "MZ", "GET", "/ga/zt/1")
    assert code == 1 and err == ""
    assert "DENY GET /ga/zt/1" in out and "reason=not_shared" in out and "rule=catalog:GA-ZT-0001:none" in out
    assert "legal basis: 《中华人民共和国刑事诉讼法》" in out
    code, out, _ = cli("policy", "check", "--dept", "MZ", "get", "/scjg/qy?uscc=91350100M000100Y43")
    assert code == 0 and "ALLOW GET" in out and "reason=unconditional" in out
    code, out, _ = cli("policy", "check", "--dept", "GA", "GET", "/ga/zt")
    assert code == 0 and "reason=own_department" in out and "rule=base:own-department" in out


def test_check_json_for_not_shared_and_unknown_path(cli):
    code, doc = check_json(cli, "--dept", "MZ", "HEAD", "/ga/zt/9")
    assert code == 1
    assert doc["legal_basis"] == "《中华人民共和国刑事诉讼法》" and doc["reason"] == "not_shared"
    code, doc = check_json(cli, "--dept", "MZ", "GET", "/nowhere/1")
    assert code == 1
    assert (doc["allowed"], doc["reason"], doc["resource"]) == (False, "unknown_resource", None)
    code, doc = check_json(cli, "--dept", "MZ", "DELETE", "/scjg/qy/1")
    assert (code, doc["reason"]) == (1, "method_not_allowed")


@pytest.mark.parametrize("argv,problem", [
    (["--resource", "GA-ZT-0001"], "not shared"),
    (["--resource", "GA-RK-0001", "--fields", "xm,phone"], "no field 'phone'"),
    (["--resource", "GA-RK-0001", "--until", "2020-01-01T00:00:00Z"], "not in the future"),
    (["--resource", "NO-SUCH-0001"], "not in the catalog"),
])
def test_grant_add_refusals(cli, argv, problem):
    base = ["grant", "add", "--dept", "MZ", "--purpose", "低保核查"]
    if "--until" not in argv:
        argv = [*argv, "--until", UNTIL.isoformat()]
    code, out, err = cli(*base, *argv)
    assert code == 1 and out == "" and problem in err
    assert json.loads(cli("grant", "list", "--json", "--all")[1]) == []


def test_broken_catalog_blocks_check_but_not_revoke(cli, config_file):
    _, out, _ = cli("grant", "add", "--dept", "MZ", "--resource", "GA-RK-0001", "--purpose", "低保核查",
                    "--until", UNTIL.isoformat())
    grant_id = out.strip()
    (config_file.parent / "catalog.yaml").write_text("departments: [", encoding="utf-8")
    code, out, err = cli("policy", "check", "--dept", "MZ", "GET", "/ga/rk/1")
    assert code == 2 and out == "" and "catalog.yaml" in err
    code, out, err = cli("grant", "revoke", grant_id, "--by", "duty-officer")
    assert code == 0 and grant_id in out
    listed = json.loads(cli("grant", "list", "--json", "--all")[1])
    assert listed[0]["status"] == "revoked"
