"""Security administrator pages for shadow evaluation: replay a candidate against recorded calls, start a
live shadow run for a period, watch its differing calls, then put the candidate in force or drop it.
Starting and promoting are city-level changes (no department), like editing versions; all audited."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from .live_shadow import finish_run, runs, start_run
from .shadow import run_shadow
from .versions import VersionError, VersionStore
from .web import guarded, render, wants_json


def _kind(value: str | None) -> str:
    return value if value in ("catalog", "policy", "masking") else "catalog"


def _page(request: Request, kind: str, text: str, result=None, error: str | None = None, status: int = 200):
    ctx = request.app.state.ctx
    return render(request, "shadow.html", status=status, kind=kind, text=text, result=result, error=error,
                  runs=runs(ctx.engine), now=int(ctx.clock()))


@guarded("security")
async def shadow_page(request: Request, info) -> Response:
    """GET: the candidate editor and the runs; POST: replay the candidate against recorded calls."""
    ctx = request.app.state.ctx
    store = VersionStore(ctx.engine, ctx.config)
    if request.method == "GET":
        kind = _kind(request.query_params.get("kind"))
        store.seed(kind)
        if wants_json(request):
            return JSONResponse({"runs": runs(ctx.engine)})
        return _page(request, kind, store.head(kind).content)
    form = await request.form()
    kind = _kind(form.get("kind"))
    text = str(form.get("text", "")).replace("\r\n", "\n")
    result = await run_in_threadpool(run_shadow, ctx, kind, text)
    ctx.record(info.user, "shadow.run", kind, outcome="failure" if result.error else "success",
               detail={"calls": result.calls, "different": result.different,
                       **{k.replace("->", "_to_"): v for k, v in result.changes.items()}})
    if wants_json(request):
        return JSONResponse({"calls": result.calls, "different": result.different, "changes": dict(result.changes),
                             "examples": result.examples, "error": result.error})
    return _page(request, kind, text, result=result)


def _city_level(request: Request, info, action: str, target: str) -> Response | None:
    if info.user.dept is None:
        return None
    request.app.state.ctx.record(info.user, action, target, outcome="denied",
                                 detail={"problem": "a department's officer does not change city-wide rules"})
    message = "only a city-level security officer (no department) runs or promotes a shadow candidate"
    if wants_json(request):
        return JSONResponse({"error": "refused", "message": message}, status_code=403)
    return render(request, "error.html", status=403, message=message)


@guarded("security")
async def start_live(request: Request, info) -> Response:
    ctx = request.app.state.ctx
    form = await request.form()
    kind = _kind(form.get("kind"))
    refused = _city_level(request, info, "shadow.start", kind)
    if refused:
        return refused
    text = str(form.get("text", "")).replace("\r\n", "\n")
    try:
        run_id = start_run(ctx.engine, VersionStore(ctx.engine, ctx.config), kind, text,
                           float(str(form.get("hours", "24")) or 24), info.user.name, ctx.clock())
    except (VersionError, ValueError) as e:
        ctx.record(info.user, "shadow.start", kind, outcome="failure", detail={"problem": str(e)[:200]})
        if wants_json(request):
            return JSONResponse({"error": "refused", "message": str(e)}, status_code=400)
        return _page(request, kind, text, error=str(e), status=400)
    ctx.record(info.user, "shadow.start", kind, detail={"run": run_id, "hours": str(form.get("hours", "24"))})
    if wants_json(request):
        return JSONResponse({"run": run_id}, status_code=201)
    return RedirectResponse(f"/security/shadow?kind={kind}", status_code=303)


async def _finish(request: Request, info, status: str) -> Response:
    ctx = request.app.state.ctx
    run_id = request.path_params["id"]
    action = "shadow.promote" if status == "promoted" else "shadow.drop"
    refused = _city_level(request, info, action, run_id)
    if refused:
        return refused
    run = next((r for r in runs(ctx.engine, 1000) if r["id"] == run_id and r["status"] == "running"), None)
    if run is None:
        ctx.record(info.user, action, run_id, outcome="failure", detail={"problem": "no running shadow run"})
        return render(request, "error.html", status=409, message="no running shadow run " + run_id)
    version = None
    if status == "promoted":
        form = await request.form()
        store = VersionStore(ctx.engine, ctx.config)
        before = store.head(run["kind"])
        try:
            version = store.commit(run["kind"], run["content"], info.user.name,
                                   str(form.get("comment", "")) or f"shadow run {run_id} put in force")
        except VersionError as e:
            ctx.record(info.user, action, run_id, outcome="failure", detail={"problem": str(e)[:200]})
            return render(request, "error.html", status=400, message=str(e))
    finish_run(ctx.engine, run_id, status)
    ctx.record(info.user, action, run["kind"], before=before.digest if version and before else None,
               after=version.digest if version else None,
               detail={"run": run_id, "calls": run["calls"], "different": run["different"],
                       "version": version.version if version else None})
    if wants_json(request):
        return JSONResponse({"run": run_id, "status": status, "version": version.version if version else None})
    return RedirectResponse(f"/security/shadow?kind={run['kind']}", status_code=303)


@guarded("security")
async def promote(request: Request, info) -> Response:
    return await _finish(request, info, "promoted")


@guarded("security")
async def drop(request: Request, info) -> Response:
    return await _finish(request, info, "dropped")
