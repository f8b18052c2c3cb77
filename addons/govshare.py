"""Entry point for `mitmdump -s addons/govshare.py --mode reverse:http://127.0.0.1:9 [--set govshare_config=…]`.

The reverse target is a placeholder: the route stage sends every request to its catalogued provider. The
same pipeline as `govshare run` (addons.pipeline); the upstream error patch is installed here, explicitly,
as addons.runner.gateway_master does for `govshare run`.
"""

from addons import auditpatch, errorpatch, limits, typecheck
from addons.pipeline import pipeline
from gateway.audit import logfilter

errorpatch.install()
limits.install()
auditpatch.install()
logfilter.install()
typecheck.install()
addons = pipeline()
