"""An adversarial provider: a department API on 127.0.0.1 that answers like a careless Java/PHP/IIS stack.

It writes raw bytes on the socket, so it can send what no server library would: interim 1xx heads before
the answer, a 101, trailers, both Content-Length and Transfer-Encoding, twenty thousand headers. Every
answer is one `Reply` (status, header fields, body, or a raw byte string) chosen by the test for the
last path segment of the request (`/api/v1/persons/<case>`), and every answer carries seeded canary
personal data (CANARY): valid resident ID numbers, mobiles, bank cards and a name.

`catalog_with_adversary` writes the demo catalog plus the adversary's department and resources:
ADV-RK-0001 (conditional, labelled fields), ADV-RAW-0001 (unconditional, no labelled field: unknown),
ADV-PUB-0001 (unconditional, declares application/pdf public), ADV-SEC-0001 (not shared, its provider URL
nested under ADV-RK-0001's) and ADV-OTHER-0001 (unconditional, another provider URL of the same host).
"""

from __future__ import annotations

import random
import socket
import socketserver
import threading
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from gateway.demo.identifiers import random_bank_card, random_mobile, random_resident_id


@dataclass(frozen=True)
class Canary:
    id_number: str
    id_number2: str
    mobile: str
    card: str
    name: str = "欧阳秀英"

    def values(self) -> tuple[str, ...]:
        return (self.id_number, self.id_number2, self.mobile, self.card, self.name)


def make_canary(seed: int = 12) -> Canary:
    rng = random.Random(seed)
    return Canary(random_resident_id(rng), random_resident_id(rng), random_mobile(rng), random_bank_card(rng)[1])


CANARY = make_canary()


@dataclass
class Reply:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    raw: bytes | None = None  # the whole answer as bytes, when the test needs full control
    length: bool = True  # add Content-Length (unless raw)
    reason: str = "X"

    def encode(self, method: str) -> bytes:
        if self.raw is not None:
            return self.raw
        lines = [f"HTTP/1.1 {self.status} {self.reason}".encode()]
        lines += [f"{n}: {v}".encode("utf-8") for n, v in self.headers]
        if self.length and not any(n.lower() in ("content-length", "transfer-encoding") for n, _ in self.headers):
            lines.append(f"Content-Length: {len(self.body)}".encode())
        head = b"\r\n".join(lines) + b"\r\n\r\n"
        return head if method == "HEAD" else head + self.body


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):  # the gateway hanging up on us is expected
        pass


class AdversarialProvider:
    """Serves `replies[case]` for a request whose path ends in `/<case>`; records what it was asked."""

    def __init__(self):
        self.replies: dict[str, Reply] = {}
        self.requests: list[tuple[str, str, dict]] = []
        provider = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                sock: socket.socket = self.request
                sock.settimeout(10)
                buf = b""
                while True:
                    while b"\r\n\r\n" not in buf:
                        chunk = sock.recv(65536)
                        if not chunk:
                            return
                        buf += chunk
                    head, _, buf = buf.partition(b"\r\n\r\n")
                    lines = head.decode("latin-1").split("\r\n")
                    method, target = lines[0].split(" ")[:2]
                    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
                    provider.requests.append((method, target, headers))
                    case = target.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
                    reply = provider.replies.get(case, Reply(404, [("Content-Type", "text/plain")], b"no case"))
                    sock.sendall(reply.encode(method))
                    if reply.raw is not None or not reply.length:
                        sock.shutdown(socket.SHUT_WR)
                        return

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


LABELLED = [
    {"name": "xm", "label": "姓名", "class": "personal", "entity": "PERSON"},
    {"name": "sfzh", "label": "公民身份号码", "class": "sensitive", "entity": "CN_ID_CARD"},
    {"name": "sjhm", "label": "手机号码", "class": "personal", "entity": "CN_MOBILE"},
    {"name": "yhkh", "label": "银行卡号", "class": "sensitive", "entity": "CN_BANK_CARD"},
    {"name": "bz", "label": "备注", "class": "internal", "entity": "FREE_TEXT"},
]
LEGAL = "《中华人民共和国个人信息保护法》第三十四条"


def catalog_with_adversary(demo_catalog: Path, adversary_url: str, other_url: str) -> None:
    """Add the adversary's department (ADV) and a second, unrelated host (OTH) to a demo catalog file."""
    doc = yaml.safe_load(demo_catalog.read_text(encoding="utf-8"))
    doc["departments"] += [{"code": "ADV", "name": "对抗测试局", "upstream": adversary_url},
                           {"code": "OTH", "name": "其他部门", "upstream": other_url}]
    doc["resources"] += [
        {"code": "ADV-RK-0001", "name": "人口信息", "provider": "ADV", "path": "/adv/persons",
         "upstream_path": "/api/v1/persons", "share": "conditional", "legal_basis": LEGAL, "fields": LABELLED},
        {"code": "ADV-RAW-0001", "name": "未标注数据", "provider": "ADV", "path": "/adv/raw",
         "upstream_path": "/api/v1/raw", "share": "unconditional"},
        {"code": "ADV-PUB-0001", "name": "公开文件", "provider": "ADV", "path": "/adv/files",
         "upstream_path": "/api/v1/files", "share": "unconditional", "public_content_types": ["application/pdf"],
         "fields": [{"name": "wjmc", "label": "文件名称", "class": "public"}]},
        {"code": "ADV-SEC-0001", "name": "敏感人口信息", "provider": "ADV", "path": "/adv/secret",
         "upstream_path": "/api/v1/persons/secret", "share": "none", "legal_basis": LEGAL, "fields": LABELLED},
        {"code": "ADV-OTHER-0001", "name": "其他资源", "provider": "ADV", "path": "/adv/other",
         "upstream_path": "/api/v1/other", "share": "unconditional"},
    ]
    demo_catalog.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=4096), encoding="utf-8")
