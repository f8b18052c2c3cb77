"""What the core may use of the proxy side, without importing it: named entry points.

The core (gateway/) never imports mitmproxy or addons/. The commands that run a gateway (`govshare run`,
`govshare demo`) need the proxy side's runner, so the proxy side declares it in pyproject.toml under the
entry-point group `govshare.proxy` (`run` → addons.runner:run_command, `gateway` → addons.runner:Gateway)
and the CLI looks it up here by name. The dependency points from addons/ to gateway/ only; a build without
the proxy side gets a clear error instead of an ImportError.
"""

from __future__ import annotations

from importlib.metadata import entry_points

GROUP = "govshare.proxy"


class ProxySideMissing(RuntimeError):
    """The installed distribution declares no proxy side (addons/) under GROUP."""


def proxy_entry(name: str):
    """The object the proxy side registered as `name` in the `govshare.proxy` entry-point group."""
    found = entry_points(group=GROUP, name=name)
    if not found:
        raise ProxySideMissing(f"no '{name}' in entry-point group {GROUP!r}: install govshare with its proxy side "
                               "(pip install -e .) to run a gateway")
    return next(iter(found)).load()
