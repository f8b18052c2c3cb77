"""mitmproxy's type check of every HTTP message it builds, with each message class's checks compiled once.

In a normal (not `python -O`) run, mitmproxy 12 checks the type of every field of every request and response
it creates (`MessageData.__post_init__`): a `dataclasses.fields()` walk and, per field, `typing.get_origin`
and a recursive `check_option_type` on the annotation. Run twice per proxied call (the request head, the
provider's response head), that was about a twentieth of the gateway's CPU per request.

`install()` replaces that method with the same check done as plain `isinstance` tests: per message class,
each field's annotation is turned once into the tuple of classes `check_option_type` accepts for it (a union
into its members, `float` also accepting `int`, as mitmproxy does). A value that fails the fast test, and any
field whose annotation is not a plain class or a union of classes, goes to mitmproxy's own
`check_option_type`, which raises its TypeError exactly as before: a message of the wrong shape is refused
as it was, only the common case is cheaper. Nothing is installed when mitmproxy runs without the check
(`python -O`). Installed once, explicitly, by the wiring (addons.runner.gateway_master, addons/govshare.py).
"""

from __future__ import annotations

import dataclasses
import types
import typing

from mitmproxy import http
from mitmproxy.utils import typecheck

_plans: dict[type, tuple] = {}
# mitmproxy's own check (None under `python -O`), as this module found it before installing anything.
original = vars(http.MessageData).get("__post_init__")


def accepted(typeinfo) -> tuple[type, ...] | None:
    """The classes whose instances check_option_type(…, typeinfo) accepts without further checks, or None when
    the annotation is anything but a class or a union of classes (then mitmproxy's check decides)."""
    origin = typing.get_origin(typeinfo)
    if origin is typing.Union or origin is types.UnionType:
        out: tuple[type, ...] = ()
        for member in typing.get_args(typeinfo):
            classes = accepted(member)
            if classes is None:
                return None
            out += classes
        return out
    if origin is None and isinstance(typeinfo, type) and typeinfo is not typing.Any:
        return (float, int) if typeinfo is float else (typeinfo,)
    return None


def _plan(cls: type) -> tuple:
    plan = _plans.get(cls)
    if plan is None:
        plan = _plans[cls] = tuple((f.name, accepted(f.type), f.type) for f in dataclasses.fields(cls))
    return plan


def _post_init(self) -> None:
    for name, classes, typeinfo in _plan(type(self)):
        value = getattr(self, name)
        if classes is None or not isinstance(value, classes):
            typecheck.check_option_type(name, value, typeinfo)  # mitmproxy's own verdict (and TypeError)


_post_init.__qualname__ = "MessageData.__post_init__"


def install() -> None:
    """Idempotently compile mitmproxy's message type check (only where mitmproxy has one)."""
    if original is not None and vars(http.MessageData).get("__post_init__") is not _post_init:
        http.MessageData.__post_init__ = _post_init
