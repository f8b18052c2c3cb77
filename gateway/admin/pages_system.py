"""System administrator pages: departments and their calling applications, upstream health, signing keys
and JWKS, the audit backlog (records not yet anchored by a signed checkpoint), administrator accounts.
"""

from __future__ import annotations

import asyncio
import http.client
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..policy.grants import GrantStore
from .web import guarded, render, wants_json

HEALTH_TIMEOUT = 2.0


@guarded("system")
async def departments_page(request: Request, info) -> Response:
    ctx = request.app.state.ctx
    catalog = ctx.catalog()
    apps: dict[str, set] = {code: set() for code in catalog.departments}
    for g in GrantStore(ctx.engine).list(include_revoked=True):
        if g.app:
            apps.setdefault(g.dept, set()).add(g.app)
    for a in ctx.applications.list():
        if a.app:
            apps.setdefault(a.dept, set()).add(a.app)
    rows = [{"code": d.code, "name": d.name, "upstream": d.upstream, "apps": sorted(apps.get(d.code, ())),
             "resources": [r.code for r in catalog.resources.values() if r.provider == d.code]}
            for d in catalog.departments.values()]
    if wants_json(request):
        return JSONResponse(rows)
    return render(request, "departments.html", rows=rows)


def probe(url: str, timeout: float = HEALTH_TIMEOUT) -> dict:
    """Any HTTP answer from the upstream's base URL counts as reachable; the status and time are shown."""
    import time

    parts = urlsplit(url)
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    started = time.perf_counter()
    try:
        conn = cls(parts.hostname, parts.port, timeout=timeout)
        conn.request("HEAD", parts.path or "/")
        status = conn.getresponse().status
        conn.close()
        return {"reachable": True, "status": status, "ms": round((time.perf_counter() - started) * 1000, 1)}
    except (OSError, http.client.HTTPException) as e:
        return {"reachable": False, "status": None, "error": type(e).__name__}


@guarded("system")
async def upstreams_page(request: Request, info) -> Response:
    ctx = request.app.state.ctx
    departments = list(ctx.catalog().departments.values())
    results = await asyncio.gather(*(run_in_threadpool(probe, d.upstream) for d in departments))
    rows = [{"code": d.code, "name": d.name, "upstream": d.upstream} | r for d, r in zip(departments, results)]
    if wants_json(request):
        return JSONResponse(rows)
    return render(request, "upstreams.html", rows=rows)


@guarded("system")
async def keys_page(request: Request, info) -> Response:
    ctx = request.app.state.ctx
    ident = ctx.config.identity
    jwks = None
    if ident.mode == "pilot":
        from ..identity import PilotKeys

        jwks = PilotKeys(ctx.config.data_dir).ensure().jwks()
    doc = {"mode": ident.mode, "issuer": ident.issuer, "audience": ident.audience,
           "algorithms": list(ident.algorithms), "jwks_url": ident.jwks_url, "jwks_file": ident.jwks_file,
           "jwks": jwks, "audit_signature": ctx.config.audit.signature_algorithm,
           "audit_hash": ctx.config.audit.hash_algorithm}
    if wants_json(request):
        return JSONResponse(doc)
    return render(request, "keys.html", doc=doc)


def backlog(ctx) -> dict:
    """The audit chain's head and anchoring, archive segments, and what each process has in force."""
    from .processes import processes
    from ..audit.checkpoint import checkpoint_path, last_checkpoint
    from ..audit.segments import list_segments
    from ..audit.store import read_head

    head_seq, _ = read_head(ctx.engine)
    last = last_checkpoint(checkpoint_path(ctx.config.data_dir))
    cp_seq = last.seq if last else 0
    return {"head_seq": head_seq, "checkpoint_seq": cp_seq, "unanchored": max(0, head_seq - cp_seq),
            "segments": len(list_segments(ctx.config.data_dir)),
            "policy_version": ctx.policy().version,
            "processes": [p.__dict__ | {"stale": p.stale(ctx.clock())} for p in processes(ctx.engine)],
            **store_alarms(ctx)}


ALARM_SCAN = 2000  # newest admin records searched for alarms (the page stays fast over a large trail)


def store_alarms(ctx) -> dict:
    """The store of record as it stands (version chains, grant seals) and the newest tamper alarms the
    gateways raised (from the trail: kind, problem, what stayed in force; never a value)."""
    import json

    from sqlalchemy import select

    from ..audit import store as audit_store
    from .store_watch import StoreWatch

    state = StoreWatch(ctx.engine).check()
    recs = audit_store.records
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(recs.c.seq, recs.c.canonical).where(recs.c.event == "admin")
                            .order_by(recs.c.seq.desc()).limit(ALARM_SCAN)).all()
    alarms = []
    for row in rows:
        rec = json.loads(bytes(row.canonical))
        if rec.get("action") == "alarm.tamper":
            detail = rec.get("detail") or {}
            alarms.append({"seq": row.seq, "ts": rec.get("ts"), "kind": rec.get("target"),
                           "problem": detail.get("problem"), "kept_in_force": detail.get("kept_in_force"),
                           "grants": detail.get("grants") or []})
    return {"store_problems": state.problems, "alarms": alarms[:50]}


@guarded("system")
async def backlog_page(request: Request, info) -> Response:
    ctx = request.app.state.ctx
    doc = await run_in_threadpool(backlog, ctx)
    if wants_json(request):
        return JSONResponse(doc)
    return render(request, "backlog.html", doc=doc)


@guarded("system")
async def users_page(request: Request, info) -> Response:
    """Accounts; a POST creates one (exactly one role) or disables one. Every change is audited."""
    from .accounts import AccountError

    ctx = request.app.state.ctx
    error = None
    if request.method == "POST":
        form = await request.form()
        name = str(form.get("name", "")).strip()
        try:
            if form.get("op") == "disable":
                if name == info.user.name:
                    raise AccountError("an administrator does not disable their own account")
                ctx.accounts.disable(name)
                ctx.record(info.user, "admin.disable_user", name[:64])
            else:
                user = ctx.accounts.create_user(name, str(form.get("role", "")), str(form.get("password", "")),
                                                info.user.name, dept=str(form.get("dept", "")) or None)
                ctx.record(info.user, "admin.create_user", user.name,
                           detail={"account": user.name, "role": user.role, "dept": user.dept})
        except AccountError as e:
            error = str(e)
            ctx.record(info.user, "admin.disable_user" if form.get("op") == "disable" else "admin.create_user",
                       name[:64], outcome="failure", detail={"problem": error[:200]})
    users = ctx.accounts.list()
    if wants_json(request):
        return JSONResponse([{"name": u.name, "role": u.role, "dept": u.dept} for u in users])
    return render(request, "users.html", users=users, error=error, status=400 if error else 200)
