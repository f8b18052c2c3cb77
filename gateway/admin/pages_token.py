"""Sign-in with the identity service's JWT (`/login/token`), the alternative to a password.

The token is checked by the gateway's own identity verifier (the trusted sources of `[identity]`), then
mapped to one existing account by `Accounts.authenticate_token`. Same guard rails as password sign-in
(pages_common): a pre-session CSRF token, the same throttling, the same session cookie and expiry, and
every outcome in the trail (`admin.login` with `method: jwt`) — never the token itself.
"""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from ..audit import AuditUnavailable
from .accounts import LoginRefused, same_token
from .pages_common import HOME, LOGIN_CSRF_COOKIE, _client, _safe_next
from .web import SESSION_COOKIE, render


def _verified(ctx, token: str):
    """(verified department, verified claims) of `token`: the identity verifier checks signature, issuer,
    audience and times, and hands back the claims it checked."""
    principal, claims = ctx.verifier().verify_with_claims(token)
    return principal.dept, claims


async def token_page(request: Request) -> Response:
    return _form(request)


def _form(request: Request, status: int = 200, error_key: str | None = None, next_value: str = "") -> Response:
    """The token form with a fresh pre-session CSRF token (cookie + field), as the password form has."""
    token = secrets.token_urlsafe(24)
    page = render(request, "login_token.html", status=status, login_csrf=token, error_key=error_key,
                  next=next_value or request.query_params.get("next", ""))
    page.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", max_age=1800)
    return page


async def token_login(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool

    ctx = request.app.state.ctx
    form = await request.form()
    if not same_token(request.cookies.get(LOGIN_CSRF_COOKIE), str(form.get("csrf", ""))):
        return render(request, "error.html", status=403, message_key="csrf_refused")
    token = str(form.get("token", "")).strip()
    client = _client(request)
    try:
        user = await run_in_threadpool(ctx.accounts.authenticate_token, lambda: _verified(ctx, token), client)
    except LoginRefused as refusal:
        actor = refusal.user.name if refusal.user else "(token)"
        role = refusal.user.audit_role if refusal.user else "system_admin"
        try:
            ctx.record(actor, "admin.login", "console", role=role, outcome="failure",
                       detail={"method": "jwt", "reason": refusal.reason, "account_known": refusal.user is not None,
                               "client": client})
        except AuditUnavailable:
            return PlainTextResponse("audit unavailable", status_code=503)
        throttled = refusal.reason == "throttled"
        return _form(request, 429 if throttled else 401, "throttled" if throttled else "bad_token",
                     str(form.get("next", "")))
    try:
        ctx.record(user, "admin.login", "console", detail={"method": "jwt", "client": client})
    except AuditUnavailable:
        return PlainTextResponse("audit unavailable", status_code=503)
    cookie, _info = ctx.accounts.start_session(user)
    response = RedirectResponse(_safe_next(str(form.get("next", ""))) or HOME[user.role], status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="strict", secure=request.url.scheme == "https")
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response
