"""The README's benchmark section, regenerated from a result file between `<!-- bench:start -->` and `<!-- bench:end -->`.

`python -m bench.readme_table [--results bench/results/latest.json] [--readme README.md] [--print]`
replaces what lies between the markers (or appends a "Benchmark" section with the markers when the README
has none) and leaves everything else byte for byte.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START = "<!-- bench:start -->"
END = "<!-- bench:end -->"

ROW_NAMES = {
    "direct": "upstream alone (no proxy)",
    "bare": "bare mitmproxy (`mitmdump` reverse, no scripts)",
    "lean": "mitmproxy with only the gateway's addons, no stages",
    "policy": "govshare identity + policy",
    "full": "govshare full, labelled fields",
    "full_unlabelled": "govshare full, unlabelled (detection)",
}


def _num(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and value >= 1000:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def _ratio(value) -> str:
    return "–" if value is None else f"{value:.2f}×"


def _signed(value) -> str:
    return "–" if value is None else f"{value:+.2f}"


def _size(n: int) -> str:
    return f"{n / 1048576:.1f} MiB" if n >= 1048576 else f"{n / 1024:.1f} KiB"


def render(results: dict) -> str:
    """The markdown of the benchmark section (without the markers)."""
    m, s = results["machine"], results["settings"]
    lines = [
        f"Measured by `make bench` (`govshare bench`) on {results['started'][:10]}"
        + (" — **quick run, not figures to quote**" if results.get("quick") else "") + ": "
        f"{m['cpu_model']}, {m['cores']} cores, Python {m['python']}, mitmproxy {m['mitmproxy']}; "
        f"load by {m['load_generator']} with {s['connections']} keep-alive connections, "
        f"{s['duration_s']:g} s per measurement, best of {s['rounds']} round(s)"
        + ("; gateway pinned to its own core, load generator and upstream to another" if s.get("pinned") else "")
        + ". Every gateway runs in its own process; ratios are to bare mitmproxy in the same run. Bare is stock "
        "`mitmdump --mode reverse:` with its default addons; govshare runs mitmproxy with only the six addons a "
        "gateway needs (`addons.runner.proxy_addons`), whose share the row without stages shows.",
        "",
        "| goal | target | measured | met |",
        "|---|---|---|---|",
    ]
    for g in results["goals"]:
        measured = g["measured"]
        shown = "–" if measured is None else (f"{measured:.2f}" if g["unit"] in ("×", "ms", "MB/s")
                                              else f"{measured:,.0f}")
        target = f"{g['target']:g}" if g["unit"] != "records/s" else f"{g['target']:,.0f}"
        lines.append(f"| {g['goal']} | {target} {g['unit']} | {shown} {g['unit']} | {'yes' if g['met'] else '**no**'} |")

    lines += ["", "**Through the proxy** (requests/s, latency in ms, gateway CPU time per request, its masking workers included):", "",
              "| body | path | req/s | vs bare | p50 | p99 | p99 added | CPU ms/req |",
              "|---|---|---|---|---|---|---|---|"]
    drained = False
    for body, cells in results["proxy"].items():
        label = f"({body}) {_size(cells['bytes'])}"
        if cells.get("load_tool") == "asyncio" and "asyncio" not in m["load_generator"]:
            label += " †"
            drained = True
        for name, title in ROW_NAMES.items():
            if name not in cells:
                continue
            c = cells[name]
            vs = "1.00×" if name == "bare" else _ratio(c.get("rps_ratio"))
            added = "0" if name == "bare" else "–" if name == "direct" else _signed(c.get("p99_added_ms"))
            errors = f" ({c['non_2xx']} non-2xx, {c['errors']} errors)" if c["non_2xx"] or c["errors"] else ""
            lines.append(f"| {label} | {title}{errors} | {_num(c['rps'])} | {vs} | {_num(c['p50_ms'], 2)} | "
                         f"{_num(c['p99_ms'], 2)} | {added} | {_num(c.get('gateway_cpu_ms_per_request'), 2)} |")
            label = ""

    if drained:
        lines += ["", "† loaded by the built-in asyncio client, which waits for the responses still in flight when "
                  "the time is up (wrk would drop them: a full-pipeline response to this body takes longer than "
                  "a quarter of a measurement divided among the connections)."]
    lines += ["", "The unlabelled variant, where Presidio detection does all the work, goes through the proxy with "
              "body a only; the masking table below has it for every body."]

    lat = results.get("latency")
    if lat:
        lines += ["", f"**Service latency** (body {lat['body']}, one connection, so no request waits behind "
                  "another; ms):", "", "| path | p50 | p99 | p50 added | p99 added | CPU ms/req |",
                  "|---|---|---|---|---|---|"]
        for name, title in ROW_NAMES.items():
            if name not in lat:
                continue
            c = lat[name]
            p50_added = "0" if name == "bare" else _signed(c.get("p50_added_ms"))
            p99_added = "0" if name == "bare" else _signed(c.get("p99_added_ms"))
            lines.append(f"| {title} | {_num(c['p50_ms'], 2)} | {_num(c['p99_ms'], 2)} | {p50_added} | {p99_added} | "
                         f"{_num(c.get('gateway_cpu_ms_per_request'), 2)} |")

    masking = results["masking"]["bodies"]
    lines += ["", "**Masking in-process** (`Masker.mask_body`, median ms per body and MB/s):", "",
              "| body | labelled ms | labelled MB/s | unlabelled ms | unlabelled MB/s |", "|---|---|---|---|---|"]
    for body, rows in masking.items():
        lab, unl = rows["labelled"], rows["unlabelled"]
        lines.append(f"| ({body}) {_size(lab['bytes'])}, {lab['records']} records | {_num(lab['ms_median'], 2)} | "
                     f"{_num(lab['mb_per_s'], 2)} | {_num(unl['ms_median'], 2)} | {_num(unl['mb_per_s'], 2)} |")

    lines += resource_lines(results)

    lines += ["", "**Audit appends** (SQLite, WAL, synchronous=FULL, 200 concurrent writers, chain verified after):",
              "", "| algorithms | records | records/s | verify s | intact |", "|---|---|---|---|---|"]
    for a in results["audit"]:
        lines.append(f"| {a['algorithms']} | {a['records']:,} | {_num(a['records_per_s'], 0)} | "
                     f"{a['verify_seconds']:.2f} | {'yes' if a['intact'] else '**no**'} |")

    lines += ["", "**Scaling across gateway processes** (full pipeline, body a; mitmproxy's listener does not "
              "set SO_REUSEPORT, so N processes listen on N ports and the load generator deals its connections "
              "round-robin across them):", "",
              "| processes | req/s | per process | added by the last process | p99 |", "|---|---|---|---|---|"]
    for row in results["scaling"]:
        lines.append(f"| {row['processes']} | {_num(row['rps'])} | {_num(row['rps_per_process'])} | "
                     f"{_num(row['rps_added'])} | {_num(row['p99_ms'], 2)} |")
    cores = m.get("cores", 0)
    lines += ["", f"With {cores} cores shared by the gateways, the load generator and the upstream, throughput "
              f"cannot grow past about {max(1, cores)} gateway processes: each process uses one core at most "
              "(mitmproxy runs on one event loop), so add cores, then processes."]
    return "\n".join(lines)


def resource_lines(results: dict) -> list[str]:
    """The per-resource table: each demo resource's real page through bare mitmproxy and through govshare,
    and the same page masked in process."""
    res = results.get("resources")
    if not res:
        return []
    masking = {r["resource"]: r for r in res["masking"]}
    lines = ["", f"**Every demo resource, its real page side by side** (page 1 of 20 records as the department "
             f"serves it, the same upstream bytes through bare `mitmdump` and through govshare, "
             f"{res['duration_s']:g} s each per round, best round; in-process masking is the median CPU time of "
             "one call with the view of a caller without a grant; the goal is ≥ 0.60× per resource):", "",
             "| resource | share (demo catalog) | page | bare req/s | govshare req/s | vs bare | mask ms | MB/s |",
             "|---|---|---|---|---|---|---|---|"]
    for row in res["proxy"]:
        m = masking.get(row["resource"], {})
        ratio = _ratio(row["ratio"])
        if row["ratio"] is not None and not row["met"]:
            ratio = f"**{ratio}**"
        errors = f" ({row['non_2xx']} non-2xx, {row['errors']} errors)" if row["non_2xx"] or row["errors"] else ""
        lines.append(f"| {row['resource']} {row['name']}{errors} | {row['share']} | {_size(row['bytes'])} | "
                     f"{_num(row['bare_rps'])} | {_num(row['govshare_rps'])} | {ratio} | "
                     f"{_num(m.get('ms'), 2)} | {_num(m.get('mb_per_s'), 2)} |")
    lines += ["", "FREE-TEXT is every demo remark and case summary in one page, labelled FREE_TEXT: the "
              "free-text-heavy shape of the in-process goal."]
    return lines


def replace_section(text: str, section: str) -> str:
    """`text` with the part between the markers replaced by `section`; the section is appended if absent."""
    start, end = text.find(START), text.find(END)
    if start >= 0 and end > start:
        return text[:start + len(START)] + "\n" + section + "\n" + text[end:]
    tail = "" if text.endswith("\n") else "\n"
    return f"{text}{tail}\n## Benchmark\n\n{START}\n{section}\n{END}\n"


def update_readme(readme: Path, results: dict) -> bool:
    """Rewrite `readme`'s benchmark section; True when the file changed."""
    text = readme.read_text(encoding="utf-8")
    new = replace_section(text, render(results))
    if new == text:
        return False
    readme.write_text(new, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.readme_table", description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    parser.add_argument("--print", dest="print_only", action="store_true", help="print the section, change nothing")
    args = parser.parse_args(argv)
    results = json.loads(args.results.read_text(encoding="utf-8"))
    if args.print_only:
        print(render(results))
        return 0
    changed = update_readme(args.readme, results)
    print(f"{args.readme}: benchmark section {'updated' if changed else 'unchanged'} from {args.results}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
