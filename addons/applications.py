"""The gateway's own endpoint on the data port: `/_govshare/applications` (share applications, issue 14).

Judged before admission (which admits only GET/HEAD reads of catalogued resources), with limits of its own:
exactly GET or POST, a JSON body of at most 64 KiB on POST and none on GET, a plain path (no dot segments,
encodings or empty segments). What passes goes to `gateway.admin.gateway_api.handle`, off the event loop;
it verifies the caller's JWT and audits the call itself, so the flow is marked answered-and-audited
(FlowState.answer_own) and the audit stage does not write a second record. A refusal here is an ordinary
deny, audited by the audit stage.
"""

from __future__ import annotations

import asyncio
import re

from mitmproxy import http

from gateway.errors import BadRequest, GatewayError, MethodNotAllowed

from .state import state

PREFIX = b"/_govshare/applications"
_PLAIN = re.compile(rb"/_govshare/applications(?:/[A-Za-z0-9-]+)?/?")
MAX_BODY = 64 * 1024


class BodyTooLarge(GatewayError):
    status, reason = 413, "body_too_large"


class UnsupportedMediaType(GatewayError):
    status, reason = 415, "unsupported_media_type"


def is_own(raw_path: bytes) -> bool:
    """True when the request targets the applications endpoint (or anything below its prefix)."""
    return raw_path.startswith(PREFIX) and raw_path[len(PREFIX):len(PREFIX) + 1] in (b"", b"/", b"?")


def check(flow: http.HTTPFlow) -> str:
    """The method and path the endpoint will see, or raise the refusal."""
    request = flow.request
    method = request.data.method.decode("latin-1")
    if method not in ("GET", "POST"):
        raise MethodNotAllowed(("GET", "POST"), "the applications endpoint serves GET and POST")
    path = request.data.path.split(b"?", 1)[0]
    if not _PLAIN.fullmatch(path):
        raise BadRequest("ambiguous_path", "the applications endpoint takes /_govshare/applications[/ID]")
    body = request.raw_content or b""
    if method == "GET" and body:
        raise BadRequest("body_not_allowed", "a GET carries no body")
    if method == "POST":
        if len(body) > MAX_BODY:
            raise BodyTooLarge("body_too_large", "an application is at most 64 KiB of JSON")
        ctype = (request.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        if ctype != "application/json":
            raise UnsupportedMediaType("unsupported_media_type", "send the application as application/json")
    return path.decode("ascii")


async def answer(flow: http.HTTPFlow, admin) -> None:
    """Answer the flow with the endpoint's reply (audited by the endpoint)."""
    from gateway.admin import gateway_api

    path = check(flow)
    st = state(flow)
    request = flow.request
    reply = await asyncio.to_thread(gateway_api.handle, admin, request.data.method.decode("latin-1"), path,
                                    request.headers.get("Authorization"), request.raw_content or b"",
                                    st.request_id)
    headers = dict(reply.headers)
    headers["X-Request-Id"] = st.request_id
    flow.response = http.Response.make(reply.status, reply.body(), headers)
    st.answer_own()
