"""Security administrator pages for the versioned store of record: history, diff, edit with a comment,
rollback, and the chain check. Only a city-level security officer (no department) changes the catalog,
the base policy or the masking rules; every change and every refused change is audited."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from .versions import KINDS, VersionError, VersionStore
from .web import guarded, render, wants_json


def _kind(request: Request, form=None) -> str:
    kind = (form.get("kind") if form is not None else None) or request.query_params.get("kind") or "catalog"
    return kind if kind in KINDS else "catalog"


def _store(request: Request) -> VersionStore:
    ctx = request.app.state.ctx
    store = VersionStore(ctx.engine, ctx.config)
    return store


@guarded("security")
async def versions_page(request: Request, info) -> Response:
    store = _store(request)
    kind = _kind(request)
    store.seed(kind)
    history = store.history(kind)
    diff = None
    a, b = request.query_params.get("a"), request.query_params.get("b")
    if a and b and a.isdigit() and b.isdigit():
        try:
            diff = store.diff(kind, int(a), int(b))
        except VersionError as e:
            diff = [str(e)]
    problems = store.verify(kind)
    if wants_json(request):
        return JSONResponse({"kind": kind, "problems": problems, "diff": diff,
                             "versions": [{k: getattr(v, k) for k in ("version", "action", "digest", "author", "at",
                                                                     "comment")} for v in history]})
    return render(request, "versions.html", kind=kind, kinds=KINDS, history=history, diff=diff, problems=problems)


async def _change(request: Request, info, action: str) -> Response:
    ctx = request.app.state.ctx
    form = await request.form()
    kind = _kind(request, form)
    store = _store(request)
    if info.user.dept is not None:
        ctx.record(info.user, f"version.{action}", kind, outcome="denied",
                   detail={"problem": "a department's officer does not change the city-wide " + kind})
        return _refused(request, 403, "only a city-level security officer (no department) changes " + kind, kind)
    before = store.head(kind)
    try:
        if action == "rollback":
            version = store.rollback(kind, int(str(form.get("version", "0")) or 0), info.user.name,
                                     str(form.get("comment", "")))
        else:
            version = store.commit(kind, str(form.get("text", "")).replace("\r\n", "\n"), info.user.name,
                                   str(form.get("comment", "")))
    except (VersionError, ValueError) as e:
        ctx.record(info.user, f"version.{action}", kind, outcome="failure", detail={"problem": str(e)[:200]})
        return _refused(request, 400, str(e), kind, text=str(form.get("text", "")))
    ctx.record(info.user, f"version.{action}", kind, before=before.digest if before else None, after=version.digest,
               detail={"kind": kind, "version": version.version, "comment": version.comment[:200]})
    if wants_json(request):
        return JSONResponse({"kind": kind, "version": version.version, "digest": version.digest})
    return RedirectResponse(f"/security/versions?kind={kind}", status_code=303)


def _refused(request: Request, status: int, message: str, kind: str, text: str | None = None) -> Response:
    if wants_json(request):
        return JSONResponse({"error": "refused", "message": message}, status_code=status)
    if text is not None:
        return render(request, "version_edit.html", status=status, kind=kind, text=text, error=message)
    return render(request, "error.html", status=status, message=message)


@guarded("security")
async def edit_page(request: Request, info) -> Response:
    if request.method == "POST":
        return await _change(request, info, "edit")
    store = _store(request)
    kind = _kind(request)
    store.seed(kind)
    return render(request, "version_edit.html", kind=kind, text=store.head(kind).content, error=None)


@guarded("security")
async def rollback(request: Request, info) -> Response:
    return await _change(request, info, "rollback")

