"""Accounts: exactly one role, argon2 hashes, throttled sign-in, sessions that expire (clock passed in)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.admin.accounts import AccountError, Accounts, LoginRefused
from gateway.admin.tables import UserRow
from gateway.store import make_engine

PASSWORD = "correct-horse-battery"


@pytest.fixture
def accounts(tmp_path, clock):
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    yield Accounts(engine, clock=clock, idle_seconds=60, max_seconds=300, max_failures=3, window_seconds=100)
    engine.dispose()


def test_an_account_has_exactly_one_role_and_an_argon2_hash(accounts):
    user = accounts.create_user("alice", "security", PASSWORD, "root", dept="GA")
    assert (user.role, user.dept, user.audit_role) == ("security", "GA", "security_admin")
    with pytest.raises(AccountError, match="exists already"):
        accounts.create_user("alice", "audit", PASSWORD, "root")
    with pytest.raises(AccountError, match="exactly one of"):
        accounts.create_user("bob", "security|audit", PASSWORD, "root")
    with pytest.raises(AccountError, match="only a security officer"):
        accounts.create_user("carol", "audit", PASSWORD, "root", dept="GA")
    with pytest.raises(AccountError, match="at least 12"):
        accounts.create_user("dave", "audit", "short", "root")
    with Session(accounts.engine) as s:
        stored = s.scalars(select(UserRow.password_hash)).all()
    assert len(stored) == 1 and stored[0].startswith("$argon2id$") and PASSWORD not in stored[0]


def test_sign_in_checks_the_password_and_names_no_reason_to_the_caller(accounts):
    accounts.create_user("alice", "audit", PASSWORD, "root")
    assert accounts.authenticate("alice", PASSWORD, "10.0.0.1").name == "alice"
    with pytest.raises(LoginRefused) as wrong:
        accounts.authenticate("alice", PASSWORD + "x", "10.0.0.1")
    assert wrong.value.reason == "bad_credentials" and wrong.value.user.name == "alice"
    with pytest.raises(LoginRefused) as unknown:
        accounts.authenticate("nobody", PASSWORD, "10.0.0.1")
    assert unknown.value.reason == "bad_credentials" and unknown.value.user is None


def test_repeated_failures_throttle_the_account_until_the_window_passes(accounts, clock):
    accounts.create_user("alice", "audit", PASSWORD, "root")
    for _ in range(3):
        with pytest.raises(LoginRefused, match="bad_credentials"):
            accounts.authenticate("alice", "wrong-password-1", "10.0.0.1")
    with pytest.raises(LoginRefused, match="throttled"):  # even the right password, from anywhere
        accounts.authenticate("alice", PASSWORD, "10.0.0.2")
    clock.advance(101)
    assert accounts.authenticate("alice", PASSWORD, "10.0.0.2").name == "alice"


def test_sessions_end_when_idle_too_long_after_a_maximum_and_on_sign_out(accounts, clock):
    user = accounts.create_user("alice", "system", PASSWORD, "root")
    token, info = accounts.start_session(user)
    assert accounts.session(token).user == user and accounts.session(token).csrf == info.csrf
    clock.advance(61)
    assert accounts.session(token) is None  # idle
    token, _ = accounts.start_session(user)
    for _ in range(6):
        clock.advance(50)
        assert accounts.session(token) is not None
    clock.advance(50)
    assert accounts.session(token) is None  # 350 s > max 300 s although never idle
    token, _ = accounts.start_session(user)
    accounts.end_session(token)
    assert accounts.session(token) is None
    assert accounts.session("forged-token") is None
