"""`govshare catalog validate | list | show`: the catalog as an officer inspects it."""

from __future__ import annotations

import json

from gateway.cli import main
from gateway.config import POLICIES_DIR


def write_config(tmp_path, catalog):
    cfg = tmp_path / "govshare.toml"
    cfg.write_text(f'data_dir = "{tmp_path / "var"}"\ncatalog = "{catalog}"\n')
    return str(cfg)


def test_validate_ok(tmp_path, capsys):
    assert main(["catalog", "validate", "--config", write_config(tmp_path, POLICIES_DIR / "catalog.yaml")]) == 0
    assert "OK" in capsys.readouterr().out


def test_validate_names_file_line_entry_and_problem(tmp_path, capsys):
    broken = tmp_path / "catalog.yaml"
    text = (POLICIES_DIR / "catalog.yaml").read_text(encoding="utf-8")
    broken.write_text(text.replace("    share: unconditional", "    share: sometimes", 1), encoding="utf-8")
    line = text.splitlines().index("    share: unconditional") + 1
    assert main(["catalog", "validate", "--config", write_config(tmp_path, broken)]) == 2
    err = capsys.readouterr().err
    assert f"{broken}:{line}" in err and "resource SCJG-QY-0001" in err and "'sometimes'" in err


def test_list_json_has_the_routing_columns(tmp_path, capsys):
    assert main(["catalog", "list", "--json", "--config", write_config(tmp_path, POLICIES_DIR / "catalog.yaml")]) == 0
    rows = json.loads(capsys.readouterr().out)
    by_code = {r["code"]: r for r in rows}
    assert {"code", "name", "provider", "path", "share", "upstream"} <= set(rows[0])
    assert by_code["GA-RK-0001"]["upstream"] == "http://127.0.0.1:18101/api/v1/persons"
    assert by_code["GA-ZT-0001"]["share"] == "none" and by_code["GA-ZT-0001"]["legal_basis"]


def test_show_one_and_unknown(tmp_path, capsys):
    cfg = write_config(tmp_path, POLICIES_DIR / "catalog.yaml")
    assert main(["catalog", "show", "MZ-DB-0001", "--config", cfg]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["path"] == "/mz/subsidies" and any(f["name"] == "yhkh" for f in shown["fields"])
    assert main(["catalog", "show", "XX-YY-0001", "--config", cfg]) == 1
