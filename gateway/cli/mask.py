"""`govshare mask`: print a file masked exactly as one caller would receive it.

    govshare mask FILE|-                                   detection only, default operators
    govshare mask --resource GA-RK-0001 --dept MZ FILE     the catalog's labels for that resource

It builds the gateway's own services (`common.build_services`: catalog, policy with its grants, masker,
pseudonym keys), so the view and the masking are exactly the gateway's. Exit status: 0 masked, 1 refused
(the reason is printed, never the body; or no data directory), 2 bad usage or configuration.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..yamlsrc import SourceError
from .common import Refused, build_services, load

_TYPES = {".json": "application/json", ".csv": "text/csv", ".txt": "text/plain"}


def register(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "mask", help="print a JSON/CSV/text file masked as a caller would receive it",
        description="Mask FILE (or - for standard input) with the gateway's masking rules and print the result.")
    p.add_argument("file", help="the body to mask, or - for standard input")
    p.add_argument("--resource", help="resource code whose catalog labels apply (needs --dept)")
    p.add_argument("--dept", help="calling department")
    p.add_argument("--app", help="calling application")
    p.add_argument("--purpose", help="the call's stated purpose (as in the caller's token)")
    p.add_argument("--content-type", help="content type of FILE (default: from its extension, else JSON)")
    p.add_argument("--content-encoding", help="content encoding of FILE (gzip, deflate, br, zstd)")
    p.add_argument("--findings", action="store_true", help="also print the findings to standard error as JSON")
    p.set_defaults(func=run)
    return p


def _err(message: str) -> None:
    print(f"govshare mask: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    # Imported here, not at module level: the rest of the CLI must not pay for loading Presidio.
    from ..masking.engine import MaskingRefused, MaskingView
    from ..policy import Caller

    if args.resource and not args.dept:
        _err("--resource needs --dept (whose view to show)")
        return 2
    try:
        config = load(args)
    except SourceError as e:
        _err(str(e))
        return 2
    except Refused as e:
        _err(str(e))
        return 1
    try:
        body = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as e:
        _err(f"cannot read {args.file}: {e.strerror or e}")
        return 2
    content_type = args.content_type or _TYPES.get(Path(args.file).suffix.lower(), "application/json")
    try:
        services = build_services(config, with_audit=False, with_identity=False)
    except SourceError as e:
        _err(str(e))
        return 2
    try:
        if args.resource:
            resource = services.catalog.current.resource(args.resource)
            if resource is None:
                _err(f"unknown resource {args.resource!r} (see the catalog {config.catalog})")
                return 2
            # The share policy's decision for this caller, exactly as the gateway would make it for a GET.
            decision = services.policy.current.decide(Caller(args.dept, args.app, args.purpose), "GET", resource)
            if not decision.allowed:
                _err(f"this caller would be refused by the gateway: 403 {decision.reason} ({decision.rule})")
                return 1
            view = services.view_for(resource, decision, args.dept, args.app)
        else:
            view = MaskingView(resource=None)
        result = services.masker.mask_body(body, content_type, args.content_encoding, view)
    except MaskingRefused as e:
        _err(f"refused: {e.reason}")
        return 1
    finally:
        services.close()
    out = sys.stdout.buffer
    out.write(result.body)
    if out.isatty() and not result.body.endswith(b"\n"):
        out.write(b"\n")
    out.flush()
    if args.findings:
        print(json.dumps([{"path": f.path, "entity": f.entity, "operator": f.operator, "count": f.count}
                          for f in result.findings], ensure_ascii=False), file=sys.stderr)
    return 0
