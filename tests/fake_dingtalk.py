"""A local fake DingTalk robot API: POST /robot/send and /robot/sendBySession on 127.0.0.1 (free port).

A real http.server in a background thread; it records every request (path, query, headers, JSON body) and
answers from a scripted queue (errcodes, HTTP statuses), or ``{"errcode": 0, "errmsg": "ok"}`` when empty.

Like DingTalk it can also check what a custom robot sends to ``/robot/send`` (both off by default):
``robot_secret`` — the ``timestamp`` (ms, within 1 h of ``now``) and ``sign`` query parameters, computed here
independently of opsbot's code (errcode 310000 otherwise), with ``secrets`` (access_token → secret) for
other robots; ``limit_per_minute`` — at most that many messages
per ``access_token`` in any 60 s of ``now`` (errcode 130101 beyond it, and then the robot is throttled for
10 minutes, as DingTalk does). ``now`` (epoch seconds) is the fake's clock: pass the bot's pinned clock.

Stream mode: ``POST /v1.0/gateway/connections/open`` answers with ``stream_endpoint`` (a FakeStreamGateway's
``url``) and records the request; the gateway is a real WebSocket server (the ``websockets`` package, which
``dingtalk-stream`` brings) that sends CALLBACK frames to the connected client and records its acks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import markup_validators
from fake_http import JsonHandler, LocalServer

OK = {"errcode": 0, "errmsg": "ok"}
SIGN_MISMATCH = 310000  # DingTalk: sign not match / invalid timestamp / keywords / ip not in whitelist
SEND_TOO_FAST = 130101
THROTTLE_S = 600.0


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = field(default_factory=lambda: dict(OK))
    headers: dict[str, str] = field(default_factory=dict)


def errcode(code: int, msg: str) -> Reply:
    return Reply(body={"errcode": code, "errmsg": msg})


def _ok(reply: Reply) -> bool:
    return reply.status == 200 and isinstance(reply.body, dict) and reply.body.get("errcode") == 0


@dataclass(frozen=True)
class Request:
    path: str
    query: dict[str, str]
    raw_query: str
    headers: dict[str, str]
    body: dict[str, Any]
    method: str = "POST"


class FakeDingTalk(LocalServer):
    ROUTES = ("/robot/send", "/robot/sendBySession")
    GATEWAY = "/v1.0/gateway/connections/open"
    TOKEN = "/v1.0/oauth2/accessToken"
    CREATE_CARD = "/v1.0/card/instances/createAndDeliver"
    UPDATE_CARD = "/v1.0/card/instances"
    GROUP_MESSAGE = "/v1.0/robot/groupMessages/send"
    REGISTER_CALLBACK = "/v1.0/card/callbacks/register"

    def __init__(
        self,
        *,
        robot_secret: str | None = None,
        secrets: Mapping[str, str] | None = None,
        limit_per_minute: int | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self.requests: list[Request] = []
        self.answered: list[tuple[Request, Reply]] = []  # every request with what the fake answered
        self.robot_secret = robot_secret
        self.secrets = dict(secrets or {})
        self.limit_per_minute = limit_per_minute
        self.now = now
        self._sent: dict[str, deque[float]] = {}  # access_token → when its accepted messages were sent
        self._throttled_until: dict[str, float] = {}
        self.stream_endpoint: str | None = None  # what the gateway call answers (a FakeStreamGateway's url)
        self.cards: dict[str, dict[str, Any]] = {}  # outTrackId → the card as DingTalk shows it (its params)
        self.card_routes: dict[str, tuple[str, str]] = {}  # callbackRouteKey → (callbackUrl, apiSecret)
        self.card_route_of: dict[str, str] = {}  # outTrackId → the callbackRouteKey it was created with
        self.app = ("dingtestkey", "test-app-secret")  # the app key and secret the token call must bring
        super().__init__(self._handler_class())

    @property
    def base_url(self) -> str:
        return self.root

    def push(self, *replies: Reply) -> None:
        with self._lock:
            self._replies.extend(replies)

    def _next(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            if request.path == self.GATEWAY and self.stream_endpoint is not None:
                return Reply(body={"endpoint": self.stream_endpoint, "ticket": "ticket-1"})
            if request.path in (
                self.TOKEN,
                self.CREATE_CARD,
                self.UPDATE_CARD,
                self.GROUP_MESSAGE,
                self.REGISTER_CALLBACK,
            ):
                reply = self._card_api(request)
                self.answered.append((request, reply))
                return reply
            if request.path not in self.ROUTES:
                return Reply(status=404, body={"errcode": 404, "errmsg": f"no route {request.path}"})
            markup_validators.check(markup_validators.dingtalk(request.body))  # DingTalk's markdown subset
            reply = self._robot_check(request) if request.path == "/robot/send" else None
            if reply is None:
                reply = self._replies.popleft() if self._replies else Reply()
            if request.path == "/robot/send" and _ok(reply):
                self._sent.setdefault(request.query.get("access_token", ""), deque()).append(self.now())
            self.answered.append((request, reply))
            return reply

    def _card_api(self, request: Request) -> Reply:
        """The interactive-card OpenAPI as DingTalk documents it: an app token for the app's key and secret, then
        createAndDeliver (one card per outTrackId) and PUT (only a card that exists) with that token."""
        body = request.body
        if request.path == self.TOKEN:
            if (body.get("appKey"), body.get("appSecret")) != self.app:
                return Reply(400, {"code": "invalidClientIdOrSecret", "message": "bad appKey or appSecret"})
            return Reply(body={"accessToken": "card-app-token", "expireIn": 7200})
        if request.headers.get("x-acs-dingtalk-access-token") != "card-app-token":
            return Reply(401, {"code": "InvalidAuthentication", "message": "bad access token"})
        if request.path == self.GROUP_MESSAGE:
            param = json.loads(body.get("msgParam") or "{}")
            if body.get("msgKey") != "sampleMarkdown" or not param.get("text") or not body.get("openConversationId"):
                return Reply(400, {"code": "param.invalid", "message": "msgKey, msgParam or openConversationId"})
            return Reply(body={"processQueryKey": f"pqk-{len(self.requests)}"})
        if request.path == self.REGISTER_CALLBACK:
            route, url, secret = body.get("callbackRouteKey"), body.get("callbackUrl"), body.get("apiSecret")
            if not (route and str(url).startswith("http") and secret):
                return Reply(400, {"code": "param.invalid", "message": "callbackRouteKey, callbackUrl, apiSecret"})
            if route in self.card_routes and not body.get("forceUpdate"):
                return Reply(body={"success": True, "result": {"callbackUrl": self.card_routes[route][0]}})
            self.card_routes[route] = (str(url), str(secret))
            return Reply(body={"success": True, "result": {"callbackUrl": url, "apiSecret": secret}})
        params = body.get("cardData", {}).get("cardParamMap")
        track = body.get("outTrackId")
        if not isinstance(params, dict) or not all(isinstance(v, str) for v in params.values()) or not track:
            return Reply(400, {"code": "param.invalid", "message": "cardParamMap values must be strings"})
        if request.path == self.CREATE_CARD:
            if request.method != "POST" or not str(body.get("openSpaceId", "")).startswith("dtv1.card//IM_GROUP."):
                return Reply(400, {"code": "param.invalid", "message": "openSpaceId"})
            self.cards[track] = dict(params)
            if body.get("callbackType") == "HTTP":
                self.card_route_of[track] = str(body.get("callbackRouteKey"))
            return Reply(body={"success": True, "result": {"outTrackId": track}})
        if request.method != "PUT" or track not in self.cards:
            return Reply(404, {"code": "card.notFound", "message": f"no card {track}"})
        self.cards[track].update(params)
        return Reply(body={"success": True, "result": True})

    def click_over_http(
        self, track: str, user: str, params: Mapping[str, str], *, timestamp_ms: int, secret: str | None = None
    ) -> tuple[str, bytes, dict[str, str]]:
        """A click on card ``track`` as DingTalk would POST it to the URL registered under the card's
        callbackRouteKey, signed with that route's apiSecret (or ``secret``: a forgery): (url, body, headers)."""
        url, registered = self.card_routes[self.card_route_of[track]]
        content = {"cardPrivateData": {"actionIds": [f"btn_{params.get('action')}"], "params": dict(params)}}
        body = {"type": "actionCallback", "outTrackId": track, "corpId": "dingcorp", "userId": user,
                "content": json.dumps(content, ensure_ascii=False)}  # fmt: skip
        key = (registered if secret is None else secret).encode()  # DingTalk's calcSignature(apiSecret, ts)
        sign = base64.b64encode(hmac.new(key, str(timestamp_ms).encode(), hashlib.sha256).digest()).decode()
        headers = {
            "Content-Type": "application/json", "x-ddpaas-signature-timestamp": str(timestamp_ms),
            "x-ddpaas-signature": sign,
        }  # fmt: skip
        return url, json.dumps(body, ensure_ascii=False).encode(), headers

    def card_requests(self, path: str) -> list[Request]:
        with self._lock:
            return [q for q, a in self.answered if q.path == path and a.status == 200]

    def _robot_check(self, request: Request) -> Reply | None:
        """DingTalk's own checks of a custom robot's send: the sign, then the 20-a-minute limit."""
        secret = self.secrets.get(request.query.get("access_token", ""), self.robot_secret)
        if secret is not None:
            stamp, sign = request.query.get("timestamp", ""), request.query.get("sign", "")
            if not stamp.isdigit() or abs(self.now() * 1000 - int(stamp)) > 3_600_000:
                return errcode(SIGN_MISMATCH, "invalid timestamp")
            digest = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(base64.b64encode(digest).decode(), sign):  # parse_qs un-URL-encoded it
                return errcode(SIGN_MISMATCH, "sign not match")
        if self.limit_per_minute is not None:
            token, now = request.query.get("access_token", ""), self.now()
            sent = self._sent.setdefault(token, deque())
            while sent and sent[0] <= now - 60:
                sent.popleft()
            if now >= self._throttled_until.get(token, 0.0) and len(sent) >= self.limit_per_minute:
                self._throttled_until[token] = now + THROTTLE_S
            if now < self._throttled_until.get(token, 0.0):
                return errcode(SEND_TOO_FAST, "send too fast, exceed 20 times per minute")
        return None

    def rejected(self, code: int) -> list[Request]:
        """The requests the fake answered with DingTalk ``errcode`` ``code``."""
        with self._lock:
            return [q for q, a in self.answered if isinstance(a.body, dict) and a.body.get("errcode") == code]

    def accepted(self, path: str = "/robot/send") -> list[Request]:
        """The requests to ``path`` the fake answered with HTTP 200 and errcode 0 (really posted)."""
        with self._lock:
            return [q for q, a in self.answered if q.path == path and _ok(a)]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                self.do_POST("PUT")

            def do_POST(self, method: str = "POST") -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                headers = {k.lower(): v for k, v in self.headers.items()}
                body = json.loads(raw) if raw else {}
                reply = fake._next(Request(parts.path, query, parts.query, headers, body, method))
                payload = json.dumps(reply.body).encode() if not isinstance(reply.body, bytes) else reply.body
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler


class FakeStreamGateway:
    """DingTalk Stream mode's WebSocket end on 127.0.0.1: ``send_callback`` queues a robot message for the
    connected client; ``acks`` are the client's answers (frames it sent back), ``connections`` counts clients."""

    def __init__(self) -> None:
        from websockets.sync.server import serve

        self._outbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self.acks: list[dict[str, Any]] = []
        self.connections = 0
        self.connected = threading.Event()
        self._server = serve(self._session, "127.0.0.1", 0)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/connect"

    def send_callback(self, data: dict[str, Any], *, message_id: str, topic: str = "/v1.0/im/bot/messages/get") -> None:
        headers = {"topic": topic, "messageId": message_id, "contentType": "application/json", "appId": "app1",
                   "time": str(int(time.time() * 1000))}  # fmt: skip
        self._outbox.put({"specVersion": "1.0", "type": "CALLBACK", "headers": headers, "data": json.dumps(data)})

    def _session(self, ws: Any) -> None:
        self.connections += 1
        self.connected.set()
        while True:
            try:
                frame = self._outbox.get_nowait()
            except queue.Empty:
                frame = None
            try:
                if frame is not None:
                    ws.send(json.dumps(frame))
                self.acks.append(json.loads(ws.recv(timeout=0.05)))
            except TimeoutError:
                continue
            except Exception:  # the client went away
                return

    def __enter__(self) -> FakeStreamGateway:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


class FakeLogin(LocalServer):
    """DingTalk login (扫码 / in-app OAuth2) on one local server standing for both api.dingtalk.com and
    oapi.dingtalk.com: ``POST /v1.0/oauth2/userAccessToken`` (authCode → user token, each code once),
    ``GET /v1.0/contact/users/me`` (user token → unionId), ``POST /v1.0/oauth2/accessToken`` (app token) and
    ``POST /topapi/user/getbyunionid`` (unionId → userid; errcode 60121 for a non-member)."""

    def __init__(self, *, app_key: str = "ding-app", app_secret: str = "ding-secret") -> None:
        self.app_key, self.app_secret = app_key, app_secret
        self.codes: dict[str, str] = {}  # authCode → unionId
        self.userids: dict[str, str] = {}  # unionId → userid (members of the organisation)
        self._user_tokens: dict[str, str] = {}  # user access token → unionId
        self._app_tokens: set[str] = set()
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._n = 0
        super().__init__(self._handler_class())

    @property
    def base_url(self) -> str:
        return self.root

    def auth_code(self, union_id: str, userid: str | None = None) -> str:
        """A one-time authCode for the user ``union_id`` (a member with ``userid`` when given)."""
        with self._lock:
            self._n += 1
            code = f"ding-code-{self._n}"
            self.codes[code] = union_id
            if userid is not None:
                self.userids[union_id] = userid
            return code

    def _answer(self, method: str, request: Request) -> tuple[int, Any]:
        with self._lock:
            self.requests.append(request)
            self._n += 1
            path, body = request.path, request.body
            if method == "POST" and path == "/v1.0/oauth2/userAccessToken":
                if body.get("clientId") != self.app_key or body.get("clientSecret") != self.app_secret:
                    return 400, {"code": "invalidClientIdOrSecret", "message": "wrong clientId or clientSecret"}
                union_id = self.codes.pop(str(body.get("code")), None)  # an authCode works once
                if union_id is None or body.get("grantType") != "authorization_code":
                    return 400, {"code": "invalidAuthCode", "message": "authCode is invalid or used"}
                token = f"user-token-{self._n}"
                self._user_tokens[token] = union_id
                return 200, {"accessToken": token, "refreshToken": "r", "expireIn": 7200}
            if method == "GET" and path == "/v1.0/contact/users/me":
                union_id = self._user_tokens.get(request.headers.get("x-acs-dingtalk-access-token", ""))
                if union_id is None:
                    return 401, {"code": "InvalidAuthentication", "message": "bad user token"}
                return 200, {"nick": union_id, "unionId": union_id, "openId": f"open-{union_id}"}
            if method == "POST" and path == "/v1.0/oauth2/accessToken":
                if body.get("appKey") != self.app_key or body.get("appSecret") != self.app_secret:
                    return 400, {"code": "invalidClientIdOrSecret", "message": "wrong appKey or appSecret"}
                token = f"app-token-{self._n}"
                self._app_tokens.add(token)
                return 200, {"accessToken": token, "expireIn": 7200}
            if method == "POST" and path == "/topapi/user/getbyunionid":
                if request.query.get("access_token") not in self._app_tokens:
                    return 200, {"errcode": 40014, "errmsg": "invalid access_token"}
                userid = self.userids.get(str(body.get("unionid")))
                if userid is None:
                    return 200, {"errcode": 60121, "errmsg": "user not found"}
                return 200, {"errcode": 0, "errmsg": "ok", "result": {"contact_type": 0, "userid": userid}}
            return 404, {"errcode": 404, "errmsg": f"no route {path}"}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(JsonHandler):
            def _handle(self, method: str) -> None:
                raw = self.request_body()
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                headers = {k.lower(): v for k, v in self.headers.items()}
                request = Request(parts.path, query, parts.query, headers, json.loads(raw) if raw else {})
                status, body = fake._answer(method, request)
                self.reply_json(status, json.dumps(body).encode())

        return Handler
