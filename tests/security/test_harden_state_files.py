"""The state database holds tickets, people's platform ids and the audit log: owner-only (0600), the
SQLite side files too, and an existing world-readable file is tightened when opened."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from alerts.tickets.store import open_store


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_state_file_is_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        path = tmp_path / "data" / "opsbot-state.sqlite"
        store = open_store(f"sqlite:///{path}")
        try:
            with store.engine.begin() as conn:
                conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS probe (x INTEGER)")
                conn.exec_driver_sql("INSERT INTO probe VALUES (1)")
            side = [p for p in path.parent.iterdir() if p.name.startswith(path.name + "-")]
            assert side, "WAL mode makes -wal/-shm files"
            for p in [path, *side]:
                assert _mode(p) == 0o600, (p, oct(_mode(p)))
        finally:
            store.close()
    finally:
        os.umask(old)


def test_an_existing_readable_state_file_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    store = open_store(f"sqlite:///{path}")
    store.close()
    assert _mode(path) == 0o600


def test_opening_the_store_again_keeps_the_locks_this_process_holds_on_it(tmp_path: Path) -> None:
    """A second store opened on a file this process already has open (serve making its login link while the
    inbox writes) must not open and close the file: a close drops every POSIX lock of the process on it,
    SQLite's included, and another process could then take the file from under a running bot."""
    import fcntl
    import subprocess
    import sys

    # a byte past SQLite's own lock bytes (it takes and releases those itself, and POSIX locks are the process's)
    byte = (1 << 30) + 1024
    path = tmp_path / "state.sqlite"
    open_store(f"sqlite:///{path}").close()
    held = os.open(path, os.O_RDWR)
    try:
        fcntl.lockf(held, fcntl.LOCK_SH | fcntl.LOCK_NB, 1, byte)
        again = open_store(f"sqlite:///{path}")  # kept open: SQLite's own close would drop the lock too
        probe = (
            "import fcntl, os, sys\n"
            "fd = os.open(sys.argv[1], os.O_RDWR)\n"
            "try:\n"
            f"    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, {byte})\n"
            "except OSError:\n"
            "    sys.exit(0)\n"
            "sys.exit(3)\n"
        )
        done = subprocess.run([sys.executable, "-c", probe, str(path)], timeout=30)
        assert done.returncode == 0, "another process could lock the file: opening the store dropped our lock"
        again.close()
    finally:
        os.close(held)
