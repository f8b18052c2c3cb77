"""The demo departments' own HTTP APIs: one stdlib server per department on loopback.

Each department serves its collections as paginated JSON (`?page=&size=`, size at most 100) and one record
by id at `<collection>/<id>`; a collection of shape "header_rows" (gateway.demo.tables) is served as a header
row followed by rows. Anything else is a JSON 404 (405 for writes). Every request's headers go
into an in-memory ring per department, so tests can assert exactly what the gateway forwarded (its
X-Govshare-* headers, and that the caller's Authorization never arrives). Nothing is logged to stderr.
"""

from __future__ import annotations

import argparse
import gzip
import json
import socket
import sys
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from .data import DEFAULT_SEED, Dataset, demo_data
from .tables import page_items

# The ports the shipped catalog names; the demo itself binds free ports and points a catalog copy at them.
DEMO_PORTS: dict[str, int] = {"GA": 18101, "SCJG": 18102, "MZ": 18103, "RS": 18104}
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
RING_SIZE = 1000
GZIP_MIN_BYTES = 1024


@dataclass(frozen=True, slots=True)
class Endpoint:
    path: str  # the department's own collection path, e.g. /api/v1/persons
    dataset: str  # attribute name in DemoData.datasets()


DEPARTMENT_APIS: dict[str, tuple[Endpoint, ...]] = {
    "GA": (Endpoint("/api/v1/persons", "persons"), Endpoint("/api/v1/fugitives", "fugitives"),
           Endpoint("/api/v1/persons/sensitive", "persons_sensitive"),
           Endpoint("/api/v1/persons/archive", "persons_archive")),
    "SCJG": (Endpoint("/api/v2/enterprises", "enterprises"), Endpoint("/api/v2/annual-reports", "annual_reports"),
             Endpoint("/api/v2/financial-statements", "financials")),
    "MZ": (Endpoint("/service/dibao/recipients", "subsidies"), Endpoint("/service/dibao/households", "households")),
    "RS": (Endpoint("/api/hr-agencies", "hr_agencies"),),
}


def ephemeral_ports() -> dict[str, int]:
    """Port 0 for every demo department (the OS picks free ports), for tests."""
    return dict.fromkeys(DEPARTMENT_APIS, 0)


@dataclass(frozen=True, slots=True)
class ReceivedRequest:
    method: str
    target: str  # path and query exactly as received
    headers: dict[str, str]  # names lower-cased; repeated headers joined with ", "


class RequestLog:
    """A bounded, thread-safe ring of the requests one department received."""

    def __init__(self, size: int = RING_SIZE):
        self._ring: deque[ReceivedRequest] = deque(maxlen=size)
        self._lock = threading.Lock()

    def add(self, request: ReceivedRequest) -> None:
        with self._lock:
            self._ring.append(request)

    def snapshot(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self._ring)

    def clear(self) -> None:
        with self._lock:
            self._ring.clear()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, dept: str, collections: dict[str, Dataset], log: RequestLog, compress: bool):
        self.dept, self.log, self.compress = dept, log, compress
        # Longest collection path first: /api/v1/persons/archive is its own collection, not a record id.
        self.collections = dict(sorted(collections.items(), key=lambda item: -len(item[0])))
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def handle_error(self, request, client_address):
        """A client that goes away mid-request is normal; anything else is a bug worth a traceback."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "DeptAPI/1.0"
    timeout = 30
    server: _Server

    def setup(self):
        super().setup()
        with self.server.connections_lock:
            self.server.open_connections.add(self.connection)

    def finish(self):
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.open_connections.discard(self.connection)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature; keep stderr quiet
        pass

    # -- request handling ------------------------------------------------------------------------------

    def _record(self) -> None:
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        self.server.log.add(ReceivedRequest(self.command, self.path, headers))
        length = self.headers.get("Content-Length")
        if length and length.isdigit():  # drain a body so the connection stays usable
            self.rfile.read(min(int(length), 1 << 20))

    def _send(self, status: int, doc: dict, extra_headers: dict[str, str] | None = None) -> None:
        body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", **(extra_headers or {})}
        accepts_gzip = "gzip" in self.headers.get("Accept-Encoding", "").lower()
        if self.server.compress and accepts_gzip and len(body) >= GZIP_MIN_BYTES:
            body = gzip.compress(body, mtime=0)
            headers["Content-Encoding"] = "gzip"
            headers["Vary"] = "Accept-Encoding"
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str, extra_headers: dict[str, str] | None = None) -> None:
        self._send(status, {"code": status, "message": message, "data": None}, extra_headers)

    def do_GET(self):  # noqa: N802 - stdlib naming
        self._record()
        parts = urlsplit(self.path)
        path = parts.path
        for prefix, dataset in self.server.collections.items():
            if path == prefix:
                return self._list(dataset, parts.query)
            if path.startswith(prefix + "/"):
                record_id = path[len(prefix) + 1:]
                if record_id and "/" not in record_id:
                    return self._one(dataset, unquote(record_id))
        return self._error(404, "no such resource")

    def _list(self, dataset: Dataset, query: str) -> None:
        params = parse_qs(query, keep_blank_values=True)
        try:
            page = int(params.get("page", ["1"])[-1])
            size = int(params.get("size", [str(DEFAULT_PAGE_SIZE)])[-1])
        except ValueError:
            return self._error(400, "page and size must be integers")
        if page < 1 or size < 1:
            return self._error(400, "page and size must be at least 1")
        size = min(size, MAX_PAGE_SIZE)
        start = (page - 1) * size
        items = page_items(dataset, [dict(r) for r in dataset.records[start:start + size]])
        self._send(200, {"code": 0, "message": "success",
                         "data": {"items": items, "page": page, "size": size, "total": len(dataset)}})

    def _one(self, dataset: Dataset, record_id: str) -> None:
        record = dataset.get(record_id)
        if record is None:
            return self._error(404, "record not found")
        self._send(200, {"code": 0, "message": "success", "data": record})

    def _refuse_write(self):
        self._record()
        self._error(405, "read-only interface", {"Allow": "GET"})

    do_POST = do_PUT = do_PATCH = do_DELETE = _refuse_write  # noqa: N815


class DepartmentAPI:
    """One department's server, running in a daemon thread."""

    def __init__(self, dept: str, host: str, port: int, collections: dict[str, Dataset], *, compress: bool = True):
        self.dept = dept
        self.log = RequestLog()
        self._server = _Server((host, port), dept, collections, self.log, compress)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"demo-upstream-{dept}", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self._server.shutdown()
        with self._server.connections_lock:
            conns = list(self._server.open_connections)
        for conn in conns:  # end kept-alive connections too, so a closed department really is gone
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._server.server_close()
        self._thread.join(timeout=5)


class DemoUpstreams:
    """The running demo departments: their base URLs and what each received."""

    def __init__(self, apis: dict[str, DepartmentAPI]):
        self._apis = apis
        self.urls: dict[str, str] = {dept: api.url for dept, api in apis.items()}

    def requests(self, dept: str) -> list[ReceivedRequest]:
        return self._apis[dept].log.snapshot()

    def received(self, dept: str) -> list[dict[str, str]]:
        """The headers of each request `dept` received, oldest first (names lower-cased)."""
        return [r.headers for r in self.requests(dept)]

    def clear(self, dept: str | None = None) -> None:
        for code, api in self._apis.items():
            if dept is None or code == dept:
                api.log.clear()

    def close(self) -> None:
        for api in self._apis.values():
            api.close()

    def __enter__(self) -> DemoUpstreams:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def generic_collections(catalog, dept: str) -> dict[str, Dataset]:
    """A generic demo API for a department the demo has no records for: each catalogued resource it
    provides is served at its upstream path, with a few records of placeholder values per catalog field."""
    collections = {}
    for resource in catalog.resources.values():
        if resource.provider != dept:
            continue
        names = [f.name for f in resource.fields] or ["name"]
        id_key = names[0]
        records = tuple({name: f"{resource.code}-{name}-{i:03d}" for name in names} for i in range(1, 21))
        collections[urlsplit(resource.upstream).path.rstrip("/") or "/"] = Dataset(resource.code, id_key, records)
    return collections


def start_demo_upstreams(host: str = "127.0.0.1", ports: dict[str, int] | None = None, *,
                         seed: int = DEFAULT_SEED, compress: bool = True, catalog=None) -> DemoUpstreams:
    """Start the demo departments. `ports=None` starts all on free ports (`ephemeral_ports()`); otherwise only
    the departments named (port 0 lets the OS choose). A department without demo records is served
    a generic API from `catalog` (`generic_collections`); without a catalog it is refused. Responses are
    gzip-compressed when the client accepts it, unless `compress=False`."""
    ports = ephemeral_ports() if ports is None else dict(ports)
    unknown = set(ports) - set(DEPARTMENT_APIS)
    if unknown and catalog is None:
        raise ValueError(f"unknown demo departments: {', '.join(sorted(unknown))}")
    datasets = demo_data(seed).datasets()
    apis: dict[str, DepartmentAPI] = {}
    try:
        for dept, port in ports.items():
            if dept in DEPARTMENT_APIS:
                collections = {e.path: datasets[e.dataset] for e in DEPARTMENT_APIS[dept]}
            else:
                collections = generic_collections(catalog, dept)
            apis[dept] = DepartmentAPI(dept, host, port, collections, compress=compress)
    except BaseException:
        for api in apis.values():
            api.close()
        raise
    return DemoUpstreams(apis)


def main(argv: list[str] | None = None) -> int:
    """`python -m gateway.demo.upstreams`: run the demo departments on free ports (printed) until Ctrl-C."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    ups = start_demo_upstreams(args.host, seed=args.seed)
    for dept, url in ups.urls.items():
        print(f"{dept:5} {url}  " + "  ".join(e.path for e in DEPARTMENT_APIS[dept]))
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        ups.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
