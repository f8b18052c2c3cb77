"""A second engine on a database this process already has open must not drop the first one's SQLite locks.

POSIX drops every lock a process holds on a file when it closes any descriptor of that file. If making an
engine opened and closed the database file, another process would then take itself for the database's last
user, checkpoint and delete the WAL, and this process's later commits would go to a deleted WAL that no one
else reads (and that a crash loses)."""

from __future__ import annotations

import subprocess
import sys

from gateway.store import make_engine

COUNT = "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from t').fetchone()[0])"


def count_elsewhere(path) -> int:
    return int(subprocess.run([sys.executable, "-c", COUNT, str(path)], capture_output=True, text=True,
                              check=True, timeout=60).stdout)


def test_commits_stay_visible_to_other_processes_after_a_second_engine_opens(tmp_path):
    path = tmp_path / "govshare.db"
    first = make_engine(f"sqlite:///{path}")
    conn = first.connect()  # held open, as the gateway's engines hold theirs
    conn.exec_driver_sql("create table t (x integer)")
    conn.commit()
    make_engine(f"sqlite:///{path}").dispose()  # a second engine in the same process (the audit trail's)
    assert count_elsewhere(path) == 0  # another process opens and closes the database
    conn.exec_driver_sql("insert into t values (1)")
    conn.commit()
    assert (tmp_path / "govshare.db-wal").exists()
    assert count_elsewhere(path) == 1
    conn.close()
    first.dispose()
