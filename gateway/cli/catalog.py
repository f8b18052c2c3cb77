"""`govshare catalog validate|list|show`: the resource catalog, read and checked exactly as the gateway reads it."""

from __future__ import annotations

import json
import sys

from .common import EXIT_OK, EXIT_REFUSED, add_json, load


def register(subparsers) -> None:
    catalog = subparsers.add_parser("catalog", help="the resource catalog")
    csub = catalog.add_subparsers(dest="catalog_command", required=True, metavar="ACTION")
    csub.add_parser("validate", help="validate the catalog file").set_defaults(func=cmd_catalog_validate)
    lst = csub.add_parser("list", help="list resources")
    add_json(lst, "resources")
    lst.set_defaults(func=cmd_catalog_list)
    show = csub.add_parser("show", help="show one resource (JSON)")
    show.add_argument("code")
    show.set_defaults(func=cmd_catalog_show)


def _catalog_path(args):
    # The catalog is a file named by the configuration; reading it needs no data directory.
    return load(args, create=True).catalog


def cmd_catalog_validate(args) -> int:
    from ..catalog import load_catalog

    path = _catalog_path(args)
    catalog = load_catalog(path)
    print(f"{path}: OK — {len(catalog.departments)} departments, {len(catalog.resources)} resources, "
          f"digest {catalog.digest[:16]}")
    return EXIT_OK


def cmd_catalog_list(args) -> int:
    from ..catalog import load_catalog

    rows = load_catalog(_catalog_path(args)).summary()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"{'CODE':<16} {'SHARE':<14} {'PROVIDER':<9} {'PATH':<24} NAME")
    for r in rows:
        print(f"{r['code']:<16} {r['share']:<14} {r['provider']:<9} {r['path']:<24} {r['name']}")
    return EXIT_OK


def cmd_catalog_show(args) -> int:
    from ..catalog import load_catalog

    for r in load_catalog(_catalog_path(args)).summary():
        if r["code"] == args.code:
            print(json.dumps(r, ensure_ascii=False, indent=2))
            return EXIT_OK
    print(f"govshare: no resource {args.code!r} in the catalog", file=sys.stderr)
    return EXIT_REFUSED
