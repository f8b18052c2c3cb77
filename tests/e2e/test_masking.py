"""End-to-end masking through real sockets: what another department receives from the gateway.

A real mitmproxy gateway on port 0 in front of the real demo department APIs (and, for the fail-closed
paths, a tiny misbehaving department server). Every response is compared with the same page fetched
directly from the provider, so the tests know the raw values they must not see.

Only one gateway runs at a time: mitmproxy hands every new connection in a process to its newest master
(`ctx.master`), so a second gateway would serve the first one's traffic. The read-only tests share one
class-scoped gateway per class (stopped when the class is done); the others use the function-scoped `gw`.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import re
import sys
import threading
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

import pytest


from tests.support.pii_scan import find_identifiers, identifier_kind  # noqa: E402
from tests.support.grants import PURPOSE, add_grant  # noqa: E402

from gateway.catalog import FieldClass, Share  # noqa: E402
from gateway.config import load_config  # noqa: E402
from gateway.demo.data import COMPOUND_SURNAMES  # noqa: E402
from tests.conftest import GatewayClient, make_config  # noqa: E402

PAGE_SIZE = 25
# Who reads each shareable resource without being its provider, and for what purpose (None: no grant).
READERS: dict[str, tuple[str, str | None]] = {
    "SCJG-QY-0001": ("MZ", None),  # unconditional
    "RS-RL-0001": ("GA", None),  # unconditional
    "GA-RK-0001": ("MZ", PURPOSE),  # conditional: a grant revealing no field
    "SCJG-NB-0001": ("GA", "涉案企业经营状况核查"),
    "MZ-DB-0001": ("GA", "救助对象身份核查"),
    "SCJG-CW-0001": ("GA", "涉案企业经营状况核查"),  # a financial table: item/amount rows, yearly pinyin figures
    "MZ-HJ-0001": ("GA", "救助对象身份核查"),  # a table: a header row, then rows
}
# Resources not served as a list of flat records (checked by test_table_shaped_resources_...).
TABLE_SHAPED = ("MZ-HJ-0001", "SCJG-CW-0001")
PROTECTED = (FieldClass.PERSONAL, FieldClass.SENSITIVE)


# -- gateways ------------------------------------------------------------------------------------------------

def start_gateway(tmp: Path, upstreams, urls: dict[str, str] | None = None,
                  masking: dict | None = None) -> GatewayClient:
    """A gateway on port 0 with the demo catalog (upstreams at `urls`) and optional [masking] settings."""
    from addons.runner import Gateway
    from gateway.services import Services

    config = make_config(tmp, urls or upstreams.urls)
    if masking:
        with open(config.source, "a", encoding="utf-8") as f:
            f.write("[masking]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in masking.items()))
        config = load_config(config.source)
    services = Services.open(config)
    try:
        gateway = Gateway(config, services).start()
    except BaseException:
        services.close()
        raise
    return GatewayClient(gateway, services, config, upstreams)


def stop_gateway(client: GatewayClient) -> None:
    client.gateway.stop()
    client.services.close()


def grant_readers(client: GatewayClient) -> None:
    """Every conditional reader in READERS gets a grant for its purpose that reveals no field."""
    for code, (dept, purpose) in READERS.items():
        if purpose is not None:
            add_grant(client, dept=dept, resource=code, purpose=purpose)
    client.services.reload()


@pytest.fixture(scope="class")
def reader(tmp_path_factory, demo_upstreams):
    """A gateway whose readers hold grants revealing no field (the tests using it change nothing)."""
    client = start_gateway(tmp_path_factory.mktemp("reader"), demo_upstreams)
    grant_readers(client)
    yield client
    stop_gateway(client)


# -- helpers -------------------------------------------------------------------------------------------------

def resource(gw, code: str):
    res = gw.services.catalog.current.resource(code)
    assert res is not None, code
    return res


def upstream_get(gw, code: str, query: str = "", headers: dict | None = None) -> tuple[int, dict, bytes]:
    """The provider's own answer, fetched directly (the raw values the gateway must mask)."""
    url = resource(gw, code).upstream + (f"?{query}" if query else "")
    req = urllib.request.Request(url, headers={"Accept-Encoding": "identity", **(headers or {})})
    with urllib.request.urlopen(req, timeout=20) as r:
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()


def upstream_json(gw, code: str, query: str = "") -> dict:
    status, _, body = upstream_get(gw, code, query)
    assert status == 200
    return json.loads(body)


_READER_PURPOSE = object()


def read_as(gw, code: str, query: str = "", dept: str | None = None, purpose=_READER_PURPOSE,
            headers: dict | None = None):
    """GET a resource through the gateway as `dept` (default: its reader in READERS) stating `purpose`."""
    default_dept, default_purpose = READERS.get(code, (None, None))
    purpose = default_purpose if purpose is _READER_PURPOSE else purpose
    path = resource(gw, code).path + (f"?{query}" if query else "")
    return gw.get(path, dept=dept or default_dept, purpose=purpose, headers=headers)


def pages(total: int, size: int = PAGE_SIZE) -> list[int]:
    return list(range(1, (total + size - 1) // size + 1))


def assert_no_identifiers(body: bytes, what: str = "response") -> None:
    leaks = find_identifiers(body)
    assert not leaks, f"{what} carries {len(leaks)} valid identifier(s): {', '.join(map(str, leaks[:5]))}"


def person_names(res, records: list[dict]) -> set[str]:
    names = [f.name for f in res.fields if f.entity == "PERSON"]
    return {r[n] for r in records for n in names if isinstance(r.get(n), str) and len(r[n]) >= 2}


# -- the civil-affairs remarks: templates of the demo data and their masked forms ------------------------------

_RELATION = "(?:配偶|儿子|女儿|父亲|母亲|兄弟|姐妹)"
_NAME = r"[\u4e00-\u9fff]{2,4}?"
_MOBILE = r"(?:\+86 )?1[3-9]\d(?:[- ]?\d{4}){2}"
_YM = r"\d{4}年\d{1,2}月"
# The case workers' remark templates (gateway/demo/data.py::_remark); the groups are the personal data.
REMARKS: dict[str, str] = {
    "applicant_phone": rf"申请人(?P<name_a>{_NAME})于{_YM}提交材料，联系电话(?P<mobile_a>{_MOBILE})，已核验。",
    "family_member_id":
        rf"家庭成员(?P<name_a>{_NAME})（{_RELATION}，身份证号(?P<id_a>\d{{17}}[\dX])）与申请人共同生活，收入已核查。",
    "home_visit_address": rf"{_YM}入户调查，现住(?P<address_a>[^，]+)，经社区公示无异议。",
    "old_bank_card": rf"原银行卡(?P<card_a>\d{{16,19}})已挂失，自{_YM}起改发至新卡。",
    "collector": rf"代领人(?P<name_a>{_NAME})（{_RELATION}），联系电话(?P<mobile_a>{_MOBILE})。",
    "hospital_relative":
        rf"申请人(?P<name_a>{_NAME})因病住院，{_RELATION}(?P<name_b>{_NAME})电话(?P<mobile_a>{_MOBILE})，已转介临时救助。",
    "community_landline": rf"社区联系人座机(?P<landline_a>0\d{{2,3}}-\d{{7,8}})，已按月发放。",
    "no_personal_data": r"(?:按月发放。|材料齐全，已核验。|年度复核通过。|经社区公示无异议。|)",
}
_ADDRESS_STOPS = ("区", "县", "路", "街", "道", "巷", "弄")


def _masked_name(name: str) -> str:
    keep = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    return re.escape(name[:keep] + "*" * (len(name) - keep))


def _masked_mobile(written: str) -> str:
    """The first three and last four digits kept, separators and a +86 prefix kept in place."""
    prefix = "+86 " if written.startswith("+86 ") else ""
    out, digit = [], 0
    for ch in written[len(prefix):]:
        if ch.isdigit():
            out.append(ch if digit < 3 or digit >= 7 else "*")
            digit += 1
        else:
            out.append(ch)
    return re.escape(prefix + "".join(out))


def expected_masked_remark(m: re.Match) -> re.Pattern:
    """The raw sentence with each personal span replaced by its masked form and nothing else changed."""
    raw, parts, pos = m.string, [], 0
    for start, end, group in sorted((m.start(g), m.end(g), g) for g in m.groupdict() if m.group(g) is not None):
        parts.append(re.escape(raw[pos:start]))
        value, entity = raw[start:end], group.split("_")[0]
        if entity == "name":
            parts.append(_masked_name(value))
        elif entity == "mobile":
            parts.append(_masked_mobile(value))
        elif entity == "id":
            parts.append(re.escape(value[:6] + "*" * 8 + value[-4:]))
        elif entity == "card":
            parts.append(re.escape("*" * (len(value) - 4) + value[-4:]))
        elif entity == "landline":
            area, local = value.split("-")
            parts.append(re.escape(f"{area}-{'*' * (len(local) - 4)}{local[-4:]}"))
        elif entity == "address":  # kept down to the street; no number, building or room after it
            parts.append(r"(?P<kept>[^\d*]+)\*+")
        pos = end
    parts.append(re.escape(raw[pos:]))
    return re.compile("".join(parts))


# -- 1, 3, 4, 5: one gateway, read by other departments and by the providers --------------------------------------

class TestReadThroughTheGateway:
    @pytest.fixture(scope="class")
    @classmethod
    def remarks(cls, reader) -> list[tuple[str, str]]:
        """(raw, masked) remark of every civil-affairs record, as the public-security bureau receives it."""
        pairs = []
        total = upstream_json(reader, "MZ-DB-0001", "size=1")["data"]["total"]
        for page in pages(total, 100):
            query = f"page={page}&size=100"
            raw = upstream_json(reader, "MZ-DB-0001", query)["data"]["items"]
            r = read_as(reader, "MZ-DB-0001", query)
            assert r.status == 200, r.body[:200]
            masked = r.json()["data"]["items"]
            assert len(masked) == len(raw)
            pairs += [(o["bz"], m["bz"]) for o, m in zip(raw, masked)]
        assert len(pairs) == total
        return pairs

    def test_every_shareable_resource_has_a_reader_here(self, reader):
        resources = reader.services.catalog.current.resources
        assert {code for code, r in resources.items() if r.share is not Share.NONE} == set(READERS)

    @pytest.mark.parametrize("code", sorted(set(READERS) - set(TABLE_SHAPED)))
    def test_another_department_gets_every_page_masked(self, reader, code):
        gw, res = reader, resource(reader, code)
        rules = gw.services.masker.rules
        removed = {f.name for f in res.fields if f.klass is FieldClass.TRADE_SECRET}
        protected = {f.name for f in res.fields if f.klass in PROTECTED}
        free_text = {f.name for f in res.fields if f.entity == "FREE_TEXT"}
        public_plain = {f.name for f in res.fields if f.klass is FieldClass.PUBLIC
                        and (f.entity is None or rules.is_public_entity(f.entity))}
        total = upstream_json(gw, code, "size=1")["data"]["total"]
        numbered = pages(total)
        assert len(numbered) >= 2, "several pages"
        problems: list[str] = []
        seen = 0
        for page in numbered:
            query = f"page={page}&size={PAGE_SIZE}"
            raw = upstream_json(gw, code, query)
            r = read_as(gw, code, query)
            assert r.status == 200, r.body[:200]
            assert_no_identifiers(r.body, f"{code} page {page}")
            doc = r.json()
            assert {k: v for k, v in doc.items() if k != "data"} == {k: v for k, v in raw.items() if k != "data"}
            assert {k: v for k, v in doc["data"].items() if k != "items"} == \
                   {k: v for k, v in raw["data"].items() if k != "items"}
            items, raw_items = doc["data"]["items"], raw["data"]["items"]
            assert len(items) == len(raw_items) > 0
            names = person_names(res, raw_items)
            for i, (masked, orig) in enumerate(zip(items, raw_items)):
                at = f"page {page} item {i}"
                assert removed <= set(orig)
                assert set(orig) - set(masked) == removed, f"{at}: exactly the trade-secret keys are removed"
                assert set(masked) <= set(orig)
                for name in sorted(public_plain):
                    if identifier_kind(orig[name]) is not None:  # an all-digit USCC that is also a valid card
                        if masked[name] == orig[name]:
                            problems.append(f"{at}: public {name} that is also a card number left plain")
                    elif masked[name] != orig[name]:
                        problems.append(f"{at}: public {name} changed to {masked[name]!r}")
                for name in sorted(protected):
                    if orig[name] not in (None, "") and masked[name] == orig[name]:
                        problems.append(f"{at}: {name} left plain")
                for name in sorted(protected | free_text):
                    value = masked.get(name)
                    if isinstance(value, str) and any(n in value for n in names):
                        problems.append(f"{at}: a raw name is in {name}: {value!r}")
            seen += len(items)
        assert seen == total
        assert problems == [], f"{len(problems)} problem(s): {problems[:10]}"

    def test_a_header_row_table_is_masked_column_by_column(self, reader):
        code = "MZ-HJ-0001"
        total = upstream_json(reader, code, "size=1")["data"]["total"]
        seen = 0
        for page in pages(total):
            query = f"page={page}&size={PAGE_SIZE}"
            raw = upstream_json(reader, code, query)["data"]["items"]
            r = read_as(reader, code, query)
            assert r.status == 200, r.body[:200]
            assert_no_identifiers(r.body, f"{code} page {page}")
            items = r.json()["data"]["items"]
            assert items[0] == raw[0] == ["姓名", "与户主关系", "公民身份号码", "联系电话", "现住址", "备注"]
            names = {row[0] for row in raw[1:]}
            for masked, orig in zip(items[1:], raw[1:]):
                assert masked[1] == orig[1]  # the relation is internal: plain
                assert all(masked[i] != orig[i] for i in (0, 2, 3, 4))  # name, ID, mobile, address
                assert masked[4].startswith(orig[4][:6]) and "*" in masked[4]  # kept down to the street
                assert not any(n in masked[5] for n in names), masked[5]  # names in the remark masked
            seen += len(items) - 1
        assert seen == total

    def test_a_financial_table_gives_up_no_figure(self, reader):
        code = "SCJG-CW-0001"
        query = f"page=1&size={PAGE_SIZE}"
        raw = upstream_json(reader, code, query)["data"]["items"]
        r = read_as(reader, code, query)
        assert r.status == 200, r.body[:200]
        items = r.json()["data"]["items"]
        assert len(items) == len(raw) > 0
        for masked, orig in zip(items, raw):
            for key in ("tyshxydm", "qymc", "bbnd", "cyrs"):
                assert masked[key] == orig[key]  # labelled public/internal: plain
            assert [row["xm"] for row in masked["cwbb"]] == [row["xm"] for row in orig["cwbb"]]  # row labels
            assert [row["nd"] for row in masked["lnsj"]] == [row["nd"] for row in orig["lnsj"]]  # years
            figures = [row.get(k) for row in masked["cwbb"] for k in ("bnje", "snje")]
            figures += [row.get(k) for row in masked["lnsj"] for k in ("yysr", "lrze", "nsze")]
            assert figures == [None] * len(figures)  # every amount, by shape or by pinyin key, removed

    @pytest.mark.parametrize("dept,code", [("GA", "GA-RK-0001"), ("GA", "GA-ZT-0001"), ("MZ", "MZ-DB-0001"),
                                           ("SCJG", "SCJG-NB-0001"), ("SCJG", "SCJG-QY-0001"),
                                           ("RS", "RS-RL-0001"), ("MZ", "MZ-HJ-0001")])
    def test_the_providing_department_reads_its_own_resource_unmasked(self, reader, dept, code):
        for page in (1, 2):
            query = f"page={page}&size={PAGE_SIZE}"
            r = read_as(reader, code, query, dept=dept, purpose=None)
            assert r.status == 200, r.body[:200]
            assert r.json() == upstream_json(reader, code, query)

    def test_every_remark_follows_a_known_template(self, remarks):
        unknown = [raw for raw, _ in remarks if not any(re.fullmatch(p, raw) for p in REMARKS.values())]
        assert unknown == []

    @pytest.mark.parametrize("kind", sorted(REMARKS))
    def test_free_text_remarks_are_masked_span_by_span(self, remarks, kind):
        template = re.compile(REMARKS[kind])
        checked, wrong = 0, []
        for raw, masked in remarks:
            m = template.fullmatch(raw)
            if m is None:
                continue
            checked += 1
            expected = expected_masked_remark(m).fullmatch(masked)
            ok = expected is not None
            if ok and "kept" in expected.groupdict():
                kept = expected.group("kept")
                ok = m.group("address_a").startswith(kept) and kept.endswith(_ADDRESS_STOPS)
            if not ok or find_identifiers(masked):
                wrong.append(masked)
        assert checked > 0, f"no remark of kind {kind} in the demo data"
        assert wrong == [], f"{len(wrong)} of {checked} {kind} remarks not masked span by span: {wrong[:8]}"

    @pytest.mark.parametrize("code", ["MZ-DB-0001", "GA-RK-0001", "SCJG-QY-0001"])
    def test_gzip_bodies_are_decoded_masked_and_reencoded(self, reader, code):
        query = "page=3&size=40"
        status, headers, _ = upstream_get(reader, code, query, {"Accept-Encoding": "gzip"})
        assert status == 200 and headers.get("content-encoding") == "gzip"  # the provider really compresses
        provider = resource(reader, code).provider
        reader.upstreams.clear(provider)
        r = read_as(reader, code, query, headers={"Accept-Encoding": "gzip"})
        assert r.status == 200, r.body[:200]
        (seen,) = reader.upstreams.requests(provider)
        assert "gzip" in seen.headers.get("accept-encoding", "")
        assert r.headers.get("content-encoding") == "gzip"
        assert int(r.headers["content-length"]) == len(r.body)
        assert_no_identifiers(r.body, "compressed bytes")
        plain = gzip.decompress(r.body)
        assert_no_identifiers(plain, "decompressed body")
        identity = read_as(reader, code, query)
        assert identity.status == 200 and "content-encoding" not in identity.headers
        assert json.loads(plain) == identity.json()


# -- 2. grants that reveal or pseudonymise named fields ------------------------------------------------------

def test_a_grant_reveals_exactly_the_fields_it_names(gw):
    add_grant(gw, dept="MZ", resource="GA-RK-0001", fields=("xm",))
    gw.services.reload()
    res = resource(gw, "GA-RK-0001")
    others = {f.name for f in res.fields if f.klass in PROTECTED} - {"xm"}
    assert others
    for page in (1, 2):
        query = f"page={page}&size={PAGE_SIZE}"
        raw_items = upstream_json(gw, "GA-RK-0001", query)["data"]["items"]
        r = read_as(gw, "GA-RK-0001", query)
        assert r.status == 200, r.body[:200]
        assert_no_identifiers(r.body)
        items = r.json()["data"]["items"]
        assert len(items) == len(raw_items) == PAGE_SIZE
        for masked, orig in zip(items, raw_items):
            assert masked["xm"] == orig["xm"]
            for name in others:
                assert masked[name] != orig[name], f"{name} revealed without a grant for it"


def _pseudonyms(gw, dept: str, purpose: str, query: str) -> list[str]:
    r = read_as(gw, "GA-RK-0001", query, dept=dept, purpose=purpose)
    assert r.status == 200, r.body[:200]
    assert_no_identifiers(r.body)
    return [item["sfzh"] for item in r.json()["data"]["items"]]


def test_pseudonyms_are_stable_per_grant_and_differ_between_departments(gw):
    add_grant(gw, dept="MZ", resource="GA-RK-0001", pseudonym_fields=("sfzh",))
    add_grant(gw, dept="RS", resource="GA-RK-0001", purpose="就业补贴资格审核", pseudonym_fields=("sfzh",))
    gw.services.reload()
    query = f"page=2&size={PAGE_SIZE}"
    raw_ids = [item["sfzh"] for item in upstream_json(gw, "GA-RK-0001", query)["data"]["items"]]
    first = _pseudonyms(gw, "MZ", PURPOSE, query)
    again = _pseudonyms(gw, "MZ", PURPOSE, query)
    other = _pseudonyms(gw, "RS", "就业补贴资格审核", query)
    assert first == again
    assert len(set(first)) == len(first) == len(raw_ids)  # one pseudonym per person: records still join
    for token, raw_id in zip(first, raw_ids):
        assert token != raw_id and raw_id not in token and raw_id[6:14] not in token
    assert all(a != b for a, b in zip(first, other))
    assert not set(first) & set(other)
    # the same person, read by id in another call, gets the same pseudonym
    r = gw.get(f"{resource(gw, 'GA-RK-0001').path}/{raw_ids[3]}", dept="MZ", purpose=PURPOSE)
    assert r.status == 200, r.body[:200]
    assert r.json()["data"]["sfzh"] == first[3]


# -- 6. `govshare mask` gives what the gateway gives ---------------------------------------------------------------

@pytest.mark.parametrize("code,dept,purpose,fields,pseudonyms", [
    ("MZ-DB-0001", "GA", "救助对象身份核查", ("xm",), ("sfzh",)),
    ("GA-RK-0001", "MZ", PURPOSE, (), ()),
    ("SCJG-QY-0001", "MZ", None, None, None),
    ("MZ-HJ-0001", "GA", "救助对象身份核查", ("姓名",), ("公民身份号码",)),
    ("SCJG-CW-0001", "GA", "涉案企业经营状况核查", (), ()),
])
def test_the_cli_masks_a_file_exactly_as_the_gateway(gw, tmp_path, capsysbinary, code, dept, purpose, fields,
                                                    pseudonyms):
    if fields is not None:
        add_grant(gw, dept=dept, resource=code, purpose=purpose, fields=fields, pseudonym_fields=pseudonyms)
        gw.services.reload()
    query = "page=2&size=30"
    _, _, raw = upstream_get(gw, code, query)
    r = read_as(gw, code, query, dept=dept, purpose=purpose)  # the token's app is "test-app"
    assert r.status == 200, r.body[:200]
    body_file = tmp_path / "page.json"
    body_file.write_bytes(raw)
    capsysbinary.readouterr()
    argv = ["mask", "--resource", code, "--dept", dept, "--app", "test-app"]
    if purpose:
        argv += ["--purpose", purpose]
    assert gw.cli(*argv, str(body_file)) == 0
    out = capsysbinary.readouterr().out
    assert json.loads(out) == r.json()
    assert json.loads(out) != json.loads(raw)


# -- 7. fail closed: a body the gateway cannot mask is never forwarded ---------------------------------------------

ID_NUMBER = "11010519491231002X"
MOBILE = "13912345678"
MAX_BODY = 4_000_000  # [masking] max_body_bytes of the gateway in front of the misbehaving department


@dataclass
class BadReply:
    status: int = 200
    headers: dict = field(default_factory=dict)
    body: bytes = b""


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """The gateway hanging up on a body it refuses is expected; anything else keeps its traceback."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class BadDepartment:
    """A department API on 127.0.0.1 that answers whatever the test sets, and counts its calls."""

    def __init__(self):
        self.reply = BadReply()
        self.calls = 0
        department = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802 - stdlib naming
                department.calls += 1
                reply = department.reply
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def _doc(**extra) -> bytes:
    record = {"xm": "杨秀兰", "sfzh": ID_NUMBER, "bz": f"联系电话{MOBILE}", **extra}
    return json.dumps({"code": 0, "data": {"items": [record], "page": 1, "size": 1, "total": 1}},
                      ensure_ascii=False).encode()


def _nested(depth: int) -> bytes:
    return ('{"a":' * depth + json.dumps({"sfzh": ID_NUMBER}) + "}" * depth).encode()


JSON = {"Content-Type": "application/json; charset=utf-8"}
GZIP = {**JSON, "Content-Encoding": "gzip"}
# case: (response headers, body factory, the reason code the caller must get with its 502)
FAIL_CLOSED: dict[str, tuple[dict, Callable[[], bytes], str]] = {
    "unknown_encoding": ({**JSON, "Content-Encoding": "x-custom"}, _doc, "unsupported_encoding"),
    "compress_encoding": ({**JSON, "Content-Encoding": "compress"}, _doc, "unsupported_encoding"),
    "chained_gzip": ({**JSON, "Content-Encoding": "gzip, gzip"}, lambda: gzip.compress(gzip.compress(_doc())),
                     "chained_encoding"),
    "gzip_label_on_plain_bytes": (GZIP, _doc, "corrupt_encoding"),
    "truncated_gzip": (GZIP, lambda: gzip.compress(_doc() * 50)[:-40], "corrupt_encoding"),
    "gzip_bomb": (GZIP, lambda: gzip.compress(_doc(pad=" " * (24 * 1024 * 1024)), 9), "compression_ratio"),
    "gzip_over_the_size_cap": (GZIP, lambda: gzip.compress(_doc(pad=os.urandom(MAX_BODY // 2 + 50_000).hex()), 1),
                               "decompressed_too_large"),
    "identity_over_the_size_cap": (JSON, lambda: _doc(pad="0" * (MAX_BODY + 1000)), "upstream_too_large"),
    "invalid_utf8": (JSON, lambda: _doc().replace("杨秀兰".encode(), b"\xff\xfe\xfd"), "invalid_utf8"),
    "invalid_json": (JSON, lambda: _doc()[:-3], "invalid_json"),
    "nesting_deeper_than_max_depth": (JSON, lambda: _nested(100), "too_deep"),
    "nesting_deeper_than_the_parser": (JSON, lambda: _nested(200_000), "too_deep"),
    "image_png": ({"Content-Type": "image/png"}, lambda: b"\x89PNG\r\n\x1a\n" + _doc(), "unsupported_content_type"),
    "octet_stream": ({"Content-Type": "application/octet-stream"}, _doc, "unsupported_content_type"),
    "unsupported_charset": ({"Content-Type": "text/plain; charset=iso-8859-1"},
                            lambda: f"sfzh {ID_NUMBER}".encode(), "unsupported_charset"),
}


def assert_released_nothing(r, reason: str) -> None:
    """A 502 JSON deny with `reason` and not one byte of the provider's body."""
    assert r.status == 502, (r.status, r.body[:300])
    doc = r.json()
    assert doc["error"] == reason
    assert set(doc) == {"error", "status", "message", "request_id"}
    assert doc["request_id"] == r.headers["x-request-id"]
    assert "content-encoding" not in r.headers
    assert int(r.headers["content-length"]) == len(r.body) < 1000
    for secret in (ID_NUMBER, ID_NUMBER[:6], ID_NUMBER[-6:], MOBILE, "杨秀兰", "sfzh", "xm"):
        assert secret.encode() not in r.body


class TestFailClosed:
    @pytest.fixture(scope="class")
    @classmethod
    def bad(cls, tmp_path_factory, demo_upstreams):
        """A gateway whose civil-affairs upstream misbehaves; the public-security bureau holds a grant."""
        department = BadDepartment()
        try:
            urls = dict(demo_upstreams.urls, MZ=department.url)
            client = start_gateway(tmp_path_factory.mktemp("bad"), demo_upstreams, urls,
                                   masking={"max_body_bytes": MAX_BODY})
        except BaseException:
            department.close()
            raise
        grant_readers(client)
        assert urlsplit(resource(client, "MZ-DB-0001").upstream).netloc == urlsplit(department.url).netloc
        yield client, department
        stop_gateway(client)
        department.close()

    @pytest.mark.parametrize("case", sorted(FAIL_CLOSED))
    def test_a_body_that_cannot_be_masked_is_a_502_with_its_reason(self, bad, case):
        gw, department = bad
        headers, make_body, reason = FAIL_CLOSED[case]
        department.reply = BadReply(200, headers, make_body())
        before = department.calls
        r = read_as(gw, "MZ-DB-0001", "size=1")
        assert department.calls == before + 1  # the provider answered: it is its body that was refused
        assert_released_nothing(r, reason)
        from gateway.audit import Filters, iter_rows
        (row,) = iter_rows(gw.services.engine, gw.config.data_dir, Filters(request_id=r.headers["x-request-id"]))
        assert (row.record["status"], row.record["reason"], row.record["decision"]) == (502, reason, "deny")

    def test_a_plain_text_body_comes_back_masked(self, bad):
        gw, department = bad
        text = f"申请人杨秀兰，身份证号{ID_NUMBER}，联系电话{MOBILE}，已核验。"
        department.reply = BadReply(200, {"Content-Type": "text/plain; charset=utf-8"}, text.encode())
        r = read_as(gw, "MZ-DB-0001", "size=1")
        assert r.status == 200, r.body[:200]
        assert r.headers["content-type"].startswith("text/plain")
        assert_no_identifiers(r.body)
        assert r.body.decode() == "申请人杨**，身份证号110105********002X，联系电话139****5678，已核验。"

    def test_a_body_without_content_type_is_sniffed_and_masked(self, bad):
        gw, department = bad
        department.reply = BadReply(200, {}, _doc())
        r = read_as(gw, "MZ-DB-0001", "size=1")
        assert r.status == 200, r.body[:200]
        assert_no_identifiers(r.body)
        (item,) = r.json()["data"]["items"]
        assert item["sfzh"] == "110105********002X" and item["xm"] == "杨**"
        assert item["bz"] == "联系电话139****5678"


# -- 8. streaming can never let a body skip masking ----------------------------------------------------------------

def on_gateway_loop(gw, fn):
    """Run `fn()` on the gateway's event loop (where mitmproxy's options must be changed); its result."""
    async def call():
        return fn()

    return asyncio.run_coroutine_threadsafe(call(), gw.gateway._holder["loop"]).result(10)


def test_stream_large_bodies_stays_off_and_large_bodies_are_masked(gw):
    master = gw.gateway._holder["master"]
    assert master.options.stream_large_bodies is None

    def turn_streaming_on():
        master.options.update(stream_large_bodies="1")
        return master.options.stream_large_bodies

    assert on_gateway_loop(gw, turn_streaming_on) is None  # the bootstrap addon forces it off again
    assert master.options.stream_large_bodies is None
    grant_readers(gw)
    query = "page=1&size=100"
    raw_items = upstream_json(gw, "MZ-DB-0001", query)["data"]["items"]
    r = read_as(gw, "MZ-DB-0001", query)
    assert r.status == 200, r.body[:200]
    assert len(r.body) > 10_000
    assert_no_identifiers(r.body)
    items = r.json()["data"]["items"]
    assert len(items) == len(raw_items) == 100
    assert all(m["sfzh"] != o["sfzh"] and m["yhkh"] != o["yhkh"] for m, o in zip(items, raw_items))
