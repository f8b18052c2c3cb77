"""The pipeline: the addons of one gateway, in the order mitmproxy must call them.

mitmproxy calls addons in list order for every hook, so the order below is the corridor:
request: route → authenticate → authorize → upstream watchdog → gate;
response: upstream → mask → gate → audit; error: upstream → audit.

The stages before the gate travel as one entry of mitmproxy's addon chain (`Stages`, whose children
mitmproxy calls in order, as it does a script's addons): mitmproxy pays a dispatch per chain entry on
every hook of every request, whether or not the entry handles that hook, and nine entries cost the
gateway a tenth of its CPU. The gate and the audit stay entries of their own, so that even a stage whose
hook raised past its own guard (mitmproxy then skips the rest of that entry) cannot release anything:
the gate still refuses what no stage allowed or masked, and the audit still records it.
"""

from __future__ import annotations

from .audit import Audit
from .authenticate import Authenticate
from .authorize import Authorize
from .bootstrap import Bootstrap
from .context import Context
from .gate import Gate
from .limits import Limits
from .mask import Mask
from .route import Route
from .upstream import Upstream


class Stages:
    """Several stage addons as one chain entry; mitmproxy calls each child's hooks in order."""

    name = "govshare_stages"

    def __init__(self, *stages):
        self.addons = list(stages)


def pipeline(services=None) -> list:
    context = Context(services)
    return [
        Stages(Bootstrap(context), Route(context), Authenticate(context), Authorize(context), Upstream(context),
               Mask(context), Limits(context)),
        Gate(),
        Audit(context),
    ]
