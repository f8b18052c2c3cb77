"""Console sign-in with the identity service's JWT (`/login/token`): a token the gateway's verifier trusts,
naming an existing account and exactly its role, signs in; anything else is refused (401, or 429 once
throttled) and audited — CSRF, throttling and session expiry as for passwords, the token never in the trail."""

from __future__ import annotations

import json
import re
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from gateway.identity import PilotKeys


def make_token(config, *, account="aud", role="audit", dept="SJ", ttl=300, iat=None, key=None, **extra) -> str:
    """A token as the identity service would sign it (the pilot key the gateway trusts, unless `key`)."""
    pilot = PilotKeys(config.data_dir)
    now = int(time.time()) if iat is None else iat
    claims = {"iss": config.identity.issuer, "aud": config.identity.audience, "sub": f"officer-{account}",
              "iat": now, "nbf": now, "exp": now + ttl, "jti": uuid.uuid4().hex, "dept": dept}
    if account is not None:
        claims["console_account"] = account
    if role is not None:
        claims["console_role"] = role
    claims.update(extra)
    return jwt.encode(claims, key or pilot.private_key, algorithm="ES256", headers={"kid": pilot.kid})


def sign_in(client, token: str, csrf: bool = True):
    client.cookies.clear()
    page = client.get("/login/token")
    field = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return client.post("/login/token", data={"token": token, "csrf": field if csrf else "x"},
                       follow_redirects=False)


def logins(admin_records) -> list[dict]:
    return [r for r in admin_records(action="admin.login") if (r.get("detail") or {}).get("method") == "jwt"]


def test_a_trusted_token_signs_its_account_in_with_its_role(client, admin_config, admin_records, ctx):
    token = make_token(admin_config)
    r = sign_in(client, token)
    assert r.status_code == 303 and r.headers["location"] == "/audit/search"
    assert "gs_session" in r.headers.get("set-cookie", "")
    assert client.get("/audit/search").status_code == 200
    assert client.get("/security/grants", follow_redirects=False).status_code == 403  # still one role only
    [record] = logins(admin_records)
    assert (record["actor"], record["role"], record["outcome"]) == ("aud", "audit_admin", "success")
    with ctx.engine.connect() as conn:
        trail = b"".join(bytes(r[0]) for r in conn.exec_driver_sql("SELECT canonical FROM audit_records"))
    assert token.encode() not in trail and token.split(".")[2].encode() not in trail


@pytest.mark.parametrize("claims, reason", [
    ({"role": "security"}, "token_role"),  # the account's role is audit
    ({"role": ["audit", "security"]}, "token_claims"),  # more than one role
    ({"account": "nobody-here"}, "token_claims"),
    ({"account": None, "role": None}, "token_claims"),  # a data-access token
    ({"ttl": 3600}, "token_lifetime"),
    ({"iat": int(time.time()) - 900, "ttl": 300}, "token_expired"),
    ({"key": ec.generate_private_key(ec.SECP256R1())}, "token_bad_signature"),
    ({"account": "sec-ga", "role": "security", "dept": "MZ"}, "token_dept"),
    ({"aud": "someone-else"}, "token_wrong_audience"),
])
def test_tokens_that_do_not_name_exactly_one_account_and_its_role_are_refused_and_audited(
        client, admin_config, admin_records, claims, reason):
    r = sign_in(client, make_token(admin_config, **claims))
    assert r.status_code == 401 and "gs_session" not in r.headers.get("set-cookie", "")
    assert 'id="login-error"' in r.text
    [record] = logins(admin_records)
    assert (record["outcome"], record["detail"]["reason"]) == ("failure", reason)


def test_a_disabled_account_cannot_sign_in_with_a_token(client, admin_config, admin_records, ctx):
    ctx.accounts.disable("aud")
    assert sign_in(client, make_token(admin_config)).status_code == 401
    assert logins(admin_records)[-1]["detail"]["reason"] == "disabled"


def test_token_sign_in_needs_the_pre_session_csrf_token(client, admin_config, admin_records):
    r = sign_in(client, make_token(admin_config), csrf=False)
    assert r.status_code == 403 and "gs_session" not in r.headers.get("set-cookie", "")
    assert logins(admin_records) == []


def test_failed_tokens_throttle_the_account_like_failed_passwords(client, admin_config, admin_records):
    for _ in range(5):
        assert sign_in(client, make_token(admin_config, role="system")).status_code == 401
    r = sign_in(client, make_token(admin_config))  # now a good one
    assert r.status_code == 429 and "gs_session" not in r.headers.get("set-cookie", "")
    assert logins(admin_records)[-1]["detail"]["reason"] == "throttled"


def test_a_token_session_expires_like_a_password_session(client, admin_config, clock):
    assert sign_in(client, make_token(admin_config)).status_code == 303
    assert client.get("/audit/search", follow_redirects=False).status_code == 200
    clock.advance(901)  # idle_seconds is 900
    r = client.get("/audit/search", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
