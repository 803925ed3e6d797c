"""DingTalk Stream mode: the official ``dingtalk-stream`` SDK keeps an outbound WebSocket open and delivers the
app robot's messages over it (no public URL, no sign — the connection is authenticated with AppKey/Secret).

Each message's data is the same JSON as an HTTP callback and goes through the same ``take``. The SDK is an
optional extra (``pip install 'opsbot[dingtalk]'``); ``available()`` says whether it is importable. The client
runs on its own event loop in a daemon thread, started and stopped with the runtime.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from adapters.dingtalk.inbound import MalformedCallback
from bot.dingtalk_events import Submit, take

log = logging.getLogger("opsbot.dingtalk.stream")
RECONNECT_S = 5.0


def available() -> bool:
    return importlib.util.find_spec("dingtalk_stream") is not None


def handle(data: Mapping[str, Any], submit: Submit, now: Callable[[], float]) -> bool:
    """One Stream-mode bot message → the runtime; False for a repeat or a body that is no robot message."""
    try:
        return take(data, submit, now)
    except MalformedCallback as e:
        log.warning("ignoring a DingTalk Stream message: %s", e)
        return False


class StreamClient:
    """``DingTalkStreamClient`` with a ``ChatbotHandler`` that calls ``handle``; ``start`` / ``stop`` it."""

    def __init__(self, app_key: str, app_secret: str, submit: Submit, now: Callable[[], float]) -> None:
        self._key, self._secret, self._submit, self._now = app_key, app_secret, submit, now
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[Any] | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def _client(self) -> Any:
        import dingtalk_stream  # type: ignore[import-not-found,unused-ignore]

        submit, now = self._submit, self._now

        class Handler(dingtalk_stream.ChatbotHandler):  # type: ignore[misc,unused-ignore]
            async def process(self, callback: Any) -> tuple[int, str]:
                data = callback.data if isinstance(callback.data, dict) else {}
                handle(data, submit, now)
                return dingtalk_stream.AckMessage.STATUS_OK, "OK"

        client = dingtalk_stream.DingTalkStreamClient(dingtalk_stream.Credential(self._key, self._secret))
        client.register_callback_handler(dingtalk_stream.chatbot.ChatbotMessage.TOPIC, Handler())
        return client

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            while not self._stopping.is_set():
                try:
                    self._task = loop.create_task(self._client().start())
                    loop.run_until_complete(self._task)
                except asyncio.CancelledError:
                    break
                except Exception:  # the SDK raises whatever its websocket raises; reconnect
                    log.exception("DingTalk Stream connection failed; reconnecting in %.0f s", RECONNECT_S)
                if self._stopping.wait(RECONNECT_S):
                    break
        finally:
            loop.close()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="dingtalk-stream", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        loop, task = self._loop, self._task
        if loop is not None and task is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: the thread is ending anyway
                loop.call_soon_threadsafe(task.cancel)
        if self._thread is not None:
            self._thread.join(timeout=5)
