"""Stage 6, audit: exactly one chained record per request, durable before the response is released.

The record names who called (department, app, keyed hash of the subject), what (resource, path template,
method, purpose), the decision and the rule that made it, the masking summary and the outcome — never a
token, a body, a raw query value or any personal data: caller-supplied values pass through
gateway.audit.clean first (tokens dropped, query values masked or keyed-hashed, the caller's own request id
— the correlation id — and raw paths hashed, value-keys in findings paths hashed). If the record cannot
be written, the caller gets 503 and nothing is released unaudited — and that 503 is what the trail
records: the timed-out write is given up (never committed later, see gateway.audit.writer) and a deny
record (503, audit_unavailable) is owed to the trail instead (`append_later`), written once the store is back.

One record per request, whatever happens to it:
- `response`: every answered flow (provider answers and the gateway's own denies);
- `error`: every flow that ends in an error — client gone, provider framing error, a request mitmproxy
  refused after parsing its head — recorded here at once, with the outcome the caller saw (the upstream
  stage's replacement deny, which errorpatch then sends through `response`, finds the flow audited);
- `govshare_request_refused` (addons.auditpatch): a request head mitmproxy could not read, answered 400
  before any flow existed, or one the client never finished.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import time

from mitmproxy import http

from gateway.audit import AuditRejected, scrub
from gateway.audit.clean import Cleaner
from gateway.errors import Unavailable
from gateway.masking.keynames import key_hint

from .context import Context
from .failclosed import deny
from .state import state

log = logging.getLogger("govshare.audit")

CLIENT_DISCONNECTED = "Client disconnected."  # mitmproxy's flow.error message when the caller went away
MEMO_SIZE = 4096  # cleaned values kept between requests (see Audit._memo)


_second: tuple[int, str] = (-1, "")  # (epoch second, its text up to the seconds), see utc_ms


def utc_ms() -> str:
    """Now in UTC as `2026-11-25T10:00:00.123Z` (milliseconds truncated, as isoformat(timespec="milliseconds")
    does). Runs for every record: the text up to the seconds is formatted once per second, not per call."""
    global _second
    sec, rest = divmod(time.time_ns(), 1_000_000_000)
    cached = _second
    if cached[0] != sec:
        cached = _second = (sec, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)))
    return f"{cached[1]}.{rest // 1_000_000:03d}Z"


def set_request_id(headers, request_id: str) -> None:
    """headers["X-Request-Id"] = request_id, appended directly when the head has none (a released response:
    the mask stage's head never carries one) instead of through mitmproxy's set_all, which re-encodes the
    name and value and lower-cases every field name to rebuild the head."""
    fields = headers.fields
    for name, _ in fields:
        if name.lower() == b"x-request-id":
            headers["X-Request-Id"] = request_id  # replace it (a deny already carries it), as before
            return
    headers.fields = (*fields, (b"X-Request-Id", request_id.encode("utf-8", "surrogateescape")))


class Audit:
    def __init__(self, context: Context):
        self.context = context
        self._cleaner: tuple[object, Cleaner] | None = None
        self._memo_of: tuple[tuple, dict] | None = None

    async def response(self, flow: http.HTTPFlow) -> None:
        await self._record(flow)

    async def error(self, flow: http.HTTPFlow) -> None:
        await self._record(flow, self.error_outcome(flow))

    async def govshare_request_refused(self, refusal) -> None:
        """A request mitmproxy refused before a flow existed (addons.auditpatch): one record of its own."""
        record = {"ts": utc_ms(), "event": "request", "request_id": os.urandom(16).hex(),
                  "client": refusal.peer[0] if refusal.peer else None, "decision": "deny",
                  "reason": refusal.reason, "status": refusal.status, "bytes_in": 0, "bytes_out": 0,
                  "error": "request_protocol_error" if refusal.status else "client_disconnected"}
        try:
            await self.context.services.audit.append(record)
        except Exception as exc:  # noqa: BLE001 - the connection is already answered and closed
            log.error("govshare audit record of a refused request not written (%s)", type(exc).__name__)

    def error_outcome(self, flow: http.HTTPFlow) -> dict:
        """What the caller of a failed flow saw: status, reason and error overrides for its record."""
        message = flow.error.msg if flow.error else ""
        if message == CLIENT_DISCONNECTED:
            return {"status": None, "reason": "client_disconnected", "error": "client_disconnected"}
        if flow.request.timestamp_end is None:  # mitmproxy could not read the request and answered 400
            return {"status": 400, "reason": "bad_request", "error": "request_protocol_error"}
        replacement = state(flow).error_response  # the deny errorpatch is about to send instead
        if replacement is not None:
            return {"status": replacement.status_code}
        return {"status": flow.response.status_code if flow.response is not None else None}

    async def _record(self, flow: http.HTTPFlow, outcome: dict | None = None) -> None:
        st = state(flow)
        if st.audited:
            return
        st.audited = True  # before the first await: a later hook of the same flow never records twice
        try:
            record = self.build(flow)
            if outcome:
                record.update(outcome)
            trail = self.context.services.audit
            try:
                seq = await trail.append(record)
            except AuditRejected:
                # Defence in depth: whatever still looks like personal data is replaced, and the call is
                # still recorded.
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
            pending = st.error_response is not None
            deny(flow, err, "audit", exc)
            if pending:  # errorpatch sends the error response: it must be this 503, not the earlier deny
                st.error_response = flow.response
            self._owe(flow, outcome)
        if flow.response is not None:
            set_request_id(flow.response.headers, st.request_id)

    def _owe(self, flow: http.HTTPFlow, outcome: dict | None) -> None:
        """The record of what the caller got instead (the deny just made), owed to the trail: written once
        the store takes it. A caller who saw no 503 (gone, or refused 400 by mitmproxy) keeps that outcome."""
        st = state(flow)
        trail = self.context.services.audit if self.context.ready else None
        if trail is None:
            log.error("govshare audit trail not open; the refusal of request_id=%s is not recorded", st.request_id)
            return
        try:
            record = self.build(flow)
        except Exception as exc:  # noqa: BLE001 - building failed before: the minimal record of the refusal
            log.error("govshare audit record of a refusal built minimal (%s)", type(exc).__name__)
            refusal = st.refusal
            record = {"ts": utc_ms(), "event": "request", "request_id": st.request_id, "decision": "deny",
                      "reason": refusal.reason if refusal else "audit_unavailable",
                      "status": flow.response.status_code if flow.response is not None else None,
                      "bytes_in": st.bytes_in, "bytes_out": 0, "error": st.error}
        if outcome and "reason" in outcome:
            record.update(outcome)
        try:
            try:
                trail.append_later(record)
            except AuditRejected:
                trail.append_later(scrub(record)[0])
        except Exception as exc:  # noqa: BLE001 - the trail is closed: nothing more can be done
            log.error("govshare audit record of a refusal not queued (%s) request_id=%s", type(exc).__name__,
                      st.request_id)

    def cleaner(self) -> Cleaner:
        services = self.context.services
        if self._cleaner is None or self._cleaner[0] is not services:
            key = services.pseudonyms.key_for("audit-record")
            self._cleaner = (services, Cleaner(key, known_key=lambda k: key_hint(k) is not None))
        return self._cleaner[1]

    def _memo(self) -> dict:
        """Cleaned values that come back on every request (a principal's subject hash and purpose, findings
        paths, a resource's field names), valid for one set of services, catalog and masker: a reload that
        replaces either starts a new memo, so nothing cleaned under an old catalog or masking version is
        reused. Bounded; emptied when full. It lives in this process's memory only, never in a record or a log."""
        services = self.context.services
        catalog, masker = services.catalog.current, services.masker
        memo = self._memo_of
        if memo is not None:
            seen = memo[0]
            if seen[0] is services and seen[1] is catalog and seen[2] is masker and len(memo[1]) < MEMO_SIZE:
                return memo[1]
        memo = self._memo_of = ((services, catalog, masker), {})
        return memo[1]

    def build(self, flow: http.HTTPFlow) -> dict:
        st = state(flow)
        route, principal, decision, refusal = st.route, st.principal, st.decision, st.refusal
        resp = flow.response
        cleaner = self.cleaner()
        memo = self._memo()
        code = route.resource.code if route else None
        fields = self._fields(memo, route) if route else ()
        query = flow.request.path.partition("?")[2]
        return {
            "ts": utc_ms(),
            "event": "request",
            "request_id": st.request_id,  # always the gateway's own (addons.state)
            "dept": getattr(principal, "dept", None),
            "app": getattr(principal, "app", None),
            "subject": self._subject(memo, principal),
            "client": flow.client_conn.peername[0] if flow.client_conn.peername else None,
            "method": flow.request.data.method.decode("latin-1"),  # as sent: mitmproxy upper-cases .method
            "resource": code,
            "path": (route.resource.path + ("/…" if route.rest not in ("", "/") else "")) if route
            else cleaner.raw_path(flow.request.path),
            "query": cleaner.query(query, self.query_masker(route)) if query else None,
            "purpose": self._purpose(memo, cleaner, route, getattr(principal, "purpose", None)),
            "decision": "allow" if st.allowed else "deny",
            "reason": refusal.reason if refusal else getattr(decision, "reason", None),
            "rule": getattr(decision, "rule", None),
            "policy_version": getattr(decision, "policy_version", None),
            "grant_id": getattr(st.grant, "id", None),
            "status": resp.status_code if resp is not None else None,
            "bytes_in": st.bytes_in,
            "bytes_out": len(resp.raw_content or b"") if resp is not None else 0,
            "latency_ms": round((time.monotonic() - st.started) * 1000, 3),
            "masking": [{"path": self._finding_path(memo, cleaner, code, f.path, fields), "entity": f.entity,
                         "operator": f.operator, "count": f.count} for f in st.findings],
            "error": st.error,
            "correlation_id": cleaner.request_id(st.correlation_id, True) if st.correlation_id else None,
        }

    @staticmethod
    def _fields(memo: dict, route) -> frozenset:
        key = ("fields", route.resource.code)
        fields = memo.get(key)
        if fields is None:
            fields = memo[key] = frozenset(f.name for f in route.resource.fields)
        return fields

    def _subject(self, memo: dict, principal) -> str | None:
        if principal is None:
            return None
        key = ("subject", principal.sub)
        hashed = memo.get(key)
        if hashed is None:
            hashed = memo[key] = self.subject_hash(principal)
        return hashed

    def _purpose(self, memo: dict, cleaner: Cleaner, route, purpose: str | None) -> str | None:
        if purpose is None:
            return None
        key = ("purpose", route.resource.code if route else None, purpose)
        if key in memo:
            return memo[key]
        cleaned = memo[key] = cleaner.text(purpose, self.text_masker(route))
        return cleaned

    @staticmethod
    def _finding_path(memo: dict, cleaner: Cleaner, code: str | None, path: str, fields) -> str:
        key = ("path", code, path)
        cleaned = memo.get(key)
        if cleaned is None:
            cleaned = memo[key] = cleaner.finding_path(path, fields)
        return cleaned

    def query_masker(self, route):
        """The masking engine over a query string, as for a caller with no grant (the trail never holds what
        a grant revealed); None for unrouted requests, whose values are then all keyed hashes."""
        if route is None:
            return None
        services = self.context.services
        view = services.view_for(route.resource)
        return lambda query: services.masker.mask_query(query, view)[0]

    def text_masker(self, route):
        services = self.context.services
        view = services.view_for(route.resource if route else None)
        return lambda text: services.masker.mask_text(text, view)[0]

    def subject_hash(self, principal) -> str | None:
        if principal is None:
            return None
        key = self.context.services.pseudonyms.key_for("audit-subject")
        return "sub_" + hmac.new(key, principal.sub.encode(), hashlib.sha256).hexdigest()[:24]
