"""`python -m gateway.admin ...`: the admin commands without the rest of the CLI."""

import sys

from .cli import main

sys.exit(main(["admin", *sys.argv[1:]]))
