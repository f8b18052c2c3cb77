"""Checkpoint sinks: every signed checkpoint also leaves the machine (or the data directory) as it is made.

Configured as `[audit] checkpoint_sinks = [...]`, each entry one of:

    "file:/abs/path/checkpoints.jsonl"   append the checkpoint line (O_APPEND, flock, fsync; created 0600) —
                                         point it at another disk, an NFS/WORM mount or a log shipper's input
    "syslog"                             the local syslog socket (/dev/log), facility local0, tag govshare-audit
    "syslog:/path/to/socket"             another local syslog socket
    "syslog:HOST:PORT"                   a remote syslog collector over UDP (RFC 3164 framing)

A sink line is exactly the checkpoint's JSON line, so a sink file can be given to `govshare audit verify
--expected-head FILE` as it is. A sink that fails is logged (its name and the error class only) and tried
again with the next checkpoint; it never blocks the trail. Specs are parsed when the trail opens.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from .errors import AuditError
from .perms import FILE_MODE, private_dir

log = logging.getLogger("govshare.audit")

SYSLOG_PRIORITY = 16 * 8 + 6  # facility local0, severity informational
SYSLOG_TAG = "govshare-audit"
DEFAULT_SYSLOG_SOCKET = "/dev/log"


class FileSink:
    def __init__(self, path: Path):
        self.path = path
        self.name = f"file:{path}"

    def send(self, line: bytes) -> None:
        if not self.path.parent.exists():
            private_dir(self.path.parent)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)


class SyslogSink:
    def __init__(self, address, family: int):
        self.address, self.family = address, family
        self.name = "syslog:" + (address if isinstance(address, str) else f"{address[0]}:{address[1]}")

    def send(self, line: bytes) -> None:
        message = f"<{SYSLOG_PRIORITY}>{SYSLOG_TAG}: ".encode() + line.rstrip(b"\n")
        with socket.socket(self.family, socket.SOCK_DGRAM) as sock:
            sock.settimeout(1.0)
            sock.connect(self.address)
            sock.send(message)


Sink = FileSink | SyslogSink


def parse_sink(spec: str) -> Sink:
    """One sink from its spec; AuditError naming the spec when it is not one of the documented forms."""
    if spec.startswith("file:"):
        path = Path(spec[5:]).expanduser()
        if not path.is_absolute():
            raise AuditError(f"checkpoint sink {spec!r}: the file path must be absolute")
        return FileSink(path)
    if spec == "syslog":
        return SyslogSink(DEFAULT_SYSLOG_SOCKET, socket.AF_UNIX)
    if spec.startswith("syslog:"):
        rest = spec[7:]
        if rest.startswith("/"):
            return SyslogSink(rest, socket.AF_UNIX)
        host, _, port = rest.rpartition(":")
        if host and port.isdigit() and 0 < int(port) < 65536:
            return SyslogSink((host.strip("[]"), int(port)), socket.AF_INET6 if ":" in host else socket.AF_INET)
    raise AuditError(f"checkpoint sink {spec!r}: expected file:/abs/path, syslog, syslog:/socket or "
                     "syslog:HOST:PORT")


@dataclass
class Sinks:
    sinks: list

    @classmethod
    def parse(cls, specs) -> "Sinks":
        return cls([parse_sink(spec) for spec in specs])

    def send(self, line: bytes) -> int:
        """Send one checkpoint line to every sink; the number that failed (each logged, never raised)."""
        failed = 0
        for sink in self.sinks:
            try:
                sink.send(line)
            except Exception as exc:  # noqa: BLE001 - a sink must never stop the trail; the next line retries
                failed += 1
                log.error("govshare audit checkpoint not sent to sink %s (%s)", sink.name, type(exc).__name__)
        return failed
