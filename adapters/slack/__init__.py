"""Slack: verify and parse signed requests into InboundEvents (``webhook`` → the slack-bolt app of
``bolt_app``); render Messages as Block Kit and send them through the official slack_sdk WebClient
(``adapter``), answering slash commands through their response_url (``reply``)."""

from __future__ import annotations

from adapters.slack.adapter import SlackAdapter
from adapters.slack.inbound import parse_request, url_verification_challenge
from adapters.slack.render import render
from adapters.slack.verify import SlackVerifier

__all__ = ["SlackAdapter", "SlackVerifier", "parse_request", "render", "url_verification_challenge"]
