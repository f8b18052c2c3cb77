"""The fault runs' bookkeeping (bench.faults.accounted) on a real trail: a record must say what the caller got."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from bench.faults import accounted, faithful
from bench.stack import Reply
from gateway.audit import AuditTrail
from tests.support.audit import make_config, request_record


def test_a_record_whose_status_differs_from_the_reply_is_counted_and_fails_the_fault(tmp_path):
    config = make_config(tmp_path / "var")
    with AuditTrail.open(config) as trail:
        async def write():
            await trail.append(request_record(1))  # 200 allow
            await trail.append(request_record(2))  # 200 allow, but the caller got 503
            await trail.append(request_record(3, status=503, decision="deny", reason="audit_unavailable"))
            await trail.append(request_record(4))  # twice
            await trail.append(request_record(4))
        asyncio.run(write())
    stack = SimpleNamespace(config=config)
    rid = [request_record(i)["request_id"] for i in range(6)]

    good = accounted(stack, [Reply(200, request_id=rid[1]), Reply(503, request_id=rid[3])], wait=0)
    assert faithful(good) and good["answered"] == 2

    bad = accounted(stack, [Reply(200, request_id=rid[1]), Reply(503, request_id=rid[2]),
                            Reply(200, request_id=rid[4]), Reply(503, request_id=rid[5]), Reply(None)], wait=0)
    assert (bad["status_mismatch"], bad["duplicated"], bad["refusals_unrecorded"], bad["released_unrecorded"],
            bad["no_response"]) == (1, 1, 1, 0, 1)
    assert not faithful(bad)
