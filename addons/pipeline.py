"""The pipeline: the addons of one gateway, in the order their hooks must run, as one mitmproxy chain entry.

The corridor, per hook:
request: route → authenticate → authorize → upstream watchdog → limits, then the gate;
response: upstream → mask → limits, then the gate → audit; error: upstream → limits, then audit.

Each stage stays its own addon class in its own module with its own tests (addons.route, addons.mask, ...).
What changed is who calls them: mitmproxy pays a dispatch per chain entry on every hook of every request
(a context manager, a generator walking the entry's children, a getattr per child), whether or not the
entry handles that hook, and it triggers an `update` hook after each one. With the stages as nested addons
(and the gate and the audit as entries of their own) that dispatch was about a tenth of the gateway's CPU.
`Corridor` is one entry: at construction it looks each hook up once on every stage and keeps, per hook, the
list of bound methods to call; mitmproxy then finds one object with one method per hook it handles and
nothing at all for the hooks none handles (`update`, `requestheaders`, ...).

Fail closed is kept as it was with separate entries: the stages before the guards run in order, and a stage
hook that raised past its own guard (`addons.failclosed.guarded`) ends that group for this hook — as
mitmproxy ended a chain entry — while the gate and the audit (`guards`) run whatever happened before them,
each on its own: the gate still refuses what no stage allowed or masked, and the audit still records it.
Such an escaped exception is logged with its class only (mitmproxy's own log line quoted its message).
Lifecycle hooks (load, configure, running, done) go to every stage and guard in order, and an exception
there propagates exactly as it did from mitmproxy's walk over nested addons (an OptionsError from the
bootstrap's configure still reaches the option machinery).
"""

from __future__ import annotations

import logging

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

log = logging.getLogger("govshare")

# The flow hooks the corridor handles (those its stages define); the others it does not even have.
FLOW_HOOKS = ("request", "responseheaders", "response", "error", "govshare_request_refused")
LIFECYCLE_HOOKS = ("load", "configure", "running", "done")


def _stage_name(addon) -> str:
    return type(addon).__name__.lower()


def _handlers(addons, hook: str) -> tuple:
    """(stage name, bound hook) of every addon in `addons` that defines `hook`, in order."""
    return tuple((_stage_name(a), getattr(a, hook)) for a in addons if callable(getattr(a, hook, None)))


async def _run(handlers: tuple, arg, guard: bool) -> None:
    """Call the handlers in order (awaiting what they return). A stage's escaped exception ends the group
    (`guard` False); a guard's ends only itself (`guard` True)."""
    for stage, hook in handlers:
        try:
            res = hook(arg)
            if res is not None:  # an async hook, or a sync one handing on a coroutine (the route's own endpoint)
                await res
        except Exception as exc:  # noqa: BLE001 - as mitmproxy's safecall, minus the message in the log
            log.error("govshare %s hook raised past its guard (%s)", stage, type(exc).__name__)
            if not guard:
                return


class Corridor:
    """The stage addons, then the guards (gate, audit), as the one chain entry mitmproxy dispatches to."""

    name = "govshare_corridor"

    def __init__(self, stages: list, guards: list):
        # Not called `addons`: mitmproxy would walk them itself and call every hook twice.
        self.stages, self.guards = list(stages), list(guards)
        every = self.stages + self.guards
        self._lifecycle = {hook: _handlers(every, hook) for hook in LIFECYCLE_HOOKS}
        self._flow = {hook: (_handlers(self.stages, hook), _handlers(self.guards, hook)) for hook in FLOW_HOOKS}
        self._request, self._responseheaders, self._response, self._error, self._refused = (
            self._flow[hook] for hook in FLOW_HOOKS)

    # --- lifecycle: every addon in order; exceptions propagate as they did from nested addons -------------

    def load(self, loader) -> None:
        for _, hook in self._lifecycle["load"]:
            hook(loader)

    def configure(self, updated) -> None:
        for _, hook in self._lifecycle["configure"]:
            hook(updated)

    def running(self) -> None:
        for _, hook in self._lifecycle["running"]:
            hook()

    def done(self) -> None:
        for _, hook in self._lifecycle["done"]:
            hook()

    # --- flow hooks ---------------------------------------------------------------------------------------

    async def request(self, flow) -> None:
        stages, guards = self._request
        await _run(stages, flow, False)
        await _run(guards, flow, True)

    async def responseheaders(self, flow) -> None:
        stages, guards = self._responseheaders
        await _run(stages, flow, False)
        await _run(guards, flow, True)

    async def response(self, flow) -> None:
        stages, guards = self._response
        await _run(stages, flow, False)
        await _run(guards, flow, True)

    async def error(self, flow) -> None:
        stages, guards = self._error
        await _run(stages, flow, False)
        await _run(guards, flow, True)

    async def govshare_request_refused(self, refusal) -> None:
        stages, guards = self._refused
        await _run(stages, refusal, False)
        await _run(guards, refusal, True)


def pipeline(services=None) -> list:
    context = Context(services)
    stages = [Bootstrap(context), Route(context), Authenticate(context), Authorize(context), Upstream(context),
              Mask(context), Limits(context)]
    return [Corridor(stages, [Gate(), Audit(context)])]
