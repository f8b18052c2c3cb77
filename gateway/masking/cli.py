"""`govshare mask`: print a file masked exactly as one caller would receive it.

    govshare mask FILE|-                                   detection only, default operators
    govshare mask --resource GA-RK-0001 --dept MZ FILE     the catalog's labels for that resource

Exit status: 0 masked, 1 refused (the reason is printed, never the body), 2 bad usage or configuration.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..catalog import load_catalog
from ..config import load_config
from ..yamlsrc import SourceError

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
    p.add_argument("--config", default=argparse.SUPPRESS, help="configuration file (TOML)")
    p.add_argument("--data-dir", default=argparse.SUPPRESS, help="data directory")
    p.set_defaults(func=run)
    return p


def _decide(config, catalog, resource, dept: str, app: str | None, purpose: str | None):
    """The share policy's decision for this caller, exactly as the gateway would make it for a GET."""
    from ..policy import Caller, PolicyEngine
    from ..store import make_engine

    engine = make_engine(config.db_url)
    try:
        return PolicyEngine.build(config, catalog, engine).decide(Caller(dept, app, purpose), "GET", resource)
    finally:
        engine.dispose()


def _err(message: str) -> None:
    print(f"govshare mask: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    # Imported here, not at module level: the rest of the CLI must not pay for loading Presidio.
    from .engine import MaskingRefused, MaskingView, build_masker
    from .views import view_for_decision

    if args.resource and not args.dept:
        _err("--resource needs --dept (whose view to show)")
        return 2
    try:
        config = load_config(getattr(args, "config", None), getattr(args, "data_dir", None))
    except SourceError as e:
        _err(str(e))
        return 2
    try:
        body = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as e:
        _err(f"cannot read {args.file}: {e.strerror or e}")
        return 2
    content_type = args.content_type or _TYPES.get(Path(args.file).suffix.lower(), "application/json")
    try:
        if args.resource:
            catalog = load_catalog(config.catalog)
            resource = catalog.resource(args.resource)
            if resource is None:
                _err(f"unknown resource {args.resource!r} (see the catalog {config.catalog})")
                return 2
            decision = _decide(config, catalog, resource, args.dept, args.app, args.purpose)
            if not decision.allowed:
                _err(f"this caller would be refused by the gateway: 403 {decision.reason} ({decision.rule})")
                return 1
            view = view_for_decision(config, resource, decision, args.dept, args.app)
        else:
            view = MaskingView(resource=None)
        masker = build_masker(config)
    except SourceError as e:
        _err(str(e))
        return 2
    try:
        result = masker.mask_body(body, content_type, args.content_encoding, view)
    except MaskingRefused as e:
        _err(f"refused: {e.reason}")
        return 1
    out = sys.stdout.buffer
    out.write(result.body)
    if out.isatty() and not result.body.endswith(b"\n"):
        out.write(b"\n")
    out.flush()
    if args.findings:
        print(json.dumps([{"path": f.path, "entity": f.entity, "operator": f.operator, "count": f.count}
                          for f in result.findings], ensure_ascii=False), file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="govshare")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
