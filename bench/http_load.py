"""An open-loop HTTP/1.1 load generator that costs the machine almost nothing, so it measures the server.

A general client (httpx) spends ~1 ms of CPU per request in its connection pool at 200 connections; on a
2-core machine that made the load generator itself the bottleneck, and its own queueing showed up as ack
latency. Here requests go out at their scheduled times over a pool of persistent keep-alive connections,
written and read as raw bytes (the server's answers carry Content-Length). Each request's latency is timed
from its scheduled send time, so a late send (the generator or a busy connection pool falling behind)
counts against the result rather than being hidden (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    latency_s: float  # scheduled send → full answer read
    status: int  # 0: the connection failed or timed out


Request = Callable[[int], tuple[str, dict[str, str], bytes]]  # request number → (path, headers, body)


async def _read_answer(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


async def _connection(
    host: str, port: int, queue: asyncio.Queue[tuple[int, float] | None], request: Request, out: list[Sample]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while (item := await queue.get()) is not None:
            i, scheduled = item
            path, headers, body = request(i)
            head = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: {len(body)}\r\n"
            head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
            try:
                writer.write(head.encode("latin-1") + body)
                status = await asyncio.wait_for(_read_answer(reader), 10)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                out.append(Sample(time.perf_counter() - scheduled, 0))
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            out.append(Sample(time.perf_counter() - scheduled, status))
    finally:
        writer.close()


async def run(
    host: str, port: int, rate: float, seconds: float, request: Request, connections: int = 64
) -> list[Sample]:
    """Send ``rate × seconds`` requests at ``rate`` per second; one Sample each."""
    out: list[Sample] = []
    queue: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
    workers = [asyncio.create_task(_connection(host, port, queue, request, out)) for _ in range(connections)]
    start = time.perf_counter()
    for i in range(int(rate * seconds)):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((i, scheduled))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    return out
