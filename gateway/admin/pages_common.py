"""Sign-in, sign-out, the home page (per role), `/healthz` and Prometheus-style `/metrics`.

Sign-in is protected against CSRF by a pre-session token (cookie + form field), throttled by account and
client address, and every outcome — success, wrong password, unknown account, throttled — is audited.
"""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from ..audit import AuditUnavailable
from .accounts import NAME_RE, LoginRefused, same_token
from .web import SESSION_COOKIE, guarded, render

LOGIN_CSRF_COOKIE = "gs_login"
HOME = {"security": "/security/applications", "audit": "/audit/search", "system": "/system/departments"}


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _safe_next(value: str | None) -> str | None:
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return None


async def login_page(request: Request) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", login_csrf=token, next=request.query_params.get("next", ""))
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", max_age=1800)
    return response


async def login(request: Request) -> Response:
    ctx = request.app.state.ctx
    form = await request.form()
    name = str(form.get("name", "")).strip()
    if not same_token(request.cookies.get(LOGIN_CSRF_COOKIE), str(form.get("csrf", ""))):
        return render(request, "error.html", status=403, message_key="csrf_refused")
    actor = name if NAME_RE.match(name) else "(invalid-name)"
    try:
        user = ctx.accounts.authenticate(name, str(form.get("password", "")), _client(request))
    except LoginRefused as refusal:
        role = refusal.user.audit_role if refusal.user else "system_admin"
        try:
            ctx.record(actor, "admin.login", "console", role=role, outcome="failure",
                       detail={"reason": refusal.reason, "account_known": refusal.user is not None,
                               "client": _client(request)})
        except AuditUnavailable:
            return PlainTextResponse("audit unavailable", status_code=503)
        key = "throttled" if refusal.reason == "throttled" else "bad_login"
        token = secrets.token_urlsafe(24)
        response = render(request, "login.html", status=429 if refusal.reason == "throttled" else 401,
                          login_csrf=token, error_key=key, next=str(form.get("next", "")))
        response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", max_age=1800)
        return response
    try:
        ctx.record(user, "admin.login", "console", detail={"client": _client(request)})
    except AuditUnavailable:
        return PlainTextResponse("audit unavailable", status_code=503)
    cookie, _info = ctx.accounts.start_session(user)
    target = _safe_next(str(form.get("next", ""))) or HOME[user.role]
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@guarded("system", "security", "audit")
async def logout(request: Request, info) -> Response:
    ctx = request.app.state.ctx
    ctx.accounts.end_session(request.cookies.get(SESSION_COOKIE))
    ctx.record(info.user, "admin.logout", "console")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@guarded("system", "security", "audit")
async def home(request: Request, info) -> Response:
    return RedirectResponse(HOME[info.user.role], status_code=303)


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok\n")


async def metrics(request: Request) -> Response:
    """Prometheus text exposition: page counts and time, admin actions by outcome, audit chain head."""
    from ..audit.store import read_head

    ctx = request.app.state.ctx
    m = ctx.metrics
    lines = ["# HELP govshare_admin_page_requests_total Console pages and API calls served.",
             "# TYPE govshare_admin_page_requests_total counter",
             f"govshare_admin_page_requests_total {m['page_requests_total']}",
             "# HELP govshare_admin_page_seconds_total Time spent serving them.",
             "# TYPE govshare_admin_page_seconds_total counter",
             f"govshare_admin_page_seconds_total {m['page_seconds_total']:.6f}",
             "# HELP govshare_admin_actions_total Administrator actions recorded in the trail.",
             "# TYPE govshare_admin_actions_total counter"]
    for key in sorted(k for k in m if k.startswith("admin_actions_total|")):
        lines.append(f'govshare_admin_actions_total{{outcome="{key.split("|", 1)[1]}"}} {m[key]}')
    head_seq, _ = read_head(ctx.engine)
    lines += ["# HELP govshare_audit_head_seq Newest sequence number in the audit chain.",
              "# TYPE govshare_audit_head_seq gauge", f"govshare_audit_head_seq {head_seq}"]
    pending = ctx.applications.list(status="pending")
    overdue = sum(1 for a in pending if a.overdue(ctx.now()))
    lines += ["# HELP govshare_applications_pending Share applications waiting for an answer.",
              "# TYPE govshare_applications_pending gauge", f"govshare_applications_pending {len(pending)}",
              "# HELP govshare_applications_overdue Pending applications past their answer deadline.",
              "# TYPE govshare_applications_overdue gauge", f"govshare_applications_overdue {overdue}"]
    return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")
