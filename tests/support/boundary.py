"""The request-side boundary under test: a gateway whose GA provider is the hostile upstream, a caller with
one grant, raw requests, and the invariants every request must keep (see tests/e2e/test_boundary_request.py).

The caller is civil affairs (MZ, application `dibao-review`) holding a grant for GA-RK-0001 (population
register, conditional) only; GA-ZT-0001 (fugitives) and GA-RK-0002/0003 (nested under the register's
provider URL) are not shared. Whatever a request looks like, the provider may receive only: an exact GET
or HEAD, in origin form, of a canonical path under the register's provider URL that every permissive stack
reads the same way, no body, and only the allowlisted caller headers plus the gateway's own.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

from hypothesis import HealthCheck, settings

from gateway.audit import Filters, iter_rows
from gateway.audit.clean import Cleaner
from tests.support.grants import add_grant
from tests.support.hostile_upstream import PERSON, RAW_AFTER_101, HostileUpstream, Received, effective_path
from tests.support.http import read_response

PURPOSE = "最低生活保障资格核查"
CALLER_DEPT, CALLER_APP = "MZ", "dibao-review"
# Caller headers a provider may see (gateway.request_policy.ALLOWED), and the ones the gateway sets.
CALLER_ALLOWED = frozenset({"accept", "accept-language", "user-agent", "content-type", "accept-encoding"})
OURS = frozenset({"host", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-govshare-dept",
                  "x-govshare-app", "x-govshare-purpose", "x-request-id", "x-govshare-correlation-id"})
# Markers the hostile upstream answers with for collections the caller must never reach.
FORBIDDEN_MARKERS = (b"GA-FUGITIVES", b"GA-SENSITIVE", b"GA-ARCHIVE")

# Hypothesis profiles for the boundary fuzzers: `fast` in `make test`, `deep` in `make fuzz`
# (GOVSHARE_FUZZ=deep). The gateway fixture is shared by the examples of one test on purpose.
_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                       HealthCheck.data_too_large]}
settings.register_profile("govshare-fast", max_examples=25, derandomize=True, **_COMMON)
settings.register_profile("govshare-deep", max_examples=3000, **_COMMON)
FUZZ = settings.get_profile("govshare-" + os.environ.get("GOVSHARE_FUZZ", "fast"))


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    raw: bytes

    @property
    def request_id(self) -> str:
        return self.headers.get("x-request-id", "")

    def error(self) -> str | None:
        import json

        try:
            return json.loads(self.body).get("error")
        except ValueError:
            return None


def send_raw(gw, data: bytes, head_only: bool = False) -> Answer:
    """Send `data` as it is on a fresh connection to the gateway and read one whole response (only its
    head for a HEAD request, whose Content-Length announces a body that is not sent)."""
    host, port = gw.gateway.address
    with socket.create_connection((host, port), timeout=20) as sock:
        sock.sendall(data)
        if head_only:
            raw = b""
            while b"\r\n\r\n" not in raw:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                raw += chunk
        else:
            raw = read_response(sock)
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1]) if lines and lines[0].startswith("HTTP/") else 0
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(status, headers, body, raw)


def request(gw, method: str, target: str, headers: list[tuple[str, str]] = (), body: bytes = b"",
            token: str | None = None) -> Answer:
    """One HTTP/1.1 request, spelled exactly as given (method case, target bytes, header names)."""
    lines = [f"{method} {target} HTTP/1.1", "Host: gateway.test"]
    if token is not None:
        lines.append(f"Authorization: Bearer {token}")
    lines += [f"{name}: {value}" for name, value in headers]
    if body and not any(n.lower() in ("content-length", "transfer-encoding") for n, _ in headers):
        lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: close")
    return send_raw(gw, ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape") + body,
                    head_only=method == "HEAD")


def start_boundary(gateway_factory, demo_upstreams, hostile: HostileUpstream):
    """A gateway with GA behind the hostile upstream and the caller's one grant in force."""
    gw = gateway_factory(upstream_urls=dict(demo_upstreams.urls, GA=hostile.url))
    add_grant(gw, dept=CALLER_DEPT, app=CALLER_APP, resource="GA-RK-0001", purpose=PURPOSE)
    gw.services.reload()
    hostile.clear()
    return gw


def caller_token(gw, dept: str = CALLER_DEPT, app: str | None = CALLER_APP) -> str:
    return gw.token(dept, app=app, purpose=PURPOSE)


def audit_record(gw, request_id: str) -> dict:
    """The one request record the gateway wrote for `request_id` (written before the answer was sent)."""
    rows = [row.record for row in iter_rows(gw.services.engine, gw.config.data_dir,
                                            Filters(request_id=request_id, event="request"))]
    assert len(rows) == 1, f"{len(rows)} audit records for request id {request_id!r}"
    return rows[0]


def _same_resource(path: str) -> str:
    """`path` with only the differences that name the same record everywhere: case, a trailing slash and a
    suffix on the last segment (Spring reads /x.json as /x)."""
    path = path.rstrip("/") or "/"
    head, _, last = path.rpartition("/")
    return (head + "/" + (last.split(".", 1)[0] or last)).casefold()


def assert_provider_got_only_canonical_reads(received: list[Received], token: str | None = None) -> None:
    """What the provider received keeps every invariant of the boundary (module docstring)."""
    for got in received:
        assert got.method in ("GET", "HEAD") and got.effective_method == got.method, got.request_line
        assert got.target.startswith("/api/v1/persons"), got.request_line  # origin form, the register's URL
        path = got.target.partition("?")[0]
        assert not any(c in path for c in ";%\\#") and ".." not in path, got.request_line
        assert effective_path(path) == _same_resource(path), got.request_line  # every stack reads what we judged
        assert got.collection == "GA-PERSONS", got.request_line
        assert got.body == b"", got.request_line
        names = got.header_names()
        assert set(names) <= CALLER_ALLOWED | OURS, sorted(set(names) - CALLER_ALLOWED - OURS)
        assert all(names.count(n) == 1 for n in OURS & set(names)), names
        assert got.cgi["HTTP_X_GOVSHARE_DEPT"] == CALLER_DEPT and got.cgi["HTTP_X_GOVSHARE_APP"] == CALLER_APP
        assert got.cgi["HTTP_X_FORWARDED_FOR"] in ("127.0.0.1", "::1", "::ffff:127.0.0.1")
        assert len(got.cgi["HTTP_X_REQUEST_ID"]) == 32
        if token is not None:
            assert all(token not in value for _, value in got.headers)


def assert_safe_answer(answer: Answer) -> None:
    """A 200 from the register, masked: nothing from another collection, no raw identifier, no 206/101."""
    assert answer.status == 200, (answer.status, answer.body[:300])
    assert b"GA-PERSONS" in answer.body
    for marker in FORBIDDEN_MARKERS:
        assert marker not in answer.body
    assert PERSON["sfzh"].encode() not in answer.raw and PERSON["sjhm"].encode() not in answer.raw
    assert RAW_AFTER_101 not in answer.raw


def assert_audited(gw, answer: Answer, correlation: str | None = None, reason: str | None = None) -> dict:
    """The answer's audit record: same status, the decision, the refusal's reason (from the JSON body, or
    `reason` for a HEAD, whose refusal has no body)."""
    record = audit_record(gw, answer.request_id)
    assert record["status"] == answer.status
    assert record["decision"] == ("allow" if answer.status == 200 else "deny")
    if answer.status != 200:
        assert record["reason"] == (reason or answer.error())
    if correlation is not None:  # the caller's id, stored as a keyed hash (gateway.audit.clean)
        hashed = Cleaner(gw.services.pseudonyms.key_for("audit-record")).request_id(correlation, True)
        assert record["correlation_id"] == hashed != record["request_id"]
    return record
