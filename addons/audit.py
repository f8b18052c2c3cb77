"""Stage 6, audit: one chained record per request, durable before the response is released.

The record names who called (department, app, keyed hash of the subject), what (resource, path template,
method, purpose), the decision and the rule that made it, the masking summary and the outcome — never a
token, a body, a raw query value or any personal data. If the record cannot be written, the caller gets 503
and nothing is released unaudited.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from datetime import datetime, timezone

from mitmproxy import http

from gateway.audit import AuditRejected, scrub
from gateway.audit.clean import Cleaner
from gateway.errors import Unavailable

from .context import Context
from .failclosed import deny
from .state import state

log = logging.getLogger("govshare.audit")


def utc_ms() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Audit:
    def __init__(self, context: Context):
        self.context = context

    async def response(self, flow: http.HTTPFlow) -> None:
        await self._record(flow)

    async def error(self, flow: http.HTTPFlow) -> None:
        # Flows that end without any response (client went away, protocol error) are audited here;
        # upstream failures answered by the upstream stage come back through `response`.
        if flow.response is None and state(flow).error_response is None:
            await self._record(flow)

    async def _record(self, flow: http.HTTPFlow) -> None:
        st = state(flow)
        if st.audited:
            return
        try:
            record = self.build(flow)
            trail = self.context.services.audit
            try:
                seq = await trail.append(record)
            except AuditRejected:
                # Caller-controlled text that looks like personal data (say, a mobile number sent as the
                # request id) is replaced, and the call is still recorded.
                clean, _changed = scrub(record)
                seq = await trail.append(clean)
            st.audit_seq = seq
        except Exception as exc:  # noqa: BLE001 - any failure: nothing is released unaudited
            log.error("govshare audit record not written (%s) request_id=%s; answering 503",
                      type(exc).__name__, st.request_id)
            if not self.context.ready:  # starting up: the caller learns that, not an audit fault
                err = Unavailable("not_ready", "the gateway is starting or its configuration failed to load; "
                                               "retry later")
            else:
                err = Unavailable("audit_unavailable", "the audit trail could not record this request; retry later")
            deny(flow, err, "audit", exc)
        st.audited = True
        if flow.response is not None:
            flow.response.headers["X-Request-Id"] = st.request_id

    def build(self, flow: http.HTTPFlow) -> dict:
        st = state(flow)
        route, principal, decision, refusal = st.route, st.principal, st.decision, st.refusal
        resp = flow.response
        allowed = st.allowed
        findings = st.findings
        return {
            "ts": utc_ms(),
            "event": "request",
            "request_id": st.request_id,
            "dept": getattr(principal, "dept", None),
            "app": getattr(principal, "app", None),
            "subject": self.subject_hash(principal),
            "client": flow.client_conn.peername[0] if flow.client_conn.peername else None,
            "method": flow.request.data.method.decode("latin-1"),  # as sent: mitmproxy upper-cases .method
            "resource": route.resource.code if route else None,
            "path": (route.resource.path + ("/…" if route.rest not in ("", "/") else "")) if route else None,
            "query": self.masked_query(flow, route),
            "purpose": getattr(principal, "purpose", None),
            "decision": "allow" if allowed else "deny",
            "reason": refusal.reason if refusal else getattr(decision, "reason", None),
            "rule": getattr(decision, "rule", None),
            "policy_version": getattr(decision, "policy_version", None),
            "grant_id": getattr(st.grant, "id", None),
            "status": resp.status_code if resp is not None else None,
            "bytes_in": st.bytes_in,
            "bytes_out": len(resp.raw_content or b"") if resp is not None else 0,
            "latency_ms": round((time.monotonic() - st.started) * 1000, 3),
            "masking": [{"path": f.path, "entity": f.entity, "operator": f.operator, "count": f.count}
                        for f in findings],
            "error": st.error,
            "correlation_id": self.correlation(st.correlation_id),
        }

    def masked_query(self, flow: http.HTTPFlow, route) -> str | None:
        """The query string with every value masked by the masking engine, as if for a caller with no grant
        (the trail never holds what a grant revealed). Only for routed requests; None when there is none."""
        query = flow.request.path.partition("?")[2]
        if not query or route is None:
            return None
        services = self.context.services
        masked, _ = services.masker.mask_query(query, services.view_for(route.resource))
        return masked[:512]

    def correlation(self, supplied: str | None) -> str | None:
        """The caller's own request id as a keyed hash (`rid_…`, gateway.audit.clean): caller-chosen text is
        never stored raw; `govshare audit` computes the same hash to find it."""
        if supplied is None:
            return None
        return Cleaner(self.context.services.pseudonyms.key_for("audit-record")).request_id(supplied, True)

    def subject_hash(self, principal) -> str | None:
        if principal is None:
            return None
        key = self.context.services.pseudonyms.key_for("audit-subject")
        return "sub_" + hmac.new(key, principal.sub.encode(), hashlib.sha256).hexdigest()[:24]
