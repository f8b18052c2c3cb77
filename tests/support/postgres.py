"""A throwaway PostgreSQL cluster for the store's PostgreSQL tests (Debian's server binaries, psycopg 3).

`PostgresCluster().start()` runs initdb into a new temporary directory, starts the server on a free loopback
port with its unix socket in that directory, and returns once pg_ctl reports it ready and a connection
succeeds; `stop()` shuts it down and removes the directory. PostgreSQL refuses to run as root: as root, the
directory is handed to the `postgres` account (Debian's package creates it; else `nobody`) and every server
command runs under `runuser`. Settings trade durability for speed (fsync off): the data is thrown away.

Nothing here skips: without server binaries (`make test` installs them with .ci/install-postgres) or a
driver, `start()` raises and the tests fail.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SUPERUSER = "govshare"
START_TIMEOUT = 60  # seconds pg_ctl may wait for the server to accept connections


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries, or the cluster would not start (the message says why)."""


def server_bindir() -> Path:
    """Debian's /usr/lib/postgresql/<newest version>/bin, or the directory of an initdb on PATH."""
    versions = []
    for candidate in Path("/usr/lib/postgresql").glob("*/bin/initdb"):
        version = candidate.parent.parent.name
        if re.fullmatch(r"\d+(\.\d+)?", version):
            versions.append((tuple(int(p) for p in version.split(".")), candidate.parent))
    if versions:
        return max(versions)[1]
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise PostgresUnavailable("no PostgreSQL server binaries (initdb): run `sh .ci/install-postgres` "
                              "(apt-get install postgresql)")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_account() -> str | None:
    """The account the server runs as when we are root (None: run as ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise PostgresUnavailable("running as root and neither a `postgres` nor a `nobody` account exists")


class PostgresCluster:
    def __init__(self):
        self.bindir = server_bindir()
        self.account = _server_account()
        self.dir: Path | None = None
        self.port: int | None = None
        self._started = False

    # ------------------------------------------------------------------------------------------- running
    def _run(self, *argv: str, timeout: float = START_TIMEOUT + 30) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / argv[0]), *argv[1:]]
        if self.account is not None:
            cmd = ["runuser", "-u", self.account, "--", *cmd]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "LANG": "C", "TZ": "UTC"}
        return subprocess.run(cmd, cwd=self.dir, env=env, capture_output=True, text=True, timeout=timeout)

    def _check(self, result: subprocess.CompletedProcess, what: str) -> None:
        if result.returncode != 0:
            log = ""
            if self.dir is not None and (self.dir / "server.log").exists():
                log = (self.dir / "server.log").read_text(errors="replace")[-2000:]
            raise PostgresUnavailable(f"{what} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}"
                                      f"{chr(10) + log if log else ''}")

    def start(self) -> "PostgresCluster":
        self.dir = Path(tempfile.mkdtemp(prefix="govshare-pg-"))
        try:
            if self.account is not None:
                entry = pwd.getpwnam(self.account)
                os.chown(self.dir, entry.pw_uid, entry.pw_gid)
            data = self.dir / "data"
            self._check(self._run("initdb", "-D", str(data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                                  "--no-locale", "--no-sync"), "initdb")
            self.port = _free_port()
            options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100")
            self._check(self._run("pg_ctl", "-D", str(data), "-l", str(self.dir / "server.log"), "-o", options,
                                  "-w", "-t", str(START_TIMEOUT), "start"), "pg_ctl start")
            self._started = True
            self.execute("SELECT 1")  # ready means accepting connections through the driver too
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.dir is None:
            return
        try:
            if self._started:
                self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop", timeout=60)
        finally:
            self._started = False
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    # ------------------------------------------------------------------------------------------ databases
    def dsn(self, dbname: str = "postgres") -> str:
        return f"host={self.dir} port={self.port} user={SUPERUSER} dbname={dbname}"

    def url(self, dbname: str) -> str:
        """The SQLAlchemy URL of `dbname` (psycopg 3 through the cluster's unix socket)."""
        return f"postgresql+psycopg://{SUPERUSER}@/{dbname}?host={self.dir}&port={self.port}"

    def execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, name: str) -> str:
        """A new empty database; its SQLAlchemy URL."""
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", name):
            raise ValueError(f"database name {name!r}")
        self.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)
