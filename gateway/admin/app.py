"""The console's Starlette application: every route, each guarded by the roles whose duty it is.

    app = build_app(AdminContext.open(config))     # serve with uvicorn (gateway.admin.serve)

`ROUTE_ROLES` lists (method, path, roles) for every guarded route, so tests can check that each role is
refused everything outside its duty.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import pages_audit as audit
from . import pages_common as common
from . import pages_security as sec
from . import pages_shadow as shadow
from . import pages_system as system
from . import pages_token as token
from . import pages_versions as versions
from .context import AdminContext
from .gateway_api import PREFIX, handle
from .web import security_headers

STATIC = Path(__file__).resolve().parent / "static"


async def applications_api(request: Request) -> Response:
    """`/_govshare/applications` on the admin address (the gateway's data port can serve the same handler)."""
    from starlette.concurrency import run_in_threadpool

    ctx = request.app.state.ctx
    body = await request.body()
    reply = await run_in_threadpool(handle, ctx, request.method, request.url.path,
                                    request.headers.get("authorization"), body,
                                    request.headers.get("x-request-id"))
    return Response(reply.body(), status_code=reply.status, headers=dict(reply.headers))


def routes() -> list:
    get, post, both = ["GET"], ["POST"], ["GET", "POST"]
    return [
        Route("/login", common.login_page, methods=get),
        Route("/login", common.login, methods=post),
        Route("/login/token", token.token_page, methods=get),
        Route("/login/token", token.token_login, methods=post),
        Route("/logout", common.logout, methods=post),
        Route("/", common.home, methods=get),
        Route("/healthz", common.healthz, methods=get),
        Route("/metrics", common.metrics, methods=get),
        Route("/security/catalog", sec.catalog_page, methods=get),
        Route("/security/catalog/{code}/{field}", versions.label_page, methods=both),
        Route("/security/test", sec.test_page, methods=both),
        Route("/security/applications", sec.inbox_page, methods=get),
        Route("/security/applications/new", sec.apply_page, methods=both),
        Route("/security/applications/{id}", sec.application_page, methods=get),
        Route("/security/applications/{id}/approve", sec.approve, methods=post),
        Route("/security/applications/{id}/refuse", sec.refuse_application, methods=post),
        Route("/security/applications/{id}/revoke", sec.revoke_application, methods=post),
        Route("/security/grants", sec.grants_page, methods=get),
        Route("/security/grants/{id}/revoke", sec.revoke_grant, methods=post),
        Route("/security/mask", sec.mask_page, methods=both),
        Route("/security/versions", versions.versions_page, methods=get),
        Route("/security/versions/edit", versions.edit_page, methods=both),
        Route("/security/versions/rollback", versions.rollback, methods=post),
        Route("/security/shadow", shadow.shadow_page, methods=both),
        Route("/security/shadow/start", shadow.start_live, methods=post),
        Route("/security/shadow/{id}/promote", shadow.promote, methods=post),
        Route("/security/shadow/{id}/drop", shadow.drop, methods=post),
        Route("/audit/search", audit.search_page, methods=get),
        Route("/audit/records/{seq:int}", audit.record_page, methods=get),
        Route("/audit/verify", audit.verify_page, methods=both),
        Route("/audit/export", audit.export_page, methods=get),
        Route("/audit/report", audit.report_page, methods=get),
        Route("/system/departments", system.departments_page, methods=get),
        Route("/system/upstreams", system.upstreams_page, methods=get),
        Route("/system/keys", system.keys_page, methods=get),
        Route("/system/backlog", system.backlog_page, methods=get),
        Route("/system/users", system.users_page, methods=both),
        Route(PREFIX, applications_api, methods=both),
        Route(PREFIX + "/{id}", applications_api, methods=["GET"]),
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
    ]


def route_roles(app: Starlette) -> list[tuple[str, str, tuple[str, ...]]]:
    """(method, path, roles) of every role-guarded route."""
    out = []
    for route in app.routes:
        roles = getattr(getattr(route, "endpoint", None), "roles", None)
        if roles:
            for method in sorted(route.methods - {"HEAD"}):
                out.append((method, route.path, roles))
    return out


def build_app(ctx: AdminContext) -> Starlette:
    app = Starlette(routes=routes(), middleware=[Middleware(BaseHTTPMiddleware, dispatch=security_headers)])
    app.state.ctx = ctx
    return app
