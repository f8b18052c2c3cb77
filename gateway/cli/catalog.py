"""`govshare catalog validate|list|show|export|import`: the resource catalog, read and checked exactly as the
gateway reads it.

`export` prints (or writes) the catalog in force — the newest version in the store of record
(gateway.admin.versions), else the file — so it can be reviewed in version control; `import FILE` validates
a YAML catalog (errors name file, line and field; exit 1), stores it as a new version (materialised to the
catalog file every gateway reloads) and records `catalog.import` in the audit trail with --by; a version
the trail cannot record is rolled back. Importing the text already in force changes nothing (exit 0).
"""

from __future__ import annotations

import json
import sys

from .common import EXIT_OK, EXIT_REFUSED, Refused, actor, add_by, add_json, load


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
    export = csub.add_parser("export", help="the catalog in force as YAML (stdout or --out)")
    export.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
    export.set_defaults(func=cmd_catalog_export)
    imp = csub.add_parser("import", help="validate a YAML catalog and put it in force as a new version")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--comment", help="why (kept with the version; default: imported from FILE)")
    add_by(imp, "the import")
    imp.set_defaults(func=cmd_catalog_import)


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


def _store(config):
    from ..admin.versions import VersionStore
    from ..store import make_engine

    engine = make_engine(config.db_url)
    return engine, VersionStore(engine, config)


def catalog_text(config) -> str:
    """The catalog in force: the newest stored version, else the configured file."""
    from pathlib import Path

    engine, store = _store(config)
    try:
        head = store.head("catalog")
    finally:
        engine.dispose()
    return head.content if head is not None else Path(config.catalog).read_text(encoding="utf-8")


def cmd_catalog_export(args) -> int:
    from pathlib import Path

    text = catalog_text(load(args))
    if args.out is None:
        sys.stdout.write(text)
        return EXIT_OK
    out = Path(args.out)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    tmp.replace(out)
    print(f"catalog written to {out}")
    return EXIT_OK


def cmd_catalog_import(args) -> int:
    from pathlib import Path

    from ..admin.versions import VersionError
    from ..catalog import load_catalog
    from ..policy import read_policy_csv
    from ..yamlsrc import SourceError
    from .grant_support import _audit_admin, _why

    config = load(args)
    path = Path(args.file)
    try:
        catalog = load_catalog(path)  # errors name this file, its line and field
        read_policy_csv(Path(config.policy), catalog)  # the base rules must still fit the new catalog
        text = path.read_text(encoding="utf-8")
    except SourceError as e:
        raise Refused(f"not imported: {e}") from None
    by = actor(args)
    engine, store = _store(config)
    try:
        try:
            version = store.commit("catalog", text, by, args.comment or f"imported from {path.name}")
        except VersionError as e:
            if "already at this text" in str(e):
                print(f"catalog unchanged: {e}")
                return EXIT_OK
            raise Refused(f"not imported: {e}") from None
        previous = store.get("catalog", version.version - 1)
        old_digest = _semantic_digest(config, previous.content) if previous is not None else ""
        try:
            _audit_admin(config, engine, by, "catalog.import", path.name, old_digest, catalog.digest,
                         {"version": version.version, "sha256": version.digest, "resources": len(catalog.resources)})
        except Exception as exc:  # noqa: BLE001 - an unaudited catalog must not stay in force
            if previous is not None:
                store.rollback("catalog", previous.version, by, "import withdrawn: the audit trail could not "
                               "record it")
            raise Refused(f"the audit trail could not record this import ({_why(exc)}); withdrawn") from None
    finally:
        engine.dispose()
    print(f"catalog version {version.version} in force (digest {catalog.digest[:16]}, "
          f"{len(catalog.resources)} resources)")
    return EXIT_OK


def _semantic_digest(config, text: str) -> str:
    """The catalog digest (over its parsed content) of a stored text."""
    import tempfile
    from pathlib import Path

    from ..catalog import load_catalog

    live = Path(config.catalog)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".yaml", dir=live.parent, delete=True) as fh:
        fh.write(text)
        fh.flush()
        return load_catalog(fh.name).digest
