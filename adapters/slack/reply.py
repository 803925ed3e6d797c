"""How the bot answers on Slack. A slash command is answered through its ``response_url`` (works in any
channel or DM the command was typed in, bot member or not), falling back to chat.postMessage in the channel
when that fails; it has no thread. Everything else — a mention, a DM, a thread reply, a button click — is
answered with chat.postMessage in the event's thread (``adapter.send(chat, thread=…)``)."""

from __future__ import annotations

import logging

from adapters.base import DeliveryError, InboundEvent, Message, MessageRef
from adapters.slack.adapter import SlackAdapter
from adapters.slack.respond import respond

log = logging.getLogger("opsbot.slack")


class SlackReply:
    def __init__(self, adapter: SlackAdapter) -> None:
        self.adapter = adapter

    def __call__(self, event: InboundEvent, message: Message) -> MessageRef:
        if event.command is None or not event.reply_url:
            return self.adapter.send(event.chat, message, thread=event.thread)
        try:
            respond(event.reply_url, message)
        except DeliveryError as err:
            log.warning(
                "slack: answering %s through response_url failed (%s); posting in the channel", event.command, err
            )
            return self.adapter.send(event.chat, message)
        extra = {"via": "response_url"}
        if message.image is not None:
            extra.update(self.adapter.upload_image(event.chat, message.image, None))
        return MessageRef(platform="slack", chat=event.chat, message_id="", extra=extra)
