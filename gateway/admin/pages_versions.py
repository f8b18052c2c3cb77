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



@guarded("security")
async def label_page(request: Request, info) -> Response:
    """One field's label, class and entity: a department's officer edits the fields of the resources its
    department provides; a city-level officer any. Saved as a new catalog version."""
    from .catalog_edit import LabelError, relabel

    ctx = request.app.state.ctx
    code, name = request.path_params["code"], request.path_params["field"]
    resource = ctx.catalog().resource(code)
    field = resource.field(name) if resource is not None else None
    if field is None:
        return render(request, "error.html", status=404, message=f"no field {name} in {code}")
    if info.user.dept is not None and info.user.dept != resource.provider:
        ctx.record(info.user, "catalog.label", f"{code}.{name}", outcome="denied",
                   detail={"problem": "only the providing department labels its fields"})
        return _refused(request, 403, f"only {resource.provider}'s officers label the fields of {code}", "catalog")
    values = {"label": field.label, "class": str(field.klass), "entity": field.entity or "", "comment": ""}
    error = None
    if request.method == "POST":
        form = await request.form()
        values = {k: str(form.get(k, "")).strip() for k in values}
        store = _store(request)
        store.seed("catalog")
        before = store.head("catalog")
        try:
            text = relabel(before.content, code, name, values["label"], values["class"], values["entity"])
            version = store.commit("catalog", text, info.user.name, values["comment"] or f"label {code}.{name}")
        except (LabelError, VersionError) as e:
            error = str(e)
            ctx.record(info.user, "catalog.label", f"{code}.{name}", outcome="failure", detail={"problem": error[:200]})
        else:
            ctx.record(info.user, "catalog.label", f"{code}.{name}", before=before.digest, after=version.digest,
                       detail={"version": version.version, "class": values["class"], "entity": values["entity"]})
            if wants_json(request):
                return JSONResponse({"version": version.version})
            return RedirectResponse("/security/catalog", status_code=303)
    if error and wants_json(request):
        return JSONResponse({"error": "refused", "message": error}, status_code=400)
    return render(request, "label.html", status=400 if error else 200, code=code, resource=resource, name=name,
                  values=values, error=error, classes=["public", "internal", "personal", "sensitive", "trade_secret"])
