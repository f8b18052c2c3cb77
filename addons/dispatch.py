"""mitmproxy's hook dispatch for a gateway master, with the handlers of each hook looked up once.

`AddonManager.trigger_event` walks every chain entry for every hook of every request: a `safecall` context
manager, a generator over the entry and its children, a getattr per addon, and `Hook.args()` (a
dataclasses.fields() walk) per handler — whether or not any addon handles the hook. mitmproxy also triggers
an `update` hook after each flow hook, which no gateway addon handles. Together that was about a tenth of
the gateway's CPU per request.

`install(manager)` replaces the manager's `trigger_event` (on that instance only) with one that keeps, per
hook name, the entries that handle it and their bound handlers, computed on first use from the chain as it
is then and computed again whenever the chain itself changes (another entry added or removed). Every entry
that handles the hook is still called in chain order under mitmproxy's `safecall` rules (an exception is
logged by safecall and ends that entry only), its children in mitmproxy's order, an `AddonHalt` still ends
the event: only the entries with nothing to call are skipped. Its `handle_lifecycle` (what the proxy server
calls per hook) likewise skips the `update` hook while no entry handles it.

Installed by the wiring (addons.runner.gateway_master) after the addons are added. Only for the gateway's
own master, whose addons are fixed objects (mitmproxy's proxy addons and addons.pipeline.Corridor): an
addon that grows hooks or children at run time (mitmdump's script loader) needs mitmproxy's own walk,
so `mitmdump -s addons/govshare.py` keeps it.
"""

from __future__ import annotations

import dataclasses
import inspect
import types

from mitmproxy import exceptions, flow, hooks
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


_fields_of: dict[type, tuple[str, ...]] = {}


def _args(event: hooks.Hook) -> list:
    """`event.args()` with the hook class's field names looked up once (mitmproxy walks dataclasses.fields()
    on every call, and handle_lifecycle called it twice per hook)."""
    names = _fields_of.get(type(event))
    if names is None:
        names = _fields_of[type(event)] = tuple(f.name for f in dataclasses.fields(event))
    return [getattr(event, name) for name in names]


def install(manager) -> None:
    """Idempotently give `manager` (an AddonManager) the cached dispatch."""
    if getattr(manager, _ATTR, None) is not None:
        return
    cache: dict[str, tuple] = {}
    chain_seen: list = []

    def plan_for(name: str) -> tuple:
        chain = manager.chain
        if chain != chain_seen:  # an entry added or removed: look every hook up again (list ==: identity first)
            cache.clear()
            chain_seen[:] = chain
        plan = cache.get(name)
        if plan is None:
            plan = cache[name] = _plan(tuple(chain), name)
        return plan

    async def run(plan: tuple, args: list) -> None:
        for handlers in plan:
            # mitmproxy's safecall, as a plain try: its context manager cost every handler call a generator.
            # An exception is handed to safecall itself, so it is logged exactly as mitmproxy logs it.
            try:
                for func in handlers:
                    res = func(*args)
                    if res is not None and inspect.isawaitable(res):
                        await res
            except exceptions.AddonHalt:
                return
            except exceptions.OptionsError:
                raise
            except Exception:  # noqa: BLE001 - logged by safecall, then the next entry runs
                try:
                    with safecall():
                        raise
                except exceptions.AddonHalt:  # pragma: no cover - safecall re-raises only these
                    return

    async def trigger_event(event: hooks.Hook) -> None:
        plan = plan_for(event.name)
        if plan:
            await run(plan, _args(event))

    async def handle_lifecycle(event: hooks.Hook) -> None:
        """AddonManager.handle_lifecycle: the hook, then `update` for a flow — skipped while no addon handles
        `update` (mitmproxy builds and dispatches that second hook after every flow hook regardless)."""
        args = _args(event)
        plan = plan_for(event.name)
        if plan:
            await run(plan, args)
        update = plan_for(hooks.UpdateHook.name)
        if update and args and isinstance(args[0], flow.Flow):
            await run(update, [[args[0]]])

    manager.trigger_event = trigger_event
    manager.handle_lifecycle = handle_lifecycle
    setattr(manager, _ATTR, trigger_event)
