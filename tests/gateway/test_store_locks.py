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


def test_threads_creating_the_same_tables_on_a_new_database_do_not_race(tmp_path):
    """The console's tables are created by whichever thread of a gateway opens the database first (the reload
    thread's console tick, the admin API); without the write lock both could find a table missing."""
    import threading

    from gateway.admin.tables import ensure_admin_schema
    from gateway.policy.tables import ensure_schema as ensure_policy_schema

    for round_ in range(12):
        engines = [make_engine(f"sqlite:///{tmp_path / f'race{round_}.db'}") for _ in range(4)]
        start, errors = threading.Barrier(len(engines)), []

        def create(engine):
            start.wait()
            try:
                ensure_admin_schema(engine)
                ensure_policy_schema(engine)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(f"{type(exc).__name__}: {exc}"[:120])

        threads = [threading.Thread(target=create, args=(e,)) for e in engines]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for e in engines:
            e.dispose()
        assert errors == []
