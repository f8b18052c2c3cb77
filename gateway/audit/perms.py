"""Owner-only files and directories for everything the audit trail keeps on disk.

The data directory holds evidence (database, WAL, checkpoints, archive segments, public keys): directories
are created 0700 and files 0600, whatever the process umask, so another local account can neither read the
trail nor plant a file in it. Existing directories of ours that are looser are tightened.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """`path` (and missing parents) as a directory, each directory this call creates 0700; `path` itself
    is tightened to 0700 when it already exists with group or other bits."""
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=DIR_MODE)
        except FileExistsError:  # another process made it first
            pass
        else:
            os.chmod(directory, DIR_MODE)  # mkdir's mode is filtered by the umask
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        os.chmod(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty and 0600 when it does not exist (so a later writer — SQLite, which gives its WAL
    and shared-memory files the database file's mode — inherits owner-only access); tighten it otherwise."""
    path = Path(path)
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) & 0o077:
            os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path
