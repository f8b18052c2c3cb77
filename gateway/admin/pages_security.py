"""Security administrator pages: catalog, "test a request", applications inbox and answers, grants,
masking preview. Decisions and masking run the gateway's own code (same calls as `govshare policy check`
and `govshare mask`); every change and every refused step is audited with the acting officer.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from ..policy.grants import GrantError, GrantStore
from .applications import Application, ApplicationError
from .web import guarded, render, wants_json


def _detail(a: Application) -> dict:
    return {"application_id": a.id, "dept": a.dept, "app": a.app, "resource": a.resource,
            "fields": list(a.granted_fields if a.granted_fields is not None else a.fields),
            "pseudonym_fields": list(a.granted_pseudonym_fields if a.granted_pseudonym_fields is not None
                                     else a.pseudonym_fields),
            "until": a.granted_until or a.until, "grant_id": a.grant_id, "status": a.status}


def _done(request: Request, url: str, payload: dict, status: int = 200) -> Response:
    if wants_json(request):
        return JSONResponse(payload, status_code=status)
    return RedirectResponse(url, status_code=303)


def _failed(request: Request, info, action: str, target: str, error: ApplicationError) -> Response:
    ctx = request.app.state.ctx
    ctx.record(info.user, action, target, outcome="denied" if error.status == 403 else "failure",
               detail={"code": error.code, "problem": error.message[:200]})
    if wants_json(request):
        return JSONResponse({"error": error.code, "message": error.message}, status_code=error.status)
    return render(request, "error.html", status=error.status, message=error.message)


# ------------------------------------------------------------------------------------------------ catalog
@guarded("security")
async def catalog_page(request: Request, info) -> Response:
    ctx = request.app.state.ctx
    return render(request, "catalog.html", resources=ctx.catalog().summary())


def check_request(ctx, method: str, path: str, dept: str, app: str | None, purpose: str | None) -> dict:
    """The gateway's decision for one request, with its deciding rule (as `govshare policy check`): the
    caller must be registered in the catalog, the path must route to a resource, then the policy decides."""
    from ..errors import GatewayError
    from ..policy import Caller

    policy = ctx.policy()
    catalog = ctx.catalog()
    doc = {"method": method.upper(), "path": path, "dept": dept, "app": app, "purpose": purpose}
    refused = {"allowed": False, "rule": "default-deny", "resource": None, "policy_version": policy.version,
               "grant_id": None, "legal_basis": None}
    try:
        catalog.require_caller(dept, app)
        route = catalog.route(path)
    except GatewayError as e:
        return doc | refused | {"reason": e.reason, "message": e.message}
    if route is None:
        return doc | refused | {"reason": "unknown_resource"}
    decision = policy.decide(Caller(dept=dept, app=app, purpose=purpose), method, route.resource, now=ctx.now())
    return doc | decision.to_json() | {"resource": route.resource.code}


@guarded("security")
async def test_page(request: Request, info) -> Response:
    ctx = request.app.state.ctx
    result, values = None, {"method": "GET", "path": "", "dept": "", "app": "", "purpose": ""}
    if request.method == "POST":
        form = await request.form()
        values = {k: str(form.get(k, "")).strip() for k in values}
        result = check_request(ctx, values["method"] or "GET", values["path"], values["dept"],
                               values["app"] or None, values["purpose"] or None)
        ctx.record(info.user, "policy.test", result.get("resource") or "-",
                   detail={"dept": values["dept"][:32], "allowed": result["allowed"], "reason": result["reason"],
                           "rule": result["rule"]})
        if wants_json(request):
            return JSONResponse(result)
    return render(request, "test.html", result=result, values=values)


# ------------------------------------------------------------------------------------------- applications
@guarded("security")
async def inbox_page(request: Request, info) -> Response:
    ctx = request.app.state.ctx
    dept = info.user.dept
    answer = ctx.applications.list(provider=dept)
    mine = ctx.applications.list(dept=dept) if dept else []
    now = ctx.now()
    if wants_json(request):
        return JSONResponse({"inbox": [a.to_json(now) for a in answer], "submitted": [a.to_json(now) for a in mine]})
    return render(request, "inbox.html", inbox=answer, submitted=mine, now=now)


@guarded("security")
async def application_page(request: Request, info) -> Response:
    ctx = request.app.state.ctx
    application = ctx.applications.get(request.path_params["id"])
    if application is None:
        return render(request, "error.html", status=404, message="no such application")
    resource = ctx.catalog().resource(application.resource)
    return render(request, "application.html", a=application, resource=resource, now=ctx.now())


@guarded("security")
async def apply_page(request: Request, info) -> Response:
    ctx = request.app.state.ctx
    if request.method == "GET":
        return render(request, "apply.html", resources=ctx.catalog().summary())
    form = await request.form()
    dept = info.user.dept or str(form.get("dept", "")).strip()
    try:
        a = ctx.applications.submit(dept, str(form.get("app", "")), str(form.get("resource", "")),
                                    ",".join(form.getlist("fields")), ",".join(form.getlist("pseudonym_fields")),
                                    str(form.get("purpose", "")), str(form.get("basis", "")),
                                    str(form.get("until", "")), f"console:{info.user.name}", now=ctx.now())
    except ApplicationError as e:
        return _failed(request, info, "application.submit", str(form.get("resource", ""))[:64], e)
    ctx.record(info.user, "application.submit", a.resource, detail=_detail(a))
    return _done(request, f"/security/applications/{a.id}", a.to_json(ctx.now()), 201)


async def _answer(request: Request, info, verb: str, app_id: str | None = None) -> Response:
    ctx = request.app.state.ctx
    app_id = app_id or request.path_params["id"]
    form = await request.form()
    store = GrantStore(ctx.engine)
    before = store.digest()
    try:
        if verb == "approve":
            narrowed = str(form.get("narrow", "")) == "1"
            a = ctx.applications.approve(app_id, info.user, fields=form.getlist("fields") if narrowed else None,
                                         pseudonym_fields=form.getlist("pseudonym_fields") if narrowed else None,
                                         until=str(form.get("until", "")).strip() or None,
                                         comment=str(form.get("comment", "")), now=ctx.now())
        elif verb == "refuse":
            a = ctx.applications.refuse(app_id, info.user, str(form.get("reason", "")), now=ctx.now())
        else:
            a = ctx.applications.revoke(app_id, info.user, now=ctx.now())
    except ApplicationError as e:
        return _failed(request, info, f"application.{verb}", app_id, e)
    detail = _detail(a) | ({"reason": a.reason[:200]} if verb == "refuse" and a.reason else {})
    try:
        ctx.record(info.user, f"application.{verb}", a.resource, detail=detail, before=before, after=store.digest())
    except Exception:
        if verb == "approve" and a.grant_id:  # an unaudited grant must not stay in force
            store.revoke(a.grant_id, "govshare:audit-unavailable")
        raise
    return _done(request, f"/security/applications/{a.id}", a.to_json(ctx.now()))


@guarded("security")
async def approve(request: Request, info) -> Response:
    return await _answer(request, info, "approve")


@guarded("security")
async def refuse_application(request: Request, info) -> Response:
    return await _answer(request, info, "refuse")


@guarded("security")
async def revoke_application(request: Request, info) -> Response:
    return await _answer(request, info, "revoke")


# ------------------------------------------------------------------------------------------------- grants
@guarded("security")
async def grants_page(request: Request, info) -> Response:
    ctx = request.app.state.ctx
    now = ctx.now()
    grants = GrantStore(ctx.engine).list(include_revoked=True)
    if info.user.dept:
        catalog = ctx.catalog()
        grants = [g for g in grants if (catalog.resource(g.resource) is not None
                                        and catalog.resource(g.resource).provider == info.user.dept)
                  or g.dept == info.user.dept]
    rows = [(g, g.status(now)) for g in reversed(grants)]
    if wants_json(request):
        return JSONResponse([g.to_json() | {"status": s} for g, s in rows])
    return render(request, "grants.html", rows=rows)


@guarded("security")
async def revoke_grant(request: Request, info) -> Response:
    ctx = request.app.state.ctx
    grant_id = request.path_params["id"]
    store = GrantStore(ctx.engine)
    grant = store.get(grant_id)
    resource = ctx.catalog().resource(grant.resource) if grant else None
    if grant is None or (info.user.dept and (resource is None or resource.provider != info.user.dept)):
        return _failed(request, info, "grant.revoke", grant_id,
                       ApplicationError("only a security officer of the providing department revokes this grant",
                                        403 if grant else 404, "not_your_department" if grant else "unknown_grant"))
    linked = [a for a in ctx.applications.list(status="approved") if a.grant_id == grant_id]
    if linked:  # a grant from an application: withdrawn through it, so both records agree
        return await _answer(request, info, "revoke", linked[0].id)
    before = store.digest()
    try:
        grant = store.revoke(grant_id, info.user.name, now=ctx.now())
    except GrantError as e:
        return _failed(request, info, "grant.revoke", grant_id, ApplicationError(getattr(e, "message", str(e)), 409, "conflict"))
    ctx.record(info.user, "grant.revoke", grant.resource, before=before, after=store.digest(),
               detail={"grant_id": grant.id, "dept": grant.dept, "resource": grant.resource})
    return _done(request, "/security/grants", grant.to_json())


# -------------------------------------------------------------------------------------------------- masking
def preview_mask(ctx, resource_code: str, dept: str, app: str | None, purpose: str | None, body: bytes) -> dict:
    """What `dept` would receive for `body` from `resource_code` (same calls as `govshare mask`)."""
    from ..masking.engine import MaskingRefused
    from ..masking.views import view_for_decision
    from ..policy import Caller

    resource = ctx.catalog().resource(resource_code)
    if resource is None:
        return {"error": f"unknown resource {resource_code!r}"}
    decision = ctx.policy().decide(Caller(dept, app, purpose), "GET", resource, now=ctx.now())
    if not decision.allowed:
        return {"refused": True, "reason": decision.reason, "rule": decision.rule}
    view = view_for_decision(ctx.config, resource, decision, dept, app)
    try:
        result = ctx.masker().mask_body(body, "application/json", None, view)
    except MaskingRefused as e:
        return {"refused": True, "reason": e.reason, "rule": "masking"}
    return {"refused": False, "body": result.body.decode("utf-8", "replace"), "rule": decision.rule,
            "findings": [{"path": f.path, "entity": f.entity, "operator": f.operator, "count": f.count}
                         for f in result.findings]}


def _pretty(text: str) -> str:
    try:
        return json.dumps(json.loads(text), ensure_ascii=False, indent=2)
    except ValueError:
        return text  # not JSON after all: shown as masked


@guarded("security")
async def mask_page(request: Request, info) -> Response:
    ctx = request.app.state.ctx
    values = {"resource": "", "dept": "", "app": "", "purpose": "", "body": ""}
    result = None
    if request.method == "POST":
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in values}
        result = preview_mask(ctx, values["resource"].strip(), values["dept"].strip(), values["app"].strip() or None,
                              values["purpose"].strip() or None, values["body"].encode("utf-8"))
        ctx.record(info.user, "masking.preview", values["resource"].strip()[:64] or "-",
                   detail={"dept": values["dept"].strip()[:32], "refused": bool(result.get("refused")),
                           "findings": len(result.get("findings") or ()), "bytes": len(values["body"])})
        if result.get("body"):
            result["body"] = _pretty(result["body"])
        if wants_json(request):
            return JSONResponse(result)
    return render(request, "mask.html", values=values, result=result, resources=ctx.catalog().summary())
