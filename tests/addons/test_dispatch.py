"""addons.dispatch: the gateway master's hook dispatch calls what mitmproxy's own walk calls, in its order."""

from __future__ import annotations

import asyncio
import logging

from mitmproxy import exceptions
from mitmproxy.proxy.layers.http import HttpRequestHook
from mitmproxy.test import taddons, tflow

from addons import dispatch


class Recorder:
    def __init__(self, tag: str, seen: list, fail: bool = False, halt: bool = False, children=()):
        self.name = tag
        self.tag, self.seen, self.fail, self.halt = tag, seen, fail, halt
        if children:
            self.addons = list(children)

    async def request(self, flow):
        self.seen.append((self.tag, flow.id))
        if self.halt:
            raise exceptions.AddonHalt()
        if self.fail:
            raise RuntimeError("boom")


class Silent:
    """An entry without a request hook: skipped."""

    name = "silent"


def _in_loop(go):
    """asyncio.run(go()), leaving the root logger's handlers as they were (a test master adds its own, bound
    to the loop that ends here)."""
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        return asyncio.run(go())
    finally:
        root.handlers[:] = before


def _both(build, caplog=None):
    """The calls seen with mitmproxy's own dispatch and with the installed one, for the same chain (with the
    ERROR lines logged meanwhile when `caplog` is given: then each side is (calls, errors))."""
    out = []
    for patched in (False, True):
        seen: list = []

        async def go():
            with taddons.context() as tctx:
                tctx.master.addons.add(*build(seen))
                if patched:
                    dispatch.install(tctx.master.addons)
                flow = tflow.tflow()
                if caplog is None:
                    await tctx.master.addons.handle_lifecycle(HttpRequestHook(flow))
                    return flow, None
                with caplog.at_level(logging.ERROR):
                    caplog.clear()
                    await tctx.master.addons.handle_lifecycle(HttpRequestHook(flow))
                return flow, [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]

        flow, errors = _in_loop(go)
        calls = [(tag, ids == flow.id or ids == [flow.id]) for tag, ids in seen]
        out.append(calls if caplog is None else (calls, errors))
    return out


def test_handlers_run_in_chain_order_children_included_entries_without_the_hook_skipped():
    def build(seen):
        return [Recorder("a", seen), Silent(), Recorder("p", seen, children=[Recorder("c1", seen),
                                                                               Recorder("c2", seen)]),
                Recorder("z", seen)]

    plain, patched = _both(build)
    assert patched == plain == [("a", True), ("p", True), ("c1", True), ("c2", True), ("z", True)]


def test_an_exception_ends_its_entry_only_and_addonhalt_ends_the_event():
    def build(seen):
        return [Recorder("p", seen, fail=True, children=[Recorder("skipped", seen)]), Recorder("next", seen),
                Recorder("halt", seen, halt=True), Recorder("never", seen)]

    plain, patched = _both(build)
    assert patched == plain == [("p", True), ("next", True), ("halt", True)]


def test_an_entry_added_later_is_dispatched_to():
    seen: list = []

    async def go():
        with taddons.context() as tctx:
            tctx.master.addons.add(Recorder("a", seen))
            dispatch.install(tctx.master.addons)
            dispatch.install(tctx.master.addons)  # idempotent
            await tctx.master.addons.handle_lifecycle(HttpRequestHook(tflow.tflow()))
            tctx.master.addons.add(Recorder("b", seen))
            await tctx.master.addons.handle_lifecycle(HttpRequestHook(tflow.tflow()))

    _in_loop(go)
    assert [tag for tag, _ in seen] == ["a", "a", "b"]


class Updated:
    """An entry with an `update` hook: mitmproxy sends it every flow after each flow hook."""

    name = "updated"

    def __init__(self, seen: list):
        self.seen = seen

    def update(self, flows):
        self.seen.append(("update", [f.id for f in flows]))


def test_update_follows_a_flow_hook_when_an_entry_handles_it_and_a_failure_is_logged_by_safecall(caplog):
    def build(seen):
        return [Recorder("boom", seen, fail=True), Updated(seen)]

    out = _both(build, caplog)
    assert out[1] == out[0]
    assert out[0][0] == [("boom", True), ("update", True)]
    assert out[0][1] == ["Addon error: boom"]
