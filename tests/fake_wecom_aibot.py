"""A local fake of WeCom's AI bot long-connection gateway: a real WebSocket server on 127.0.0.1 (the
``websockets`` package) speaking the documented frames (developer.work.weixin.qq.com/document/path/101463):

- the first frame must be ``aibot_subscribe`` with the right ``bot_id`` and ``secret`` (errcode 0, else an error
  answer and the connection closed);
- ``ping`` is answered ``{headers: {req_id}, errcode: 0}`` and counted (``pings``);
- ``aibot_send_msg`` (a new card or markdown in ``chatid``), ``aibot_respond_msg`` (a reply, under a message's
  req_id) and ``aibot_respond_update_msg`` (a card update, under a click's req_id: only within 5 s of the click,
  once, and only on the connection the click was sent over) are recorded in ``sent`` and answered;
- ``push`` sends a message or event callback with a new req_id (returned); ``drop`` closes the connection;
  ``redeliver_on_connect`` queues callbacks for the next connection (what WeCom does with undelivered ones).
``cards`` holds each card as the chat shows it, by task_id, with its versions.
"""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from websockets.sync.server import ServerConnection, serve

UPDATE_WINDOW_S = 5.0


@dataclass
class Card:
    chatid: str
    versions: list[dict[str, Any]] = field(default_factory=list)  # template_card as sent, then each update


class FakeAiBotGateway:
    def __init__(self, bot_id: str = "aibot-ops", secret: str = "aibot-secret") -> None:
        self.bot_id, self.secret = bot_id, secret
        self.sent: list[dict[str, Any]] = []  # frames the bot sent (besides subscribe and ping)
        self.refused: list[dict[str, Any]] = []  # frames answered with an errcode
        self.subscribes = 0
        self.refusals = 0  # subscriptions refused (wrong bot_id or secret)
        self.pings = 0
        self.cards: dict[str, Card] = {}
        self.subscribed = threading.Event()
        self.answer_pings = True  # False: heartbeats go unanswered (a half-dead connection)
        self._lock = threading.Lock()
        self._outbox: queue.Queue[str | None] = queue.Queue()
        self._clicks: dict[str, tuple[float, int, str]] = {}  # click req_id → (sent at, connection no, task_id)
        self._messages: set[str] = set()  # message req_ids that may be replied to
        self._pending_connect: list[dict[str, Any]] = []
        self._connection = 0
        self._server = serve(self._session, "127.0.0.1", 0)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}"

    # --- what a test does ---

    def push(self, body: dict[str, Any]) -> str:
        """Send a callback (a message, or an event when ``body["msgtype"] == "event"``); its req_id."""
        rid = f"req-{uuid.uuid4().hex}"
        self._remember(body, rid, self._connection)
        cmd = "aibot_event_callback" if body.get("msgtype") == "event" else "aibot_msg_callback"
        self._outbox.put(json.dumps({"cmd": cmd, "headers": {"req_id": rid}, "body": body}, ensure_ascii=False))
        return rid

    def raw(self, doc: dict[str, Any]) -> None:
        """Send ``doc`` as it is (e.g. a disconnected_event)."""
        self._outbox.put(json.dumps(doc, ensure_ascii=False))

    def drop(self) -> None:
        """Close the current connection (the client is to reconnect)."""
        self._outbox.put(None)

    def redeliver_on_connect(self, body: dict[str, Any]) -> None:
        with self._lock:
            self._pending_connect.append(body)

    def frames(self, cmd: str) -> list[dict[str, Any]]:
        with self._lock:
            return [f for f in self.sent if f.get("cmd") == cmd]

    # --- the server ---

    def _remember(self, body: dict[str, Any], rid: str, connection: int) -> None:
        with self._lock:
            event = body.get("event") or {}
            click = event.get("template_card_event") or event
            if body.get("msgtype") == "event" and click.get("task_id"):
                self._clicks[rid] = (time.monotonic(), connection, str(click["task_id"]))
            else:
                self._messages.add(rid)

    def _answer(self, ws: ServerConnection, rid: str, errcode: int = 0, errmsg: str = "ok") -> None:
        ws.send(json.dumps({"headers": {"req_id": rid}, "errcode": errcode, "errmsg": errmsg}))

    def _session(self, ws: ServerConnection) -> None:
        try:
            first = json.loads(ws.recv(timeout=5))
        except Exception:
            return
        rid = first.get("headers", {}).get("req_id", "")
        body = first.get("body") or {}
        if first.get("cmd") != "aibot_subscribe" or (body.get("bot_id"), body.get("secret")) != (
            self.bot_id,
            self.secret,
        ):
            with self._lock:
                self.refusals += 1
            self._answer(ws, rid, 40058, "invalid bot_id or secret")
            ws.close()
            return
        with self._lock:
            self._connection += 1
            me = self._connection
            self.subscribes += 1
            again, self._pending_connect = self._pending_connect, []
        self._answer(ws, rid)
        self.subscribed.set()
        for pending in again:
            self.push(pending)
        while True:
            try:
                out = self._outbox.get_nowait()
            except queue.Empty:
                out = ""
            try:
                if out is None:
                    ws.close()
                    return
                if out:
                    ws.send(out)
                self._take(ws, json.loads(ws.recv(timeout=0.02)), me)
            except TimeoutError:
                continue
            except Exception:  # the client went away
                return

    def _take(self, ws: ServerConnection, doc: dict[str, Any], me: int) -> None:
        cmd, rid, body = doc.get("cmd"), doc.get("headers", {}).get("req_id", ""), doc.get("body") or {}
        if cmd == "ping":
            self.pings += 1
            if self.answer_pings:
                self._answer(ws, rid)
            return
        with self._lock:
            self.sent.append(doc)
            problem = self._check(cmd, rid, body, me)
            if problem:
                self.refused.append(doc)
        if problem:
            self._answer(ws, rid, 40001, problem)
        else:
            self._answer(ws, rid)

    def _check(self, cmd: Any, rid: str, body: dict[str, Any], me: int) -> str:
        """What WeCom would refuse in a frame, or ""; applies an accepted card to ``cards``."""
        if cmd == "aibot_send_msg":
            if not body.get("chatid") or body.get("msgtype") not in ("markdown", "template_card"):
                return "invalid chatid or msgtype"
            if body["msgtype"] == "template_card":
                card = body["template_card"]
                if card.get("task_id") in self.cards:
                    return "task_id exists"
                self.cards[card["task_id"]] = Card(body["chatid"], [card])
            return ""
        if cmd == "aibot_respond_msg":
            if rid not in self._messages:
                return "invalid req_id"
            return ""
        if cmd == "aibot_respond_update_msg":
            click = self._clicks.pop(rid, None)
            if click is None or click[1] != me or time.monotonic() - click[0] > UPDATE_WINDOW_S:
                return "invalid or expired req_id"
            card = body.get("template_card") or {}
            if body.get("response_type") != "update_template_card" or card.get("task_id") != click[2]:
                return "task_id mismatch"
            self.cards[click[2]].versions.append(card)
            return ""
        return f"unknown cmd {cmd}"

    def __enter__(self) -> FakeAiBotGateway:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)
