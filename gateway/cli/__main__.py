"""`python -m gateway.cli`: the core commands (everything but the proxy's run/demo, which are addons.cli's)."""

import sys

from . import main

sys.exit(main())
