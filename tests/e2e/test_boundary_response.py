"""Every response masked or refused (issue 12, response side), through a real gateway and real sockets.

An adversarial provider (tests.support.adversarial) answers each case of tests.support.boundary_cases with
seeded canary personal data in headers, bodies of every type, trailers and redirect targets, under every
status. For every case: no canary identifier reaches the caller (in the head, the body or anything after),
the status is the provider's (masked) or a 502 with the case's reason code (refused), and the call is in the
audit trail with that status and reason.

One gateway for the module (mitmproxy hands new connections to its newest master, so one at a time).
"""

from __future__ import annotations

import json

import pytest

from tests.support.adversarial import CANARY, AdversarialProvider, Reply, catalog_with_adversary
from tests.support.boundary_cases import (BODY_CASES, DROPPED, FRAMING_CASES, HEADER_CASES, LOCATION_CASES,
                                          STATUS_CASES, Answer, Expect, call, leaks)
from tests.support.gateway import GatewayClient, make_config
from tests.support.grants import add_grant

PURPOSE = "人口信息核验"
CALLER = "GA"
REVEALER = "SCJG"  # holds a grant revealing `xm`
ALLOWED_HEADERS = {"content-type", "content-length", "content-encoding", "cache-control", "date", "vary",
                   "location", "x-request-id", "connection", "content-language"}


@pytest.fixture(scope="module")
def adv(tmp_path_factory, demo_upstreams):
    """(gateway client, provider): a gateway whose ADV department is the adversarial provider."""
    from addons.runner import Gateway
    from gateway.services import Services

    provider, other = AdversarialProvider(), AdversarialProvider()
    tmp = tmp_path_factory.mktemp("boundary")
    config = make_config(tmp, demo_upstreams.urls)
    catalog_with_adversary(config.catalog, provider.url, other.url)
    services = Services.open(config)
    gateway = Gateway(config, services).start()
    client = GatewayClient(gateway, services, config, demo_upstreams)
    add_grant(client, dept=CALLER, resource="ADV-RK-0001", purpose=PURPOSE)
    add_grant(client, dept=REVEALER, resource="ADV-RK-0001", purpose=PURPOSE, fields=("xm",))
    services.reload()
    yield client, provider
    gateway.stop()
    services.close()
    provider.close()
    other.close()


def serve(adv, case: str, reply: Reply) -> None:
    _, provider = adv
    host = provider.url.split("//", 1)[1]
    reply.headers = [(n, v.replace("{self}", provider.url).replace("{self_userinfo}", f"http://u:p@{host}"))
                     for n, v in reply.headers]
    provider.replies[case] = reply


def get(adv, path: str, method: str = "GET", dept: str = CALLER) -> Answer:
    gw, _ = adv
    return call(gw.gateway.address, path, gw.token(dept, purpose=PURPOSE), method)


def audit_row(adv, answer: Answer) -> dict:
    from gateway.audit import Filters, iter_rows

    gw, _ = adv
    (rid,) = answer.header("X-Request-Id")
    rows = list(iter_rows(gw.services.engine, gw.config.data_dir, Filters(request_id=rid)))
    assert len(rows) == 1, rows
    return rows[0].record


def check(adv, answer: Answer, expect: Expect, *, names: tuple[str, ...] = ()) -> dict:
    """The shared assertions: no canary, the expected status (and refusal), one audit record, our head only."""
    assert leaks(answer, names) == [], answer.raw[:600]
    assert answer.status == expect.status, answer.raw[:400]
    assert answer.raw.count(b"HTTP/1.") == 1, "exactly one response on the wire"
    record = audit_row(adv, answer)
    assert record["status"] == expect.status
    if expect.reason is not None:
        assert json.loads(answer.body)["error"] == expect.reason
        assert (record["decision"], record["reason"]) == ("deny", expect.reason)
    else:
        assert record["decision"] == "allow"
    assert answer.names <= ALLOWED_HEADERS, answer.names - ALLOWED_HEADERS
    assert answer.header("Cache-Control") == ["no-store"]
    length = answer.header("Content-Length")
    if length:
        assert int(length[0]) == len(answer.body)
    return record


@pytest.mark.parametrize("case", sorted(HEADER_CASES))
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_headers_are_an_allowlist_on_every_status_and_on_head(adv, case, method):
    reply, expect = HEADER_CASES[case]
    if method == "HEAD" and expect.reason is not None:
        expect = Expect(reply.status)  # no body to refuse: the head alone is judged
    serve(adv, case, reply)
    answer = get(adv, f"/adv/persons/{case}", method)
    check(adv, answer, expect, names=(CANARY.name,))
    assert not answer.names & DROPPED
    if expect.reason is None:
        assert answer.header("Date") == ["Fri, 04 Dec 2026 06:00:00 GMT"]
    assert answer.header("Vary") == []  # its value held an ID number: dropped, not relayed
    if method == "HEAD":
        assert answer.body == b"" and answer.header("Content-Length") == []


@pytest.mark.parametrize("case", sorted(LOCATION_CASES))
def test_redirects_stay_inside_the_resource_or_are_refused(adv, case):
    reply, expect = LOCATION_CASES[case]
    serve(adv, case, reply)
    answer = get(adv, f"/adv/persons/{case}")
    check(adv, answer, expect)
    if expect.reason is None:
        (location,) = answer.header("Location")
        assert location.startswith("/adv/persons/"), location
        assert "*" in location  # the identifier in the target was masked, not dropped silently


@pytest.mark.parametrize("case", sorted(STATUS_CASES))
def test_every_status_is_masked_or_refused(adv, case):
    reply, expect = STATUS_CASES[case]
    serve(adv, case, reply)
    answer = get(adv, f"/adv/persons/{case}")
    record = check(adv, answer, expect, names=(CANARY.name,))
    if expect.reason is None and expect.status not in (204, 304):
        assert answer.body, "a masked body, not an empty one"
        assert record["masking"], "the masking findings are in the audit record"


@pytest.mark.parametrize("case", sorted(FRAMING_CASES))
def test_framing_trailers_and_header_floods(adv, case):
    reply, expect = FRAMING_CASES[case]
    serve(adv, case, reply)
    answer = get(adv, f"/adv/persons/{case}")
    check(adv, answer, expect, names=(CANARY.name,))
    assert b"X-Sfzh" not in answer.raw and b"Transfer-Encoding" not in answer.raw


@pytest.mark.parametrize("case", sorted(BODY_CASES))
@pytest.mark.parametrize("resource", ["persons", "raw"])
def test_every_content_type_is_masked_or_refused(adv, case, resource):
    """The labelled resource and the one with no labelled field (unknown, never public) alike."""
    reply, expect = BODY_CASES[case]
    serve(adv, case, reply)
    answer = get(adv, f"/adv/{resource}/{case}")
    check(adv, answer, expect)
    if expect.reason is None:
        assert answer.body


def test_a_declared_public_type_passes_and_nothing_else_does(adv):
    pdf = b"%PDF-1.4 public form"
    serve(adv, "form", Reply(200, [("Content-Type", "application/pdf"), ("Content-Disposition", "x")], pdf))
    answer = get(adv, "/adv/files/form")
    check(adv, answer, Expect(200))
    assert answer.body == pdf and answer.header("Content-Type") == ["application/pdf"]
    serve(adv, "zip", Reply(200, [("Content-Type", "application/zip")], b"PK\x03\x04"))
    check(adv, get(adv, "/adv/files/zip"), Expect(502, "unsupported_content_type"))
    # the same PDF from a resource that declared nothing
    check(adv, get(adv, "/adv/raw/form"), Expect(502, "unsupported_content_type"))


def test_the_final_answer_after_early_hints_is_delivered_and_the_connection_reused(adv):
    reply, _ = STATUS_CASES["st103"]
    serve(adv, "hints", reply)
    for _ in range(3):  # three in a row: no hang, no stale 103 answering a later call
        answer = get(adv, "/adv/persons/hints")
        check(adv, answer, Expect(200), names=(CANARY.name,))
        assert json.loads(answer.body)["data"]["items"][0]["sfzh"] != CANARY.id_number



NESTED = f"{CANARY.name}（身份证号{CANARY.id_number}，手机{CANARY.mobile}）"


@pytest.mark.parametrize("content_type, body", [
    ("application/json", json.dumps({"items": [{"xm": NESTED, "sfzh": CANARY.id_number2}]}, ensure_ascii=False)),
    ("application/xml", f"<r><xm>{NESTED}</xm></r>"),
    ("text/csv", f"xm,sfzh\n{NESTED},{CANARY.id_number2}\n"),
])
def test_a_revealed_field_shows_its_own_entity_and_masks_identifiers_nested_inside(adv, content_type, body):
    serve(adv, "reveal", Reply(200, [("Content-Type", content_type)], body.encode()))
    answer = get(adv, "/adv/persons/reveal", dept=REVEALER)
    record = check(adv, answer, Expect(200))
    assert CANARY.name.encode() in answer.body  # the grant reveals the name ...
    assert any(f["operator"] == "reveal" for f in record["masking"])  # ... and the audit says so
    # ... and nothing else: check() found no ID number or mobile, the nested ones included
    other = get(adv, "/adv/persons/reveal")  # a caller whose grant reveals nothing
    check(adv, other, Expect(200), names=(CANARY.name,))
