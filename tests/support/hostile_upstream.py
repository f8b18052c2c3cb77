"""A provider that reads requests the way lenient, common API stacks do, and records what it received.

Issue 12's attacks worked because a provider's stack read a request differently from the gateway. This
upstream plays all of those stacks at once, each in its most permissive form, so a test can ask "would any
of them have run something the policy did not judge?":

- rewrite middleware (IIS URL Rewrite, Symfony, Laravel): `X-Original-URL` / `X-Rewrite-URL` replace the path;
- method-override middleware (Express, Rails, ASP.NET): `X-HTTP-Method-Override`, `X-HTTP-Method`,
  `X-Method-Override` replace the method; a lower-case method is upper-cased;
- Tomcat/Jetty: `;params` are stripped from every segment (so `..;/` is a dot segment), dot segments resolved;
- IIS: `%uXXXX` and `%XX` decoded (twice: IIS's double decode), `\\` read as `/`, case-insensitive;
- Spring suffix patterns: `/x.json` is `/x`; an absolute-form target's authority is ignored;
- PHP/CGI/WSGI: headers become `HTTP_*` variables, so `X_Govshare_Dept` and `X-Govshare-Dept` are the same
  variable — the first spelling received wins (the gateway's own headers come last, so a caller's wins);
- a static export server: `Range` is honoured with a 206 slice; `Upgrade` (any value) gets `101` + raw bytes.

Every request is recorded raw (request line, header fields in order and spelling, body) together with that
interpretation (`Received`). Responses are JSON naming the collection served (`resource`: a marker such as
`GA-FUGITIVES`) with records holding personal data under the catalog's field names.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from dataclasses import dataclass, field
from socketserver import StreamRequestHandler, ThreadingTCPServer

OVERRIDE_HEADERS = ("x-http-method-override", "x-http-method", "x-method-override")
REWRITE_HEADERS = ("x-original-url", "x-rewrite-url")
# Collections of this provider by path (longest first) and the marker each answers with.
COLLECTIONS = (
    ("/api/v1/persons/sensitive", "GA-SENSITIVE"),
    ("/api/v1/persons/archive", "GA-ARCHIVE"),
    ("/api/v1/fugitives", "GA-FUGITIVES"),
    ("/api/v1/persons", "GA-PERSONS"),
)
PERSON = {"xm": "张伟", "sfzh": "11010519491231002X", "sjhm": "13812345678"}
RAW_AFTER_101 = b"RAW-UNMASKED 11010519491231002X 13812345678\r\n"
MAX_HEAD = 256 * 1024


@dataclass(frozen=True)
class Received:
    """One request as it arrived, and as the permissive stacks above would read it."""

    request_line: str
    method: str  # as sent
    target: str  # as sent
    headers: tuple[tuple[str, str], ...]  # every field, in order, with its spelling
    body: bytes
    effective_method: str
    effective_path: str  # case-folded, decoded, dot segments resolved, ';params' and '.suffix' stripped
    cgi: dict = field(default_factory=dict)  # HTTP_* variables (first spelling wins)
    collection: str | None = None  # the marker of the collection it would serve, None for none

    def header_names(self) -> list[str]:
        return [name.lower() for name, _ in self.headers]


def _decode_iis(text: str) -> str:
    """%uXXXX and %XX decoded (bytes as UTF-8, bad bytes as Latin-1), as IIS and lenient decoders do."""
    text = re.sub(r"%u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    raw = re.sub(r"%([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), text)
    try:
        return raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw


def effective_path(target: str, headers: tuple[tuple[str, str], ...] = ()) -> str:
    """The path the most permissive of the stacks above would serve for this request."""
    for name, value in headers:
        if name.lower() in REWRITE_HEADERS and value:
            target = value
            break
    target = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*", "", target) or "/"
    path = re.split(r"[?#]", target, maxsplit=1)[0]
    for _ in range(2):  # IIS decodes twice
        path = _decode_iis(path)
    path = path.replace("\\", "/")
    # Full-width solidus, full stop and reverse solidus are folded by NFKC-normalising stacks.
    path = path.replace("\uff0f", "/").replace("\uff0e", ".").replace("\uff3c", "/")
    out: list[str] = []
    for segment in path.split("/"):
        segment = segment.split(";", 1)[0]  # Tomcat path parameters: '..;x=1' is '..'
        if segment not in (".", ".."):
            segment = segment.rstrip(" .")  # Windows drops trailing dots and spaces
        if segment in ("", "."):
            continue
        if segment == "..":
            if out:
                out.pop()
            continue
        out.append(segment)
    if out:
        out[-1] = out[-1].split(".", 1)[0] or out[-1]  # Spring suffix patterns: /x.json is /x
    return ("/" + "/".join(out)).casefold()


def collection_of(path: str) -> str | None:
    for prefix, marker in COLLECTIONS:
        if path == prefix or path.startswith(prefix + "/"):
            return marker
    return None


def effective_method(method: str, headers: tuple[tuple[str, str], ...]) -> str:
    for name, value in headers:
        if name.lower() in OVERRIDE_HEADERS and value.strip():
            return value.strip().upper()
    return method.upper()


def cgi_environment(headers: tuple[tuple[str, str], ...]) -> dict[str, str]:
    env: dict[str, str] = {}
    for name, value in headers:
        env.setdefault("HTTP_" + name.upper().replace("-", "_"), value)
    return env


def interpret(request_line: str, headers: tuple[tuple[str, str], ...], body: bytes) -> Received:
    method, _, rest = request_line.partition(" ")
    target = rest.rpartition(" ")[0] if rest.count(" ") else rest
    path = effective_path(target, headers)
    return Received(request_line, method, target, headers, body, effective_method(method, headers), path,
                    cgi_environment(headers), collection_of(path))


class _Handler(StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        while True:
            head = self._read_head()
            if head is None:
                return
            lines = head.decode("latin-1").split("\r\n")
            headers = tuple((n.strip(), v.strip()) for n, _, v in (line.partition(":") for line in lines[1:] if line))
            body = self._read_body(headers)
            got = interpret(lines[0], headers, body)
            self.server.record(got)
            if not self._answer(got):
                return

    def _read_head(self) -> bytes | None:
        data = b""
        while not data.endswith(b"\r\n\r\n"):
            line = self.rfile.readline(MAX_HEAD)
            if not line:
                return None
            if not data and line in (b"\r\n", b"\n"):
                continue
            data += line
            if len(data) > MAX_HEAD:
                return None
        return data[:-4]

    def _read_body(self, headers) -> bytes:
        values = {n.lower(): v for n, v in headers}
        if "chunked" in values.get("transfer-encoding", "").lower():
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        length = values.get("content-length", "0").strip()
        return self.rfile.read(int(length)) if length.isdigit() and int(length) else b""

    def _send(self, status: str, headers: list[tuple[str, str]], body: bytes, head_only: bool) -> None:
        head = f"HTTP/1.1 {status}\r\n" + "".join(f"{n}: {v}\r\n" for n, v in headers)
        head += f"Content-Length: {len(body)}\r\n\r\n"
        self.wfile.write(head.encode("latin-1") + (b"" if head_only else body))
        self.wfile.flush()

    def _answer(self, got: Received) -> bool:
        """Answer like the stacks would; False when the connection is over."""
        names = got.header_names()
        if "upgrade" in names:
            self.wfile.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                             + RAW_AFTER_101)
            self.wfile.flush()
            return False
        if got.collection is None:
            body = json.dumps({"code": 404, "message": "no such resource", "data": None}).encode()
            self._send("404 Not Found", [("Content-Type", "application/json")], body, got.method.upper() == "HEAD")
            return True
        doc = {"code": 0, "resource": got.collection, "method": got.effective_method,
               "data": {"items": [dict(PERSON)], "total": 1}}
        body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
        ranged = next((v for n, v in got.headers if n.lower() == "range"), None)
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", ranged or "")
        if match:
            start = int(match.group(1))
            end = min(int(match.group(2) or len(body) - 1), len(body) - 1)
            part = body[start:end + 1]
            self._send("206 Partial Content", [("Content-Type", "application/json; charset=utf-8"),
                                               ("Content-Range", f"bytes {start}-{end}/{len(body)}")],
                       part, got.method.upper() == "HEAD")
            return True
        self._send("200 OK", [("Content-Type", "application/json; charset=utf-8")], body,
                   got.method.upper() == "HEAD")
        return True


class _Server(ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address):
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self.connections: set[socket.socket] = set()
        super().__init__(address, _Handler)

    def record(self, got: Received) -> None:
        with self._lock:
            self._received.append(got)

    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def clear(self) -> None:
        with self._lock:
            self._received.clear()

    def process_request(self, request, client_address):
        with self._lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address):  # a caller going away mid-request is normal here
        pass


class HostileUpstream:
    """The permissive provider on a free loopback port, in a daemon thread."""

    def __init__(self, host: str = "127.0.0.1"):
        self._server = _Server((host, 0))
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="hostile-upstream", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def received(self) -> list[Received]:
        return self._server.received()

    def clear(self) -> None:
        self._server.clear()

    def close(self) -> None:
        self._server.shutdown()
        with self._server._lock:
            conns = list(self._server.connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> HostileUpstream:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
