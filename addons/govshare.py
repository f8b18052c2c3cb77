"""Entry point for `mitmdump -s addons/govshare.py --mode reverse:http://127.0.0.1:9 [--set govshare_config=…]`.

The reverse target is a placeholder: the route stage sends every request to its catalogued provider. The
same pipeline as `govshare run` (addons.pipeline); the upstream error patch is installed here, explicitly,
as addons.runner.gateway_master does for `govshare run`.
"""

from addons import errorpatch, limits
from addons.pipeline import pipeline

errorpatch.install()
limits.install()
addons = pipeline()
