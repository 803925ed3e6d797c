"""DingTalk Stream mode: the official ``dingtalk-stream`` SDK keeps an outbound WebSocket open and delivers the
app robot's messages over it (no public URL, no sign — the connection is authenticated with AppKey/Secret).

Each message's data is the same JSON as an HTTP callback and goes through the same ``take``. The SDK is an
optional extra (``pip install 'opsbot[dingtalk]'``); ``available()`` says whether it is importable. Turn it on
with ``platforms.dingtalk.stream: true`` in opsbot.yaml. The client runs on its own event loop in a daemon
thread, started and stopped with the runtime.

Two things differ from the SDK's defaults: the gateway call (``POST /v1.0/gateway/connections/open``) goes to
``base_url`` when one is given (the config's api_url: a proxy, or a local fake) and has a timeout; and
``stop`` really stops — the SDK's ``start()`` loop swallows one cancellation and reconnects, so the task is
cancelled until it is done.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from adapters.dingtalk.card_callback import TOPIC as CARD_TOPIC
from adapters.dingtalk.card_callback import parse_card_callback
from adapters.dingtalk.events import Submit, take
from adapters.dingtalk.inbound import MalformedCallback
from adapters.dingtalk.robot import rebase

log = logging.getLogger("opsbot.dingtalk.stream")
RECONNECT_S = 5.0
OPEN_TIMEOUT_S = 5.0
GATEWAY = "https://api.dingtalk.com/v1.0/gateway/connections/open"


def available() -> bool:
    return importlib.util.find_spec("dingtalk_stream") is not None


def handle(data: Mapping[str, Any], submit: Submit, now: Callable[[], float]) -> bool:
    """One Stream-mode bot message → the runtime; False for a repeat or a body that is no robot message."""
    try:
        return take(data, submit, now)
    except MalformedCallback as e:
        log.warning("ignoring a DingTalk Stream message: %s", e)
        return False


def chatbot_handler(submit: Submit, now: Callable[[], float]) -> Any:
    """The SDK's ``ChatbotHandler`` whose ``process`` hands the message's data to ``handle`` and acks it."""
    import dingtalk_stream

    class Handler(dingtalk_stream.ChatbotHandler):  # type: ignore[misc,unused-ignore]
        async def process(self, callback: Any) -> tuple[int, str]:
            data = callback.data if isinstance(callback.data, dict) else {}
            handle(data, submit, now)
            return int(dingtalk_stream.AckMessage.STATUS_OK), "OK"

    return Handler()


def handle_card(data: Mapping[str, Any], submit: Submit) -> bool:
    """One interactive card click → the runtime; False for a repeat (the same click) or a malformed body."""
    try:
        return submit(parse_card_callback(data))
    except MalformedCallback as e:
        log.warning("ignoring a DingTalk card callback: %s", e)
        return False


def card_handler(submit: Submit) -> Any:
    """The SDK's ``CallbackHandler`` for card callbacks: keeps the click (fast ack) and answers without new card
    data — the card is updated by the delivery that follows the ticket step."""
    import dingtalk_stream

    class Handler(dingtalk_stream.CallbackHandler):  # type: ignore[misc,unused-ignore]
        async def process(self, callback: Any) -> tuple[int, dict[str, Any]]:
            data = callback.data if isinstance(callback.data, dict) else {}
            handle_card(data, submit)
            return int(dingtalk_stream.AckMessage.STATUS_OK), {}

    return Handler()


def stream_client(
    app_key: str, app_secret: str, handler: Any, *, base_url: str | None = None, cards: Any = None
) -> Any:
    """A ``DingTalkStreamClient`` subscribed to robot messages (and card callbacks when ``cards`` is a handler),
    opening its connection through ``base_url``."""
    import dingtalk_stream

    url = rebase(GATEWAY, base_url)

    class Client(dingtalk_stream.DingTalkStreamClient):  # type: ignore[misc,unused-ignore]
        def open_connection(self) -> dict[str, Any] | None:
            body = {
                "clientId": self.credential.client_id,
                "clientSecret": self.credential.client_secret,
                "subscriptions": [{"type": "CALLBACK", "topic": t} for t in self.callback_handler_map],
                "ua": "opsbot (dingtalk-stream)",
                "localIp": "",
            }
            try:
                response = httpx.post(url, json=body, timeout=OPEN_TIMEOUT_S)
                response.raise_for_status()
                got = response.json()
            except (httpx.HTTPError, ValueError) as e:
                log.error("DingTalk Stream: opening a connection at %s failed: %s", url, e)
                return None
            return got if isinstance(got, dict) else None

    client = Client(dingtalk_stream.Credential(app_key, app_secret), logger=log)
    client.register_callback_handler(dingtalk_stream.ChatbotMessage.TOPIC, handler)
    if cards is not None:
        client.register_callback_handler(CARD_TOPIC, cards)
    return client


class StreamClient:
    """The Stream-mode client on a background thread: ``start`` / ``stop`` it with the runtime."""

    def __init__(
        self,
        app_key: str,
        app_secret: str,
        submit: Submit,
        now: Callable[[], float],
        *,
        base_url: str | None = None,
        cards: bool = False,
    ) -> None:
        """``cards``: also subscribe to interactive card callbacks."""
        self._key, self._secret, self._submit, self._now = app_key, app_secret, submit, now
        self._base_url = base_url
        self._cards = cards
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[Any] | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def _client(self) -> Any:
        handler = chatbot_handler(self._submit, self._now)
        cards = card_handler(self._submit) if self._cards else None
        return stream_client(self._key, self._secret, handler, base_url=self._base_url, cards=cards)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            while not self._stopping.is_set():
                try:
                    self._task = loop.create_task(self._client().start())
                    if self._stopping.is_set():  # stop() came while the task was being made
                        break
                    loop.run_until_complete(self._task)
                except asyncio.CancelledError:
                    break
                except Exception:  # the SDK missing, or whatever its websocket raises: try again later
                    log.exception("DingTalk Stream connection failed; reconnecting in %.0f s", RECONNECT_S)
                if self._stopping.wait(RECONNECT_S):
                    break
        finally:
            _cancel_all(loop)
            loop.close()

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="dingtalk-stream", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        loop, task = self._loop, self._task
        if loop is not None and task is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: the thread is ending anyway
                asyncio.run_coroutine_threadsafe(_cancel_until_done(task), loop)
        if self._thread is not None:
            self._thread.join(timeout=5)


async def _cancel_until_done(task: asyncio.Task[Any]) -> None:
    """Cancel ``task`` until it ends: the SDK's loop catches a CancelledError once and sleeps to reconnect."""
    while not task.done():
        task.cancel()
        await asyncio.sleep(0.05)


def _cancel_all(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what the SDK left running on ``loop`` (keepalive pings, message tasks) and let it unwind."""
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for t in pending:
        t.cancel()
    if pending:
        with contextlib.suppress(Exception):
            loop.run_until_complete(asyncio.wait(pending, timeout=1.0))
