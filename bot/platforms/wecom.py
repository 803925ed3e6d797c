"""WeCom (企业微信): the app (自建应用) answers questions and commands sent to it (``/wecom/callback``, encrypted
and signed) and posts ticket cards as template cards to ``wecom:<userid>|…``; the group robots post ticket
cards with signed action links, the default one to ``wecom:robot`` and named ones to ``wecom:robot:<name>``.
``api_url`` / OPSBOT_WECOM_API_URL points both at another server; a robot webhook given as a URL on another host
(a private deployment, an outbound gateway) is posted to as given.

``platforms.wecom.aibot`` adds the AI bot (智能机器人) over its long connection: @-messages in groups and
one-to-one chats are questions and commands, answered in reply; ``wecom:aibot:<chatid>`` destinations get ticket
cards whose clicks arrive with the clicker's ``userid`` and update the same card (docs/group-tickets.md)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from adapters.base import DeliveryError, InboundEvent, Message, MessageRef
from adapters.wecom.adapter import WeComAdapter
from adapters.wecom.aibot import frames
from adapters.wecom.aibot.adapter import AiBotAdapter
from adapters.wecom.aibot.callback import PATH as AIBOT_PATH
from adapters.wecom.aibot.callback import AiBotCallback, AiBotWebhook, reply_by_response_url
from adapters.wecom.aibot.connection import AiBotConnection
from adapters.wecom.aibot.inbound import MalformedAiBotBody, aibot_chat, parse_body
from adapters.wecom.callback import WeComCallback
from adapters.wecom.chats import wecom_robot_name
from adapters.wecom.client import WeComClient
from adapters.wecom.robot import RobotSender
from adapters.wecom.robot_adapter import WeComRobotAdapter
from adapters.wecom.router import ROBOT, WeComRouter
from adapters.wecom.webhook import PATH, WeComWebhook
from bot.config.schema import AiBotConfig
from bot.platforms.context import PlatformContext
from bot.platforms.parts import PlatformParts, ReplyFn, Webhook
from bot.platforms.wecom_clicks import remember_response_code

log = logging.getLogger("opsbot.wecom")
CALLBACK_WINDOW_S = 300.0  # a signed callback further from now is refused: no replay days later


def _needs_links(chat: str) -> bool:
    return wecom_robot_name(chat) is not None


def _replier(router: WeComRouter) -> ReplyFn:
    def reply(event: InboundEvent, message: Message) -> MessageRef:
        """An AI bot message is answered in its chat, in reply to it; an app conversation is a DM: answer the
        asker through the app (or the robot without one)."""
        if aibot_chat(event.chat) is not None:
            return _aibot_reply(router, event, message)
        if router.app is None:
            return router.send(ROBOT, message)
        return router.send(event.user or event.chat, message)

    return reply


def _aibot_reply(router: WeComRouter, event: InboundEvent, message: Message) -> MessageRef:
    """In reply to the message over the long connection (its req_id), else through its response_url (callback
    mode), else posted to the chat."""
    rid, url = str(event.raw.get("req_id") or ""), str(event.raw.get("response_url") or "")
    if router.aibot is not None and rid:
        return router.aibot.reply(event.chat, message, rid)
    if url:
        reply_by_response_url(url, message)
        return MessageRef(platform="wecom", chat=event.chat, message_id=f"aibot-{uuid.uuid4().hex}")
    if router.aibot is not None:
        return router.aibot.send(event.chat, message)
    raise DeliveryError(f"WeCom AI bot event {event.event_id}: no req_id or response_url to answer", retryable=False)


def _aibot(bot: PlatformContext, config: AiBotConfig) -> AiBotConnection:
    """The long connection, each callback kept in the inbox as it is read (a click's req_id first goes into its
    card's stored ref, for the in-place update that follows; a redelivered click refreshes it)."""

    def on_callback(doc: dict[str, Any]) -> None:
        body = doc.get("body")
        try:
            event = parse_body(body if isinstance(body, dict) else {}, frames.rid_of(doc))
        except MalformedAiBotBody as e:
            log.warning("ignoring a WeCom AI bot callback: %s", e)
            return
        if event is None:
            return
        log.info("WeCom AI bot: %s from %s in %s", "a click" if event.action else "a message", event.user, event.chat)
        if event.action is not None and event.action.response_token:
            remember_response_code(bot.service, event)
        bot.submit(event)

    assert config.bot_id and config.secret
    return AiBotConnection(
        config.url, config.bot_id, config.secret, on_callback,
        heartbeat_s=config.heartbeat_s, backoff_s=config.reconnect_s,
    )  # fmt: skip


def build(bot: PlatformContext) -> PlatformParts | None:
    config = bot.config.wecom
    if config is None:
        return None
    public_url, files = bot.config.server.public_url, bot.files

    def publish(data: bytes, ext: str) -> str | None:
        """A long answer's CSV as a signed download link (people open it on their phones, so any address the
        server is configured with will do)."""
        return files.url(public_url, data, ext)

    app = None
    if config.has_app and config.corp_id and config.secret and config.agent_id is not None:
        client = WeComClient(config.corp_id, config.secret, config.agent_id, base_url=config.api_url)
        app = WeComAdapter(client, publish=publish)
    robots = WeComRobotAdapter(RobotSender(base_url=config.api_url), publish=publish)
    keys = config.robot_keys()
    default_target, targets = config.robot_targets()
    connection = _aibot(bot, config.aibot) if config.aibot is not None and config.aibot.long_connection else None
    aibot = AiBotAdapter(connection) if connection is not None else None
    router = WeComRouter(app, robots, default_target, targets, aibot=aibot)

    def rate_sender(chat: str) -> str:
        """A robot's rate limit is its key's, whichever name a destination uses."""
        key = config.robot_key_for(chat)
        return f"robot:{key}" if key else chat

    parts = PlatformParts(
        name="wecom",
        adapter=router,
        reply=_replier(router),
        needs_links=_needs_links,
        sender=rate_sender,
        info={"app": "configured" if app else "none", "robot": "configured" if config.robot_key else "none"},
    )
    if keys:
        parts.info["robots"] = ", ".join(sorted(keys))
    if connection is not None:
        parts.start, parts.stop = connection.start, connection.stop
        parts.info["aibot"] = "long connection"
    if config.aibot is not None and config.aibot.callback and config.aibot.token and config.aibot.encoding_aes_key:
        aibot_callback = AiBotCallback(config.aibot.token, config.aibot.encoding_aes_key, max_age_s=CALLBACK_WINDOW_S)
        parts.webhooks += (Webhook(AIBOT_PATH, AiBotWebhook(aibot_callback), ("GET", "POST")),)
        parts.info["aibot_callback"] = bot.config.server.public_url + AIBOT_PATH
    if config.has_callback and config.token and config.encoding_aes_key and config.corp_id:
        callback = WeComCallback(
            config.token,
            config.encoding_aes_key,
            config.corp_id,
            max_age_s=CALLBACK_WINDOW_S,
            agent_id=config.agent_id,
        )

        def remember(event: InboundEvent) -> None:
            """A click's ResponseCode goes into its card's stored ref before the click is kept, so the card
            update that follows the click can use it."""
            if event.action is not None and event.action.response_token:
                remember_response_code(bot.service, event)

        webhook = WeComWebhook(callback)
        parts.webhooks += (Webhook(PATH, webhook, ("GET", "POST"), before_keep=remember),)
        parts.info["callback"] = bot.config.server.public_url + PATH
    return parts
