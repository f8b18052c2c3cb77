"""The demo's accounts: one per role, a new password on each start, each creation or reset audited."""

from __future__ import annotations

from gateway.admin.demo import banner, demo_accounts


def test_demo_accounts_sign_in_and_get_new_passwords_each_start(ctx, admin_records):
    first = demo_accounts(ctx)
    assert sorted({role for _, role, _, _ in first}) == ["audit", "security", "system"]
    for name, _, _, password in first:
        assert ctx.accounts.authenticate(name, password, "127.0.0.1").name == name
    second = demo_accounts(ctx)
    assert all(a[3] != b[3] for a, b in zip(first, second))
    assert len(admin_records(action="admin.create_user")) == 4
    assert len(admin_records(action="admin.reset_password")) == 4
    text = banner("http://127.0.0.1:8081", second)
    assert "http://127.0.0.1:8081/" in text and second[0][3] in text and "acts for GA" in text
