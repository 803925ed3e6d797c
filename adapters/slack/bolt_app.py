"""The slack-bolt AsyncApp behind ``POST /slack/events``: Events API events, the ``/opsbot`` slash command and
button clicks (``block_actions``) are parsed by ``adapters.slack.inbound`` into InboundEvents and added to the
request's ``EVENTS`` list (webhook.py hands them to the bot, which keeps them before Slack hears 200; the
bot's inbox de-duplicates Slack's redeliveries on ``event_id``); then the listener acks.

Choices:
- Request signatures are checked before bolt, in the webhook (webhook.py), by our
  ``SlackVerifier`` with the runtime's clock — so bolt's own check is off (``request_verification_enabled``).
- No ``auth.test`` at start-up or per request: ``authorize`` hands bolt the configured bot token. The bot's own
  user id (to drop the ``message`` copy of an @-mention) comes from the envelope's ``authorizations``; only an
  envelope without them makes ``BotIdentity`` ask ``auth.test`` (once, then cached).
- ``process_before_response=True``: a listener only parses the event, and the bot keeps it (the inbox
  writer's commit) before the HTTP 200 goes out, so a 200 always means the event is kept (were keeping it to
  fail, Slack would get an error and redeliver instead of the event being lost).
- bolt answers ``url_verification`` (the challenge) and ``ssl_check`` itself.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncBoltRequest
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.base import InboundEvent
from adapters.slack.inbound import (
    authorized_user,
    parse_event_callback,
    parse_interaction,
    parse_slash_command,
    retry_info,
)
from adapters.slack.proxy import env_proxies

log = logging.getLogger("opsbot.slack")
EVENTS = "opsbot_events"  # the request context's list of parsed events
ANY = re.compile(".*")
AUTH_TEST_TIMEOUT_S = 2


class _NoEnvTokenWarning(logging.Filter):
    """bolt reads SLACK_BOT_TOKEN from the environment on its own and then warns that the ``client`` we pass
    wins over it; our token is used (through ``authorize``), so the warning only misleads."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


bolt_log = logging.getLogger("opsbot.slack.bolt")
bolt_log.addFilter(_NoEnvTokenWarning())
AUTH_TEST_RETRY_S = 60.0


class BotIdentity:
    """The bot's own Slack user id: from an envelope's ``authorizations``, else ``auth.test`` — asked with a
    short timeout (it runs before the ack), at most once a minute until it answers, then cached."""

    def __init__(self, client: AsyncWebClient, clock: Callable[[], float] = time.monotonic) -> None:
        self._client = client  # with the bot token
        self._clock = clock
        self._next_try = -1e18
        self.user_id: str | None = None

    async def of(self, body: Mapping[str, Any]) -> str | None:
        found = authorized_user(body)
        if found:
            self.user_id = found
        elif self.user_id is None and self._clock() >= self._next_try:
            self._next_try = self._clock() + AUTH_TEST_RETRY_S
            try:
                response = await self._client.auth_test()
                self.user_id = str(response.get("user_id") or "") or None
            except (SlackClientError, aiohttp.ClientError, OSError) as err:  # timeouts are OSErrors
                log.warning("slack auth.test failed (%s); the bot's own id is unknown for now", err)
        return self.user_id


def slack_app(token: str, base_url: str, signing_secret: str) -> AsyncApp:
    """An AsyncApp whose AsyncWebClient talks to ``base_url`` with ``token``, adding every request's event to
    the request context's ``EVENTS``. (bolt's client is built without the token, which ``authorize`` supplies
    per request: bolt warns when given both a token and ``authorize``.)"""
    identity = BotIdentity(env_proxies(AsyncWebClient(token=token, base_url=base_url, timeout=AUTH_TEST_TIMEOUT_S)))

    async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=enterprise_id, team_id=team_id, bot_token=token, bot_user_id=identity.user_id
        )

    app = AsyncApp(
        client=env_proxies(AsyncWebClient(base_url=base_url)),
        signing_secret=signing_secret,
        authorize=authorize,
        request_verification_enabled=False,
        process_before_response=True,
        logger=bolt_log,
    )

    @app.event(ANY)
    async def on_event(
        ack: AsyncAck, body: dict[str, Any], request: AsyncBoltRequest, context: AsyncBoltContext
    ) -> None:
        num, reason = retry_info(_first_values(request.headers))
        bot = await identity.of(body)
        _add(context, parse_event_callback(body, bot_user_id=bot, retry_num=num, retry_reason=reason))
        await ack()

    @app.command(ANY)
    async def on_command(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        form = {k: str(v) for k, v in body.items()}
        _add(context, parse_slash_command(form, bot_user_id=identity.user_id))
        await ack()

    @app.action(ANY)
    async def on_action(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        _add(context, parse_interaction(body))
        await ack()

    return app


def _add(context: AsyncBoltContext, event: InboundEvent | None) -> None:
    events = context.get(EVENTS)
    if event is not None and isinstance(events, list):
        events.append(event)


def _first_values(headers: Mapping[str, Sequence[str]]) -> dict[str, str]:
    return {k: v[0] for k, v in headers.items() if v}
