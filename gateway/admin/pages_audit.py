"""Audit administrator pages: search (caller, resource, decision, time, request id), record detail, chain
verification and export. Searches read the live table newest first through its indexes, with a limit, so
a page stays fast however long the trail is; verification and export run the trail's own code.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from ..audit import export as export_trail, parse_time, verify
from ..audit import store as audit_store
from ..audit.query import Filters, record_clauses
from .web import guarded, render, wants_json

PAGE_SIZE = 100
SEARCH_KEYS = ("dept", "app", "resource", "decision", "request_id", "event", "actor", "reason", "purpose", "grant",
               "from", "to")
ACTOR_SCAN_LIMIT = 50_000  # admin records read at most to find an acting officer's (not an indexed column)


def search(engine, params: dict, limit: int = PAGE_SIZE) -> list[dict]:
    """Newest matching live records first (seq, hash and the record). `actor` narrows to administrator
    records of that account, read newest first from the event index."""
    recs = audit_store.records
    if params.get("actor"):
        params = params | {"event": "admin"}
    stmt = select(recs.c.seq, recs.c.hash, recs.c.canonical)
    for key in ("dept", "app", "resource", "decision", "request_id", "event"):
        if params.get(key):
            stmt = stmt.where(recs.c[key] == params[key])
    if params.get("from"):
        stmt = stmt.where(recs.c.ts >= parse_time(params["from"]))
    if params.get("to"):
        stmt = stmt.where(recs.c.ts < parse_time(params["to"], end=True))
    actor = params.get("actor")
    wanted = Filters(reason=params.get("reason") or None, purpose=params.get("purpose") or None,
                     grant_id=params.get("grant") or None)  # record filters (gateway.audit.query)
    for clause in record_clauses(wanted, engine.dialect.name):
        stmt = stmt.where(clause)
    scan = actor or wanted.record_filters()
    out = []
    with engine.connect() as conn:
        # Newest first by time, then seq: the (column, ts) indexes then hand rows over in order and the LIMIT
        # stops early, however wide the range (ordering by seq alone sorted every match: seconds at 1M).
        rows = conn.execute(stmt.order_by(recs.c.ts.desc(), recs.c.seq.desc())
                            .limit(ACTOR_SCAN_LIMIT if scan else limit))
        for r in rows:
            record = json.loads(bytes(r.canonical))
            if (actor and record.get("actor") != actor) or not wanted.matches(record):
                continue
            out.append({"seq": r.seq, "hash": r.hash, "record": record})
            if len(out) >= limit:
                break
    return out


@guarded("audit")
async def search_page(request: Request, info) -> Response:
    ctx = request.app.state.ctx
    params = {k: request.query_params.get(k, "").strip() for k in SEARCH_KEYS}
    try:
        rows = search(ctx.engine, params)
        error = None
    except ValueError as e:
        rows, error = [], str(e)
    if wants_json(request):
        return JSONResponse({"records": rows, "error": error})
    return render(request, "audit_search.html", rows=rows, params=params, error=error)


@guarded("audit")
async def record_page(request: Request, info) -> Response:
    ctx = request.app.state.ctx
    recs = audit_store.records
    with ctx.engine.connect() as conn:
        row = conn.execute(select(recs.c.seq, recs.c.hash, recs.c.canonical)
                           .where(recs.c.seq == request.path_params["seq"])).first()
    if row is None:
        return render(request, "error.html", status=404, message="no such live record (archived or absent)")
    record = json.loads(bytes(row.canonical))
    if wants_json(request):
        return JSONResponse({"seq": row.seq, "hash": row.hash, "record": record})
    return render(request, "audit_record.html", seq=row.seq, hash=row.hash, record=record,
                  pretty=json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True))


@guarded("audit")
async def verify_page(request: Request, info) -> Response:
    ctx = request.app.state.ctx
    result = None
    if request.method == "POST":
        result = await run_in_threadpool(verify, ctx.config, engine=ctx.engine)
        ctx.record(info.user, "audit.verify", "audit_records", outcome="success" if result.ok else "failure",
                   detail={"ok": result.ok, "records": result.records, "kind": result.kind,
                           "first_bad_seq": result.first_bad_seq, "head_seq": result.head_seq})
        if wants_json(request):
            return JSONResponse({"ok": result.ok, "records": result.records, "kind": result.kind,
                                 "first_bad_seq": result.first_bad_seq, "detail": result.detail,
                                 "head_seq": result.head_seq, "checkpoints": result.checkpoints,
                                 "unanchored": result.unanchored})
    return render(request, "audit_verify.html", result=result)


@guarded("audit")
async def export_page(request: Request, info) -> Response:
    ctx = request.app.state.ctx
    fmt = request.query_params.get("format")
    if fmt not in ("jsonl", "csv"):
        return render(request, "audit_export.html")
    try:
        from_ts = parse_time(request.query_params.get("from") or None)
        to_ts = parse_time(request.query_params.get("to") or None, end=True)
    except ValueError as e:
        return render(request, "error.html", status=400, message=str(e))
    out_dir = ctx.config.data_dir / "exports"
    out_dir.mkdir(parents=True, exist_ok=True)
    name = f"audit-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{info.user.name}.{fmt}"
    manifest = await run_in_threadpool(export_trail, ctx.config, out_dir / name, fmt, from_ts, to_ts,
                                       engine=ctx.engine)
    ctx.record(info.user, "audit.export", name, detail={"format": fmt, "records": manifest["records"],
                                                        "sha256": manifest["sha256"], "from": from_ts, "to": to_ts})
    return FileResponse(out_dir / name, filename=name,
                        media_type="text/csv" if fmt == "csv" else "application/x-ndjson")


@guarded("audit")
async def report_page(request: Request, info) -> Response:
    """The period report (the trail's own HTML with inline SVG charts) for a range, by default today (UTC)."""
    from starlette.responses import HTMLResponse

    from ..audit import report as audit_report

    ctx = request.app.state.ctx
    today = ctx.now().strftime("%Y-%m-%d")
    try:
        from_ts = parse_time(request.query_params.get("from") or today)
        to_ts = parse_time(request.query_params.get("to") or today, end=True)
    except ValueError as e:
        return render(request, "error.html", status=400, message=str(e))
    html = await run_in_threadpool(audit_report, ctx.config, from_ts, to_ts, engine=ctx.engine)
    ctx.record(info.user, "audit.report", "audit_records", detail={"from": from_ts, "to": to_ts})
    # The report styles itself inline and fetches nothing: its own policy, no scripts either.
    return HTMLResponse(html, headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                                                  "img-src data:; frame-ancestors 'none'"})
