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


def demo_store(config, urls: dict[str, str], pid: int):
    """The demo's files beside its database, never the repository's policies/: copies of the policy and the
    masking rules (data directory, demo-*-PID), and the catalog pointed at this run's department ports.

    The database is the store of record: when it already holds versions (an earlier `make run`), each
    kind's newest version whose chain verifies is what the copies hold; the catalog's departments are then
    moved to this run's ports by a new version (author govshare-demo), since their addresses did change.
    Returns (config for the run, files to delete at the end)."""
    import shutil
    import tempfile
    from dataclasses import replace
    from pathlib import Path

    from ..demo.catalog import demo_catalog_for
    from ..store import make_engine
    from .store_watch import StoreWatch
    from .versions import VersionStore

    data = config.data_dir
    policy, masking = data / f"demo-policy-{pid}.csv", data / f"demo-masking-{pid}.yaml"
    catalog = data / f"demo-catalog-{pid}.yaml"
    shutil.copy(config.policy, policy)
    shutil.copy(config.masking_rules, masking)
    run_config = replace(config, policy=policy, masking_rules=masking, catalog=catalog)
    engine = make_engine(config.db_url)
    try:
        heads = StoreWatch(engine).check().heads
        store = VersionStore(engine, run_config)
        for kind, path in (("policy", policy), ("masking", masking)):
            if kind in heads:
                path.write_text(heads[kind].content, encoding="utf-8")
        if "catalog" not in heads:
            demo_catalog_for(urls, catalog, config.catalog)
            return run_config, [policy, masking, catalog]
        with tempfile.TemporaryDirectory(dir=data) as tmp:
            head = Path(tmp) / "catalog.yaml"
            head.write_text(heads["catalog"].content, encoding="utf-8")
            demo_catalog_for(urls, catalog, head)
        text = catalog.read_text(encoding="utf-8")
        catalog.write_text(heads["catalog"].content, encoding="utf-8")
        if text != heads["catalog"].content:
            store.commit("catalog", text, "govshare-demo", "demo: the departments listen on this run's ports")
    finally:
        engine.dispose()
    return run_config, [policy, masking, catalog]
