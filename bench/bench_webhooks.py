"""Webhook acknowledgement under load (target: p99 < 100 ms at 200 requests/s over loopback).

`opsbot serve` runs as its own process against the scale-1 warehouse with Slack enabled and pointed at a
local fake Slack API. A load generator sends signed Events API requests (app mentions asking real questions,
each a new event id) at a fixed 200 requests/s and times each HTTP answer, while the bot computes the answers
in the background and posts them to the fake. Printed: ack latency p50/p95/p99/max, the ratio of p99 to the
target, how many acks were not 200, how many answers were posted when the load ended and 30 s later, the inbox then,
and how long a stop takes with that backlog.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import httpx  # noqa: E402
from fake_slack import FakeSlack  # noqa: E402

from adapters.slack.verify import SlackVerifier  # noqa: E402
from bench.common import bench_warehouse  # noqa: E402

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


async def fire(client: httpx.AsyncClient, verifier: SlackVerifier, i: int, out: list[tuple[float, int]]) -> None:
    body = event_body(i)
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": verifier.sign(stamp, body),
    }
    started = time.perf_counter()
    try:
        status = (await client.post("/slack/events", content=body, headers=headers)).status_code
    except httpx.HTTPError:
        status = 0
    out.append((time.perf_counter() - started, status))


async def load(url: str) -> list[tuple[float, int]]:
    verifier = SlackVerifier(SECRET)
    out: list[tuple[float, int]] = []
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=url, timeout=10, limits=limits) as client:
        start = time.perf_counter()
        tasks = []
        for i in range(RATE * SECONDS):
            delay = start + i / RATE - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(fire(client, verifier, i, out)))
        await asyncio.gather(*tasks)
    return out


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


def pct(xs: list[float], p: float) -> float:
    return statistics.quantiles(xs, n=100)[int(p) - 1] if len(xs) >= 100 else max(xs)


def main() -> None:
    db = bench_warehouse()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with FakeSlack() as slack, tempfile.TemporaryDirectory() as data:
        env = {
            **os.environ,
            "OPSBOT_WAREHOUSE": str(db),
            "OPSBOT_DATA_DIR": data,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "OPSBOT_SLACK_API_URL": slack.base_url,
        }
        opsbot = str(Path(sys.executable).with_name("opsbot"))
        cmd = [opsbot, "serve", "--no-scheduler", "--port", str(port)]  # cwd has no opsbot.yaml: env only
        proc = subprocess.Popen(cmd, env=env, cwd=data, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_healthy(url, proc)
            results = asyncio.run(load(url))
            posted_at_end = len(slack.calls_to("chat.postMessage"))
            time.sleep(30)
            posted_later = len(slack.calls_to("chat.postMessage"))
            inbox = httpx.get(url + "/health", timeout=10).json()["inbox"]
        finally:
            stopping = time.perf_counter()
            proc.terminate()
            proc.wait(timeout=60)
            stop_s = time.perf_counter() - stopping
    latencies = [s for s, _ in results]
    bad = sum(1 for _, status in results if status != 200)
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


if __name__ == "__main__":
    main()
