"""`/_govshare/applications`: a department's system applies for a resource, and reads the answer, with its
own JWT (the department and application come from the verified token, never from the body).

    POST /_govshare/applications        {"resource", "fields", "pseudonym_fields", "purpose", "basis", "until"}
    GET  /_govshare/applications        the caller department's applications
    GET  /_govshare/applications/<id>   one of them (another department's is 404)

`handle()` is transport-free: the console serves it, and the gateway's proxy side can answer the same path
on the data port by calling it and turning the Reply into a response. Each call is audited as a request
record (department, application, resource, decision, status, request id); the record never holds the body.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass

from ..errors import GatewayError
from ..identity import IdentityError, bearer_token
from .applications import ApplicationError

PREFIX = "/_govshare/applications"
MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class Reply:
    status: int
    doc: dict
    headers: tuple = (("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store"))

    def body(self) -> bytes:
        return json.dumps(self.doc, ensure_ascii=False).encode("utf-8")


def _audit(ctx, request_id: str, method: str, principal, status: int, reason: str, resource: str | None = None,
           rule: str | None = None, started: float | None = None) -> None:
    record = {"event": "request", "request_id": request_id, "method": method, "path": PREFIX,
              "dept": getattr(principal, "dept", None), "app": getattr(principal, "app", None),
              "resource": resource, "decision": "allow" if status < 400 else "deny", "reason": reason,
              "rule": rule, "status": status,
              "latency_ms": round((time.perf_counter() - started) * 1000, 3) if started else None}
    ctx.audit.append_sync(record)


def handle(ctx, method: str, path: str, authorization: str | None, body: bytes,
           request_id: str | None = None) -> Reply:
    """Answer one call to the applications endpoint (ctx: an AdminContext or anything with `applications`,
    `verifier()`, `audit` and `now()`)."""
    started = time.perf_counter()
    request_id = request_id or secrets.token_hex(16)
    method = method.upper()
    path = path.split("?", 1)[0]
    try:
        principal = ctx.verifier().verify(bearer_token(authorization))
    except IdentityError as e:
        _audit(ctx, request_id, method, None, e.status, e.reason, started=started)
        return Reply(e.status, {"error": e.reason, "message": e.message, "request_id": request_id},
                     headers=Reply.headers + (("WWW-Authenticate", 'Bearer realm="govshare"'),))
    try:
        ctx.catalog().require_caller(principal.dept, principal.app)  # the registry, as for every gateway call
    except GatewayError as e:
        return _refuse(ctx, request_id, method, principal, e.status, e.reason, e.message, started)
    rest = path[len(PREFIX):] if path.startswith(PREFIX) else None
    if rest is None or rest not in ("", "/") and not rest.startswith("/a-"):
        return _refuse(ctx, request_id, method, principal, 404, "not_found", "no such endpoint", started)
    if rest in ("", "/"):
        if method == "POST":
            return _submit(ctx, request_id, principal, body, started)
        if method == "GET":
            apps = ctx.applications.list(dept=principal.dept)
            _audit(ctx, request_id, method, principal, 200, "applications_listed", started=started)
            return Reply(200, {"applications": [a.to_json(ctx.now()) for a in apps], "request_id": request_id})
        return _refuse(ctx, request_id, method, principal, 405, "method_not_allowed", "use GET or POST", started,
                       allow="GET, POST")
    if method != "GET":
        return _refuse(ctx, request_id, method, principal, 405, "method_not_allowed", "use GET", started,
                       allow="GET")
    application = ctx.applications.get(rest[1:])
    if application is None or application.dept != principal.dept:
        return _refuse(ctx, request_id, method, principal, 404, "unknown_application", "no such application",
                       started)
    _audit(ctx, request_id, method, principal, 200, "application_read", application.resource,
           f"application:{application.id}", started)
    return Reply(200, application.to_json(ctx.now()) | {"request_id": request_id})


def _refuse(ctx, request_id, method, principal, status, code, message, started, allow=None) -> Reply:
    _audit(ctx, request_id, method, principal, status, code, started=started)
    headers = Reply.headers + ((("Allow", allow),) if allow else ())
    return Reply(status, {"error": code, "message": message, "request_id": request_id}, headers=headers)


def _submit(ctx, request_id: str, principal, body: bytes, started: float) -> Reply:
    if len(body) > MAX_BODY:
        return _refuse(ctx, request_id, "POST", principal, 413, "body_too_large", "at most 64 KiB", started)
    try:
        doc = json.loads(body or b"{}")
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        return _refuse(ctx, request_id, "POST", principal, 400, "invalid_json", "the body must be a JSON object",
                       started)
    try:
        application = ctx.applications.submit(
            principal.dept, principal.app, doc.get("resource") or "", doc.get("fields"),
            doc.get("pseudonym_fields"), doc.get("purpose") or principal.purpose or "", doc.get("basis") or "",
            doc.get("until") or "", f"jwt:{principal.dept}/{principal.app or '-'}", now=ctx.now())
    except ApplicationError as e:
        return _refuse(ctx, request_id, "POST", principal, e.status, e.code, e.message, started)
    _audit(ctx, request_id, "POST", principal, 201, "application_submitted", application.resource,
           f"application:{application.id}", started)
    return Reply(201, application.to_json(ctx.now()) | {"request_id": request_id},
                 headers=Reply.headers + (("Location", f"{PREFIX}/{application.id}"),))
