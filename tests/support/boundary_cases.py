"""The response-side attack cases the adversarial provider serves, by class, and a raw client to read them.

Each case is (Reply, expectation): the expected status the caller gets (the provider's own status when it
is masked and relayed, 502 and a reason code when it is refused). Every reply carries the seeded canary
personal data of tests.support.adversarial.CANARY somewhere: in a header, a body of any type, a trailer,
a redirect target. `call()` speaks raw HTTP/1.1 to the gateway and returns every byte the caller got.
"""

from __future__ import annotations

import gzip
import json
import socket
from dataclasses import dataclass

from tests.support.adversarial import CANARY as C, Reply
from tests.support.pii_scan import find_identifiers

JSON_T = ("Content-Type", "application/json; charset=utf-8")
RECORD = {"xm": C.name, "sfzh": C.id_number, "sjhm": C.mobile, "yhkh": C.card,
          "bz": f"联系人{C.name}，身份证号{C.id_number2}，电话{C.mobile}"}
DOC = json.dumps({"code": 0, "data": {"items": [RECORD]}}, ensure_ascii=False).encode()
SENTENCE = f"申请人{C.name}，身份证号{C.id_number}，联系电话{C.mobile}，银行卡号{C.card}。"


@dataclass(frozen=True)
class Expect:
    status: int
    reason: str | None = None  # the refusal's reason code (502s)


def ok(status: int = 200) -> Expect:
    return Expect(status)


def refused(reason: str, status: int = 502) -> Expect:
    return Expect(status, reason)


# -- headers (served on 200, 302, 404 and to HEAD) ----------------------------------------------------------------

LEAKY_HEADERS = [
    ("Set-Cookie", f"sid={C.id_number}; Path=/"), ("Link", f"</api/v1/persons/{C.mobile}>; rel=preload"),
    ("Content-Disposition", f'attachment; filename="{C.name}{C.id_number}.json"'),
    ("X-Debug-User", C.id_number), ("X-Debug-Sql", f"select * where sjhm='{C.mobile}'"),
    ("Server", f"Apache-Coyote/1.1 ({C.card})"), ("X-Powered-By", "PHP/5.4"), ("ETag", f'"{C.id_number}"'),
    ("Last-Modified", "Fri, 04 Dec 2026 06:00:00 GMT"), ("X-Custom", C.card), ("Vary", f"Accept, X-{C.id_number}"),
    ("Content-Language", "zh-CN"), ("Date", "Fri, 04 Dec 2026 06:00:00 GMT"),
    ("Expires", C.id_number), ("Alt-Svc", 'h2=":8443"'), ("Accept-Ranges", "bytes"), ("Cache-Control", "public"),
]
DROPPED = {"set-cookie", "link", "content-disposition", "x-debug-user", "x-debug-sql", "server", "x-powered-by",
           "etag", "last-modified", "x-custom", "alt-svc", "accept-ranges", "expires"}

HEADER_CASES = {
    "hdr200": (Reply(200, [JSON_T, *LEAKY_HEADERS], DOC), ok(200)),
    "hdr404": (Reply(404, [JSON_T, *LEAKY_HEADERS], DOC), ok(404)),
    "hdr302": (Reply(302, [JSON_T, ("Location", "/api/v1/persons/elsewhere"), *LEAKY_HEADERS], DOC), ok(302)),
    "hdr_odd_type": (Reply(200, [("Content-Type", f"text/html; charset={C.id_number}"), *LEAKY_HEADERS], DOC),
                     refused("unsupported_charset")),
    "hdr500html": (Reply(500, [("Content-Type", "text/html"), *LEAKY_HEADERS], f"<h1>{SENTENCE}</h1>".encode()),
                   ok(500)),
}

# -- redirects ------------------------------------------------------------------------------------------------

def redirect(location: str, status: int = 302) -> Reply:
    return Reply(status, [JSON_T, ("Location", location)], b"{}")


LOCATION_CASES = {
    "loc_relative": (redirect(f"/api/v1/persons/p/{C.id_number}"), ok(302)),
    "loc_absolute": (redirect("{self}/api/v1/persons/page2?sjhm=" + C.mobile, 301), ok(301)),
    "loc_dotrel": (redirect(f"page3?id={C.id_number}", 307), ok(307)),
    "loc_other_host": (redirect("http://evil.example/steal"), refused("redirect_outside_resource")),
    "loc_scheme_relative": (redirect("//evil.example/api/v1/persons"), refused("redirect_outside_resource")),
    "loc_other_entry": (redirect("/api/v1/other/x"), refused("redirect_outside_resource")),
    "loc_not_shared_nested": (redirect("/api/v1/persons/secret/1"), refused("redirect_outside_resource")),
    "loc_outside_catalog": (redirect("/api/v1/fugitives"), refused("redirect_outside_resource")),
    "loc_dot_segments": (redirect("/api/v1/persons/../fugitives"), refused("redirect_outside_resource")),
    "loc_encoded_dots": (redirect("/api/v1/persons/%2e%2e/fugitives"), refused("redirect_outside_resource")),
    "loc_semicolon": (redirect("/api/v1/persons/..;/fugitives"), refused("redirect_outside_resource")),
    "loc_javascript": (redirect("javascript:alert(1)"), refused("redirect_outside_resource")),
    "loc_other_port": (redirect("http://127.0.0.1:9/api/v1/persons"), refused("redirect_outside_resource")),
    "loc_userinfo": (redirect("{self_userinfo}/api/v1/persons"), refused("redirect_outside_resource")),
    "loc_two": (Reply(302, [JSON_T, ("Location", "/api/v1/persons/a"), ("Location", "http://evil.example/")], b"{}"),
                refused("redirect_outside_resource")),
}

# -- statuses ---------------------------------------------------------------------------------------------------

STATUS_CASES = {f"st{s}": (Reply(s, [JSON_T], DOC), ok(s)) for s in
                (200, 201, 203, 300, 400, 401, 403, 404, 409, 410, 418, 429, 500, 502, 503, 504)}
STATUS_CASES.update({
    "st500text": (Reply(500, [("Content-Type", "text/plain")], SENTENCE.encode()), ok(500)),
    "st404html": (Reply(404, [("Content-Type", "text/html; charset=utf-8")], f"<p>{SENTENCE}</p>".encode()), ok(404)),
    "st206": (Reply(206, [JSON_T, ("Content-Range", f"bytes 0-9/{len(DOC)}")], DOC[:10]), refused("partial_content")),
    "st204": (Reply(204, [("X-Debug", C.id_number)], b""), ok(204)),
    "st304": (Reply(304, [("ETag", C.id_number)], b""), ok(304)),
    "st101": (Reply(raw=b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: raw\r\nConnection: Upgrade\r\n\r\n"
                        + SENTENCE.encode()), refused("upstream_protocol_switch")),
    "st103": (Reply(raw=b"HTTP/1.1 103 Early Hints\r\nLink: </p/" + C.id_number.encode() + b">; rel=preload\r\n\r\n"
                        + b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                        + str(len(DOC)).encode() + b"\r\n\r\n" + DOC), ok(200)),
    "st100": (Reply(raw=b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"
                        + b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                        + str(len(SENTENCE.encode())).encode() + b"\r\n\r\n" + SENTENCE.encode()), ok(200)),
})

# -- framing ----------------------------------------------------------------------------------------------------

def _chunked(body: bytes, trailer: bytes = b"") -> bytes:
    return b"%x\r\n%s\r\n0\r\n%s\r\n" % (len(body), body, trailer)


FRAMING_CASES = {
    "trailers": (Reply(raw=b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                           b"Trailer: X-Sfzh\r\n\r\n" + _chunked(DOC, b"X-Sfzh: " + C.id_number.encode() + b"\r\n")),
                 ok(200)),
    "cl_and_te": (Reply(raw=b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n"
                            b"Transfer-Encoding: chunked\r\n\r\n" + _chunked(DOC)), refused("invalid_framing")),
    "two_lengths": (Reply(raw=b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                              b"Content-Length: 3\r\n\r\n{}"), refused("invalid_response")),
    "bad_status_line": (Reply(raw=b"HTTP/1.1 2000 OK\r\nContent-Type: text/plain\r\n\r\n" + C.id_number.encode()),
                        refused("upstream_bad_status")),
    "headers_20000": (Reply(200, [JSON_T] + [(f"X-H{i}", "v") for i in range(20000)], DOC),
                      refused("upstream_headers_too_large")),
    "head_2mib": (Reply(200, [JSON_T] + [(f"X-H{i}", "v" * 1000) for i in range(2100)], DOC),
                  refused("upstream_unavailable")),
    "headers_300": (Reply(200, [JSON_T] + [(f"X-H{i}", C.mobile) for i in range(300)], DOC),
                    refused("upstream_headers_too_large")),
    "header_70k": (Reply(200, [JSON_T, ("X-Big", "a" * 70_000)], DOC), refused("upstream_headers_too_large")),
    "chunked_gzip": (Reply(200, [JSON_T, ("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")],
                           _chunked(gzip.compress(DOC)), length=False), ok(200)),
    "read_until_close": (Reply(200, [JSON_T], DOC, length=False), ok(200)),
    "te_gzip_until_close": (Reply(200, [JSON_T, ("Transfer-Encoding", "gzip")], gzip.compress(DOC), length=False),
                            refused("invalid_utf8")),
}

# -- content types (labelled resource, unknown resource, public-declared resource) --------------------------------

def typed(content_type: str, body: bytes | str, status: int = 200) -> Reply:
    return Reply(status, [("Content-Type", content_type)], body.encode() if isinstance(body, str) else body)


CSV_HEAD = f"xm,sfzh,sjhm,yhkh\n{C.name},{C.id_number},{C.mobile},{C.card}\n"
CSV_NOHEAD = f"{C.name},{C.id_number},{C.mobile},{C.card}\n张伟,{C.id_number2},{C.mobile},{C.card}\n"
BODY_CASES = {
    "json": (typed("application/json", DOC), ok()),
    "ndjson": (typed("application/x-ndjson", DOC + b"\n" + DOC + b"\n"), ok()),
    "jsonp": (typed("application/javascript", b"/**/callback(" + DOC + b");"), ok()),
    "jsonp_two_statements": (typed("text/javascript", b"cb(" + DOC + b");alert(1)"), refused("invalid_jsonp")),
    "csv_header": (typed("text/csv; charset=utf-8", CSV_HEAD), ok()),
    "csv_no_header": (typed("text/csv", CSV_NOHEAD), ok()),
    "tsv": (typed("text/tab-separated-values", CSV_NOHEAD.replace(",", "\t")), ok()),
    "text": (typed("text/plain; charset=utf-8", SENTENCE), ok()),
    "text_gbk": (typed("text/plain; charset=gbk", SENTENCE.encode("gbk")), ok()),
    "html": (typed("text/html", f'<html><head><title>{C.id_number}</title></head><body><a href="/p?id='
                                f'{C.id_number2}" title="{C.mobile}">{SENTENCE}</a><!-- {C.card} -->'
                                f'<script>var m="{C.mobile}";</script><p>&#{ord(C.id_number[0])};'
                                f'{C.id_number[1:]}</p></body></html>'), ok()),
    "xml": (typed("application/xml", f'<?xml version="1.0" encoding="UTF-8"?><r><p sfzh="{C.id_number}">'
                                     f'<xm>{C.name}</xm><note>{SENTENCE}</note><![CDATA[{C.card}]]>'
                                     f'<!-- {C.mobile} --></p></r>'), ok()),
    "soap_xml": (typed("application/soap+xml", f"<e><b><sjhm>{C.mobile}</sjhm></b></e>"), ok()),
    "xml_dtd": (typed("application/xml", '<!DOCTYPE r [<!ENTITY a "x">]><r>&a;</r>'), refused("xml_dtd")),
    "xml_xxe": (typed("text/xml", '<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>'),
                refused("xml_dtd")),
    "xml_broken": (typed("application/xml", f"<r><a>{C.id_number}</r>"), refused("invalid_xml")),
    "sse": (typed("text/event-stream", f"id: {C.mobile}\nevent: upd\ndata: {DOC.decode()}\n\n: {C.card}\n"
                                       f"data: {SENTENCE}\ndata: {C.id_number2}\n\n"), ok()),
    "octet_stream": (typed("application/octet-stream", SENTENCE), refused("unsupported_content_type")),
    "pdf": (typed("application/pdf", b"%PDF-1.4 " + SENTENCE.encode()), refused("unsupported_content_type")),
    "png": (typed("image/png", b"\x89PNG\r\n\x1a\n" + SENTENCE.encode()), refused("unsupported_content_type")),
    "no_type_json": (Reply(200, [], DOC), ok()),
    "no_type_text": (Reply(200, [], SENTENCE.encode()), ok()),
    "text_markdown": (typed("text/markdown", f"# 申请人\n\n* {SENTENCE}"), ok()),
    "form_urlencoded": (typed("application/x-www-form-urlencoded", f"sfzh={C.id_number}"),
                        refused("unsupported_content_type")),
    "unknown_type": (typed("application/x-weird", SENTENCE), refused("unsupported_content_type")),
    "two_content_types": (Reply(200, [("Content-Type", "text/plain"), ("Content-Type", "application/pdf")],
                                SENTENCE.encode()), refused("unsupported_content_type")),
    "utf7_charset": (typed("text/html; charset=utf-7", "+ADw-p+AD4-" + C.id_number), refused("unsupported_charset")),
    "gzip_html": (Reply(200, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
                        gzip.compress(f"<p>{SENTENCE}</p>".encode())), ok()),
    "json_numbers": (typed("application/json", json.dumps({"a": int(C.mobile), "b": [int(C.card)]})), ok()),
    "json_odd_keys": (typed("application/json", json.dumps({"zzz": C.id_number, "list": [C.mobile, C.card],
                                                            C.id_number2: "key"}, ensure_ascii=False)), ok()),
}


# -- the raw client -----------------------------------------------------------------------------------------------

@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    raw: bytes

    def header(self, name: str) -> list[str]:
        return [v for n, v in self.headers if n.lower() == name.lower()]

    @property
    def names(self) -> set[str]:
        return {n.lower() for n, _ in self.headers}


def call(address, path: str, token: str, method: str = "GET", timeout: float = 20) -> Answer:
    """One request with `Connection: close`; every byte until the gateway closes the connection."""
    with socket.create_connection(address, timeout=timeout) as sock:
        sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer {token}\r\n"
                     f"Connection: close\r\n\r\n".encode())
        raw = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = [(n.strip(), v.strip()) for n, _, v in (line.partition(":") for line in lines[1:])]
    return Answer(status, headers, body, raw)


def leaks(answer: Answer, extra: tuple[str, ...] = ()) -> list[str]:
    """Every canary identifier in the bytes the caller got (head, body, anything after), plus `extra` strings."""
    found = [str(leak) for leak in find_identifiers(answer.raw)]
    text = answer.raw.decode("utf-8", "replace")
    found += [f"text:{s[:2]}…" for s in extra if s in text]
    return found
