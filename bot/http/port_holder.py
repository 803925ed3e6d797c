"""Which process holds a TCP port, where the OS tells: Linux's /proc/net/tcp{,6} give the listening socket's
inode, and /proc/<pid>/fd the process that has it open (readable for our own user's processes, or all of
them as root). Elsewhere, or when the holder is another user's, the answer is None."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

LISTEN = "0A"


@dataclass(frozen=True)
class Holder:
    pid: int
    name: str

    def __str__(self) -> str:
        return f"pid {self.pid} ({self.name})"


def listening_inodes(port: int, proc: Path = Path("/proc")) -> set[str]:
    """The inodes of the sockets listening on ``port`` (any address, IPv4 or IPv6)."""
    inodes: set[str] = set()
    for table in ("net/tcp", "net/tcp6"):
        try:
            lines = (proc / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 10 or fields[3] != LISTEN:
                continue
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[9] != "0":
                inodes.add(fields[9])
    return inodes


def port_holder(port: int, proc: Path = Path("/proc")) -> Holder | None:
    """The process listening on ``port``, or None when the OS does not tell."""
    inodes = listening_inodes(port, proc)
    if not inodes:
        return None
    wanted = {f"socket:[{i}]" for i in inodes}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fds = list((entry / "fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(fd) in wanted:
                    return Holder(int(entry.name), _name(entry))
            except OSError:
                continue
    return None


def _name(entry: Path) -> str:
    try:
        cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        words = [w.decode(errors="replace") for w in cmdline if w]
    except OSError:
        words = []
    if words:
        return " ".join(Path(words[0]).name if i == 0 else w for i, w in enumerate(words[:4]))
    try:
        return (entry / "comm").read_text().strip()
    except OSError:
        return "?"
