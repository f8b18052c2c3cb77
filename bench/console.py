"""Console speed over a long trail: `govshare bench console [--records N] [--runs R] [--database-url URL]`.

Fills a fresh store with N (default 1,000,000) realistic audit records by bulk insert: one chained trail
(verifiable: the hashes link, a signed checkpoint covers the head), 180 days of calls from 12 departments
and their applications on 20 resources, about 14 % refusals and 1 % administrator actions. Then it serves
the officers' console on a free loopback port, signs in over HTTP as an audit administrator and times the
audit pages end to end (request to last byte, rendered HTML): the list, record detail, and searches by
caller, resource, decision, time, request id and acting officer. Each page is fetched once cold, then R
times; the goal (issue 14) is judged on the slowest warm fetch: a page under 300 ms, a search under 1 s.

SQLite by default (a file in a temporary directory); `--database-url` names an empty PostgreSQL database
instead (`postgresql+psycopg://…`), which is ANALYZEd after the load as autovacuum would.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from gateway.audit import AuditTrail, store
from gateway.audit.record import canonical, columns_of, prepare, utc_ms
from gateway.config import AuditSettings, Config

PAGE_GOAL_MS, SEARCH_GOAL_MS = 300.0, 1000.0
DAYS = 180
BATCH = 20_000
PASSWORD = "bench-console-password"
DEPTS = {"MZ": ("dibao", "yanglao"), "RS": ("shebao", "jiuye"), "SCJG": ("dengji",), "GA": ("huji", "chujing"),
         "WJ": ("yimiao",), "JY": ("xueji", "zizhu"), "ZJ": ("gongjijin",), "SW": ("shenbao", "fapiao"),
         "YB": ("yibao",), "ZR": ("budongchan",), "TJ": ("pucha",), "CZ": ("butie",)}
RESOURCES = tuple(f"{p}-{k}-{n:04d}" for p, k in (("GA", "RK"), ("SCJG", "QY"), ("RS", "SB"), ("MZ", "DB"),
                                                  ("ZR", "BDC")) for n in range(1, 5))
OFFICERS = ("sec-ga", "sec-mz", "sec-rs", "sys-1", "aud-1")
ACTIONS = ("grant.add", "grant.revoke", "application.approve", "application.refuse", "policy.reload",
           "catalog.reload", "admin.login", "audit.verify")


# ------------------------------------------------------------------------------------------- the records
def _hex(i: int, salt: bytes, n: int = 32) -> str:
    return hashlib.blake2b(i.to_bytes(8, "big"), digest_size=n // 2, key=salt).hexdigest()


def make_record(i: int, total: int, start: datetime) -> dict:
    """Record i of `total`, stamped in order across DAYS days from `start` (deterministic)."""
    ts = utc_ms(start + timedelta(seconds=DAYS * 86400 * i / total))
    if i % 97 == 5:
        officer = OFFICERS[i % len(OFFICERS)]
        role = {"sec": "security_admin", "sys": "system_admin", "aud": "audit_admin"}[officer[:3]]
        return {"ts": ts, "event": "admin", "actor": officer, "role": role, "action": ACTIONS[i % len(ACTIONS)],
                "target": f"g-{_hex(i, b'target', 16)}", "digest_before": None, "digest_after": None,
                "detail": {"client": "10.8.0.12"}, "outcome": "success"}
    depts = tuple(DEPTS)
    dept = depts[(i * 7 + i // 1000) % len(depts)]
    apps = DEPTS[dept]
    resource = RESOURCES[(i * 13 + i // 97) % len(RESOURCES)]
    deny = i % 7 == 3
    return {
        "ts": ts, "event": "request", "request_id": _hex(i, b"request"), "dept": dept, "app": apps[i % len(apps)],
        "subject": "sub_" + _hex(i, b"subject", 24), "client": f"10.{i % 200}.{(i // 200) % 250}.{i % 7 + 1}",
        "method": "GET", "resource": resource, "path": f"/api/{resource.lower()}/records", "query": None,
        "purpose": "最低生活保障资格核查" if dept == "MZ" else "依职责办理业务核查",
        "decision": "deny" if deny else "allow", "reason": "no_grant" if deny else "grant",
        "rule": "default-deny" if deny else f"grant:g-{i % 40}", "policy_version": "r12-3f9a1c0d2b4e",
        "grant_id": None if deny else f"g-{i % 40}", "status": 403 if deny else 200, "bytes_in": 0,
        "bytes_out": 0 if deny else 2048 + i % 4096, "latency_ms": round(8 + (i % 250) / 10, 3),
        "masking": [] if deny else [{"path": "$.data[*].sfzh", "entity": "CN_ID_CARD", "operator": "mask",
                                     "count": 1 + i % 20}],
        "error": None, "correlation_id": None,
    }


def fill(trail: AuditTrail, total: int, start: datetime, say) -> float:
    """Append `total` generated records as one chain, BATCH per locked transaction; the seconds it took.
    Every 1000th record goes through the trail's own validation, as a check that the generator is honest."""
    recs = store.records
    began = time.perf_counter()
    done = 0
    while done < total:
        n = min(BATCH, total - done)
        with store.chain_transaction(trail.engine) as conn:
            seq, prev = store.head(conn)
            rows = []
            for i in range(done, done + n):
                record = make_record(i, total, start)
                if i % 1000 == 0:
                    checked = prepare(record)
                    body, columns = checked.canonical, checked.columns
                else:
                    body, columns = canonical(record), columns_of(record)
                seq += 1
                prev = trail.hasher.link(prev, body)
                rows.append({**columns, "seq": seq, "canonical": body, "hash": prev})
            conn.execute(recs.insert(), rows)
        done += n
        if done % 200_000 == 0 or done == total:
            say(f"  {done:>9,} records ({time.perf_counter() - began:.0f} s)")
    return time.perf_counter() - began


# -------------------------------------------------------------------------------------------- the client
class Console:
    """A keep-alive HTTP client signed in to the console as one account."""

    def __init__(self, host: str, port: int):
        self.conn = http.client.HTTPConnection(host, port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        head = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        self.conn.request(method, path, body=body, headers=head)
        response = self.conn.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0].strip('"')
        return response.status, data

    def sign_in(self, name: str, password: str) -> None:
        status, page = self.request("GET", "/login")
        token = re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()
        status, _ = self.request("POST", "/login", urlencode({"name": name, "password": password, "csrf": token}),
                                 {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 303 or "gs_session" not in self.cookies:
            raise RuntimeError(f"sign-in as {name} failed ({status})")


@dataclass
class Timing:
    name: str
    kind: str  # page | search
    path: str
    rows: int
    cold_ms: float
    median_ms: float
    max_ms: float

    @property
    def goal_ms(self) -> float:
        return PAGE_GOAL_MS if self.kind == "page" else SEARCH_GOAL_MS

    @property
    def met(self) -> bool:
        return self.max_ms < self.goal_ms


def time_page(console: Console, name: str, kind: str, path: str, runs: int) -> Timing:
    samples = []
    rows = 0
    for _ in range(runs + 1):
        began = time.perf_counter()
        status, body = console.request("GET", path)
        samples.append((time.perf_counter() - began) * 1000)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
        rows = body.count(b'href="/audit/records/') if path.startswith("/audit/search") else 1
    warm = samples[1:]
    return Timing(name, kind, path, rows, samples[0], statistics.median(warm), max(warm))


def pages(total: int, start: datetime) -> list[tuple[str, str, str]]:
    """(name, kind, path) of every timed page."""
    middle = total // 2  # a request record (make_record makes every 97th, from the 5th, an admin one)
    while middle % 97 == 5:
        middle += 1
    day = (start + timedelta(days=DAYS // 2)).strftime("%Y-%m-%d")
    first = (start + timedelta(days=10)).strftime("%Y-%m-%d")
    hour_from = (start + timedelta(days=30, hours=9)).strftime("%Y-%m-%dT%H:%M")
    hour_to = (start + timedelta(days=30, hours=10)).strftime("%Y-%m-%dT%H:%M")
    wanted = _hex(middle, b"request")
    q = lambda **kw: "/audit/search?" + urlencode(kw)  # noqa: E731
    return [
        ("baseline: /healthz (no session, no query)", "page", "/healthz"),
        ("list: newest 100", "page", "/audit/search"),
        ("record detail (newest)", "page", f"/audit/records/{total}"),
        ("record detail (middle)", "page", f"/audit/records/{middle + 1}"),
        ("record detail (oldest)", "page", "/audit/records/2"),
        ("caller: department", "search", q(dept="MZ")),
        ("caller: department + application", "search", q(dept="RS", app="jiuye")),
        ("resource", "search", q(resource="ZR-BDC-0004")),
        ("decision: deny", "search", q(decision="deny")),
        ("request id", "search", q(request_id=wanted)),
        ("time: one day, 90 days ago", "search", q(**{"from": day, "to": day})),
        ("time: one hour + caller + decision", "search", q(dept="MZ", decision="deny",
                                                           **{"from": hour_from, "to": hour_to})),
        ("caller + resource + deny", "search", q(dept="GA", resource="MZ-DB-0002", decision="deny")),
        ("caller, 80 days", "search", q(dept="MZ", **{"from": first, "to": day})),
        ("deny, 80 days", "search", q(decision="deny", **{"from": first, "to": day})),
        ("time: 80 days", "search", q(**{"from": first, "to": day})),
        ("time: everything before a date", "search", q(to=first)),
        ("administrator actions", "search", q(event="admin")),
        ("acting officer", "search", q(actor="sec-mz")),
        ("nothing matches", "search", q(dept="XX")),
    ]


# ------------------------------------------------------------------------------------------------- run
def run(records: int, runs: int, database_url: str | None, say=print) -> dict:
    from gateway.admin.context import AdminContext
    from gateway.admin.serve import ConsoleServer

    with tempfile.TemporaryDirectory(prefix="govshare-console-bench-") as tmp:
        key = Path(tmp) / "custody" / "audit-ed25519.key"
        config = Config(data_dir=Path(tmp) / "data", database_url=database_url,
                        audit=replace(AuditSettings(), signing_key=str(key)))
        config.data_dir.mkdir(parents=True)
        trail = AuditTrail.open(config)
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=DAYS)
        say(f"filling {records:,} audit records ({trail.engine.dialect.name}) ...")
        fill_seconds = fill(trail, records, start, say)
        if trail.engine.dialect.name == "postgresql":
            with trail.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE audit_records")
        trail.checkpoint()
        ctx = AdminContext(config, engine=trail.engine, audit=trail)
        ctx.accounts.create_user("bench-auditor", "audit", PASSWORD, "bench")
        server = ConsoleServer(ctx, "127.0.0.1", 0).start()
        try:
            console = Console(server.host, server.port)
            console.sign_in("bench-auditor", PASSWORD)
            timings = [time_page(console, name, kind, path, runs) for name, kind, path in pages(records, start)]
        finally:
            server.stop()
            ctx.close()
            trail.close()
    return {"records": records, "database": (database_url or "sqlite").split(":", 1)[0], "runs": runs,
            "fill_seconds": round(fill_seconds, 1), "fill_rate": round(records / fill_seconds),
            "pages": [t.__dict__ | {"goal_ms": t.goal_ms, "met": t.met} for t in timings]}


def render(results: dict) -> str:
    lines = [f"console over {results['records']:,} audit records ({results['database']}), "
             f"filled in {results['fill_seconds']} s ({results['fill_rate']:,} records/s); "
             f"slowest of {results['runs']} warm fetches judged",
             f"{'page':<42} {'rows':>5} {'cold ms':>8} {'median':>8} {'max':>8} {'goal':>6}  met"]
    for p in results["pages"]:
        lines.append(f"{p['name']:<42} {p['rows']:>5} {p['cold_ms']:>8.1f} {p['median_ms']:>8.1f} "
                     f"{p['max_ms']:>8.1f} {p['goal_ms']:>6.0f}  {'yes' if p['met'] else 'NO'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="govshare bench console", description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000, help="audit records to fill (default 1,000,000)")
    parser.add_argument("--runs", type=int, default=5, help="warm fetches per page (default 5)")
    parser.add_argument("--database-url", help="an empty PostgreSQL database instead of SQLite")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.records < 1000 or args.runs < 1:
        parser.error("--records must be at least 1000 and --runs at least 1")
    results = run(args.records, args.runs, args.database_url)
    print(render(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0  # a missed goal is a figure to act on, not a failed run


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
