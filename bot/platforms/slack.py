"""Slack: the SlackAdapter (chat.postMessage / chat.update / files_upload_v2) for answers and ticket cards, and
``POST /slack/events`` (bot.slack_routes: our signature check, then the bolt AsyncApp of bot.slack_app).
Enabled when ``platforms.slack`` (SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET) is configured; ``api_url`` /
OPSBOT_SLACK_API_URL points both the adapter's WebClient and bolt's AsyncWebClient at another base URL.
Answers: bot.slack_reply (in the asker's thread; a slash command through its response_url)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.slack.adapter import SlackAdapter, api_base_url
from adapters.slack.verify import SlackVerifier
from bot.platform import PlatformParts
from bot.slack_app import slack_app
from bot.slack_reply import SlackReply
from bot.slack_routes import PATH, slack_router

if TYPE_CHECKING:
    from bot.runtime import Runtime


def build(runtime: Runtime) -> PlatformParts | None:
    config = runtime.config.slack
    if config is None:
        return None
    base_url = api_base_url(config.api_url)
    adapter = SlackAdapter(config.bot_token, base_url=base_url)
    app = slack_app(config.bot_token, base_url, config.signing_secret, runtime.submit_async)
    verifier = SlackVerifier(config.signing_secret, now=lambda: runtime.clock().timestamp())
    return PlatformParts(
        name="slack",
        adapter=adapter,
        reply=SlackReply(adapter),
        router=slack_router(app, verifier),
        info={"events": runtime.config.server.public_url + PATH, "api": base_url},
    )
