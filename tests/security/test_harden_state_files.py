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
