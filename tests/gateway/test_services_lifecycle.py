"""A gateway process records what it enforces when it starts serving and when it stops (issue 14): the
auditor can tell, for any moment, which policy, catalog and masking rules were in force on which process."""

from __future__ import annotations

import os

from gateway.audit.query import Filters, iter_rows
from gateway.services import Services
from tests.support.gateway import make_config


def test_start_and_stop_records_name_what_is_in_force(tmp_path):
    config = make_config(tmp_path, {"GA": "http://127.0.0.1:9", "SCJG": "http://127.0.0.1:9",
                                    "MZ": "http://127.0.0.1:9", "RS": "http://127.0.0.1:9"},
                         sections={"masking": {"workers": 0}})
    services = Services.open(config)
    try:
        services.start_workers()
        expected = services.in_force()
        services.stop_workers()
    finally:
        services.close()

    rows = [r.record for r in iter_rows_of(config)]
    lifecycle = [r for r in rows if r["action"] in ("gateway.start", "gateway.stop")]
    assert [r["action"] for r in lifecycle] == ["gateway.start", "gateway.stop"]
    for rec in lifecycle:
        assert rec["detail"] == expected
        assert rec["detail"]["pid"] == os.getpid()
        assert rec["detail"]["policy_version"] and len(rec["detail"]["masking_digest"]) == 64
    start, stop = lifecycle
    assert start["digest_after"] == stop["digest_before"] == expected["catalog_digest"]


def test_a_process_that_never_served_writes_no_lifecycle_record(tmp_path):
    """The CLI opens the same services but never starts the workers: it is not a gateway starting."""
    config = make_config(tmp_path, {"GA": "http://127.0.0.1:9"}, sections={"masking": {"workers": 0}})
    Services.open(config).close()
    assert not [r for r in iter_rows_of(config) if r.record["action"].startswith("gateway.")]


def iter_rows_of(config):
    services = Services.open(config, with_identity=False)
    try:
        return list(iter_rows(services.engine, config.data_dir, Filters(event="admin")))
    finally:
        services.close()
