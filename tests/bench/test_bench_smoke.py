"""The benchmark: its parts on real sockets, and the whole orchestration end to end in --quick mode.

No timing assertions: the smoke run checks that every figure is there and sane (positive rates and ratios,
intact audit chain, masked responses), not how fast anything was.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

from bench import load, readme_table  # noqa: E402
from bench.bodies import TARGET_BYTES, bench_bodies  # noqa: E402
from bench.fixture import catalog_document  # noqa: E402
from bench.resources import all_pages  # noqa: E402
from bench.upstream import start_server  # noqa: E402
from gateway.demo.identifiers import is_valid_mobile, is_valid_resident_id  # noqa: E402


# -- bodies ----------------------------------------------------------------------------------------------

def test_bodies_are_pages_of_valid_personal_records():
    bodies = bench_bodies()
    assert set(bodies) == {"a", "b", "c"}
    small = json.loads(bodies["a"].data)
    items = small["data"]["items"]
    assert len(items) == 20 and 3000 <= bodies["a"].size <= 4000
    for name, target in TARGET_BYTES.items():
        assert bodies[name].size >= target
        assert len(json.loads(bodies[name].data)["data"]["items"]) == bodies[name].records
    every = json.loads(bodies["c"].data)["data"]["items"]
    assert len({r["sfzh"] for r in every}) == len(every)  # distinct people, not one page repeated
    assert all(is_valid_resident_id(r["sfzh"]) and is_valid_mobile(r["sjhm"]) for r in every)


def test_bench_catalog_is_valid_and_unconditional(tmp_path):
    import yaml

    from gateway.catalog import Share, load_catalog

    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(catalog_document("http://127.0.0.1:9"), allow_unicode=True), encoding="utf-8")
    catalog = load_catalog(path)
    demo = load_catalog(ROOT / "policies" / "catalog.yaml")
    assert len(catalog.resources) == 6 + len(demo.resources) + 1  # fixtures, every demo resource, free text
    assert all(r.share is Share.UNCONDITIONAL for r in catalog.resources.values())
    labelled = catalog.resources["BENCH-L-A"]
    assert {f.name: f.entity for f in labelled.fields if f.entity} == {
        "xm": "PERSON", "csrq": "DATE_OF_BIRTH", "sfzh": "CN_ID_CARD", "sjhm": "CN_MOBILE", "zz": "CN_ADDRESS"}
    assert catalog.resources["BENCH-U-A"].fields == ()
    for code, resource in demo.resources.items():  # the side-by-side copies keep the demo labels
        copy = catalog.resources[f"BR-{code}"]
        assert [(f.name, f.klass, f.entity) for f in copy.fields] == [(f.name, f.klass, f.entity) for f in resource.fields]


# -- upstream and load generator on real sockets -------------------------------------------------------

@pytest.fixture
def upstream():
    """The bench upstream on port 0 in a background event loop; yields its (host, port)."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict = {}

    async def main():
        holder["server"] = await start_server("127.0.0.1", 0)
        holder["address"] = holder["server"].sockets[0].getsockname()[:2]
        ready.set()

    thread = threading.Thread(target=lambda: (loop.run_until_complete(main()), loop.run_forever()), daemon=True)
    thread.start()
    assert ready.wait(30)
    yield holder["address"]
    loop.call_soon_threadsafe(holder["server"].close)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def _read_responses(sock: socket.socket, count: int) -> list[tuple[bytes, bytes]]:
    data = b""
    out = []
    while len(out) < count:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            assert chunk, "connection closed early"
            data += chunk
        head, _, data = data.partition(b"\r\n\r\n")
        length = int([ln.split(b":")[1] for ln in head.split(b"\r\n") if ln.lower().startswith(b"content-length")][0])
        while len(data) < length:
            data += sock.recv(65536)
        out.append((head.split(b"\r\n")[0], data[:length]))
        data = data[length:]
    return out


def test_upstream_answers_pipelined_requests_in_order_and_skips_request_bodies(upstream):
    bodies = bench_bodies()
    with socket.create_connection(upstream, timeout=10) as sock:
        sock.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                     b"POST /nothing HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                     b"GET /b?page=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        (s1, b1), (s2, _), (s3, b3) = _read_responses(sock, 3)
    assert (s1, s2, s3) == (b"HTTP/1.1 200 OK", b"HTTP/1.1 404 Not Found", b"HTTP/1.1 200 OK")
    assert b1 == bodies["a"].data and b3 == bodies["b"].data


def test_upstream_closes_when_asked(upstream):
    with socket.create_connection(upstream, timeout=10) as sock:
        sock.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        [(status, _)] = _read_responses(sock, 1)
        assert status == b"HTTP/1.1 200 OK"
        sock.settimeout(5)
        assert sock.recv(1) == b""  # closed after the response


def test_asyncio_client_counts_every_response_and_non_2xx(upstream):
    host, port = upstream
    ok = load.run_load([load.Target(f"http://{host}:{port}/a")], duration=0.3, connections=3, tool="asyncio")
    assert ok.requests > 0 and ok.non_2xx == 0 and ok.errors == 0 and ok.drained
    assert ok.rps > 0 and 0 < ok.p50_ms <= ok.p99_ms <= ok.max_ms
    assert ok.bytes_read >= ok.requests * bench_bodies()["a"].size
    missing = load.run_load([load.Target(f"http://{host}:{port}/nope"), load.Target(f"http://{host}:{port}/a")],
                            duration=0.3, connections=2, tool="asyncio")
    assert missing.targets == 2 and 0 < missing.non_2xx < missing.requests


def test_wrk_results_merge_requests_exactly_and_take_the_worst_p99():
    line = ('WRKJSON {"requests":%d,"duration_us":2000000,"bytes":%d,"connect":0,"read":%d,"write":0,'
            '"status":%d,"timeout":0,"p50_us":%d,"p90_us":5000,"p99_us":%d,"mean_us":3000.0,"max_us":9000}')
    first = load.parse_wrk_output("Running 2s test\n" + line % (1000, 10, 1, 2, 1000, 4000) + "\n")
    second = load.parse_wrk_output(line % (3000, 30, 0, 0, 3000, 8000))
    merged = load.merge_wrk([first, second], connections=8)
    assert merged.requests == 4000 and merged.rps == 2000.0
    assert merged.p99_ms == 8.0 and merged.p50_ms == 2.5  # weighted by requests: (1000*1 + 3000*3) / 4000
    assert merged.errors == 1 and merged.non_2xx == 2 and merged.latency_merge != "exact"
    with pytest.raises(ValueError):
        load.parse_wrk_output("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_connections_are_dealt_round_robin():
    assert load.split_connections(16, 3) == [6, 5, 5]
    assert load.split_connections(1, 2) == [1, 1]  # every target gets a connection


# -- README section ------------------------------------------------------------------------------------

def test_readme_section_is_replaced_between_the_markers_only():
    text = f"# title\n\nintro\n\n{readme_table.START}\nold figures\n{readme_table.END}\n\n## after\n"
    new = readme_table.replace_section(text, "new figures")
    assert new == f"# title\n\nintro\n\n{readme_table.START}\nnew figures\n{readme_table.END}\n\n## after\n"
    appended = readme_table.replace_section("# title\n", "figures")
    assert appended.startswith("# title\n") and appended.index(readme_table.START) < appended.index("figures")
    assert appended.rstrip().endswith(readme_table.END)


# -- the whole run -------------------------------------------------------------------------------------

@pytest.mark.timeout(180)  # six gateway processes, then every demo resource side by side
def test_quick_benchmark_produces_every_figure(tmp_path):
    from bench.run import add_arguments, run_from_args

    parser = argparse.ArgumentParser()
    add_arguments(parser)  # the benchmark's own options (`govshare bench` hands its arguments to them)
    results_dir = tmp_path / "results"
    args = parser.parse_args(["--quick", "--duration", "0.3", "--connections", "4", "--load-tool",
                              "asyncio", "--results-dir", str(results_dir), "--no-readme"])
    assert run_from_args(args) == 0

    assert not (results_dir / "latest.json").exists()  # a quick run never replaces the figures to quote
    results = json.loads((results_dir / "latest-quick.json").read_text(encoding="utf-8"))
    assert len(list(results_dir.glob("*-quick.json"))) == 2  # the timestamped file and latest-quick
    assert results["quick"] is True

    machine = results["machine"]
    assert machine["cores"] >= 1 and machine["cpu_model"] and machine["mitmproxy"].startswith("12.")
    assert "asyncio" in machine["load_generator"]

    for body in ("a", "b", "c"):
        cells = results["proxy"][body]
        expected = {"direct", "bare", "policy", "full"} | ({"full_unlabelled", "lean"} if body == "a" else set())
        assert expected <= set(cells)
        for name in expected:
            cell = cells[name]
            assert cell["requests"] > 0 and cell["rps"] > 0, (body, name)
            assert cell["non_2xx"] == 0 and cell["errors"] == 0, (body, name)
            assert 0 < cell["p50_ms"] <= cell["p99_ms"], (body, name)
            if name != "bare":
                assert cell["rps_ratio"] > 0 and cell["p50_ratio"] > 0 and cell["p99_ratio"] > 0, (body, name)
            if name != "direct":
                assert cell["gateway_cpu_ms_per_request"] is not None, (body, name)

    latency = results["latency"]
    assert latency["connections"] == 1
    for name in ("bare", "lean", "policy", "full", "full_unlabelled"):
        assert latency[name]["requests"] > 0 and latency[name]["p99_ms"] > 0
    assert latency["full"]["p99_ratio"] > 0

    masking = results["masking"]
    for body in ("a", "b", "c"):
        for variant in ("labelled", "unlabelled"):
            row = masking["bodies"][body][variant]
            assert row["mb_per_s"] > 0 and row["ms_median"] > 0 and row["iterations"] >= 1
    assert masking["one_mb_ms"]["labelled"] > 0 and masking["one_mb_ms"]["unlabelled"] > 0

    assert [a["algorithms"] for a in results["audit"]] == ["sha256+ed25519", "sm3+sm2"]
    assert all(a["records_per_s"] > 0 and a["intact"] for a in results["audit"])

    assert [row["processes"] for row in results["scaling"]] == [1, 2]
    assert all(row["rps"] > 0 and row["rps_per_process"] > 0 for row in results["scaling"])

    resources = results["resources"]
    demo_codes = {p.code for p in all_pages()}
    assert {r["resource"] for r in resources["proxy"]} == demo_codes == {r["resource"] for r in resources["masking"]}
    assert len(demo_codes) >= 9
    for row in resources["proxy"]:
        assert row["bare_rps"] > 0 and row["govshare_rps"] > 0 and row["ratio"] > 0, row["resource"]
        assert row["non_2xx"] == 0 and row["errors"] == 0, row["resource"]
    assert all(r["ms"] > 0 and r["mb_per_s"] > 0 for r in resources["masking"])

    goals = {g["id"]: g for g in results["goals"]}
    assert set(goals) == {"rps_ratio_a", "p99_added_a", "p99_added_a_saturated", "mask_1mb_ms", "audit_rps",
                          "resource_ratio_min", "mask_labelled_mb_s", "mask_free_text_mb_s"}
    assert all(isinstance(g["met"], bool) and g["measured"] is not None for g in goals.values())
    assert goals["rps_ratio_a"]["measured"] > 0

    section = readme_table.render(results)
    assert "bare mitmproxy" in section and "quick run" in section and "| sha256+ed25519 |" in section
    assert "only the gateway's addons" in section
    assert "| MZ-DB-0001 " in section and "| FREE-TEXT " in section


def test_govshare_bench_hands_every_argument_to_the_benchmark(monkeypatch):
    from gateway.cli import bench as bench_cli
    from gateway.cli import main

    seen = []
    monkeypatch.setattr(bench_cli.subprocess, "run",
                        lambda cmd, cwd: seen.append((cmd, cwd)) or type("Done", (), {"returncode": 0})())
    assert main(["bench", "--quick", "--duration", "0.3", "--no-readme"]) == 0
    cmd, cwd = seen[0]
    assert cmd[1:] == ["-m", "bench.run", "--quick", "--duration", "0.3", "--no-readme"]
    assert (cwd / "bench" / "run.py").is_file()
