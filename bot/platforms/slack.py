"""Slack: the SlackAdapter (chat.postMessage / chat.update / files_upload_v2) for answers and ticket cards, and
``POST /slack/events`` (adapters.slack.webhook: our signature check, then the bolt AsyncApp of
adapters.slack.bolt_app). Enabled when ``platforms.slack`` (SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET) is
configured; ``api_url`` / OPSBOT_SLACK_API_URL points both the adapter's WebClient and bolt's AsyncWebClient at
another base URL. Answers: adapters.slack.reply (in the asker's thread; a slash command through its
response_url)."""

from __future__ import annotations

from adapters.slack.adapter import SlackAdapter, api_base_url
from adapters.slack.bolt_app import slack_app
from adapters.slack.reply import SlackReply
from adapters.slack.verify import SlackVerifier
from adapters.slack.webhook import PATH, SlackWebhook
from bot.platforms.context import PlatformContext
from bot.platforms.parts import PlatformParts, Webhook


def build(bot: PlatformContext) -> PlatformParts | None:
    config = bot.config.slack
    if config is None:
        return None
    base_url = api_base_url(config.api_url)
    adapter = SlackAdapter(config.bot_token, base_url=base_url)
    app = slack_app(config.bot_token, base_url, config.signing_secret)
    verifier = SlackVerifier(config.signing_secret, now=lambda: bot.clock().timestamp())
    return PlatformParts(
        name="slack",
        adapter=adapter,
        reply=SlackReply(adapter),
        webhooks=(Webhook(PATH, SlackWebhook(app, verifier)),),
        info={"events": bot.config.server.public_url + PATH, "api": base_url},
    )
