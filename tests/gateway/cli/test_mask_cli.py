"""`govshare mask` and view construction: what one caller would receive, and clear refusals."""

from __future__ import annotations

import io
import json
import sys
import re
import textwrap

import pytest

from gateway.catalog import load_catalog
from gateway.config import POLICIES_DIR, load_config
from gateway.policy.grants import Grant
from gateway.cli import main
from gateway.masking.views import view_for

from tests.support.masking import masker  # noqa: E402

ID = "110101199003074514"
DOC = {"data": [{"xm": "张三", "sfzh": ID, "sjhm": "13812345678", "yysr": 12345678,
                 "bz": "联系电话13912345678"}]}


@pytest.fixture
def setup(tmp_path):
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(textwrap.dedent("""
        version: 1
        departments:
          - {code: GA, name: 市公安局, upstream: "http://127.0.0.1:9"}
          - {code: MZ, name: 市民政局, upstream: "http://127.0.0.1:9"}
        resources:
          - code: GA-RK-0001
            name: 人口
            provider: GA
            path: /ga/rk
            share: conditional
            fields:
              - {name: xm, label: 姓名, class: personal, entity: PERSON}
              - {name: sfzh, label: 身份证号, class: sensitive, entity: CN_ID_CARD}
              - {name: yysr, label: 营业收入, class: trade_secret}
        """), encoding="utf-8")
    config = tmp_path / "govshare.toml"
    config.write_text(f'data_dir = "{tmp_path / "var"}"\ncatalog = "{catalog}"\n'
                      f'masking_rules = "{POLICIES_DIR / "masking.yaml"}"\n', encoding="utf-8")
    (tmp_path / "var").mkdir()  # the gateway's data directory (the CLI never creates one)
    body = tmp_path / "body.json"
    body.write_text(json.dumps(DOC, ensure_ascii=False), encoding="utf-8")
    return tmp_path, config, body


def run(capsysbinary, *argv):
    code = main(["mask", *map(str, argv)])
    out, err = capsysbinary.readouterr()
    return code, out, err.decode()


def test_detection_only_without_resource(setup, capsysbinary):
    _, config, body = setup
    code, out, err = run(capsysbinary, body, "--config", config, "--findings")
    assert code == 0
    assert json.loads(out) == {"data": [{"xm": "张*", "sfzh": "110101********4514", "sjhm": "138****5678",
                                         "yysr": None, "bz": "联系电话139****5678"}]}
    findings = json.loads(err)
    assert {"path": "$.data[*].sfzh", "entity": "CN_ID_CARD", "operator": "keep", "count": 1} in findings
    assert ID not in err and "张三" not in err


def _grant(config_path, fields=()):
    from gateway.policy.grants import GrantStore
    from gateway.store import make_engine

    config = load_config(config_path)
    engine = make_engine(config.db_url)
    try:
        return GrantStore(engine, load_catalog(config.catalog)).add(
            "MZ", None, "GA-RK-0001", tuple(fields), (), "低保审核", "2099-01-01T00:00:00Z", "officer")
    finally:
        engine.dispose()


def test_a_caller_the_gateway_would_refuse_gets_no_body(setup, capsysbinary):
    _, config, body = setup
    code, out, err = run(capsysbinary, body, "--config", config, "--resource", "GA-RK-0001", "--dept", "MZ",
                         "--purpose", "低保审核")
    assert code == 1 and out == b""
    assert "403 no_grant" in err


def test_with_resource_labels_apply(setup, capsysbinary):
    _, config, body = setup
    _grant(config)
    code, out, _ = run(capsysbinary, body, "--config", config, "--resource", "GA-RK-0001", "--dept", "MZ",
                       "--app", "jzxt", "--purpose", "低保审核")
    assert code == 0
    assert json.loads(out) == {"data": [{"xm": "张*", "sfzh": "110101********4514", "sjhm": "138****5678",
                                         "bz": "联系电话139****5678"}]}  # the trade secret is gone


def test_a_grant_reveals_the_fields_it_names(setup, capsysbinary):
    _, config, body = setup
    _grant(config, fields=("xm",))
    code, out, _ = run(capsysbinary, body, "--config", config, "--resource", "GA-RK-0001", "--dept", "MZ",
                       "--purpose", "低保审核")
    assert code == 0
    record = json.loads(out)["data"][0]
    assert record["xm"] == "张三" and record["sfzh"] == "110101********4514"


def test_stdin_and_csv(setup, capsysbinary, monkeypatch):
    _, config, _ = setup
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("sfzh,x\n110101199003074514,1\n".encode())))
    code, out, _ = run(capsysbinary, "-", "--config", config, "--content-type", "text/csv")
    assert code == 0 and out == b"sfzh,x\n110101********4514,1\n"


def test_refusal_names_the_reason_and_echoes_nothing(setup, capsysbinary):
    tmp_path, config, _ = setup
    bad = tmp_path / "bad.json"
    bad.write_text('{"sfzh": "110101199003074514", ', encoding="utf-8")
    code, out, err = run(capsysbinary, bad, "--config", config)
    assert code == 1 and out == b""
    assert "refused: invalid_json" in err and ID not in err


@pytest.mark.parametrize("argv, message", [
    (["--resource", "GA-RK-0001"], "--resource needs --dept"),
    (["--resource", "NO-SUCH-1", "--dept", "MZ"], "unknown resource 'NO-SUCH-1'"),
])
def test_bad_usage(setup, capsysbinary, argv, message):
    _, config, body = setup
    code, out, err = run(capsysbinary, body, "--config", config, *argv)
    assert code == 2 and out == b"" and message in err


def test_missing_file_and_bad_config(setup, capsysbinary):
    tmp_path, config, _ = setup
    code, out, err = run(capsysbinary, tmp_path / "absent.json", "--config", config)
    assert code == 2 and "cannot read" in err
    broken = tmp_path / "broken.toml"
    broken.write_text("[masking]\nmax_depth = 'deep'\n", encoding="utf-8")
    code, out, err = run(capsysbinary, tmp_path / "body.json", "--config", broken)
    assert code == 2 and "max_depth" in err and out == b""


def test_through_the_govshare_command(setup, capsysbinary):
    from gateway.cli import main as govshare

    _, config, body = setup
    code = govshare(["mask", str(body), "--config", str(config)])
    out, _ = capsysbinary.readouterr()
    assert code == 0 and json.loads(out)["data"][0]["sfzh"] == "110101********4514"


# --- views --------------------------------------------------------------------------------------


def grant(resource="GA-RK-0001", **kw) -> Grant:
    values = dict(id="G-1", dept="MZ", app="jzxt", resource=resource, fields=("sfzh",),
                  pseudonym_fields=("xm",), purpose="低保审核", until="2099-01-01T00:00:00Z",
                  created_at="2024-01-01T00:00:00Z", created_by="secadmin")
    values.update(kw)
    return Grant(**values)


def test_view_for_takes_reveal_and_pseudonyms_from_the_grant(setup):
    tmp_path, config_path, _ = setup
    config = load_config(config_path)
    res = load_catalog(config.catalog).resource("GA-RK-0001")
    view = view_for(config, res, "MZ", "jzxt", grant())
    assert view.reveal == frozenset({"sfzh"}) and view.pseudonymise == frozenset({"xm"})
    assert view.grant_id == "G-1" and len(view.pseudonym_key) == 32
    assert (tmp_path / "var" / "keys" / "pseudonym.key").exists()
    # a grant for another resource reveals nothing
    other = view_for(config, res, "MZ", "jzxt", grant(resource="SC-QY-0001"))
    assert other.reveal == frozenset() and other.pseudonymise == frozenset() and other.grant_id is None
    # no grant: nothing revealed, a per-department key
    bare = view_for(config, res, "MZ")
    assert bare.reveal == frozenset() and bare.grant_id is None


def test_two_grants_two_departments_never_share_pseudonyms(setup):
    _, config_path, _ = setup
    config = load_config(config_path)
    res = load_catalog(config.catalog).resource("GA-RK-0001")
    mz = view_for(config, res, "MZ", "jzxt", grant(id="G-MZ", pseudonym_fields=("sfzh",), fields=()))
    sw = view_for(config, res, "SW", "ss", grant(id="G-SW", dept="SW", pseudonym_fields=("sfzh",), fields=()))
    m = masker()
    a, _ = m.mask_document({"sfzh": ID}, mz)
    b, _ = m.mask_document({"sfzh": ID}, sw)
    again, _ = m.mask_document({"sfzh": ID}, view_for(config, res, "MZ", "jzxt",
                                                     grant(id="G-MZ", pseudonym_fields=("sfzh",), fields=())))
    assert re.fullmatch(r"PSN_[0-9a-f]{16}", a["sfzh"]) and a != b and a == again

