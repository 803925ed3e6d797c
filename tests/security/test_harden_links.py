"""Links follow the address the server really listens on: ``opsbot serve --port``/``--host`` without
``server.public_url`` no longer hands out links to :8080; a configured public_url is kept."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bot.config.listen import listening_on
from bot.config.schema import ServerConfig
from tests.live_bot import free_port


def test_the_listen_address_moves_the_links() -> None:
    default = ServerConfig()
    assert listening_on(default, None, 9123).public_url == "http://127.0.0.1:9123"
    assert listening_on(default, "10.0.0.5", 9000).public_url == "http://10.0.0.5:9000"
    assert listening_on(default, "0.0.0.0", 9000).public_url == "http://127.0.0.1:9000"
    assert listening_on(default, None, None) == default
    proxied = ServerConfig(public_url="https://bot.example.com")
    assert listening_on(proxied, "0.0.0.0", 9000).public_url == "https://bot.example.com"


def test_serve_with_a_port_advertises_that_port(tmp_path: Path, small_db: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "OPSBOT_WAREHOUSE": str(small_db),
        "OPSBOT_DATA_DIR": str(tmp_path / "data"),
    }
    env.pop("OPSBOT_CONFIG", None)  # no config file in tmp_path: defaults + environment
    cmd = [str(Path(sys.executable).with_name("opsbot")), "serve", "--port", str(port), "--no-scheduler"]
    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).json()
                break
            except httpx.HTTPError:
                assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    shown = str(health)
    assert f":{port}" in shown and ":8080" not in shown, shown
