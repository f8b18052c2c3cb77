"""The console's guard rails shared by every page: sessions, role checks, CSRF, rendering, headers.

`guarded(*roles)` wraps an endpoint: no session → sign-in page (401 for JSON); a role outside `roles` →
403 and an audit record (`console.refused`, outcome `denied`); a state-changing request without the
session's CSRF token (form field `csrf` or header `X-CSRF-Token`) or from a foreign Origin → 403 and an
audit record. Every response carries no-store, frame-deny and a script-free Content-Security-Policy.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from ..audit import AuditUnavailable
from .accounts import SessionInfo, same_token
from .i18n import LANG_COOKIE, pick, translator

SESSION_COOKIE = "gs_session"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TEMPLATES = Path(__file__).resolve().parent / "templates"
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" makes Chromium send Origin: null
    "Content-Security-Policy": "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'",
}

_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)

NAV = {
    "security": [("/security/applications", "applications"), ("/security/grants", "grants"),
                 ("/security/catalog", "catalog"), ("/security/test", "test_request"),
                 ("/security/mask", "mask_preview"), ("/security/applications/new", "new_application"),
                 ("/security/versions", "versions"), ("/security/shadow", "shadow")],
    "audit": [("/audit/search", "audit_search"), ("/audit/verify", "verify_chain"), ("/audit/export", "export"),
              ("/audit/report", "report")],
    "system": [("/system/departments", "departments"), ("/system/upstreams", "upstreams"),
               ("/system/keys", "keys"), ("/system/backlog", "backlog"), ("/system/users", "users")],
}


def lang_of(request: Request) -> str:
    return pick(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))


def render(request: Request, template: str, status: int = 200, **values) -> HTMLResponse:
    lang = lang_of(request)
    info: SessionInfo | None = getattr(request.state, "session", None)
    html = _env.get_template(template).render(
        t=translator(lang), lang=lang, user=info.user if info else None, csrf=info.csrf if info else "",
        nav=NAV.get(info.user.role, []) if info else [], path=request.url.path, **values)
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in ("zh", "en"):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="strict", httponly=True)
    return response


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "") or request.url.path.startswith("/api/")


def refuse(request: Request, status: int, key: str, code: str) -> Response:
    if wants_json(request):
        return JSONResponse({"error": code}, status_code=status)
    return render(request, "error.html", status=status, message_key=key)


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin:  # same-origin form posts from older browsers, and API clients
        return True
    parts = urlsplit(origin)
    return parts.netloc == request.headers.get("host", "")


async def _csrf_ok(request: Request, info: SessionInfo) -> bool:
    if not _same_origin(request):
        return False
    token = request.headers.get("x-csrf-token")
    if token is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        token = (await request.form()).get("csrf")
    return same_token(token if isinstance(token, str) else None, info.csrf)


def guarded(*roles: str):
    """Only a signed-in account whose role is in `roles` reaches the endpoint (called as fn(request, info))."""

    def wrap(fn):
        @functools.wraps(fn)
        async def endpoint(request: Request) -> Response:
            ctx = request.app.state.ctx
            started = time.perf_counter()
            info = ctx.accounts.session(request.cookies.get(SESSION_COOKIE))
            if info is None:
                if wants_json(request):
                    return JSONResponse({"error": "unauthenticated"}, status_code=401)
                return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
            request.state.session = info
            try:
                if info.user.role not in roles:
                    ctx.record(info.user, "console.refused", request.url.path, outcome="denied",
                               detail={"method": request.method, "duty": "|".join(roles)})
                    return refuse(request, 403, "forbidden", "outside_role")
                if request.method in UNSAFE_METHODS and not await _csrf_ok(request, info):
                    ctx.record(info.user, "console.csrf_refused", request.url.path, outcome="denied",
                               detail={"method": request.method})
                    return refuse(request, 403, "csrf_refused", "csrf")
                return await fn(request, info)
            except AuditUnavailable:
                return JSONResponse({"error": "audit_unavailable"}, status_code=503)
            finally:
                ctx.metrics["page_requests_total"] += 1
                ctx.metrics["page_seconds_total"] += time.perf_counter() - started

        endpoint.roles = roles
        return endpoint
    return wrap


async def security_headers(request: Request, call_next) -> Response:
    response = await call_next(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
