"""DingTalk: the enterprise-app robot (questions and commands: ``POST /dingtalk/callback`` in HTTP mode, or
Stream mode with the ``dingtalk-stream`` SDK and ``platforms.dingtalk.stream: true``) answering through each
message's ``sessionWebhook``, and custom group robots posting ticket cards: a named robot of
``platforms.dingtalk.robots`` for ``dingtalk:<its name>``, the default ``robot_webhook`` for any other
``dingtalk:<group>``. Robots cannot edit, so a changed ticket gets a new, superseding card, and
cannot call back, so card buttons are signed action links (``/actions/<token>`` on ``server.public_url``).
``api_url`` / OPSBOT_DINGTALK_API_URL points the robot, the session-webhook replies and Stream mode's gateway at
another server. The HTTP callback stays mounted in Stream mode too (it is signed; DingTalk uses one or the other).

With ``card_template_id`` (and the app), ``dingtalk:card:<openConversationId>`` destinations get interactive
cards from the app robot: updated in place, their buttons call back through Stream mode with the clicker's
staff id (no links); the robot-webhook destinations stay as they are (the simple fallback). With
``card_callback: {route_key, api_secret}`` the cards are created for HTTP callbacks instead: at start opsbot
registers ``server.public_url`` + ``/dingtalk/card/callback`` under ``route_key`` with ``api_secret``, and each
click arrives there signed with it (adapters/dingtalk/card_webhook.py).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable

from adapters.base import DeliveryError, InboundEvent, Message, MessageRef
from adapters.dingtalk import stream as dingtalk_stream
from adapters.dingtalk.adapter import DingTalkAdapter
from adapters.dingtalk.card_webhook import CARD_PATH, CardCallbackWebhook
from adapters.dingtalk.cards import CardApi, CardSender, card_chat
from adapters.dingtalk.robot import DingTalkRobot
from adapters.dingtalk.signing import CallbackVerifier, CardCallbackVerifier
from adapters.dingtalk.webhook import PATH, DingTalkWebhook
from alerts.tickets.service import TicketService
from bot.config.schema import CardCallbackConfig
from bot.delivery.files import reachable
from bot.platforms.context import PlatformContext
from bot.platforms.parts import PlatformParts, ReplyFn, Webhook

log = logging.getLogger("opsbot.dingtalk")


def _needs_links(chat: str) -> bool:
    """Robot cards cannot call back: their buttons are signed links; interactive cards call back."""
    return card_chat(chat) is None


def _replier(adapter: DingTalkAdapter, robot: DingTalkRobot | None, cards: CardSender | None) -> ReplyFn:
    def reply(event: InboundEvent, message: Message) -> MessageRef:
        """Through the message's sessionWebhook; once that has expired, a group message is answered through the
        group robot if there is one. A one-to-one chat's answer is never posted to a group: it is logged. A click
        on an interactive card is answered by the app robot in the card's group."""
        if cards is not None and card_chat(event.chat) is not None:
            return cards.say(event.chat, message)
        if event.reply_url:
            return adapter.reply(event.reply_url, event.chat, message)
        if robot is not None and not event.direct:
            message = adapter.linked(message)
            robot.send(message, adapter.image_url(message))
            return MessageRef(platform="dingtalk", chat=event.chat, message_id=f"dt-{uuid.uuid4().hex}")
        why = "it came from a one-to-one chat" if event.direct else "no group robot is configured"
        raise DeliveryError(
            f"DingTalk message {event.event_id}: its sessionWebhook expired and {why}; the answer is dropped",
            retryable=False,
        )

    return reply


def _card_chat_of(service: TicketService) -> Callable[[str], str | None]:
    """outTrackId → the ``card:<openConversationId>`` chat opsbot posted that card to (from the ticket cards)."""

    def chat_of(track: str) -> str | None:
        for _, place in service.cards_on("dingtalk"):
            try:
                ref = json.loads(place.message_ref)
            except ValueError:
                continue
            if isinstance(ref, dict) and ref.get("id") == track and card_chat(str(ref.get("chat") or "")):
                return str(ref["chat"])
        return None

    return chat_of


def _card_callbacks(
    parts: PlatformParts,
    api: CardApi,
    callback: CardCallbackConfig,
    public_url: str,
    now: Callable[[], float],
    chat_of: Callable[[str], str | None],
) -> None:
    """Mount the HTTP card callback and register it with DingTalk when the platform starts."""
    url = public_url + CARD_PATH
    verifier = CardCallbackVerifier(callback.api_secret, now=now)
    parts.webhooks = (*parts.webhooks, Webhook(CARD_PATH, CardCallbackWebhook(verifier, chat_of)))
    parts.info["card_callback"] = url
    started = parts.start

    def start() -> None:
        try:
            api.register_callback(url, callback.api_secret)
            log.info("DingTalk card callbacks registered: %s → %s", callback.route_key, url)
        except DeliveryError as e:
            log.error("DingTalk card callback registration failed (clicks will not arrive): %s", e)
        started()

    parts.start = start


def build(bot: PlatformContext) -> PlatformParts | None:
    config = bot.config.dingtalk
    if config is None:
        return None

    def now() -> float:
        return bot.clock().timestamp()

    def make(webhook: str, secret: str | None) -> DingTalkRobot:
        return DingTalkRobot(webhook, secret, base_url=config.api_url, now=now)

    robot = make(config.robot_webhook, config.robot_secret) if config.robot_webhook else None
    named = {name: make(r.webhook, r.secret) for name, r in config.robots.items()}
    public_url = bot.config.server.public_url
    files = bot.files

    def publish(data: bytes, ext: str) -> str | None:
        """A chart or a CSV as a signed download. A chart is fetched by DingTalk's servers, so it is None (the text
        says why) when public_url is a local or private address they cannot reach; a CSV is opened by people."""
        return files.url(public_url, data, ext) if ext == "csv" or reachable(public_url) else None

    cards, api = None, None
    if config.has_cards and config.app_key and config.app_secret and config.card_template_id:
        route_key = config.card_callback.route_key if config.card_callback else None
        api = CardApi(
            config.app_key, config.app_secret, config.card_template_id, robot_code=config.card_robot_code,
            route_key=route_key, base_url=config.api_url, now=now,
        )  # fmt: skip
        cards = CardSender(api)
    adapter = DingTalkAdapter(named, base_url=config.api_url, default=robot, publish=publish, cards=cards)

    def sender(chat: str) -> str:
        """One robot, one rate limit: every group the default robot serves counts on it; an interactive card
        counts on its group."""
        if card_chat(chat) is not None:
            return chat
        used = config.robot_for(chat)
        return f"robot:{used.webhook}" if used is not None else chat

    parts = PlatformParts(
        name="dingtalk",
        adapter=adapter if robot is not None or named or cards is not None else None,
        reply=_replier(adapter, robot, cards),
        needs_links=_needs_links,
        sender=sender,
        info={"robot": "configured" if robot is not None else "none"},
    )
    if named:
        parts.info["robots"] = ", ".join(sorted(named))
    if cards is not None:
        parts.info["cards"] = "interactive"
    if not (config.has_app and config.app_key and config.app_secret):
        return parts
    parts.webhooks = (Webhook(PATH, DingTalkWebhook(CallbackVerifier(config.app_secret, now=now), now)),)
    parts.info.update(mode="http", callback=bot.config.server.public_url + PATH)
    if api is not None and config.card_callback is not None:
        chat_of = _card_chat_of(bot.service)
        _card_callbacks(parts, api, config.card_callback, bot.config.server.public_url, now, chat_of)
    if config.stream and dingtalk_stream.available():
        client = dingtalk_stream.StreamClient(  # card clicks too: cards created for Stream before card_callback
            config.app_key, config.app_secret, bot.submit, now, base_url=config.api_url, cards=cards is not None
        )
        parts.start, parts.stop = _then(parts.start, client.start), client.stop
        parts.info["mode"] = "stream"
    elif config.stream:
        log.warning("platforms.dingtalk.stream is on but dingtalk-stream is not installed; using HTTP callbacks")
    return parts


def _then(first: Callable[[], None], second: Callable[[], None]) -> Callable[[], None]:
    def both() -> None:
        first()
        second()

    return both
