"""Fail closed, and the one place a GatewayError becomes an HTTP response.

mitmproxy logs an addon's exception and lets the flow go on; a gateway must not. `guarded(stage)` wraps a
hook so that a GatewayError becomes its own status and reason, and any other exception becomes the stage's
default refusal. `deny_response` is the only translation of the error tree (gateway.errors) into HTTP: JSON
body, status, X-Request-Id, no-store, plus the headers the error asks for (405's Allow). The log line names
the stage, the reason and the exception class — never its message, which may quote a token, a header or a body.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import logging

from mitmproxy import http

from gateway.errors import BadGateway, Forbidden, GatewayError, Unauthenticated, Unavailable

from .state import state

log = logging.getLogger("govshare")

# What an unexpected exception inside a stage turns into.
STAGE_FAILURE: dict[str, GatewayError] = {
    "route": Unavailable("internal_error", "the gateway could not route this request; retry later"),
    "authenticate": Unauthenticated("authentication_error",
                                    "the token could not be verified; retry, or ask for a new token"),
    "authorize": Forbidden("authorization_error", "the request could not be authorised; retry later"),
    "gate": Forbidden("not_authorized", "the request was not authorised by every stage"),
    "upstream": BadGateway("upstream_error", "the call to the providing department failed; retry later"),
    "mask": BadGateway("masking_error", "the response could not be masked, so it was withheld"),
    "audit": Unavailable("audit_unavailable", "the audit trail could not record this request; retry later"),
}
# The refusal recorded for a flow whose deny could not even be built (it is killed instead).
INTERNAL = BadGateway("internal_error", "the gateway could not answer this request")


def request_id(flow: http.HTTPFlow) -> str:
    """The flow's request id (see addons.state)."""
    return state(flow).request_id


def deny_response(flow: http.HTTPFlow, err: GatewayError) -> http.Response:
    """The HTTP answer for `err`: the only place the error tree is turned into a response."""
    rid = request_id(flow)
    headers = {"Content-Type": "application/json; charset=utf-8", "X-Request-Id": rid, "Cache-Control": "no-store"}
    headers.update(err.headers())
    return http.Response.make(err.status, json.dumps(err.document(rid), ensure_ascii=False).encode(), headers)


def deny(flow: http.HTTPFlow, err: GatewayError, stage: str, cause: BaseException | None = None) -> None:
    """Answer the flow ourselves with `err`; nothing from upstream is released after this."""
    flow.response = deny_response(flow, err)
    state(flow).deny(err, stage, cause)


def fail(flow: http.HTTPFlow, stage: str, exc: BaseException) -> None:
    """Turn any exception raised in `stage` into a deny, and log it without its message."""
    if isinstance(exc, GatewayError):
        err = exc
    else:
        err = STAGE_FAILURE[stage]
        log.error("govshare %s failed closed: %s (%s) request_id=%s", stage, err.reason, type(exc).__name__,
                  request_id(flow))
    deny(flow, err, stage, exc)


def fail_safely(flow: http.HTTPFlow, stage: str, exc: BaseException) -> None:
    """fail(), and if even building the deny fails, kill the flow: nothing may go on from a failed hook."""
    try:
        fail(flow, stage, exc)
    except Exception as inner:  # noqa: BLE001 - the last resort must not raise into mitmproxy
        try:
            state(flow).deny(INTERNAL, stage, inner)
        finally:
            log.error("govshare %s could not answer its failure (%s); killing the flow", stage,
                      type(inner).__name__)
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
    return flow.response is not None or state(flow).denied
