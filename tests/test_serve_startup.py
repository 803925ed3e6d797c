"""`opsbot serve` start-up failures through the real CLI: one line in the user's language, exit ≠ 0, and
"serving on …" only once the server accepts connections."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.http.port_holder import port_holder
from tests.live_bot import free_port

OPSBOT = str(Path(sys.executable).with_name("opsbot"))


@pytest.fixture()
def held_port() -> Iterator[int]:
    """A port this test process listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        yield int(s.getsockname()[1])


def serve(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [OPSBOT, "serve", "--no-scheduler", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def test_the_os_names_the_holder_of_a_port(held_port: int) -> None:
    holder = port_holder(held_port)
    assert holder is not None
    assert holder.pid == os.getpid()
    assert port_holder(free_port()) is None


def test_port_in_use_is_one_line_naming_the_holder_and_another_port(cli_env: dict[str, str], held_port: int) -> None:
    done = serve(cli_env, "--port", str(held_port))
    assert done.returncode == 2
    assert "serving on" not in done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "already in use" in lines[0]
    assert f"pid {os.getpid()}" in lines[0]
    assert f"--port {held_port + 1}" in lines[0]
    assert "Traceback" not in done.stderr


def test_port_in_use_in_chinese(cli_env: dict[str, str], held_port: int) -> None:
    done = serve({**cli_env, "OPSBOT_LANG": "zh"}, "--port", str(held_port))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"opsbot: 无法在 http://127.0.0.1:{held_port}/ 启动：端口被 {port_holder(held_port)} 占用；"
        f"请先停止它，或可用 --port {held_port + 1} 换一个端口（或 opsbot.yaml 的 server.port；"
        f"make demo PORT={held_port + 1}）。"
    ]


def test_missing_warehouse_and_unreadable_config_are_one_line(cli_env: dict[str, str], tmp_path: Path) -> None:
    port = str(free_port())
    done = serve(cli_env, "--port", port, "--db", str(tmp_path / "none.duckdb"))
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        f"opsbot: No warehouse at {tmp_path / 'none.duckdb'}. Create the demo one with: opsbot demo-data "
        f"--out {tmp_path / 'none.duckdb'}"
    ]
    bad = tmp_path / "opsbot.yaml"
    bad.write_text("server: [\n", encoding="utf-8")
    done = serve(cli_env, "--port", port, "--config", str(bad))
    assert done.returncode != 0
    assert "invalid YAML" in done.stderr and "Traceback" not in done.stderr


def test_serving_is_said_once_the_port_answers(cli_env: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    out = tmp_path / "serve.out"
    with out.open("w") as sink:
        proc = subprocess.Popen(
            [OPSBOT, "serve", "--no-scheduler", "--port", str(port)], env=cli_env, stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while "serving on" not in out.read_text():
            assert proc.poll() is None, out.read_text()
            assert time.monotonic() < deadline, out.read_text()
            time.sleep(0.05)
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200
    finally:
        proc.terminate()
        proc.wait(30)
