"""CLI wiring for identity: `govshare token issue` (pilot tokens) and `govshare keys jwks` (public keys).

`register(subparsers)` adds both commands; each leaf sets `func`, a handler taking the parsed args and
returning the exit code (0 ok, 1 refused: wrong mode or bad input, 2 bad configuration; see common.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..identity.signing_keys import (MAX_PILOT_TTL, PILOT_ALGORITHM, PilotKeys, compatible_algorithms, is_dept_code,
                                     load_public_pem, public_jwk)

from .common import EXIT_OK, EXIT_REFUSED, load


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `token issue` and `keys jwks` to the govshare command line."""
    token = subparsers.add_parser("token", help="pilot tokens")
    token_actions = token.add_subparsers(dest="token_action", metavar="ACTION", required=True)
    issue = token_actions.add_parser(
        "issue", help="issue a pilot token signed by the gateway's own key (pilot mode)",
        description="Print a JWT for a calling department/application, signed with the pilot ES256 key.")
    issue.add_argument("--dept", required=True, metavar="CODE", help="department code, e.g. HEALTH")
    issue.add_argument("--app", required=True, metavar="NAME", help="calling application name")
    issue.add_argument("--ttl", type=int, default=3600, metavar="SECONDS",
                       help=f"lifetime in seconds (default 3600, at most {MAX_PILOT_TTL})")
    issue.add_argument("--purpose", default=None, metavar="TEXT", help="stated purpose of use (optional)")
    issue.set_defaults(func=token_issue)

    keys = subparsers.add_parser("keys", help="verification keys")
    key_actions = keys.add_subparsers(dest="keys_action", metavar="ACTION", required=True)
    jwks = key_actions.add_parser("jwks", help="print the public JWKS (pilot or pem mode)",
                                  description="Print the public JWKS that verifies tokens accepted by this gateway.")
    jwks.set_defaults(func=keys_jwks)


def token_issue(args: argparse.Namespace) -> int:
    config = load(args)
    settings = config.identity
    if settings.mode != "pilot":
        print(f"govshare token issue: identity mode is {settings.mode!r}; only pilot mode issues tokens "
              "(tokens come from the identity service configured in [identity])", file=sys.stderr)
        return EXIT_REFUSED
    from ..catalog import load_catalog  # a broken catalog is a usage error (exit 2), reported by main

    if is_dept_code(args.dept) and not load_catalog(config.catalog).is_registered(args.dept, args.app):
        print(f"govshare token issue: department {args.dept!r} with application {args.app!r} is not registered "
              f"in the catalog ({config.catalog}); the gateway would refuse the token (403 unknown_caller)",
              file=sys.stderr)
        return EXIT_REFUSED
    try:
        token = PilotKeys(config.data_dir).issue(
            args.dept, app=args.app, ttl=args.ttl, purpose=args.purpose, issuer=settings.issuer,
            audience=settings.audience, dept_claim=settings.dept_claim, app_claim=settings.app_claim,
            purpose_claim=settings.purpose_claim)
    except (ValueError, OSError) as e:
        print(f"govshare token issue: {e}", file=sys.stderr)
        return EXIT_REFUSED
    print(token)
    return EXIT_OK


def keys_jwks(args: argparse.Namespace) -> int:
    config = load(args)
    settings = config.identity
    try:
        if settings.mode == "pilot":
            document = PilotKeys(config.data_dir).jwks()
        elif settings.mode == "pem" and settings.pem_file:
            key = load_public_pem(Path(settings.pem_file))
            algorithms = sorted(set(settings.algorithms) & compatible_algorithms(key))
            extra = {"use": "sig", **({"alg": algorithms[0]} if len(algorithms) == 1 else {})}
            document = {"keys": [public_jwk(key, **extra)]}
        else:
            print(f"govshare keys jwks: identity mode is {settings.mode!r}; the gateway publishes keys only in "
                  f"pilot mode ({PILOT_ALGORITHM}) or pem mode", file=sys.stderr)
            return EXIT_REFUSED
    except (ValueError, OSError) as e:
        print(f"govshare keys jwks: {e}", file=sys.stderr)
        return EXIT_REFUSED
    print(json.dumps(document, indent=2, sort_keys=True))
    return EXIT_OK
