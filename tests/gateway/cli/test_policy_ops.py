"""`govshare policy validate|show|diff` on a tmp data directory with the real model and base rules."""

from __future__ import annotations

import json

from gateway.admin.versions import VersionStore
from gateway.config import load_config
from gateway.store import make_engine

BAD = """\
# three bad lines and one good one
p, @owner, *, GET|HEAD, allow, , , base:own-department
p, dept:MZ, NO-SUCH-0001, GET, allow, , , base:x
p, dept:MZ, GA-RK-0001, FETCH, allow, , , base:y
p, dept:MZ, GA-RK-0001, GET, allow, , , base:own-department
q, dept:MZ, group:x
"""


def test_validate_passes_the_configured_files(ops):
    code, out, err = ops("policy", "validate")
    assert (code, err) == (0, "")
    assert out.strip().endswith("OK")


def test_validate_reports_every_error_with_file_line_and_field(ops):
    bad = ops.root / "bad.csv"
    bad.write_text(BAD, encoding="utf-8")
    code, out, _ = ops("policy", "validate", str(bad))
    assert code == 1
    lines = out.splitlines()
    assert lines[-1] == f"4 error(s) in {bad}"
    assert lines[0].startswith(f"{bad}:3: field 'obj'") and "NO-SUCH-0001" in lines[0]
    assert lines[1].startswith(f"{bad}:4: field 'act'")
    assert lines[2].startswith(f"{bad}:5: field 'rule'") and "line 2" in lines[2]
    assert lines[3].startswith(f"{bad}:6: field 'ptype'")

    code, out, _ = ops("policy", "validate", "--json", str(bad), str(ops.root / "model.conf"))
    doc = json.loads(out)
    assert code == 1 and doc["valid"] is False
    assert [(e["line"], e["entry"]) for e in doc["errors"]] == [
        (3, "field 'obj'"), (4, "field 'act'"), (5, "field 'rule'"), (6, "field 'ptype'")]


def test_validate_a_broken_model(ops):
    model = ops.root / "broken.conf"
    model.write_text("[request_definition]\nr = sub, obj\n", encoding="utf-8")
    code, out, _ = ops("policy", "validate", str(model), str(ops.root / "policy.csv"))
    assert code == 1
    assert out.splitlines()[0].startswith(str(model)) and "1 error(s)" in out


def test_validate_a_catalog_file_too(ops):
    catalog = ops.root / "proposed.yaml"
    catalog.write_text((ops.root / "catalog.yaml").read_text(encoding="utf-8").replace("share: none", "share: nope"),
                       encoding="utf-8")
    code, out, _ = ops("policy", "validate", str(catalog), str(ops.root / "policy.csv"))
    assert code == 1 and out.startswith(f"{catalog}:") and "share" in out.splitlines()[0]
    assert out.splitlines()[-1].startswith("1 error(s)")


def test_show_names_the_version_digest_rules_and_grants(ops):
    code, out, err = ops("grant", "add", "--dept", "MZ", "--resource", "GA-RK-0001", "--fields", "xm",
                         "--purpose", "低保核查", "--until", "2099-01-01T00:00:00+08:00")
    assert code == 0, err
    code, out, err = ops("policy", "show", "--json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["version"].startswith("r1-") and doc["revision"] == 1
    assert len(doc["digest"]) == 64 and doc["stored_version"] is None
    assert ["@owner", "*", "GET|HEAD", "allow", "", "", "base:own-department"] in [r["values"] for r in doc["rules"]]
    assert doc["grants"] == {"active": 1, "expired": 0, "by_resource": {"GA-RK-0001": 1}}
    code, out, _ = ops("policy", "show")
    assert code == 0 and "policy in force: r1-" in out and "GA-RK-0001: 1" in out


def test_diff_two_versions_and_a_version_and_a_file(ops):
    config = load_config(str(ops.config), None)
    engine = make_engine(config.db_url)
    store = VersionStore(engine, config)
    text = (ops.root / "policy.csv").read_text(encoding="utf-8")
    changed = text + "p, dept:MZ, SCJG-QY-0001, GET, deny, , , base:no-mz\n"
    store.commit("policy", changed, "security-admin", "MZ may not read the register")
    engine.dispose()

    code, out, _ = ops("policy", "diff", "1", "2")
    assert code == 0
    assert out.splitlines()[:2] == ["--- policy v1", "+++ policy v2"]
    assert "+p, dept:MZ, SCJG-QY-0001, GET, deny, , , base:no-mz" in out.splitlines()

    other = ops.root / "proposed.csv"
    other.write_text(text, encoding="utf-8")
    code, out, _ = ops("policy", "diff", "2", str(other))
    assert code == 0 and "-p, dept:MZ, SCJG-QY-0001, GET, deny, , , base:no-mz" in out.splitlines()

    code, out, err = ops("policy", "diff", "1", "9")
    assert code == 1 and "no stored policy version 9" in err
    code, _, err = ops("policy", "diff", "1", "no-such-file")
    assert code == 2
