"""One proxy process under test: bare mitmproxy, the identity + policy pipeline, or the full pipeline.

All run the same mitmproxy version with the same proxy options, so the only difference between them is the
addons:
- `bare`: stock `mitmdump --mode reverse:` (DumpMaster with its default addons, no scripts, no flow dumper),
  straight at the bench upstream: the reference every ratio is taken against;
- `lean`: the master govshare runs (addons.runner.gateway_master: only the mitmproxy addons a gateway needs)
  with no govshare stage, straight at the bench upstream: what the leaner master alone is worth;
- `policy`: Bootstrap, Route, Authenticate, Authorize and Upstream from addons/, then a pass-through that
  marks every allowed response released (no masking, no audit), arranged as addons.pipeline arranges them,
  and the Gate;
- `full`: addons.pipeline.pipeline, exactly what `govshare run` runs.

`python -m bench.gateway_proc --variant V --config govshare.toml [--upstream URL] [--cpus 1]` prints one JSON
line `{"ready": true, "host": ..., "port": ..., "pid": ...}` once it listens and runs until SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys

VARIANTS = ("bare", "lean", "policy", "full")


class Release:
    """Policy-only variant: stands where the mask stage would and releases allowed responses with their body
    unchanged, keeping only the header names the gate lets out (gateway.response_policy.OUTGOING)."""

    def response(self, flow) -> None:
        from addons.state import Verdict, state
        from gateway.response_policy import OUTGOING

        st = state(flow)
        if st.verdict is Verdict.ALLOWED:
            fields = flow.response.headers.fields
            flow.response.headers.fields = tuple(f for f in fields if f[0].decode("latin-1").lower() in OUTGOING)
            st.release([])


def policy_pipeline(services) -> list:
    """Identity and policy only: the request side of the real pipeline, no masking, no audit."""
    from addons.authenticate import Authenticate
    from addons.authorize import Authorize
    from addons.bootstrap import Bootstrap
    from addons.context import Context
    from addons.gate import Gate
    from addons.pipeline import Corridor
    from addons.route import Route
    from addons.upstream import Upstream

    context = Context(services)
    return [Corridor([Bootstrap(context), Route(context), Authenticate(context), Authorize(context), Upstream(context),
                      Release()], [Gate()])]


async def serve(variant: str, config, upstream: str | None) -> None:
    from mitmproxy.options import Options
    from mitmproxy.tools.dump import DumpMaster

    from addons.runner import configure_options, gateway_master, listening_address, proxy_options
    from gateway.services import Services

    opts = Options()
    services = None
    if variant in ("bare", "lean"):
        if not upstream:
            raise SystemExit(f"--upstream is required for the {variant} variant")
        if variant == "bare":
            master = DumpMaster(opts, with_termlog=True, with_dumper=False)
        else:
            master = gateway_master(opts, [])
        proxy_options(opts, config, upstream)
    else:
        services = Services.open(config, with_audit=variant == "full")
        if variant == "full":
            from addons.pipeline import pipeline
            stages = pipeline(services)
        else:
            stages = policy_pipeline(services)
        master = gateway_master(opts, stages)
        configure_options(opts, config, services)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, master.shutdown)
    run = asyncio.ensure_future(master.run())
    try:
        address = await listening_address(master, run, timeout=30.0)
        if address is not None:
            host, port = address
            print(json.dumps({"ready": True, "host": host, "port": port, "pid": os.getpid()}), flush=True)
        else:
            print(json.dumps({"ready": False, "error": "did not start listening"}), flush=True)
            master.shutdown()
        await run
    finally:
        if services is not None:
            services.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gateway_proc", description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=VARIANTS, required=True)
    parser.add_argument("--config", required=True, help="govshare.toml of this process (own data directory)")
    parser.add_argument("--upstream", help="reverse target of the bare variant")
    parser.add_argument("--cpus", help="comma-separated CPUs to pin this process to (before any thread starts)")
    args = parser.parse_args(argv)
    if args.cpus:
        try:
            os.sched_setaffinity(0, {int(c) for c in args.cpus.split(",")})
        except (AttributeError, OSError, ValueError):
            pass
    from gateway.config import load_config

    config = load_config(args.config)
    try:
        asyncio.run(serve(args.variant, config, args.upstream))
    except Exception as exc:  # noqa: BLE001 - tell the orchestrator, which waits for one line
        print(json.dumps({"ready": False, "error": type(exc).__name__}), flush=True)
        raise
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
