"""The one typed state a flow carries through the corridor, under one flow.metadata key.

Every stage reads and writes a flow's FlowState, never loose metadata keys. Its verdict moves only through
its methods, so fail-closed is a property of one small class rather than a convention of five modules:

    pending ──allow()──▶ allowed ──release()──▶ released
       │                    │                       │
       └──────deny()────────┴───────deny()──────────┴──▶ denied   (deny() again only re-states the refusal)

`allow()` is legal only from pending, `release()` only from allowed; anything else raises IllegalTransition
(a programming error, which the stage's guard turns into a deny). `deny()` is legal from every state: fail
closed must never be refused. A later deny replaces the refusal (the audit stage answers 503 when it cannot
record, whatever came before) but keeps the first error class.
"""

from __future__ import annotations

import time
from asyncio import TimerHandle
from dataclasses import dataclass, field
from enum import Enum

from typing import TYPE_CHECKING

from mitmproxy import http

from gateway.errors import GatewayError
from gateway.request_policy import new_request_id

if TYPE_CHECKING:  # types only: the state does not depend on how the core modules are laid out
    from gateway.catalog import Route
    from gateway.identity import Principal
    from gateway.masking.engine import Finding
    from gateway.policy import Decision

KEY = "govshare"  # the only flow.metadata key govshare uses


class Verdict(Enum):
    PENDING = "pending"
    ALLOWED = "allowed"
    RELEASED = "released"
    DENIED = "denied"


class IllegalTransition(RuntimeError):
    """A stage tried to move the verdict along an edge the state machine does not have."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """What the gateway answered instead of the provider: status, reason code and the stage that refused."""

    status: int
    reason: str
    stage: str


@dataclass(slots=True)
class FlowState:
    request_id: str  # always the gateway's own (gateway.request_policy.new_request_id)
    started: float  # time.monotonic() when the request reached the gateway
    bytes_in: int = 0  # request body size as received
    # The caller's well-formed X-Request-Id, kept apart: it correlates logs and identifies nothing.
    correlation_id: str | None = None
    method: str | None = None  # the admitted method (exactly GET or HEAD), what the policy judges
    route: Route | None = None
    principal: Principal | None = None
    decision: Decision | None = None
    findings: list[Finding] = field(default_factory=list)
    verdict: Verdict = Verdict.PENDING
    refusal: Refusal | None = None
    # What failed, never a message or value: the class of the exception behind a refusal, else for a 5xx
    # refusal its internal cause (a class name) or its reason code. Set once, by deny().
    error: str | None = None
    audited: bool = False
    audit_seq: int | None = None
    upstream_timer: TimerHandle | None = None
    upstream_timed_out: bool = False
    # A deny to send instead of mitmproxy's own error page (see addons.errorpatch); taken once.
    error_response: http.Response | None = None

    @property
    def grant(self):
        return self.decision.grant if self.decision is not None else None

    @property
    def allowed(self) -> bool:
        """True while the request may go on (allowed, or released)."""
        return self.verdict in (Verdict.ALLOWED, Verdict.RELEASED)

    @property
    def denied(self) -> bool:
        return self.verdict is Verdict.DENIED

    @property
    def released(self) -> bool:
        return self.verdict is Verdict.RELEASED

    def allow(self, decision: Decision) -> None:
        """Authorize allowed the call: only from pending, and only with an allowing decision."""
        if self.verdict is not Verdict.PENDING:
            raise IllegalTransition(f"allow() from {self.verdict.value}")
        if not decision.allowed:
            raise IllegalTransition("allow() with a refusing decision")
        self.decision = decision
        self.verdict = Verdict.ALLOWED

    def release(self, findings: list[Finding]) -> None:
        """The mask stage passed the response: only an allowed flow's response can be released."""
        if self.verdict is not Verdict.ALLOWED:
            raise IllegalTransition(f"release() from {self.verdict.value}")
        self.findings = list(findings)
        self.verdict = Verdict.RELEASED

    def deny(self, err: GatewayError, stage: str, cause: BaseException | None = None) -> None:
        """The gateway answers with `err` from `stage`; nothing from the provider goes out after this."""
        self.refusal = Refusal(err.status, err.reason, stage)
        if self.error is None:
            if cause is not None and cause is not err:  # an exception behind the refusal: its class
                self.error = type(cause).__name__
            elif err.status >= 500:
                self.error = getattr(err, "cause", None) or err.reason
        self.verdict = Verdict.DENIED

    def take_error_response(self) -> http.Response | None:
        response, self.error_response = self.error_response, None
        return response


def state(flow: http.HTTPFlow) -> FlowState:
    """The flow's state, created on first use with a fresh request id of the gateway's (never the caller's:
    two callers choosing the same id would share an audit identity), its start time and the body size."""
    st = flow.metadata.get(KEY)
    if st is None:
        st = FlowState(request_id=new_request_id(), started=time.monotonic(),
                       bytes_in=len(flow.request.raw_content or b""))
        flow.metadata[KEY] = st
    return st
