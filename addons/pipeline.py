"""The pipeline: the addons of one gateway, in the order mitmproxy must call them.

mitmproxy calls addons in list order for every hook, so the order below is the corridor:
request: route → authenticate → authorize → gate → upstream watchdog;
response: upstream → mask → gate → audit; error: upstream → audit.
"""

from __future__ import annotations

from .audit import Audit
from .authenticate import Authenticate
from .authorize import Authorize
from .bootstrap import Bootstrap
from .context import Context
from .gate import RequestGate, ResponseGate
from .mask import Mask
from .route import Route
from .upstream import Upstream


def pipeline(services=None) -> list:
    context = Context(services)
    return [
        Bootstrap(context),
        Route(context),
        Authenticate(context),
        Authorize(context),
        RequestGate(),
        Upstream(context),
        Mask(context),
        ResponseGate(),
        Audit(context),
    ]
