"""DingTalk interactive cards (互动卡片) sent by the enterprise-app robot: posted into a group once, updated in
place for every later step, and clicked with a callback that names the clicker (Stream mode, topic
``/v1.0/card/instances/callback``).

The OpenAPI calls (``api.dingtalk.com``, or ``base_url``):

- ``POST /v1.0/oauth2/accessToken`` ``{appKey, appSecret}`` → ``{accessToken, expireIn}`` (kept until a minute
  before it expires), sent as ``x-acs-dingtalk-access-token`` on the two calls below;
- ``POST /v1.0/card/instances/createAndDeliver`` with ``cardTemplateId``, ``outTrackId`` (ours: one per ticket
  and group, so a redelivery replaces rather than duplicates), ``callbackType: STREAM`` (or ``HTTP`` with the
  ``callbackRouteKey`` registered by ``POST /v1.0/card/callbacks/register``), ``cardData.cardParamMap``
  (string values only), ``openSpaceId: dtv1.card//IM_GROUP.<openConversationId>`` and the group's deliver model
  naming the robot (``robotCode``, the app key by default);
- ``PUT /v1.0/card/instances`` with the same ``outTrackId`` and the new ``cardData`` (``updateCardDataByKey``);
- ``POST /v1.0/robot/groupMessages/send`` (``msgKey: sampleMarkdown``) for what a click is answered with in the
  group (a refused step, "转派给谁？").

The card template (made once in DingTalk's card builder) shows the variables ``title``, ``markdown``,
``status`` and loops over ``buttons`` (a JSON list of ``{text, action, ticket, style, v}``); each button's
callback passes ``action``, ``ticket`` and ``v`` (the card state, so a click is told from its redelivery) as its
params (docs/group-tickets.md)."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from adapters.base import DeliveryError, Message, MessageRef
from adapters.dingtalk.render import markdown_body, title_of
from adapters.dingtalk.robot import rebase
from adapters.http_status import json_body

API = "https://api.dingtalk.com"
CARD_PREFIX = "card:"  # dingtalk:card:<openConversationId> — an interactive card in that group
TOKEN_MARGIN_S = 60.0


def card_chat(chat: str) -> str | None:
    """The openConversationId of a ``card:<id>`` chat, None for any other chat."""
    return chat[len(CARD_PREFIX) :] if chat.startswith(CARD_PREFIX) and len(chat) > len(CARD_PREFIX) else None


def out_track_id(chat: str, message: Message) -> str:
    """A stable id for the card of one ticket (the buttons' value) in one group; a card without buttons gets
    one from its text."""
    ticket = next((b.value for b in message.buttons if b.value), None)
    digest = hashlib.sha256(f"{chat}\n{ticket or message.text}".encode()).hexdigest()[:16]
    return f"opsbot-{ticket}-{digest}" if ticket else f"opsbot-{digest}"


def card_data(message: Message, status: str = "") -> dict[str, Any]:
    """The card's variables: every value a string, as ``cardParamMap`` requires."""
    title, markdown = title_of(message), markdown_body(message)
    state = hashlib.sha256(f"{title}\n{markdown}\n{status}".encode()).hexdigest()[:12]
    buttons = [
        {"text": b.label, "action": b.action, "ticket": b.value, "style": b.style, "v": state} for b in message.buttons
    ]
    params = {
        "title": title,
        "markdown": markdown,
        "status": status,
        "buttons": json.dumps(buttons, ensure_ascii=False),
    }
    return {"cardParamMap": params}


class CardApi:
    """The three OpenAPI calls of interactive cards, with the app's access token cached."""

    def __init__(
        self,
        app_key: str,
        app_secret: str,
        template_id: str,
        *,
        robot_code: str | None = None,
        route_key: str | None = None,
        base_url: str | None = None,
        http: httpx.Client | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        """``route_key``: clicks go to the HTTP callback URL registered under it (``register_callback``) instead
        of the Stream connection."""
        self._key, self._secret, self.template_id = app_key, app_secret, template_id
        self.robot_code = robot_code or app_key
        self.route_key = route_key
        self._base = rebase(API, base_url).rstrip("/")
        self._http = http or httpx.Client(timeout=10.0)
        self._now = now
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    def _call(self, method: str, path: str, body: dict[str, Any], token: str | None) -> dict[str, Any]:
        headers = {"x-acs-dingtalk-access-token": token} if token else {}
        try:
            response = self._http.request(method, self._base + path, json=body, headers=headers)
        except httpx.TransportError as e:
            raise DeliveryError(f"DingTalk {path} failed: {e}", retryable=True) from e
        got = json_body(response, f"DingTalk {path}", detail=True)
        if not isinstance(got, dict):
            raise DeliveryError(f"DingTalk {path} answered without a JSON object", retryable=True)
        return got

    def token(self) -> str:
        with self._lock:
            if self._token is not None and self._token[1] > self._now():
                return self._token[0]
            got = self._call("POST", "/v1.0/oauth2/accessToken", {"appKey": self._key, "appSecret": self._secret}, None)
            token = str(got.get("accessToken") or "")
            if not token:
                raise DeliveryError("DingTalk gave no accessToken", retryable=True)
            self._token = (token, self._now() + float(got.get("expireIn", 7200)) - TOKEN_MARGIN_S)
            return token

    def deliver(self, conversation: str, track_id: str, data: dict[str, Any]) -> None:
        body = {
            "cardTemplateId": self.template_id,
            "outTrackId": track_id,
            "callbackType": "STREAM",
            "cardData": data,
            "openSpaceId": f"dtv1.card//IM_GROUP.{conversation}",
            "imGroupOpenSpaceModel": {"supportForward": True},
            "imGroupOpenDeliverModel": {"robotCode": self.robot_code},
        }
        if self.route_key:
            body.update(callbackType="HTTP", callbackRouteKey=self.route_key)
        got = self._call("POST", "/v1.0/card/instances/createAndDeliver", body, self.token())
        if got.get("success") is False:
            raise DeliveryError(f"DingTalk createAndDeliver refused: {got!r}"[:500], retryable=False)

    def register_callback(self, url: str, api_secret: str) -> None:
        """``POST /v1.0/card/callbacks/register``: clicks on cards created with ``route_key`` go to ``url``,
        signed with ``api_secret`` (``forceUpdate``: this configuration replaces an earlier registration)."""
        body = {"callbackRouteKey": self.route_key, "callbackUrl": url, "apiSecret": api_secret, "forceUpdate": True}
        got = self._call("POST", "/v1.0/card/callbacks/register", body, self.token())
        if got.get("success") is False:
            raise DeliveryError(f"DingTalk card callback registration refused: {got!r}"[:500], retryable=False)

    def group_message(self, conversation: str, message: Message) -> None:
        param = {"title": title_of(message), "text": markdown_body(message)}
        body = {
            "msgKey": "sampleMarkdown",
            "msgParam": json.dumps(param, ensure_ascii=False),
            "openConversationId": conversation,
            "robotCode": self.robot_code,
        }
        self._call("POST", "/v1.0/robot/groupMessages/send", body, self.token())

    def update(self, track_id: str, data: dict[str, Any]) -> None:
        body = {"outTrackId": track_id, "cardData": data, "cardUpdateOptions": {"updateCardDataByKey": True}}
        self._call("PUT", "/v1.0/card/instances", body, self.token())


class CardSender:
    """Posts and updates ``card:<openConversationId>`` chats' messages as interactive cards."""

    def __init__(self, api: CardApi) -> None:
        self.api = api

    def send(self, chat: str, message: Message) -> MessageRef:
        conversation = card_chat(chat)
        if conversation is None:
            raise DeliveryError(f"{chat!r} is no card:<openConversationId> chat", retryable=False)
        track = out_track_id(chat, message)
        self.api.deliver(conversation, track, card_data(message))
        return MessageRef(platform="dingtalk", chat=chat, message_id=track, extra={"card": "interactive"})

    def update(self, ref: MessageRef, message: Message) -> MessageRef:
        self.api.update(ref.message_id, card_data(message))
        return ref

    def say(self, chat: str, message: Message) -> MessageRef:
        """A plain message from the app robot into a card's group (the answer to a click)."""
        conversation = card_chat(chat)
        if conversation is None:
            raise DeliveryError(f"{chat!r} is no card:<openConversationId> chat", retryable=False)
        self.api.group_message(conversation, message)
        return MessageRef(platform="dingtalk", chat=chat, message_id=f"dt-{uuid.uuid4().hex}")
