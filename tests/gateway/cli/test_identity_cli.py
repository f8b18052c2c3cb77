"""Tests for gateway.cli.identity: `token issue` and `keys jwks` through a real argparse parser."""

from __future__ import annotations

import json
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.api_jwk import PyJWKSet

from gateway.config import load_config
from gateway.identity import IdentityError, build_verifier
from gateway.cli import main


@pytest.fixture(autouse=True)
def no_env_data_dir(monkeypatch):
    monkeypatch.delenv("GOVSHARE_DATA_DIR", raising=False)


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_token_issue_prints_a_token_that_verifies(tmp_path, capsys):
    code, out, err = run(["token", "issue", "--dept", "MZ", "--app", "dibao-review", "--ttl", "120",
                          "--purpose", "case review", "--data-dir", str(tmp_path)], capsys)
    assert code == 0 and err == ""
    token = out.strip()
    assert out == token + "\n"  # just the token
    principal = build_verifier(load_config(None, tmp_path)).verify(token)
    assert (principal.dept, principal.app, principal.purpose) == ("MZ", "dibao-review", "case review")
    assert (tmp_path / "keys" / "pilot-es256.pem").exists()


def test_keys_jwks_verifies_the_issued_token(tmp_path, capsys):
    _, out, _ = run(["token", "issue", "--dept", "SCJG", "--app", "market-registry", "--data-dir", str(tmp_path)], capsys)
    token = out.strip()
    code, out, _ = run(["keys", "jwks", "--data-dir", str(tmp_path)], capsys)
    assert code == 0
    document = json.loads(out)
    jwk_set = PyJWKSet.from_dict(document)
    assert [k.public_key_use for k in jwk_set.keys] == ["sig"]
    assert all(set(k) <= {"kty", "crv", "x", "y", "kid", "alg", "use"} for k in document["keys"])  # public only
    key = jwk_set[jwt.get_unverified_header(token)["kid"]]
    claims = jwt.decode(token, key, algorithms=["ES256"], audience="govshare", issuer="govshare-pilot")
    assert claims["dept"] == "SCJG"


def test_keys_jwks_from_other_key_does_not_verify(tmp_path, capsys):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _, out, _ = run(["token", "issue", "--dept", "SCJG", "--app", "market-registry", "--data-dir", str(tmp_path / "a")], capsys)
    _, jwks_b, _ = run(["keys", "jwks", "--data-dir", str(tmp_path / "b")], capsys)
    key_b = PyJWKSet.from_dict(json.loads(jwks_b)).keys[0]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(out.strip(), key_b, algorithms=["ES256"], audience="govshare")


def test_token_issue_bad_department_exits_1(tmp_path, capsys):
    code, out, err = run(["token", "issue", "--dept", "health", "--app", "x", "--data-dir", str(tmp_path)], capsys)
    assert code == 1 and out == "" and "department code" in err


@pytest.mark.parametrize(("dept", "app"), [("NOPE", "x"), ("WJ", "clinic"), ("MZ", "unknown-app"),
                                           ("MZ", "employment-check")])
def test_token_issue_refuses_callers_the_catalog_does_not_register(tmp_path, capsys, dept, app):
    """A token the gateway would refuse (403 unknown_caller) is never issued (issue 12)."""
    code, out, err = run(["token", "issue", "--dept", dept, "--app", app, "--data-dir", str(tmp_path)], capsys)
    assert code == 1 and out == "" and "not registered" in err and dept in err
    assert not (tmp_path / "keys").exists()


def test_token_issue_refused_outside_pilot_mode(tmp_path, capsys):
    pub = tmp_path / "idp.pem"
    pub.write_bytes(ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    config = tmp_path / "govshare.toml"
    config.write_text(f'[identity]\nmode = "pem"\npem_file = "{pub}"\n')
    code, out, err = run(["token", "issue", "--dept", "HEALTH", "--app", "x", "--config", str(config),
                          "--data-dir", str(tmp_path)], capsys)
    assert code == 1 and out == "" and "pilot" in err
    assert not (tmp_path / "keys").exists()  # no pilot key made in pem mode


def test_keys_jwks_in_pem_mode_publishes_that_key(tmp_path, capsys):
    private = ec.generate_private_key(ec.SECP256R1())
    pub = tmp_path / "idp.pem"
    pub.write_bytes(private.public_key().public_bytes(serialization.Encoding.PEM,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo))
    config = tmp_path / "govshare.toml"
    config.write_text(f'[identity]\nmode = "pem"\npem_file = "{pub}"\nissuer = "idp"\n')
    code, out, _ = run(["keys", "jwks", "--config", str(config), "--data-dir", str(tmp_path)], capsys)
    assert code == 0
    key = PyJWKSet.from_dict(json.loads(out)).keys[0]
    token = jwt.encode({"dept": "EDU"}, private, algorithm="ES256")
    assert jwt.decode(token, key, algorithms=["ES256"])["dept"] == "EDU"


def test_bad_config_exits_2(tmp_path, capsys):
    config = tmp_path / "govshare.toml"
    config.write_text('[identity]\nalgorithms = ["none"]\n')
    code, out, err = run(["keys", "jwks", "--config", str(config), "--data-dir", str(tmp_path)], capsys)
    assert code == 2 and out == "" and "configuration error" in err


def test_issued_token_is_refused_by_another_gateways_pilot(tmp_path, capsys):
    (tmp_path / "a").mkdir()
    _, out, _ = run(["token", "issue", "--dept", "MZ", "--app", "dibao-review", "--data-dir", str(tmp_path / "a")],
                    capsys)
    other = build_verifier(load_config(None, Path(tmp_path / "b")))
    with pytest.raises(IdentityError) as info:
        other.verify(out.strip())
    assert info.value.reason == "unknown_key"  # different pilot key, different thumbprint kid


def test_a_missing_data_directory_is_refused_not_created(tmp_path, capsys):
    code, out, err = run(["token", "issue", "--dept", "SCJG", "--app", "market-registry", "--data-dir", str(tmp_path / "nope")],
                         capsys)
    assert code == 1 and out == "" and "no data directory" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "nope").exists()
