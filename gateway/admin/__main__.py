"""`python -m gateway.admin ...`: the same as `govshare admin ...`."""

import sys

from ..cli import main

sys.exit(main(["admin", *sys.argv[1:]]))
