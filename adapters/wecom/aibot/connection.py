"""The AI bot's long connection: one outbound WebSocket (no public address needed), on its own event loop in a
daemon thread, started and stopped with the runtime.

- **Subscribe**: the first frame is ``aibot_subscribe`` with the bot id and secret; WeCom answers errcode 0 (an
  error answer ends the attempt, which is retried with backoff and logged).
- **Heartbeat**: a ``ping`` every ``heartbeat_s`` (WeCom: 30 s); after ``max_missed`` pings without an answer the
  connection is taken for dead and closed.
- **Reconnect**: after any end (closed, dead, refused) it connects again after ``backoff_s`` · 2^attempt, capped
  at ``backoff_max_s``; a connection that subscribed resets the attempts. A ``disconnected_event`` (another
  connection with the same bot took over) stops reconnecting: two would steal the bot from each other.
- **Callbacks**: each ``aibot_msg_callback`` / ``aibot_event_callback`` goes to ``on_callback`` (which keeps it
  in the durable inbox — fast, before the next frame is read) in the order received. A callback that arrives
  again after a reconnect carries the same ``msgid``: the inbox takes it once.
- **Requests**: ``request`` (any thread) sends a frame and waits for the answer with its ``req_id``; not
  connected, a timeout or a dropped connection is a retryable DeliveryError, an errcode a permanent one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from adapters.base import DeliveryError
from adapters.wecom.aibot import frames

log = logging.getLogger("opsbot.wecom.aibot")
OnCallback = Callable[[dict[str, Any]], None]  # the whole frame: cmd, headers.req_id, body


def backoff_delay(attempt: int, base_s: float, cap_s: float) -> float:
    """The wait before reconnect ``attempt`` (0, 1, 2 …): base · 2^attempt, at most ``cap_s``."""
    return min(cap_s, base_s * float(2 ** min(attempt, 30)))


class Refused(Exception):
    """WeCom refused the subscription (wrong bot id or secret)."""


class AiBotConnection:
    def __init__(
        self,
        url: str,
        bot_id: str,
        secret: str,
        on_callback: OnCallback,
        *,
        heartbeat_s: float = 30.0,
        max_missed: int = 2,
        backoff_s: float = 1.0,
        backoff_max_s: float = 30.0,
        answer_timeout_s: float = 5.0,
    ) -> None:
        self.url, self._bot_id, self._secret, self._on_callback = url, bot_id, secret, on_callback
        self.heartbeat_s, self.max_missed = heartbeat_s, max_missed
        self.backoff_s, self.backoff_max_s, self.answer_timeout_s = backoff_s, backoff_max_s, answer_timeout_s
        self.subscribed = threading.Event()  # set while a subscribed connection is open
        self.connections = 0  # subscribed connections so far
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ws: ClientConnection | None = None
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    # --- lifecycle ---

    def start(self) -> None:
        self._thread = threading.Thread(target=self._main, name="wecom-aibot", daemon=True)
        self._thread.start()
        self._ready.wait(5)

    def stop(self) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop already closed
                loop.call_soon_threadsafe(stop.set)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._run())
        finally:
            loop.close()

    async def _run(self) -> None:
        self._stop = asyncio.Event()
        self._ready.set()
        attempt = 0
        while not self._stop.is_set():
            try:
                async with connect(self.url, open_timeout=5, ping_interval=None, close_timeout=1) as ws:
                    if await self._session(ws):
                        return  # replaced by another connection: do not fight it
                    attempt = 0
            except Refused as e:
                log.error("WeCom AI bot: subscription refused: %s", e)
            except (OSError, TimeoutError, WebSocketException) as e:
                log.warning("WeCom AI bot: connection to %s failed or ended: %s", self.url, e)
            finally:
                self._lost()
            delay = backoff_delay(attempt, self.backoff_s, self.backoff_max_s)
            attempt += 1
            log.info("WeCom AI bot: reconnecting in %.2f s (attempt %d)", delay, attempt)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)

    def _lost(self) -> None:
        self._ws = None
        self.subscribed.clear()
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(DeliveryError("WeCom AI bot: the connection dropped", retryable=True))
        self._pending.clear()

    # --- one connection ---

    async def _session(self, ws: ClientConnection) -> bool:
        """Subscribe, then read frames until the connection ends; True when WeCom said another took over."""
        assert self._stop is not None
        rid, text = frames.subscribe(self._bot_id, self._secret)
        await ws.send(text)
        answer = frames.parse(await asyncio.wait_for(ws.recv(), self.answer_timeout_s))
        if frames.rid_of(answer) != rid or answer.get("errcode") != 0:
            raise Refused(f"errcode {answer.get('errcode')}: {answer.get('errmsg')}")
        self._ws = ws
        self.connections += 1
        self.subscribed.set()
        log.info("WeCom AI bot: subscribed (%s)", self.url)
        missed = [0]
        beat = asyncio.create_task(self._heartbeat(ws, missed))
        stopping = asyncio.create_task(self._stop.wait())
        try:
            reading = asyncio.create_task(self._read(ws, missed))
            done, _ = await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if reading in done:
                return reading.result()
            reading.cancel()
            await ws.close()
            return True  # stopping: leave the reconnect loop too
        finally:
            beat.cancel()
            stopping.cancel()

    async def _heartbeat(self, ws: ClientConnection, missed: list[int]) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_s)
            if missed[0] >= self.max_missed:
                log.warning("WeCom AI bot: %d heartbeats unanswered; reconnecting", missed[0])
                await ws.close()
                return
            missed[0] += 1
            _, text = frames.ping()
            await ws.send(text)

    async def _read(self, ws: ClientConnection, missed: list[int]) -> bool:
        loop = asyncio.get_running_loop()
        async for raw in ws:
            try:
                doc = frames.parse(raw)
            except ValueError as e:
                log.warning("WeCom AI bot: ignoring a frame: %s", e)
                continue
            cmd, rid = doc.get("cmd"), frames.rid_of(doc)
            if cmd in frames.CALLBACKS:
                body = doc.get("body")
                body = body if isinstance(body, dict) else {}
                if cmd == frames.EVENT_CALLBACK and frames.event_type(body) == frames.DISCONNECTED:
                    log.error("WeCom AI bot: another connection took over this bot; not reconnecting")
                    return True
                try:
                    await loop.run_in_executor(None, self._on_callback, doc)
                except Exception:  # one bad callback must not end the connection; it is in the log
                    log.exception("WeCom AI bot: handling callback %s failed", rid)
            elif rid.startswith(frames.PING):
                missed[0] = 0
            elif rid in self._pending:
                fut = self._pending.pop(rid)
                if not fut.done():
                    fut.set_result(doc)
        return False

    # --- requests from other threads ---

    def request(self, cmd: str, body: dict[str, Any], rid: str | None = None) -> dict[str, Any]:
        """Send ``cmd`` with ``body`` (under ``rid``, a callback's for replies; else a new one) and return
        WeCom's answer; DeliveryError when not connected, on timeout or on an errcode."""
        loop = self._loop
        if loop is None or self._ws is None:
            raise DeliveryError("WeCom AI bot: not connected", retryable=True, retry_after=self.backoff_s)
        rid = rid or frames.req_id(cmd)
        future = asyncio.run_coroutine_threadsafe(self._request(cmd, rid, body), loop)
        try:
            answer = future.result(self.answer_timeout_s + 1)
        except TimeoutError as e:
            future.cancel()
            raise DeliveryError(f"WeCom AI bot: no answer to {cmd}", retryable=True) from e
        if answer.get("errcode") != 0:
            raise DeliveryError(
                f"WeCom AI bot {cmd}: errcode {answer.get('errcode')}: {answer.get('errmsg')}", retryable=False
            )
        return answer

    async def _request(self, cmd: str, rid: str, body: dict[str, Any]) -> dict[str, Any]:
        ws = self._ws
        if ws is None:
            raise DeliveryError("WeCom AI bot: not connected", retryable=True, retry_after=self.backoff_s)
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[rid] = fut
        try:
            await ws.send(frames.frame(cmd, rid, body))
            return await asyncio.wait_for(fut, self.answer_timeout_s)
        except TimeoutError as e:
            raise DeliveryError(f"WeCom AI bot: no answer to {cmd} in {self.answer_timeout_s} s", retryable=True) from e
        except WebSocketException as e:
            raise DeliveryError(f"WeCom AI bot: sending {cmd} failed: {e}", retryable=True) from e
        finally:
            self._pending.pop(rid, None)
