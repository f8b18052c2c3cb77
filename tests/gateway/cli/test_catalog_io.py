"""`govshare catalog export|import`: the catalog as reviewable YAML, round-tripped through the store of record."""

from __future__ import annotations

import hashlib
import shutil

from gateway.admin.versions import VersionStore
from gateway.audit.query import Filters, iter_rows
from gateway.catalog import load_catalog
from gateway.config import load_config
from gateway.store import make_engine
from tests.gateway.cli.conftest import Ops

ADDED = """\
  - code: MZ-DB-0001
    name: 低保对象
    provider: MZ
    path: /mz/db
    share: unconditional
"""


def _config(ops):
    return load_config(str(ops.config), None)


def _admin(ops) -> list[dict]:
    config = _config(ops)
    engine = make_engine(config.db_url)
    try:
        return [r.record for r in iter_rows(engine, config.data_dir, Filters(event="admin"))]
    finally:
        engine.dispose()


def test_export_import_round_trip_keeps_the_digest(ops, tmp_path_factory, capsys):
    code, exported, err = ops("catalog", "export")
    assert (code, err) == (0, "")
    assert exported == (ops.root / "catalog.yaml").read_text(encoding="utf-8")
    changed = ops.root / "changed.yaml"
    changed.write_text(exported + ADDED, encoding="utf-8")
    code, out, err = ops("catalog", "import", str(changed), "--by", "officer-li", "--comment", "低保对象目录")
    assert (code, err) == (0, "")
    assert out.startswith("catalog version 2 in force")
    assert (ops.root / "catalog.yaml").read_text(encoding="utf-8") == changed.read_text(encoding="utf-8")

    out_file = ops.root / "exported.yaml"
    assert ops("catalog", "export", "--out", str(out_file))[0] == 0
    assert out_file.read_text(encoding="utf-8") == changed.read_text(encoding="utf-8")
    digest = load_catalog(ops.root / "catalog.yaml").digest

    # a second gateway with another catalog takes the export and ends up with the same digest
    other_root = tmp_path_factory.mktemp("other")
    for name in ("govshare.toml", "model.conf", "policy.csv", "masking.yaml"):
        shutil.copy(ops.root / name, other_root / name)
    toml = (other_root / "govshare.toml").read_text(encoding="utf-8").replace(str(ops.root), str(other_root))
    (other_root / "govshare.toml").write_text(toml, encoding="utf-8")
    (other_root / "catalog.yaml").write_text(exported, encoding="utf-8")
    (other_root / "var").mkdir()
    other = Ops(other_root, other_root / "govshare.toml", capsys)
    code, _, err = other("catalog", "import", str(out_file))
    assert (code, err) == (0, "")
    assert load_catalog(other_root / "catalog.yaml").digest == digest
    code, out, _ = other("catalog", "validate")
    assert digest[:16] in out

    [rec] = [r for r in _admin(ops) if r["action"] == "catalog.import"]
    assert (rec["actor"], rec["role"], rec["target"]) == ("officer-li", "security_admin", "changed.yaml")
    assert rec["digest_after"] == digest and rec["digest_before"] != digest
    assert rec["detail"]["version"] == 2
    assert rec["detail"]["sha256"] == hashlib.sha256(changed.read_bytes()).hexdigest()


def test_import_of_the_text_in_force_changes_nothing(ops):
    code, out, _ = ops("catalog", "import", str(ops.root / "catalog.yaml"))
    assert code == 0 and out.startswith("catalog unchanged")
    assert not [r for r in _admin(ops) if r["action"] == "catalog.import"]


def test_import_names_file_line_and_field_and_changes_nothing(ops):
    bad = ops.root / "bad.yaml"
    text = (ops.root / "catalog.yaml").read_text(encoding="utf-8")
    bad.write_text(text + ADDED.replace("share: unconditional", "share: sometimes"), encoding="utf-8")
    code, out, err = ops("catalog", "import", str(bad))
    assert code == 1 and out == ""
    line = text.count("\n") + 5  # the share: line of the added entry
    assert f"{bad}:{line}:" in err and "share" in err
    config = _config(ops)
    engine = make_engine(config.db_url)
    try:
        assert VersionStore(engine, config).head("catalog") is None
    finally:
        engine.dispose()
    assert (ops.root / "catalog.yaml").read_text(encoding="utf-8") == text


def test_an_import_the_trail_refuses_is_rolled_back(ops):
    """A file name carrying an ID number is refused by the audit trail's PII guard: the old text returns."""
    text = (ops.root / "catalog.yaml").read_text(encoding="utf-8")
    bad_name = ops.root / "11010519491231002X.yaml"
    bad_name.write_text(text + ADDED, encoding="utf-8")
    code, _, err = ops("catalog", "import", str(bad_name))
    assert code == 1 and "withdrawn" in err
    assert (ops.root / "catalog.yaml").read_text(encoding="utf-8") == text
    config = _config(ops)
    engine = make_engine(config.db_url)
    try:
        head = VersionStore(engine, config).head("catalog")
    finally:
        engine.dispose()
    assert (head.version, head.action, head.content) == (3, "rollback", text)
