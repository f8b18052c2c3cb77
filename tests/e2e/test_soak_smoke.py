"""A short soak (bench.soak) as a smoke test: the same stack, checks and accounting as `make soak`, 1,200
requests instead of 200,000. Memory growth is not asserted here: a run this short is all warm-up."""

from __future__ import annotations

from bench.soak import run_soak
from bench.stack import CALLS, REFUSED
from gateway.masking.routing import worker_count

REQUESTS = 1200


def test_a_short_soak_loses_no_record_and_leaks_no_canary(tmp_path):
    result = run_soak(REQUESTS, concurrency=32, workdir=tmp_path, results_dir=None, verbose=False)
    checks = result["checks"]
    assert result["responses"] == result["records"] == REQUESTS and result["no_response"] == 0
    assert checks["record_statuses_equal_responses"], (result["record_statuses"], result["statuses"])
    # the masking workers are counted (descendants: the pool's template and its workers); "auto" starts none
    # on a single CPU
    assert result["memory"]["start"]["workers"] >= (2 if worker_count("auto") else 0)
    assert checks["chain_verifies"], result["chain"]
    assert result["canaries_known"] > 1000  # the scan had something to find
    assert result["canaries_to_callers"] == 0
    assert not any(result["canaries_in_store_or_logs"].values()), result["canaries_in_store_or_logs"]
    assert checks["fds_stable"], result["memory"]
    # every demo resource is called: each shared one answered, each never shared one refused every time
    paths = {path for path, _, _ in CALLS}
    assert {"/mz/households", "/scjg/financial-statements", "/ga/population-archive"} <= paths
    each = REQUESTS // len(CALLS)
    assert REQUESTS % len(CALLS) == 0
    assert result["statuses"] == {"200": each * (len(CALLS) - REFUSED), "403": each * REFUSED}
