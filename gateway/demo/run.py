"""`govshare demo`: the demo departments on loopback, the gateway in front of them, and calls to paste.

Starts every department of the catalog on free loopback ports (the public-security, market-regulation,
civil-affairs and human-resources APIs with their records; a department added to the catalog gets a generic
demo API), points a copy of the catalog at them (data directory, demo-catalog-PID.yaml), prints the ports, then
starts the gateway on the embedded default (SQLite in the data directory, pilot tokens) and prints
ready-to-paste curl commands with fresh tokens for the four outcomes every officer asks about.

The gateway itself is started by the caller's `start_gateway(config, services)` (the proxy side's runner):
the core never imports the proxy.
"""

from __future__ import annotations

import os
import shlex
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from ..config import Config

PURPOSE = "最低生活保障资格核查"


def run_demo(config: Config, port: int, start_gateway: Callable, admin: tuple[str, int] | None = None) -> int:
    """Run the demo until SIGTERM or Ctrl-C; `start_gateway(config, services)` returns a started gateway
    (with `.url` and `.stop()`). The officers' console listens on `admin` (HOST, PORT), by default on the
    gateway's port + 1, or on a free port when that one is taken (two `make run`s on one machine)."""
    from ..catalog import load_catalog
    from ..identity import PilotKeys
    from ..services import Services
    from ..admin.demo import demo_store
    from .upstreams import start_demo_upstreams

    if config.identity.mode != "pilot":
        print("govshare demo: the demo issues its own pilot tokens; set [identity] mode = \"pilot\"",
              file=sys.stderr)
        return 2
    catalog = load_catalog(config.catalog)
    upstreams = start_demo_upstreams(host="127.0.0.1", ports=dict.fromkeys(catalog.departments, 0),
                                     catalog=catalog)
    try:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        # One copy per demo process: two demos on one data directory must not repoint each other's gateway.
        # The database is the store of record; officers' edits land in these copies, never in policies/.
        config, demo_files = demo_store(config, upstreams.urls, os.getpid())
        config = replace(config, gateway=replace(config.gateway, listen_port=port))
        services = Services.open(config)
    except BaseException:
        upstreams.close()
        raise
    try:
        gateway = start_gateway(config, services)
    except BaseException:
        services.close()
        upstreams.close()
        raise
    try:
        console, console_text = start_demo_console(config, services, gateway.url, admin)
    except BaseException:
        gateway.stop()
        services.close()
        upstreams.close()
        raise
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # stop cleanly: the audit trail gets its checkpoint
    try:
        keys = PilotKeys(config.data_dir)
        print(departments(upstreams.urls))
        print(walkthrough(gateway.url, keys, config))
        print(console_text)
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        console.stop()
        gateway.stop()
        services.close()
        upstreams.close()
        for path in demo_files:
            path.unlink(missing_ok=True)
    return 0


def start_demo_console(config: Config, services, gateway_url: str, admin: tuple[str, int] | None):
    """The console beside the demo gateway, with one fresh account per role; (server, lines to print)."""
    from ..admin.serve import ConsoleAddressError, console_beside_gateway

    data_port = int(gateway_url.rsplit(":", 1)[1].split("/", 1)[0])
    if admin is not None:
        return console_beside_gateway(config, services, admin[0], admin[1], data_port=data_port, demo=True)
    try:
        if data_port >= 65535:
            raise ConsoleAddressError("no port above the gateway's")
        return console_beside_gateway(config, services, "127.0.0.1", data_port + 1, data_port=data_port, demo=True)
    except ConsoleAddressError:  # taken (another demo's gateway or console): any free port
        return console_beside_gateway(config, services, "127.0.0.1", 0, data_port=data_port, demo=True)


def departments(urls: dict[str, str]) -> str:
    """The demo departments and the free ports they listen on."""
    return "demo departments: " + ", ".join(f"{code} {url}" for code, url in urls.items())


def walkthrough(url: str, keys, config: Config) -> str:
    """The four demo calls with fresh tokens, as a person would paste them."""
    until = (datetime.now(timezone.utc) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    mz = keys.issue("MZ", app="dibao-review", purpose=PURPOSE, ttl=8 * 3600)
    rs = keys.issue("RS", app="employment-check", purpose="就业补贴审核", ttl=8 * 3600)
    data_dir = shlex.quote(str(config.data_dir))
    cfg = f" --config {shlex.quote(config.source)}" if config.source else ""

    def curl(token: str, path: str) -> str:
        return f"curl -s -H 'Authorization: Bearer {token}' '{url}{path}'"

    return f"""
govshare demo is running: gateway {url}, departments GA (public security), SCJG (market regulation),
MZ (civil affairs), RS (human resources). Data directory {config.data_dir}. Ctrl-C stops it.

1) Unconditional resource (enterprise register), read by civil affairs -> 200, legal representative masked:
{curl(mz, "/scjg/enterprises?page=1&size=2")}

2) Conditional resource (population register) without an approved application -> 403 no_grant:
{curl(rs, "/ga/population?page=1&size=2")}

3) Not-shared resource -> 403 not_shared, naming its legal basis:
{curl(mz, "/ga/fugitives")}

4) Approve civil affairs' application, then the same kind of call -> 200 (ID numbers, mobiles masked):
.venv/bin/govshare grant add --dept MZ --app dibao-review --resource GA-RK-0001 --fields xm \\
    --purpose {shlex.quote(PURPOSE)} --until {until} --data-dir {data_dir}{cfg}
{curl(mz, "/ga/population?page=1&size=2")}
   Or the console way: the department POSTs its application (JSON: resource, fields, purpose, basis, until)
   to {url}/_govshare/applications with its token, and GA's security officer (security-ga) approves it.

Preview what a caller would receive:  .venv/bin/govshare mask --resource GA-RK-0001 --dept RS FILE.json
Audit trail:                          .venv/bin/govshare audit tail --data-dir {data_dir}
"""
