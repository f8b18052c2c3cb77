"""Bounded work, end to end: request heads and bodies over their limits, the per-department cap, masking in
worker processes under a real deadline, and revocations that masking load cannot hold back.

A department API of the test's own (SCJG's upstream) answers the enterprise register with whatever body the
test sets, optionally holding the answer until the test lets it go; ordering is asserted through events
(who finished first, which worker is busy), not through wall-clock thresholds — except the one the issue sets:
a revocation is in force within 2 s.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support.grants import add_grant
from tests.support.http import read_response
from tests.support.stalling import STALL
from tests.support.waiting import wait_for

from gateway.audit import Filters, iter_rows

JSON = "application/json; charset=utf-8"
REPORTS_PURPOSE = "涉案企业经营状况核查"


def _page(items: list[dict]) -> bytes:
    return json.dumps({"code": 0, "data": {"items": items, "page": 1, "size": len(items), "total": len(items)}},
                      ensure_ascii=False, separators=(",", ":")).encode()


SMALL = _page([{"qymc": "杭州示例科技有限公司", "bz": "年度复核通过。"}])
MEDIUM = _page([{"qymc": f"杭州示例科技有限公司{i}", "bz": "材料齐全，已核验。" * 4} for i in range(80)])
# A free-text body of some 400 KB that the workers' masker (tests.support.stalling) never finishes: only the
# pool's deadline ends it, whatever the machine's speed.
SLOW = _page([{"bz": "申请人张伟，身份证号码110101199003077777，电话13800138000，住北京市朝阳区建国路88号。" * 6000,
               "note": STALL.decode()}])


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class Department:
    """SCJG's API: the enterprise register answers `bodies[path]` (SMALL by default), after `gate` opens."""

    def __init__(self):
        self.body = SMALL
        self.gate = threading.Event()
        self.gate.set()
        self.calls = 0
        dept = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802 - stdlib naming
                dept.calls += 1
                body = dept.body if self.path.startswith("/api/v2/enterprises") else SMALL
                dept.gate.wait(30)
                self.send_response(200)
                self.send_header("Content-Type", JSON)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = _Quiet(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def department():
    d = Department()
    yield d
    d.close()


@pytest.fixture
def limited(tmp_path, demo_upstreams, department):
    """A gateway with SCJG at the test's department, small limits, two masking workers (which stall on
    SLOW), an 8 s masking deadline."""
    from addons.runner import Gateway
    from gateway.services import Services
    from tests.support.gateway import GatewayClient, make_config

    config = make_config(tmp_path, dict(demo_upstreams.urls, SCJG=department.url),
                         {"masking": {"timeout_seconds": 8.0, "workers": 2}}, max_header_bytes=4096,
                         max_headers=20, max_request_body_bytes=1024, max_concurrent_per_dept=2)
    services = Services.open(config)
    services.masking_factory = "tests.support.stalling:build_masker"
    try:
        gw = Gateway(config, services).start()
    except BaseException:
        services.close()
        raise
    yield GatewayClient(gw, services, config, demo_upstreams)
    gw.stop()
    services.close()


def record_of(gw, request_id: str) -> dict:
    (row,) = iter_rows(gw.services.engine, gw.config.data_dir, Filters(request_id=request_id))
    return row.record


def raw(gw, head: bytes, *, chunks=(), timeout: float = 20) -> bytes:
    """Send `head` (and then `chunks`, stopping when the gateway closes); return the gateway's response."""
    sock = socket.create_connection(gw.gateway.address, timeout=timeout)
    try:
        sock.sendall(head)
        for chunk in chunks:
            try:
                sock.sendall(chunk)
            except OSError:  # the gateway answered and closed: it stopped reading, as it should
                break
        return read_response(sock)
    finally:
        sock.close()


def parse(response: bytes) -> tuple[int, dict, dict]:
    head, _, body = response.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, json.loads(body)


def get(gw, path: str, dept: str, purpose: str | None = None, results: list | None = None):
    r = gw.get(path, dept=dept, purpose=purpose, timeout=60)
    if results is not None:
        results.append(r)
    return r


# -- request heads and bodies ---------------------------------------------------------------------------------

def test_an_endless_request_head_is_cut_off_at_the_limit_with_431_and_a_record(limited):
    # 64 MiB of header lines that never end: the gateway answers once it has read past 4 KiB of them.
    line = b"X-Filler: " + b"a" * 1000 + b"\r\n"
    response = raw(limited, b"GET /scjg/enterprises HTTP/1.1\r\nHost: gw\r\n", chunks=[line * 64] * 1024)
    status, headers, doc = parse(response)
    assert (status, doc["error"]) == (431, "request_headers_too_large")
    assert headers["connection"] == "close"
    record = record_of(limited, doc["request_id"])
    assert (record["status"], record["reason"], record["decision"]) == (431, "request_headers_too_large", "deny")


def test_more_header_fields_than_allowed_get_431_and_one_fewer_does_not(limited):
    token = limited.token("MZ")

    def head(n: int) -> bytes:
        fields = [b"Host: gw", b"Authorization: Bearer " + token.encode()]
        fields += [b"X-F%d: v" % i for i in range(n - len(fields))]
        return b"GET /scjg/enterprises HTTP/1.1\r\n" + b"\r\n".join(fields) + b"\r\n\r\n"

    status, _, doc = parse(raw(limited, head(21)))
    assert (status, doc["error"]) == (431, "request_headers_too_large")
    status, _, doc = parse(raw(limited, head(20)))
    assert status == 200, doc


def test_a_request_body_over_the_limit_is_refused_413_before_it_is_sent(limited):
    # The head announces 10 MiB; the gateway answers without waiting for a byte of it.
    token = limited.token("MZ").encode()
    head = (b"GET /scjg/enterprises HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer " + token +
            b"\r\nContent-Length: 10485760\r\n\r\n")
    status, headers, doc = parse(raw(limited, head))
    assert (status, doc["error"], headers["connection"]) == (413, "request_too_large", "close")
    assert record_of(limited, doc["request_id"])["status"] == 413
    chunked = (b"GET /scjg/enterprises HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n")
    status, _, doc = parse(raw(limited, chunked))
    assert (status, doc["error"]) == (413, "request_too_large")


# -- per-department cap ---------------------------------------------------------------------------------------

def test_a_department_over_its_cap_gets_429_while_others_are_served(limited, department):
    department.gate.clear()  # the enterprise register holds its answers until the test lets them go
    held: list = []
    callers = [threading.Thread(target=get, args=(limited, "/scjg/enterprises", "MZ"), kwargs={"results": held})
               for _ in range(2)]
    for t in callers:
        t.start()
    wait_for(lambda: department.calls, until=lambda n: n == 2)  # both of MZ's slots are in flight
    r = limited.get("/scjg/enterprises", dept="MZ")
    assert (r.status, r.json()["error"], r.headers["retry-after"]) == (429, "too_many_requests", "1")
    assert record_of(limited, r.headers["x-request-id"])["status"] == 429
    assert department.calls == 2  # the refused call never reached the provider
    other = limited.get("/rs/hr-agencies", dept="GA")  # another department is not held back by MZ's cap
    assert other.status == 200, other.body[:200]
    department.gate.set()
    for t in callers:
        t.join(30)
    assert [r.status for r in held] == [200, 200]
    assert limited.get("/scjg/enterprises", dept="MZ").status == 200  # the slots were given back


# -- masking off the event loop -------------------------------------------------------------------------------

def test_a_stalled_masking_job_delays_no_one_else_and_ends_in_504_with_its_worker_replaced(limited, department):
    pool = limited.services.pool
    assert pool is not None and pool.ready_workers == 2
    add_grant(limited, dept="GA", resource="SCJG-NB-0001", purpose=REPORTS_PURPOSE)
    wait_for(lambda: get(limited, "/scjg/annual-reports", "GA", REPORTS_PURPOSE).status, until=lambda s: s == 200)
    department.body = SLOW
    slow: list = []
    stalled = threading.Thread(target=get, args=(limited, "/scjg/enterprises", "MZ"), kwargs={"results": slow})
    stalled.start()
    wait_for(lambda: pool.busy_workers, until=lambda n: n == 1)  # the slow body is being masked
    pids_before = set(pool.worker_pids())
    department.body = MEDIUM  # a body large enough for a worker, and one masked inline
    medium = limited.get("/scjg/enterprises", dept="GA")
    small = get(limited, "/scjg/annual-reports", "GA", REPORTS_PURPOSE)  # masked in the gateway process
    assert stalled.is_alive() and not slow  # both answered while the slow one was still being masked
    assert medium.status == 200, medium.body[:200]
    assert small.status == 200, small.body[:200]
    stalled.join(60)
    (r,) = slow
    assert (r.status, r.json()["error"]) == (504, "masking_timeout")
    assert b"110101199003077777" not in r.body
    record = record_of(limited, r.headers["x-request-id"])
    assert (record["status"], record["reason"]) == (504, "masking_timeout")
    assert pool.killed >= 1
    wait_for(lambda: pool.ready_workers, until=lambda n: n == 2, timeout=60)  # a fresh worker took its place
    assert set(pool.worker_pids()) != pids_before
    assert limited.get("/scjg/enterprises", dept="GA").status == 200


def test_the_worker_pool_masks_exactly_as_the_cli_masker_does(limited):
    from bench.bodies import bench_bodies

    services = limited.services
    view = services.view_for(services.catalog.current.resource("GA-RK-0001"))
    for body in bench_bodies().values():
        if len(body.data) > 200_000:
            continue
        inline = services.masker.mask_body(body.data, JSON, None, view)
        pooled = services.pool.mask_sync(body.data, JSON, None, view, time.monotonic() + 60)
        assert (pooled.body, pooled.findings) == (inline.body, inline.findings)


def test_a_revocation_is_in_force_within_2s_while_every_masking_worker_is_busy(limited, department):
    pool = limited.services.pool
    grant = add_grant(limited, dept="GA", resource="SCJG-NB-0001", purpose=REPORTS_PURPOSE)
    wait_for(lambda: get(limited, "/scjg/annual-reports", "GA", REPORTS_PURPOSE).status, until=lambda s: s == 200)
    department.body = SLOW
    stuck = [threading.Thread(target=get, args=(limited, "/scjg/enterprises", "MZ")) for _ in range(2)]
    for t in stuck:
        t.start()
    wait_for(lambda: pool.busy_workers, until=lambda n: n == 2)  # every worker is masking a slow body
    from gateway.policy.grants import GrantStore

    in_force = limited.services.policy.current
    GrantStore(limited.services.engine, limited.services.catalog.current).revoke(grant, "test-officer")
    # In force within 2 s: the reload thread swaps the policy while both workers are still stuck (a call's own
    # latency on a loaded machine is not what is measured here; the next call after the swap is).
    wait_for(lambda: limited.services.policy.current is not in_force, timeout=2.0, interval=0.02)
    assert pool.busy_workers == 2
    r = get(limited, "/scjg/annual-reports", "GA", REPORTS_PURPOSE)
    assert (r.status, r.json()["status"]) == (403, 403)
    for t in stuck:
        t.join(60)


def test_a_provider_whose_response_head_never_ends_is_cut_off_with_502(tmp_path, gateway_factory, demo_upstreams):
    # The provider sends header lines without end; the gateway stops reading past its head limit.
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve():
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            try:
                conn.sendall(b"HTTP/1.1 200 OK\r\n")
                while not stop.is_set():
                    conn.sendall(b"X-Filler: " + b"b" * 1000 + b"\r\n")
            except OSError:  # the gateway closed the connection: it stopped reading, as it should
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    gw = gateway_factory(upstream_urls=dict(demo_upstreams.urls, RS="http://127.0.0.1:%d" % listener.getsockname()[1]),
                         max_header_bytes=4096)
    try:
        r = gw.get("/rs/hr-agencies", dept="GA")
        assert (r.status, r.json()["error"]) == (502, "upstream_unavailable")
        assert record_of(gw, r.headers["x-request-id"])["status"] == 502
        thread.join(10)
        assert not thread.is_alive()  # the provider's connection was closed under it
    finally:
        stop.set()
        listener.close()
