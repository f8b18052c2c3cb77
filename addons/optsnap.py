"""The proxy options the HTTP/1 patches read on every head, read once per change of the options.

Every attribute read on mitmproxy's OptManager deep-copies the option's value, and the patched head readers
(addons.limits) and body-size and framing checks (addons.errorpatch) ran several such reads per request. The
snapshot is kept on the OptManager itself and dropped whenever mitmproxy announces a change of any option
(`OptManager.changed`, which every update, reset and rollback sends), so the next read takes the values in
force again: a changed limit applies from the next head on, as it did when each read went to the options.
"""

from __future__ import annotations

from dataclasses import dataclass

from mitmproxy.utils import human

_KEY = "_govshare_snapshot"  # in OptManager.__dict__ (its __setattr__ would treat it as an option)


@dataclass(frozen=True, slots=True)
class Snapshot:
    max_header_bytes: int | None
    max_headers: int | None
    max_request_body: int | None
    body_size_limit: str | None  # as set (for "is there a limit")
    body_size_bytes: int | None  # parsed
    stream_large_bytes: int | None  # stream_large_bodies, parsed (the bootstrap enforces None)
    validate_inbound_headers: bool


class _Holder:
    """Owned by one OptManager (strong reference from it; the signal holds only a weak one to `changed`)."""

    __slots__ = ("value", "__weakref__")

    def __init__(self) -> None:
        self.value: Snapshot | None = None

    def changed(self, updated=None) -> None:
        self.value = None


def _read(opts) -> Snapshot:
    limit = opts.body_size_limit
    return Snapshot(getattr(opts, "govshare_max_header_bytes", None), getattr(opts, "govshare_max_headers", None),
                    getattr(opts, "govshare_max_request_body", None), limit, human.parse_size(limit),
                    human.parse_size(opts.stream_large_bodies), bool(opts.validate_inbound_headers))


def snapshot(opts) -> Snapshot:
    """The options in force on `opts` (an OptManager), read again only after it announced a change."""
    holder = opts.__dict__.get(_KEY)
    if holder is None:
        holder = _Holder()
        opts.changed.connect(holder.changed)
        opts.__dict__[_KEY] = holder
    value = holder.value
    if value is None:
        value = holder.value = _read(opts)
    return value
