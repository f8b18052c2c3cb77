"""The demo's console: one account per role with a fresh random password on every start, and the lines
`make run` prints (the console's address and the accounts). Called by the demo after its gateway is up:

    ctx = AdminContext(config, engine=services.engine, audit=services.audit)
    console = start_console(ctx, "127.0.0.1", 8081, data_port=gateway_port)
    print(banner(console.url, demo_accounts(ctx)))
"""

from __future__ import annotations

import secrets

from .accounts import AccountError

DEMO_ACCOUNTS = (("security", "security", None), ("security-ga", "security", "GA"),
                 ("audit", "audit", None), ("system", "system", None))


def demo_accounts(ctx) -> list[tuple[str, str, str | None, str]]:
    """(name, role, department, password) for each demo account, created or given a new password."""
    out = []
    for name, role, dept in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(12)
        try:
            ctx.accounts.create_user(name, role, password, "govshare-demo", dept=dept)
            ctx.record("govshare-demo", "admin.create_user", name, role="system_admin",
                       detail={"account": name, "role": role, "dept": dept})
        except AccountError:
            ctx.accounts.set_password(name, password)
            ctx.record("govshare-demo", "admin.reset_password", name, role="system_admin")
        out.append((name, role, dept, password))
    return out


def banner(url: str, accounts) -> str:
    lines = [f"officers' console: {url}/   (中文; English: {url}/login?lang=en)"]
    for name, role, dept, password in accounts:
        lines.append(f"  {role:<9} {name:<12} password {password}{'   (acts for ' + dept + ')' if dept else ''}")
    return "\n".join(lines)
