"""Webhook acknowledgement under load (target: p99 < 100 ms at 200 requests/s over loopback).

`opsbot serve` runs as its own process against the scale-1 warehouse with Slack enabled and pointed at a
local fake Slack API (a third process). A load generator sends signed Events API requests (app mentions asking real questions,
each a new event id) at a fixed 200 requests/s and times each HTTP answer, while the bot computes the answers
in the background and posts them to the fake. Printed: ack latency p50/p95/p99/max, the ratio of p99 to the
target, how many acks were not 200, how many answers were posted when the load ended and 30 s later, the inbox then,
how long a stop takes with that backlog, and the server's warnings (a slow inbox commit is one).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import httpx  # noqa: E402
from fake_slack import FakeSlack  # noqa: E402

from adapters.slack.verify import SlackVerifier  # noqa: E402
from bench import http_load  # noqa: E402
from bench.common import bench_warehouse  # noqa: E402
from bench.http_load import Request  # noqa: E402

RATE = 200  # requests per second
SECONDS = 10
TARGET_P99_S = 0.100
SECRET = "bench-signing-secret"
QUESTIONS = (
    "上周各渠道的GMV是多少？",
    "GMV by channel last week",
    "本月退款率是多少",
    "帮助",
    "refund rate by category",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def event_body(i: int) -> bytes:
    ts = f"{1_700_000_000 + i}.000100"
    return json.dumps(
        {
            "type": "event_callback",
            "team_id": "T1",
            "api_app_id": "A1",
            "event_id": f"Ev{i:08d}",
            "event_time": int(time.time()),
            "authorizations": [{"user_id": "UBOT", "is_bot": True}],
            "event": {
                "type": "app_mention",
                "user": "U1",
                "text": f"<@UBOT> {QUESTIONS[i % len(QUESTIONS)]}",
                "ts": ts,
                "channel": "CBENCH",
                "event_ts": ts,
            },
        }
    ).encode()


def signed(verifier: SlackVerifier) -> Request:
    def request(i: int) -> tuple[str, dict[str, str], bytes]:
        body = event_body(i)
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": verifier.sign(stamp, body),
        }
        return "/slack/events", headers, body

    return request


def wait_healthy(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("opsbot serve exited before it was healthy")
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("opsbot serve did not become healthy in 120 s")


def fake_slack(conn: Connection) -> None:
    """The fake Slack API in a process of its own, so serving the bot's posts does not slow the load generator."""
    with FakeSlack() as slack:
        conn.send(slack.base_url)
        while conn.recv() == "count":
            conn.send(len(slack.calls_to("chat.postMessage")))


@contextmanager
def fake_slack_process() -> Iterator[tuple[str, Callable[[], int]]]:
    ours, theirs = multiprocessing.Pipe()
    proc = multiprocessing.get_context("spawn").Process(target=fake_slack, args=(theirs,), daemon=True)
    proc.start()

    def posted() -> int:
        ours.send("count")
        return int(ours.recv())

    try:
        yield str(ours.recv()), posted
    finally:
        ours.send("stop")
        proc.join(10)


def pct(xs: list[float], p: float) -> float:
    return statistics.quantiles(xs, n=100)[int(p) - 1] if len(xs) >= 100 else max(xs)


def main() -> None:
    db = bench_warehouse()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with fake_slack_process() as (slack_url, posted), tempfile.TemporaryDirectory() as data:
        env = {
            **os.environ,
            "OPSBOT_WAREHOUSE": str(db),
            "OPSBOT_DATA_DIR": data,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "OPSBOT_SLACK_API_URL": slack_url,
        }
        opsbot = str(Path(sys.executable).with_name("opsbot"))
        cmd = [opsbot, "serve", "--no-scheduler", "--port", str(port)]  # cwd has no opsbot.yaml: env only
        log = Path(data, "serve.log")
        with log.open("wb") as err:
            proc = subprocess.Popen(cmd, env=env, cwd=data, stdout=subprocess.DEVNULL, stderr=err)
        try:
            wait_healthy(url, proc)
            results = asyncio.run(http_load.run("127.0.0.1", port, RATE, SECONDS, signed(SlackVerifier(SECRET))))
            posted_at_end = posted()
            time.sleep(30)
            posted_later = posted()
            inbox = httpx.get(url + "/health", timeout=10).json()["inbox"]
        finally:
            stopping = time.perf_counter()
            proc.terminate()
            proc.wait(timeout=60)
            stop_s = time.perf_counter() - stopping
            warnings = [line for line in log.read_text(errors="replace").splitlines() if " WARNING " in line]
    latencies = [r.latency_s for r in results]
    bad = sum(1 for r in results if r.status != 200)
    p99 = pct(latencies, 99)
    print(f"{len(results)} signed Slack events at {RATE}/s for {SECONDS} s (answers computed in the background)")
    print(
        f"ack latency: p50 {pct(latencies, 50) * 1000:.1f} ms · p95 {pct(latencies, 95) * 1000:.1f} ms · "
        f"p99 {p99 * 1000:.1f} ms · max {max(latencies) * 1000:.1f} ms"
    )
    verdict = "OK" if p99 < TARGET_P99_S and not bad else "MISS"
    print(f"p99 / target (100 ms): {p99 / TARGET_P99_S:.2f}  {verdict}; non-200 answers: {bad}")
    print(f"answers posted: {posted_at_end} when the load ended, {posted_later} 30 s later")
    print(
        f"inbox 30 s after the load: {inbox['queued']} queued, {inbox['running']} running, {inbox['done']} done, "
        f"{inbox['failed']} failed; SIGTERM → exit in {stop_s:.1f} s (the backlog stays queued for the next start)"
    )
    print(f"server warnings: {len(warnings)}" + "".join(f"\n  {w}" for w in warnings[:5]))


if __name__ == "__main__":
    main()
