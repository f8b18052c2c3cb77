"""Tests for gateway.demo.upstreams over real loopback sockets: pagination, one record, errors, header ring."""

from __future__ import annotations

import gzip
import http.client
import json
import socket
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.demo.data import demo_data
from gateway.demo.upstreams import (
    DEPARTMENT_APIS, MAX_PAGE_SIZE, ReceivedRequest, RequestLog, ephemeral_ports, start_demo_upstreams,
)

DATA = demo_data()


@pytest.fixture(scope="module")
def ups():
    running = start_demo_upstreams(ports=ephemeral_ports())
    yield running
    running.close()


def call(url: str, target: str, method: str = "GET", headers: dict | None = None, body: bytes | None = None):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        resp = conn.getresponse()
        raw = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, raw
    finally:
        conn.close()


def get_json(url: str, target: str, **kw):
    status, headers, raw = call(url, target, **kw)
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert int(headers["content-length"]) == len(raw)
    return status, json.loads(raw)


def test_every_department_listens_on_loopback(ups):
    assert set(ups.urls) == set(DEPARTMENT_APIS)
    for url in ups.urls.values():
        parts = urlsplit(url)
        assert parts.scheme == "http" and parts.hostname == "127.0.0.1" and parts.port > 0
    assert len(set(ups.urls.values())) == 4


def test_pagination_walks_the_whole_collection(ups):
    seen = []
    page = 1
    while True:
        status, doc = get_json(ups.urls["GA"], f"/api/v1/persons?page={page}&size=70")
        assert status == 200 and doc["code"] == 0
        data = doc["data"]
        assert (data["page"], data["size"], data["total"]) == (page, 70, 300)
        if not data["items"]:
            break
        seen += data["items"]
        page += 1
    assert page == 6  # 70+70+70+70+20, then an empty page
    assert seen == [dict(r) for r in DATA.persons.records]


def test_default_page_and_size(ups):
    status, doc = get_json(ups.urls["SCJG"], "/api/v2/enterprises")
    assert status == 200
    assert (doc["data"]["page"], doc["data"]["size"], doc["data"]["total"]) == (1, 20, 300)
    assert [i["tyshxydm"] for i in doc["data"]["items"]] == [r["tyshxydm"] for r in DATA.enterprises.records[:20]]


def test_size_is_capped_at_100(ups):
    status, doc = get_json(ups.urls["MZ"], "/service/dibao/recipients?size=1000")
    assert status == 200 and doc["data"]["size"] == MAX_PAGE_SIZE and len(doc["data"]["items"]) == 100


@pytest.mark.parametrize("query", ["page=0", "size=0", "page=-1", "page=abc", "size=1.5", "page="])
def test_bad_paging_parameters_are_400(ups, query):
    status, doc = get_json(ups.urls["GA"], f"/api/v1/persons?{query}")
    assert status == 400 and doc["code"] == 400 and doc["data"] is None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(page=st.integers(1, 20), size=st.integers(1, 120))
def test_any_page_is_the_matching_slice(ups, page, size):
    status, doc = get_json(ups.urls["RS"], f"/api/hr-agencies?page={page}&size={size}")
    effective = min(size, 100)
    records = DATA.hr_agencies.records
    assert status == 200
    assert doc["data"]["items"] == [dict(r) for r in records[(page - 1) * effective: page * effective]]


def test_one_record_by_id(ups):
    person = DATA.persons.records[123]
    status, doc = get_json(ups.urls["GA"], f"/api/v1/persons/{person['sfzh']}")
    assert status == 200 and doc == {"code": 0, "message": "success", "data": dict(person)}
    company = DATA.annual_reports.records[7]
    status, doc = get_json(ups.urls["SCJG"], f"/api/v2/annual-reports/{quote(company['tyshxydm'])}")
    assert status == 200 and doc["data"] == dict(company)
    fugitive = DATA.fugitives.records[0]
    status, doc = get_json(ups.urls["GA"], f"/api/v1/fugitives/{fugitive['ztrybh']}?page=3")
    assert status == 200 and doc["data"]["ztrybh"] == fugitive["ztrybh"]


@pytest.mark.parametrize("dept, target", [
    ("GA", "/api/v1/persons/110105194912310021"),  # valid-looking ID, not in the register
    ("GA", "/api/v1/persons/"),
    ("GA", "/api/v1/persons/1/2"),
    ("GA", "/api/v1/personsX"),
    ("GA", "/api/v1/persons/../fugitives"),  # no path normalisation: dot segments are not resolved
    ("GA", "/api/v2/enterprises"),  # another department's collection
    ("SCJG", "/"),
    ("MZ", "/service/dibao"),
])
def test_unknown_targets_are_json_404(ups, dept, target):
    status, doc = get_json(ups.urls[dept], target)
    assert status == 404 and doc["code"] == 404 and doc["data"] is None


def test_writes_are_refused_and_recorded(ups):
    ups.clear("MZ")
    status, headers, raw = call(ups.urls["MZ"], "/service/dibao/recipients", method="POST",
                                headers={"Content-Type": "application/json"}, body=b'{"xm": "x"}')
    assert status == 405 and headers["allow"] == "GET" and json.loads(raw)["code"] == 405
    [req] = ups.requests("MZ")
    assert req.method == "POST" and req.target == "/service/dibao/recipients"


def test_headers_are_recorded_per_department(ups):
    ups.clear()
    call(ups.urls["GA"], "/api/v1/persons?size=1",
         headers={"X-Govshare-Dept": "MZ", "X-Govshare-App": "dibao-check", "X-Request-Id": "r-1"})
    call(ups.urls["GA"], "/api/v1/fugitives?size=1", headers={"Authorization": "Bearer abc.def.ghi"})
    first, second = ups.received("GA")
    assert first["x-govshare-dept"] == "MZ" and first["x-govshare-app"] == "dibao-check"
    assert first["x-request-id"] == "r-1" and first["host"].startswith("127.0.0.1:")
    assert "authorization" not in first
    assert second["authorization"] == "Bearer abc.def.ghi"
    assert [r.target for r in ups.requests("GA")] == ["/api/v1/persons?size=1", "/api/v1/fugitives?size=1"]
    assert ups.received("SCJG") == [] and ups.received("MZ") == [] and ups.received("RS") == []
    ups.clear("GA")
    assert ups.received("GA") == []


def test_repeated_headers_are_joined(ups):
    ups.clear("RS")
    parts = urlsplit(ups.urls["RS"])
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(b"GET /api/hr-agencies?size=1 HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.0.0.1\r\n"
                     b"x-forwarded-for: 10.0.0.2\r\nConnection: close\r\n\r\n")
        while sock.recv(65536):
            pass
    [headers] = ups.received("RS")
    assert headers["x-forwarded-for"] == "10.0.0.1, 10.0.0.2"


def test_request_log_is_a_bounded_ring():
    log = RequestLog(size=3)
    for i in range(5):
        log.add(ReceivedRequest("GET", f"/{i}", {}))
    assert [r.target for r in log.snapshot()] == ["/2", "/3", "/4"]
    log.clear()
    assert log.snapshot() == []


def test_gzip_only_when_accepted(ups):
    status, headers, raw = call(ups.urls["SCJG"], "/api/v2/enterprises?size=50", headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert json.loads(gzip.decompress(raw))["data"]["items"][0]["tyshxydm"] == DATA.enterprises.records[0]["tyshxydm"]
    status, headers, raw = call(ups.urls["SCJG"], "/api/v2/enterprises?size=50",
                                headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in headers and json.loads(raw)["data"]["total"] == 300


def test_compression_can_be_turned_off():
    with start_demo_upstreams(ports={"RS": 0}, compress=False) as only_rs:
        assert set(only_rs.urls) == {"RS"}
        status, headers, raw = call(only_rs.urls["RS"], "/api/hr-agencies?size=100",
                                    headers={"Accept-Encoding": "gzip"})
        assert status == 200 and "content-encoding" not in headers and len(json.loads(raw)["data"]["items"]) == 40


def test_keep_alive_serves_several_requests_on_one_connection(ups):
    parts = urlsplit(ups.urls["GA"])
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        for page in (1, 2, 3):
            conn.request("GET", f"/api/v1/persons?page={page}&size=5")
            resp = conn.getresponse()
            assert resp.status == 200 and json.loads(resp.read())["data"]["page"] == page
        sock = conn.sock
        conn.request("GET", "/api/v1/persons/none")
        resp = conn.getresponse()
        assert resp.status == 404 and resp.read()
        assert conn.sock is sock  # the same TCP connection throughout
    finally:
        conn.close()


def test_close_stops_new_and_kept_alive_connections():
    running = start_demo_upstreams(ports={"GA": 0})
    parts = urlsplit(running.urls["GA"])
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    conn.request("GET", "/api/v1/persons?size=1")
    assert conn.getresponse().read()
    running.close()
    with pytest.raises(OSError):
        socket.create_connection((parts.hostname, parts.port), timeout=2).close()
    with pytest.raises((OSError, http.client.HTTPException)):
        conn.request("GET", "/api/v1/persons?size=1")
        conn.getresponse().read()
    conn.close()


def test_unknown_department_is_refused():
    with pytest.raises(ValueError, match="SW"):
        start_demo_upstreams(ports={"GA": 0, "SW": 0})


def test_a_busy_port_fails_and_leaves_nothing_running():
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        busy = blocker.getsockname()[1]
        with pytest.raises(OSError):
            start_demo_upstreams(ports={"GA": 0, "SCJG": busy})


def test_a_department_without_demo_records_gets_a_generic_api(tmp_path):
    import http.client
    import json as _json

    from gateway.catalog import load_catalog
    from gateway.demo.catalog import DEMO_CATALOG
    from gateway.demo.upstreams import start_demo_upstreams

    import yaml

    doc = yaml.safe_load(DEMO_CATALOG.read_text(encoding="utf-8"))
    doc["departments"].append({"code": "WJ", "name": "市卫健委", "upstream": "http://127.0.0.1:9"})
    doc["resources"].append({"code": "WJ-YM-0001", "name": "疫苗接种", "provider": "WJ", "path": "/wj/vaccinations",
                             "upstream_path": "/api/vaccinations", "share": "unconditional",
                             "fields": [{"name": "jzdw", "label": "接种单位", "class": "public"}]})
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    catalog = load_catalog(path)
    with start_demo_upstreams(ports=dict.fromkeys(catalog.departments, 0), catalog=catalog) as ups:
        assert set(ups.urls) == set(catalog.departments)
        resource = catalog.resources["WJ-YM-0001"]
        from urllib.parse import urlsplit

        host, port = urlsplit(ups.urls["WJ"]).hostname, urlsplit(ups.urls["WJ"]).port
        conn = http.client.HTTPConnection(host, port, timeout=5)
        conn.request("GET", urlsplit(resource.upstream).path + "?page=1&size=2")
        reply = conn.getresponse()
        body = _json.loads(reply.read())
        conn.close()
        assert reply.status == 200 and len(body["data"]["items"]) == 2 and "jzdw" in body["data"]["items"][0]
