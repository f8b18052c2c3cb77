"""mitmproxy's hook dispatch for a gateway master, with the handlers of each hook looked up once.

`AddonManager.trigger_event` walks every chain entry for every hook of every request: a `safecall` context
manager, a generator over the entry and its children, a getattr per addon, and `Hook.args()` (a
dataclasses.fields() walk) per handler — whether or not any addon handles the hook. mitmproxy also triggers
an `update` hook after each flow hook, which no gateway addon handles. Together that was about a tenth of
the gateway's CPU per request.

`install(manager)` replaces the manager's `trigger_event` (on that instance only) with one that keeps, per
hook name, the entries that handle it and their bound handlers, computed on first use from the chain as it
is then and computed again whenever the chain itself changes (another entry added or removed). Every entry
that handles the hook is still called in chain order inside its own `safecall`, its children in
mitmproxy's order, an `AddonHalt` still ends the event: only the entries with nothing to call are skipped.

Installed by the wiring (addons.runner.gateway_master) after the addons are added. Only for the gateway's
own master, whose addons are fixed objects (mitmproxy's proxy addons and addons.pipeline.Corridor): an
addon that grows hooks or children at run time (mitmdump's script loader) needs mitmproxy's own walk,
so `mitmdump -s addons/govshare.py` keeps it.
"""

from __future__ import annotations

import inspect
import types

from mitmproxy import exceptions, hooks
from mitmproxy.addonmanager import safecall, traverse

_ATTR = "_govshare_dispatch"


def _handlers(entry, name: str) -> tuple:
    """The bound hooks `name` of an entry and its children, in mitmproxy's order (AddonManager._iter_hooks:
    a module imported under a hook's name is no handler; any other non-callable is an error)."""
    found = []
    for addon in traverse([entry]):
        func = getattr(addon, name, None)
        if func:
            if callable(func):
                found.append(func)
            elif not isinstance(func, types.ModuleType):
                raise exceptions.AddonManagerError(f"Addon handler {name} ({addon}) not callable")
    return tuple(found)


def _plan(chain, name: str) -> tuple:
    """((handler, ...), ...) per chain entry that handles hook `name`, in chain order."""
    return tuple(h for h in (_handlers(entry, name) for entry in chain) if h)


def install(manager) -> None:
    """Idempotently give `manager` (an AddonManager) the cached dispatch."""
    if getattr(manager, _ATTR, None) is not None:
        return
    cache: dict[str, tuple] = {}
    chain_seen: list = [None]

    async def trigger_event(event: hooks.Hook) -> None:
        chain = tuple(manager.chain)
        if chain != chain_seen[0]:  # an entry added or removed: look every hook up again
            cache.clear()
            chain_seen[0] = chain
        plan = cache.get(event.name)
        if plan is None:
            plan = cache[event.name] = _plan(chain, event.name)
        if not plan:
            return
        args = event.args()
        for handlers in plan:
            try:
                with safecall():
                    for func in handlers:
                        res = func(*args)
                        if res is not None and inspect.isawaitable(res):
                            await res
            except exceptions.AddonHalt:
                return

    manager.trigger_event = trigger_event
    setattr(manager, _ATTR, trigger_event)
