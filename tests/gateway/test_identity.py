"""Tests for gateway.identity: every refusal reason with real signed tokens, every key source mode."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import stat
import threading
import time
import traceback
from dataclasses import FrozenInstanceError
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import given, settings as hsettings, strategies as st

from gateway.config import ConfigError, IdentitySettings, load_config
from gateway.identity import (REASONS, IdentityError, PilotKeys, Principal, Verifier, bearer_token,
                              build_verifier)
from gateway.identity.signing_keys import is_dept_code, jwk_thumbprint, public_jwk

ISS, AUD = "https://idp.example.gov", "govshare"


# -- helpers ------------------------------------------------------------------------------------------

class FakeClock:
    def __init__(self, start: float = 1000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**overrides) -> dict:
    now = int(time.time())
    doc = {"iss": ISS, "aud": AUD, "sub": "health-app-1", "iat": now, "exp": now + 600, "jti": "j-123",
           "dept": "HEALTH", "app": "clinic-portal", "purpose": "case review"}
    for name, value in overrides.items():
        if value is ...:
            doc.pop(name, None)
        else:
            doc[name] = value
    return doc


def sign(key, alg: str = "ES256", kid: str | None = None, **overrides) -> str:
    return jwt.encode(claims(**overrides), key, algorithm=alg, headers={"kid": kid} if kid else None)


def unsigned_token(header: dict, payload: dict, signature: bytes = b"") -> str:
    return ".".join([b64url(json.dumps(header).encode()), b64url(json.dumps(payload).encode()), b64url(signature)])


def hs_token_with_secret(secret: bytes, payload: dict, alg: str = "HS256") -> str:
    signing_input = ".".join([b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode()),
                              b64url(json.dumps(payload).encode())])
    mac = hmac.new(secret, signing_input.encode(), {"HS256": hashlib.sha256}[alg]).digest()
    return signing_input + "." + b64url(mac)


def public_pem(private_key) -> bytes:
    return private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)


def expect_refusal(verifier: Verifier, token: str, reason: str) -> IdentityError:
    """verify() refuses with `reason`, and nothing of the token or its claims leaks into the error."""
    with pytest.raises(IdentityError) as info:
        verifier.verify(token)
    err = info.value
    assert err.reason == reason
    rendered = "".join(traceback.format_exception(err)) + repr(err) + err.message
    secrets = [token] * bool(token) + [part for part in token.split(".") if len(part) > 8]
    secrets += ["health-app-1", "clinic-portal", "case review", "j-123", ISS]
    for secret in secrets:
        assert secret not in rendered
    return err


@pytest.fixture(scope="module")
def ec_key():
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def other_ec_key():
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem_settings(tmp_path: Path, private_key, algorithms=("ES256",), **extra) -> IdentitySettings:
    path = tmp_path / "idp.pub.pem"
    path.write_bytes(public_pem(private_key))
    return IdentitySettings(mode="pem", pem_file=str(path), algorithms=tuple(algorithms), issuer=ISS, audience=AUD,
                            **extra)


@pytest.fixture
def pem_verifier(tmp_path, ec_key) -> Verifier:
    return Verifier(pem_settings(tmp_path, ec_key), tmp_path)


# -- bearer header ------------------------------------------------------------------------------------

@pytest.mark.parametrize("header", [None, "", "   "])
def test_bearer_missing(header):
    with pytest.raises(IdentityError) as info:
        bearer_token(header)
    assert info.value.reason == "missing_token"


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer tok3n-one tok3n-two", "Token tok3n-xyz", "tok3n-alone"])
def test_bearer_malformed(header):
    with pytest.raises(IdentityError) as info:
        bearer_token(header)
    assert info.value.reason == "malformed"
    if len(header.split()) > 1:
        assert header.split()[1] not in str(info.value)


def test_bearer_extracts_token_case_insensitive_scheme():
    assert bearer_token("Bearer abc.def.ghi") == "abc.def.ghi"
    assert bearer_token("bearer  abc.def.ghi ") == "abc.def.ghi"


def test_identity_error_rejects_unknown_reason_and_maps_status():
    with pytest.raises(ValueError):
        IdentityError("not_a_reason")
    assert IdentityError("key_unavailable").status == 503
    assert {IdentityError(r).status for r in REASONS - {"key_unavailable"}} == {401}


# -- the happy path and the principal -----------------------------------------------------------------

def test_valid_token_gives_principal(pem_verifier, ec_key):
    token = sign(ec_key)
    principal = pem_verifier.verify(token)
    assert principal == Principal(dept="HEALTH", app="clinic-portal", sub="health-app-1", purpose="case review",
                                  issuer=ISS, jti="j-123", expires_at=jwt.decode(
                                      token, options={"verify_signature": False})["exp"])
    with pytest.raises(FrozenInstanceError):
        principal.dept = "POLICE"  # type: ignore[misc]
    assert not hasattr(principal, "__dict__")  # slots


def test_verify_with_claims_returns_the_claims_it_checked_and_refuses_what_verify_refuses(pem_verifier, ec_key,
                                                                                          other_ec_key):
    token = sign(ec_key, console_role="audit")
    pem_verifier.verify(token)  # cached now: the claims must still come from a full verification
    principal, claims = pem_verifier.verify_with_claims(token)
    assert principal == pem_verifier.verify(token)
    assert claims["console_role"] == "audit" and claims["exp"] == principal.expires_at
    for bad, reason in ((sign(other_ec_key), "bad_signature"), ("", "missing_token")):
        with pytest.raises(IdentityError) as info:
            pem_verifier.verify_with_claims(bad)
        assert info.value.reason == reason


def test_optional_claims_absent(pem_verifier, ec_key):
    principal = pem_verifier.verify(sign(ec_key, app=..., purpose=..., jti=...))
    assert (principal.app, principal.purpose, principal.jti) == (None, None, None)


def test_custom_claim_names(tmp_path, ec_key):
    verifier = Verifier(pem_settings(tmp_path, ec_key, dept_claim="department", app_claim="client",
                                     purpose_claim="use"), tmp_path)
    principal = verifier.verify(sign(ec_key, dept=..., department="TAX", client="tax-desk", use="audit"))
    assert (principal.dept, principal.app, principal.purpose) == ("TAX", "tax-desk", "audit")
    expect_refusal(verifier, sign(ec_key), "missing_claim")  # has `dept`, not `department`


def test_audience_list_containing_ours_is_accepted(pem_verifier, ec_key):
    assert pem_verifier.verify(sign(ec_key, aud=["other", AUD])).dept == "HEALTH"


# -- every refusal reason -----------------------------------------------------------------------------

def test_missing_token(pem_verifier):
    expect_refusal(pem_verifier, "", "missing_token")


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b", "a.b.c", "!!!.???.###", "e30.e30.", "x" * 9000])
def test_malformed(pem_verifier, token):
    expect_refusal(pem_verifier, token, "malformed")


def test_malformed_payload_with_valid_signature(pem_verifier, ec_key):
    header = b64url(json.dumps({"alg": "ES256", "typ": "JWT"}).encode())
    payload = b64url(b"[1, 2, 3]")
    signing_input = f"{header}.{payload}".encode()
    from jwt.algorithms import ECAlgorithm
    signature = ECAlgorithm(ECAlgorithm.SHA256).sign(signing_input, ec_key)
    expect_refusal(pem_verifier, f"{header}.{payload}.{b64url(signature)}", "malformed")


def test_bad_signature_other_key(pem_verifier, other_ec_key):
    expect_refusal(pem_verifier, sign(other_ec_key), "bad_signature")


def test_bad_signature_tampered_payload(pem_verifier, ec_key):
    header, _, signature = sign(ec_key).split(".")
    forged = b64url(json.dumps(claims(dept="POLICE")).encode())
    expect_refusal(pem_verifier, f"{header}.{forged}.{signature}", "bad_signature")


def test_expired(pem_verifier, ec_key):
    now = int(time.time())
    expect_refusal(pem_verifier, sign(ec_key, iat=now - 7200, exp=now - 3600), "expired")


@pytest.mark.parametrize("field", ["iat", "nbf"])
def test_not_yet_valid(pem_verifier, ec_key, field):
    now = int(time.time())
    expect_refusal(pem_verifier, sign(ec_key, **{field: now + 3600}, exp=now + 7200), "not_yet_valid")


def test_wrong_audience(pem_verifier, ec_key):
    expect_refusal(pem_verifier, sign(ec_key, aud="another-gateway"), "wrong_audience")


def test_wrong_issuer(pem_verifier, ec_key):
    expect_refusal(pem_verifier, sign(ec_key, iss="https://evil.example"), "wrong_issuer")


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "iss", "aud", "dept"])
def test_missing_claim(pem_verifier, ec_key, claim):
    err = expect_refusal(pem_verifier, sign(ec_key, **{claim: ...}), "missing_claim")
    assert claim in err.message  # the claim's name, never its value


@pytest.mark.parametrize("dept", ["health", "H", "HEALTH-DEPT", "1HEALTH", "A" * 17, "HEALTH\n", 42, ["HEALTH"], ""])
def test_bad_department_code(pem_verifier, ec_key, dept):
    err = expect_refusal(pem_verifier, sign(ec_key, dept=dept), "malformed")
    assert "dept" in err.message


@pytest.mark.parametrize("field,value", [("app", 7), ("app", ""), ("purpose", {"x": 1}), ("sub", ""),
                                         ("app", "bell\x07")])
def test_bad_optional_claim_types(pem_verifier, ec_key, field, value):
    expect_refusal(pem_verifier, sign(ec_key, **{field: value}), "malformed")


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabc0123456789_-", min_size=0, max_size=20))
@hsettings(max_examples=60, deadline=None)
def test_department_code_rule(candidate):
    import re
    assert is_dept_code(candidate) == bool(re.fullmatch(r"[A-Z][A-Z0-9_]{1,15}", candidate))


def test_alg_none_refused(pem_verifier):
    token = unsigned_token({"alg": "none", "typ": "JWT"}, claims())
    expect_refusal(pem_verifier, token, "disallowed_algorithm")
    expect_refusal(pem_verifier, unsigned_token({"alg": "None"}, claims()), "disallowed_algorithm")
    expect_refusal(pem_verifier, unsigned_token({"alg": "HS256"}, claims()), "disallowed_algorithm")
    expect_refusal(pem_verifier, unsigned_token({"typ": "JWT"}, claims()), "malformed")  # no alg at all


def test_hs256_refused_by_es256_verifier(pem_verifier):
    expect_refusal(pem_verifier, sign(b"s" * 32, alg="HS256"), "disallowed_algorithm")


def test_other_asymmetric_alg_outside_allow_list_refused(pem_verifier):
    p384 = ec.generate_private_key(ec.SECP384R1())
    expect_refusal(pem_verifier, sign(p384, alg="ES384"), "disallowed_algorithm")


def test_rs_hs_key_confusion_attack_refused(tmp_path, rsa_key):
    """HS256 signed with the verifier's own public PEM as the HMAC secret must not pass an RS256 verifier."""
    settings = pem_settings(tmp_path, rsa_key, algorithms=("RS256",))
    verifier = Verifier(settings, tmp_path)
    assert verifier.verify(sign(rsa_key, alg="RS256")).dept == "HEALTH"
    forged = hs_token_with_secret(Path(settings.pem_file).read_bytes(), claims())
    expect_refusal(verifier, forged, "disallowed_algorithm")


def test_verifier_refuses_mixed_or_unfit_settings(tmp_path, ec_key, rsa_key):
    with pytest.raises(ConfigError):
        Verifier(pem_settings(tmp_path, rsa_key, algorithms=("RS256", "HS256")), tmp_path)
    with pytest.raises(ConfigError):
        Verifier(pem_settings(tmp_path, ec_key, algorithms=("none",)), tmp_path)
    with pytest.raises(ConfigError):
        Verifier(pem_settings(tmp_path, ec_key, algorithms=("RS256",)), tmp_path)  # EC key, RS allow-list
    with pytest.raises(ConfigError):
        Verifier(IdentitySettings(mode="pilot", algorithms=("RS256",)), tmp_path)
    with pytest.raises(ConfigError):
        Verifier(IdentitySettings(mode="pem", pem_file=str(tmp_path / "missing.pem")), tmp_path)
    private_pem = tmp_path / "private.pem"
    private_pem.write_bytes(ec_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()))
    with pytest.raises(ConfigError):
        Verifier(IdentitySettings(mode="pem", pem_file=str(private_pem)), tmp_path)


def test_leeway_honoured(tmp_path, ec_key):
    now = int(time.time())
    lenient = Verifier(pem_settings(tmp_path, ec_key, leeway=30), tmp_path)
    strict = Verifier(pem_settings(tmp_path, ec_key, leeway=0), tmp_path)
    just_expired = sign(ec_key, iat=now - 100, exp=now - 10)
    slightly_future = sign(ec_key, iat=now + 15)
    assert lenient.verify(just_expired).dept == "HEALTH"
    assert lenient.verify(slightly_future).dept == "HEALTH"
    expect_refusal(strict, just_expired, "expired")
    expect_refusal(strict, slightly_future, "not_yet_valid")
    expect_refusal(lenient, sign(ec_key, iat=now - 200, exp=now - 60), "expired")


# -- pem mode variants --------------------------------------------------------------------------------

def test_pem_mode_rsa_rs256_and_ps256(tmp_path, rsa_key):
    verifier = Verifier(pem_settings(tmp_path, rsa_key, algorithms=("RS256", "PS256")), tmp_path)
    assert verifier.verify(sign(rsa_key, alg="RS256")).dept == "HEALTH"
    assert verifier.verify(sign(rsa_key, alg="PS256")).dept == "HEALTH"
    expect_refusal(verifier, sign(rsa_key, alg="RS512"), "disallowed_algorithm")


# -- hmac mode ----------------------------------------------------------------------------------------

def test_hmac_mode(tmp_path, ec_key):
    secret = os.urandom(32).hex().encode()
    path = tmp_path / "secret"
    path.write_bytes(secret + b"\n")
    verifier = Verifier(IdentitySettings(mode="hmac", algorithms=("HS256",), hmac_secret_file=str(path),
                                         issuer=ISS, audience=AUD), tmp_path)
    assert verifier.verify(sign(secret, alg="HS256")).dept == "HEALTH"
    expect_refusal(verifier, sign(b"x" * 64, alg="HS256"), "bad_signature")
    expect_refusal(verifier, sign(ec_key), "disallowed_algorithm")


def test_hmac_short_secret_refused(tmp_path):
    path = tmp_path / "secret"
    path.write_bytes(b"short")
    with pytest.raises(ConfigError):
        Verifier(IdentitySettings(mode="hmac", algorithms=("HS256",), hmac_secret_file=str(path)), tmp_path)


# -- pilot mode ---------------------------------------------------------------------------------------

def test_pilot_issue_and_verify(tmp_path):
    verifier = Verifier(IdentitySettings(), tmp_path)
    token = PilotKeys(tmp_path).issue("HEALTH", app="clinic", purpose="audit", ttl=600)
    principal = verifier.verify(token)
    assert (principal.dept, principal.app, principal.purpose, principal.issuer) == (
        "HEALTH", "clinic", "audit", "govshare-pilot")
    assert principal.sub == "HEALTH/clinic" and principal.jti
    assert principal.expires_at - int(time.time()) in range(590, 601)


def test_pilot_refuses_other_kid_and_foreign_key(tmp_path, ec_key):
    verifier = Verifier(IdentitySettings(), tmp_path)
    kid = PilotKeys(tmp_path).kid
    token = jwt.encode(claims(iss="govshare-pilot", aud="govshare"), ec_key, algorithm="ES256")
    expect_refusal(verifier, token, "bad_signature")
    token = jwt.encode(claims(iss="govshare-pilot", aud="govshare"), ec_key, algorithm="ES256",
                       headers={"kid": kid + "x"})
    expect_refusal(verifier, token, "unknown_key")


def test_pilot_issue_rejects_bad_input(tmp_path):
    keys = PilotKeys(tmp_path)
    for bad in [dict(dept="health"), dict(dept="HEALTH", ttl=0), dict(dept="HEALTH", ttl=10**9),
                dict(dept="HEALTH", app="")]:
        with pytest.raises(ValueError):
            keys.issue(**bad)


def test_pilot_key_created_once_mode_0600_and_reused(tmp_path):
    first = PilotKeys(tmp_path).ensure()
    path = tmp_path / "keys" / "pilot-es256.pem"
    assert first.path == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    content = path.read_bytes()
    second = PilotKeys(tmp_path).ensure()
    assert second.kid == first.kid
    assert path.read_bytes() == content
    assert first.kid == jwk_thumbprint(first.jwks()["keys"][0])
    token = first.issue("TAX")
    assert Verifier(IdentitySettings(), tmp_path).verify(token).dept == "TAX"


def test_pilot_key_concurrent_creation_yields_one_key(tmp_path):
    barrier = threading.Barrier(8)
    kids: list[str] = []
    lock = threading.Lock()

    def start():
        barrier.wait()
        kid = PilotKeys(tmp_path).ensure().kid
        with lock:
            kids.append(kid)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(kids) == 8 and len(set(kids)) == 1
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == ["pilot-es256.pem"]  # no temp files left


def test_pilot_key_readable_by_others_refused(tmp_path):
    keys = PilotKeys(tmp_path).ensure()
    os.chmod(keys.path, 0o644)
    with pytest.raises(ConfigError):
        PilotKeys(tmp_path).ensure()


def test_rfc7638_thumbprint_example():
    jwk = {"kty": "RSA", "e": "AQAB", "alg": "RS256", "kid": "2011-04-29",
           "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWK"
                "RXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMic"
                "AtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3X"
                "PksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}
    assert jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_build_verifier_from_config(tmp_path, monkeypatch):
    monkeypatch.delenv("GOVSHARE_DATA_DIR", raising=False)
    config = load_config(None, tmp_path)
    verifier = build_verifier(config)
    assert verifier.verify(PilotKeys(tmp_path).issue("EDU", app="school")).app == "school"


# -- jwks_file mode -----------------------------------------------------------------------------------

def write_jwks(path: Path, *private_keys, alg: str = "ES256") -> list[str]:
    jwks = [public_jwk(k.public_key(), alg=alg, use="sig") for k in private_keys]
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"keys": jwks}))
    os.replace(tmp, path)  # how an operator rotates: a new file, atomically
    return [j["kid"] for j in jwks]


def test_jwks_file_verifies_and_rotates(tmp_path, ec_key, other_ec_key):
    path = tmp_path / "jwks.json"
    [old_kid] = write_jwks(path, ec_key)
    clock = FakeClock()
    verifier = Verifier(IdentitySettings(mode="jwks_file", jwks_file=str(path), issuer=ISS, audience=AUD),
                        tmp_path, clock=clock)
    old_token = sign(ec_key, kid=old_kid)
    assert verifier.verify(old_token).dept == "HEALTH"

    [new_kid] = write_jwks(path, other_ec_key)
    new_token = sign(other_ec_key, kid=new_kid)
    clock.advance(0.5)
    expect_refusal(verifier, new_token, "unknown_key")  # not re-checked within the second
    clock.advance(0.6)
    assert verifier.verify(new_token).dept == "HEALTH"
    expect_refusal(verifier, old_token, "unknown_key")  # the old key was rotated out


def test_jwks_file_token_kid_and_algorithm_rules(tmp_path, ec_key, other_ec_key):
    path = tmp_path / "jwks.json"
    kid_a, kid_b = write_jwks(path, ec_key, other_ec_key)
    verifier = Verifier(IdentitySettings(mode="jwks_file", jwks_file=str(path), issuer=ISS, audience=AUD),
                        tmp_path, clock=FakeClock())
    assert verifier.verify(sign(other_ec_key, kid=kid_b)).dept == "HEALTH"
    expect_refusal(verifier, sign(ec_key, kid=kid_b), "bad_signature")  # kid of B, signed by A
    expect_refusal(verifier, sign(ec_key), "unknown_key")  # no kid, two keys: ambiguous
    expect_refusal(verifier, sign(ec_key, kid="nope"), "unknown_key")


def test_jwks_file_broken_rewrite_keeps_old_keys(tmp_path, ec_key):
    path = tmp_path / "jwks.json"
    [kid] = write_jwks(path, ec_key)
    clock = FakeClock()
    verifier = Verifier(IdentitySettings(mode="jwks_file", jwks_file=str(path), issuer=ISS, audience=AUD),
                        tmp_path, clock=clock)
    path.write_text("{ not json")
    clock.advance(2)
    assert verifier.verify(sign(ec_key, kid=kid)).dept == "HEALTH"


def test_jwks_file_missing_at_start_is_config_error(tmp_path):
    with pytest.raises(ConfigError):
        Verifier(IdentitySettings(mode="jwks_file", jwks_file=str(tmp_path / "none.json")), tmp_path)


# -- jwks_url mode ------------------------------------------------------------------------------------

class JwksServer:
    """A real HTTP server on 127.0.0.1 serving a mutable JWKS and counting fetches."""

    def __init__(self):
        self.body = b'{"keys": []}'
        self.status = 200
        self.fetches = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.fetches += 1
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/jwks.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def publish(self, *private_keys) -> list[str]:
        jwks = [public_jwk(k.public_key(), alg="ES256", use="sig") for k in private_keys]
        self.body = json.dumps({"keys": jwks}).encode()
        return [j["kid"] for j in jwks]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def jwks_server():
    server = JwksServer()
    yield server
    server.close()


def url_verifier(tmp_path, url, clock) -> Verifier:
    return Verifier(IdentitySettings(mode="jwks_url", jwks_url=url, issuer=ISS, audience=AUD,
                                     jwks_cache_seconds=300, jwks_min_refresh_seconds=30),
                    tmp_path, clock=clock, fetch_timeout=2.0)


def test_jwks_url_cache_hit_and_expiry(tmp_path, jwks_server, ec_key):
    [kid] = jwks_server.publish(ec_key)
    clock = FakeClock()
    verifier = url_verifier(tmp_path, jwks_server.url, clock)
    assert jwks_server.fetches == 0  # lazy: nothing fetched at start-up
    token = sign(ec_key, kid=kid)
    assert verifier.verify(token).dept == "HEALTH"
    assert jwks_server.fetches == 1
    clock.advance(100)
    for _ in range(5):
        assert verifier.verify(token).dept == "HEALTH"
    assert jwks_server.fetches == 1  # cache hit
    clock.advance(201)
    assert verifier.verify(token).dept == "HEALTH"
    assert jwks_server.fetches == 2  # cache expired: fetched again


def test_jwks_url_rotation_new_kid_one_fetch(tmp_path, jwks_server, ec_key, other_ec_key):
    [old_kid] = jwks_server.publish(ec_key)
    clock = FakeClock()
    verifier = url_verifier(tmp_path, jwks_server.url, clock)
    assert verifier.verify(sign(ec_key, kid=old_kid)).dept == "HEALTH"
    [_, new_kid] = jwks_server.publish(ec_key, other_ec_key)
    clock.advance(31)
    before = jwks_server.fetches
    assert verifier.verify(sign(other_ec_key, kid=new_kid)).dept == "HEALTH"
    assert jwks_server.fetches == before + 1
    assert verifier.verify(sign(ec_key, kid=old_kid)).dept == "HEALTH"
    assert jwks_server.fetches == before + 1


def test_jwks_url_unknown_kids_rate_limited(tmp_path, jwks_server, ec_key):
    [kid] = jwks_server.publish(ec_key)
    clock = FakeClock()
    verifier = url_verifier(tmp_path, jwks_server.url, clock)
    assert verifier.verify(sign(ec_key, kid=kid)).dept == "HEALTH"
    assert jwks_server.fetches == 1
    clock.advance(5)
    expect_refusal(verifier, sign(ec_key, kid="unknown-0"), "unknown_key")
    assert jwks_server.fetches == 1  # within the window of the first fetch: fail fast
    clock.advance(30)
    for i in range(20):
        expect_refusal(verifier, sign(ec_key, kid=f"unknown-{i}"), "unknown_key")
        clock.advance(1)
    assert jwks_server.fetches == 2  # many unknown kids within 30 s: exactly one fetch
    clock.advance(15)
    expect_refusal(verifier, sign(ec_key, kid="unknown-late"), "unknown_key")
    assert jwks_server.fetches == 3  # the next window allows one more
    assert verifier.verify(sign(ec_key, kid=kid)).dept == "HEALTH"
    assert jwks_server.fetches == 3


def test_jwks_url_unreachable_is_key_unavailable(tmp_path, ec_key):
    server = JwksServer()
    url = server.url
    server.close()  # nothing listens on that port any more
    clock = FakeClock()
    verifier = url_verifier(tmp_path, url, clock)
    expect_refusal(verifier, sign(ec_key, kid="k"), "key_unavailable")


@pytest.mark.parametrize("status,body", [(500, b"oops"), (200, b"not json"), (200, b"[1]"), (200, b'{"keys": []}')])
def test_jwks_url_bad_answers_are_key_unavailable(tmp_path, jwks_server, ec_key, status, body):
    jwks_server.status, jwks_server.body = status, body
    clock = FakeClock()
    verifier = url_verifier(tmp_path, jwks_server.url, clock)
    expect_refusal(verifier, sign(ec_key, kid="k"), "key_unavailable")
    expect_refusal(verifier, sign(ec_key, kid="k"), "key_unavailable")
    assert jwks_server.fetches == 1  # failed fetches are rate limited too


def test_jwks_url_keeps_cached_keys_when_endpoint_fails(tmp_path, jwks_server, ec_key):
    [kid] = jwks_server.publish(ec_key)
    clock = FakeClock()
    verifier = url_verifier(tmp_path, jwks_server.url, clock)
    token = sign(ec_key, kid=kid)
    assert verifier.verify(token).dept == "HEALTH"
    jwks_server.status, jwks_server.body = 503, b"down"
    clock.advance(301)
    assert verifier.verify(token).dept == "HEALTH"  # stale keys within the grace period
    assert jwks_server.fetches == 2
    clock.advance(4000)
    expect_refusal(verifier, token, "key_unavailable")  # past the grace: fail closed


def test_jwks_url_refuses_non_http_scheme(tmp_path):
    with pytest.raises(ConfigError):
        Verifier(IdentitySettings(mode="jwks_url", jwks_url="file:///etc/passwd"), tmp_path)


def test_jwks_url_disallowed_algorithm_refused_before_any_fetch(tmp_path, jwks_server, ec_key):
    jwks_server.publish(ec_key)
    verifier = url_verifier(tmp_path, jwks_server.url, FakeClock())
    token = jwt.encode(claims(), b"k" * 32, algorithm="HS256", headers={"kid": "attacker-kid"})
    expect_refusal(verifier, token, "disallowed_algorithm")
    expect_refusal(verifier, unsigned_token({"alg": "none", "kid": "attacker-kid"}, claims()), "disallowed_algorithm")
    assert jwks_server.fetches == 0  # the header allow-list is checked before any key lookup


def test_pilot_key_concurrent_processes_share_one_key(tmp_path):
    import subprocess
    import sys
    script = ("import sys, time; from pathlib import Path; from gateway.identity import PilotKeys\n"
              "start = float(sys.argv[2])\n"
              "while time.time() < start: time.sleep(0.001)\n"
              "print(PilotKeys(Path(sys.argv[1])).ensure().kid)\n")
    start = str(time.time() + 1.5)
    procs = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path), start], stdout=subprocess.PIPE,
                              cwd=Path(__file__).resolve().parents[2], text=True) for _ in range(3)]
    kids = {proc.communicate(timeout=60)[0].strip() for proc in procs}
    assert all(proc.returncode == 0 for proc in procs)
    assert kids == {PilotKeys(tmp_path).kid}
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == ["pilot-es256.pem"]


# -- remembered verifications -------------------------------------------------------------------------

def counting_decode(monkeypatch) -> list:
    calls: list = []
    real = jwt.decode

    def decode(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(jwt, "decode", decode)
    return calls


def test_a_verified_token_is_not_verified_again(pem_verifier, ec_key, monkeypatch):
    calls = counting_decode(monkeypatch)
    token = sign(ec_key)
    first = pem_verifier.verify(token)
    assert pem_verifier.verify(token) == first
    assert len(calls) == 1
    # A token differing in one signature character is another token: verified, and refused.
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    expect_refusal(pem_verifier, tampered, "bad_signature")
    assert len(calls) == 2


def test_a_remembered_token_still_expires(tmp_path, ec_key):
    verifier = Verifier(pem_settings(tmp_path, ec_key, leeway=0), tmp_path)
    now = time.time()
    token = sign(ec_key, iat=int(now) - 10, exp=int(now) + 2)
    assert verifier.verify(token).dept == "HEALTH"
    time.sleep(max(0.0, int(now) + 2 - time.time()) + 0.2)
    expect_refusal(verifier, token, "expired")


def test_remembering_is_bounded_in_time(tmp_path, ec_key, monkeypatch):
    from gateway.identity import VERIFIED_CACHE_SECONDS

    wall = FakeClock(time.time())
    verifier = Verifier(pem_settings(tmp_path, ec_key), tmp_path, wall_clock=wall)
    calls = counting_decode(monkeypatch)
    token = sign(ec_key, exp=int(time.time()) + 3600)
    verifier.verify(token)
    wall.advance(VERIFIED_CACHE_SECONDS - 1)
    verifier.verify(token)
    assert len(calls) == 1
    wall.advance(2)
    verifier.verify(token)
    assert len(calls) == 2


def test_remembered_tokens_are_held_as_digests_only(pem_verifier, ec_key):
    token = sign(ec_key)
    pem_verifier.verify(token)
    held = repr(pem_verifier._verified)
    assert token not in held and token.split(".")[1] not in held
    assert all(isinstance(k, bytes) and len(k) == 32 for k in pem_verifier._verified)
