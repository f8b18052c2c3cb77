"""Fail closed: every hook runs guarded, and any error becomes a JSON deny carrying the request id.

mitmproxy logs an addon's exception and lets the flow go on; a gateway must not. `guarded(stage)` wraps a
hook so that a GatewayError becomes its own status and reason, and any other exception becomes the stage's
default refusal. The log line names the stage, the reason and the exception class — never its message,
which may quote a token, a header or a body.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import os
import re

from mitmproxy import http

from gateway.errors import BadGateway, Forbidden, GatewayError, Unauthenticated, Unavailable, deny_body

from . import keys

log = logging.getLogger("govshare")

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")

# What an unexpected exception inside a stage turns into.
STAGE_FAILURE: dict[str, GatewayError] = {
    "route": Unavailable("internal_error", "the gateway could not route this request"),
    "authenticate": Unauthenticated("authentication_error", "the token could not be verified"),
    "authorize": Forbidden("authorization_error", "the request could not be authorised"),
    "gate": Forbidden("not_authorized", "the request was not authorised by every stage"),
    "upstream": BadGateway("upstream_error", "the upstream call failed"),
    "mask": BadGateway("masking_error", "the response could not be masked"),
    "audit": Unavailable("audit_unavailable", "the audit trail could not record this request"),
}


def request_id(flow: http.HTTPFlow) -> str:
    """The flow's request id: the caller's X-Request-Id when well-formed, a fresh one otherwise."""
    rid = flow.metadata.get(keys.REQUEST_ID)
    if rid is None:
        supplied = flow.request.headers.get("X-Request-Id", "")
        rid = supplied if REQUEST_ID_RE.fullmatch(supplied) else os.urandom(16).hex()
        flow.metadata[keys.REQUEST_ID] = rid
    return rid


def deny_response(flow: http.HTTPFlow, err: GatewayError) -> http.Response:
    rid = request_id(flow)
    return http.Response.make(
        err.status,
        deny_body(err.status, err.reason, err.message, rid, err.extra),
        {"Content-Type": "application/json; charset=utf-8", "X-Request-Id": rid, "Cache-Control": "no-store"},
    )


def deny(flow: http.HTTPFlow, err: GatewayError, stage: str) -> None:
    """Answer the flow ourselves with `err`; nothing from upstream is released after this."""
    flow.response = deny_response(flow, err)
    flow.metadata[keys.DENIED] = {"status": err.status, "reason": err.reason, "stage": stage}
    flow.metadata[keys.ALLOWED] = False
    flow.metadata.pop(keys.MASKED, None)


def fail(flow: http.HTTPFlow, stage: str, exc: BaseException) -> None:
    """Turn any exception raised in `stage` into a deny, and log it without its message."""
    if isinstance(exc, GatewayError):
        err = exc
    else:
        err = STAGE_FAILURE[stage]
        flow.metadata[keys.ERROR] = type(exc).__name__
        log.error("govshare %s failed closed: %s (%s) request_id=%s", stage, err.reason, type(exc).__name__,
                  request_id(flow))
    deny(flow, err, stage)


def fail_safely(flow: http.HTTPFlow, stage: str, exc: BaseException) -> None:
    """fail(), and if even building the deny fails, kill the flow: nothing may go on from a failed hook."""
    try:
        fail(flow, stage, exc)
    except Exception as inner:  # noqa: BLE001 - the last resort must not raise into mitmproxy
        flow.metadata[keys.ALLOWED] = False
        flow.metadata[keys.DENIED] = {"status": 502, "reason": "internal_error", "stage": stage}
        log.error("govshare %s could not answer its failure (%s); killing the flow", stage, type(inner).__name__)
        if flow.killable:
            flow.kill()


def guarded(stage: str):
    """Decorate a hook `(self, flow)`: any exception becomes a deny for `stage` (works for async hooks too)."""

    def wrap(hook):
        if inspect.iscoroutinefunction(hook):
            @functools.wraps(hook)
            async def run_async(self, flow, *args):
                try:
                    return await hook(self, flow, *args)
                except asyncio.CancelledError as exc:
                    fail_safely(flow, stage, exc)  # the flow is answered with a deny, then cancellation goes on
                    raise
                except Exception as exc:  # noqa: BLE001 - fail closed on anything
                    fail_safely(flow, stage, exc)
            return run_async

        @functools.wraps(hook)
        def run(self, flow, *args):
            try:
                return hook(self, flow, *args)
            except Exception as exc:  # noqa: BLE001 - fail closed on anything
                fail_safely(flow, stage, exc)
        return run

    return wrap


def answered(flow: http.HTTPFlow) -> bool:
    """True when an earlier stage already answered the flow (so later request stages do nothing)."""
    return flow.response is not None or keys.DENIED in flow.metadata
