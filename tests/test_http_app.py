"""`opsbot serve` over real HTTP: health, the metric list and governed queries."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


TOKEN: dict[str, str] = {}  # the API token the calls carry (made before the server starts)


@pytest.fixture(scope="module")
def server(small_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "OPSBOT_DATA_DIR": str(tmp_path_factory.mktemp("serve-data"))}
    opsbot = str(Path(sys.executable).parent / "opsbot")
    made = subprocess.run([opsbot, "tokens", "create", "--for", "api-test"], capture_output=True, text=True, env=env)
    assert made.returncode == 0, made.stderr
    TOKEN["Authorization"] = f"Bearer {made.stdout.strip()}"
    proc = subprocess.Popen(
        [opsbot, "serve", "--port", str(port), "--db", str(small_db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/health", timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "server died") from None
            time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def call(url: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **TOKEN})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_health(server: str) -> None:
    status, doc = call(f"{server}/health")
    assert status == 200 and doc["status"] == "ok" and doc["as_of"] == "2026-11-20"


def test_metrics_and_query(server: str) -> None:
    status, metrics = call(f"{server}/api/metrics")
    assert status == 200 and "gmv" in {m["id"] for m in metrics}
    status, doc = call(
        f"{server}/api/query",
        {
            "metrics": ["gmv", "orders"],
            "dimensions": ["channel"],
            "start": "2026-11-09",
            "end": "2026-11-15",
            "where": {"category": ["美妆"]},
        },
    )
    assert status == 200 and len(doc["rows"]) == 5 and doc["columns"][-2:] == ["gmv", "orders"]


def test_bad_query_is_a_400_in_both_languages(server: str) -> None:
    status, doc = call(f"{server}/api/query", {"metrics": ["conversion_rate"], "dimensions": ["sku"]})
    assert status == 400 and "cannot be broken down" in doc["error"][0]["en"] and doc["error"][0]["zh"]
    status, doc = call(
        f"{server}/api/query", {"metrics": ["gmv"], "role": "douyin_ops", "where": {"channel": ["tmall"]}}
    )
    assert status == 400 and doc["error"][0]["code"] == "forbidden_value"


def test_ask(server: str) -> None:
    status, doc = call(f"{server}/api/ask", {"question": "上周各渠道的GMV是多少？"})
    assert status == 200 and doc["status"] == "answered" and len(doc["rows"]) == 5 and "天猫" in doc["message"]
    status, doc = call(f"{server}/api/ask", {"question": "上周GMV", "role": "douyin_ops"})
    assert status == 200 and doc["status"] == "answered" and "仅抖音" in doc["message"]
    status, doc = call(f"{server}/api/ask", {"question": ""})
    assert status == 422


def test_the_api_needs_a_token(server: str) -> None:
    for path, body in (("/api/metrics", None), ("/api/query", {"metrics": ["gmv"]})):
        req = urllib.request.Request(
            f"{server}{path}",
            data=json.dumps(body).encode() if body else None,
            headers={"Content-Type": "application/json"},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(req, timeout=30)
        assert refused.value.code == 401
        assert json.loads(refused.value.read())["error"][0]["code"] == "auth.login_required"
