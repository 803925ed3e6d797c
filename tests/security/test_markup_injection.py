"""Issue 15, item 4: a string from a person or the warehouse (a ticket's owner, a channel name, a metric value)
cannot become markup in a group robot's message — no phishing link, image, coloured tag or @all.

The card goes through the real adapters to the local fake DingTalk and WeCom servers; the test reads what the
platform received."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import pytest
from fake_dingtalk import FakeDingTalk
from fake_wecom import WEBHOOK, FakeWeCom

from adapters.base import Button, Message, Table
from adapters.dingtalk.adapter import DingTalkAdapter
from adapters.dingtalk.robot import DingTalkRobot
from adapters.slack.render import render as render_slack
from adapters.wecom.adapter import WeComAdapter
from adapters.wecom.client import WeComClient
from adapters.wecom.robot import RobotSender
from adapters.wecom.robot_adapter import WeComRobotAdapter
from bot.tickets.card import ticket_message

EVIL = '[领取奖金](http://evil.example/phish) ![x](http://evil.example/p.png) <font color="warning">紧急</font> <@all>'
_LINK = re.compile(r"\]\(\s*https?://evil")
_FORBIDDEN = ("<@all>", '<font color="warning">紧急', "](http://evil", "![x](")


def _ticket(owner: str) -> dict[str, Any]:
    return {
        "ticket_no": "T-20261122-0001",
        "rule_id": "stock_cover",
        "rule_names": {"zh": "库存可售天数"},
        "status": "open",
        "severity": "P2",
        "label": "SKU-1 可售天数",
        "value": "1.5",
        "threshold": "3",
        "owner": owner,
        "metric": "stock_cover_days",
    }


def _answer() -> Message:
    """An answer whose warehouse strings (a channel name, a value) carry markup."""
    table = Table(("渠道", "成交金额"), ((EVIL, "¥1"), ("天猫", "[¥2](http://evil.example/v)")), total=2)
    return Message(text=f"上周各渠道成交金额：\n1. {EVIL}: ¥1", lead="上周各渠道成交金额：", table=table, footer=EVIL)


def _messages() -> list[Message]:
    card = ticket_message(_ticket(EVIL), "zh")
    linked = replace(card, buttons=tuple(replace(b, url="https://opsbot.example/a/1") for b in card.buttons))
    return [card, linked, _answer()]


def _assert_inert(payload: dict[str, Any]) -> None:
    sent = json.dumps(payload, ensure_ascii=False)
    assert not _LINK.search(sent), sent
    for bad in _FORBIDDEN:
        assert bad not in sent, (bad, sent)
    assert "领取奖金" in sent  # the text is still there to read, only inert


@pytest.mark.parametrize("message", _messages(), ids=["card", "card-with-links", "answer"])
def test_dingtalk_robot_posts_no_link_tag_or_mention_from_a_string(message: Message) -> None:
    with FakeDingTalk() as fake:
        robot = DingTalkRobot(f"{fake.base_url}/robot/send?access_token=t", None)
        DingTalkAdapter({}, default=robot).send("group", message)
        (request,) = fake.accepted()
    _assert_inert(request.body)
    assert request.body["at"]["isAtAll"] is False


@pytest.mark.parametrize("message", _messages(), ids=["card", "card-with-links", "answer"])
def test_wecom_robot_posts_no_link_tag_or_mention_from_a_string(message: Message) -> None:
    with FakeWeCom() as fake:
        WeComRobotAdapter(RobotSender(base_url=fake.base_url)).send("robot-key", message)
        calls = fake.calls(WEBHOOK)
    assert calls
    for call in calls:
        _assert_inert(call.body)


def test_wecom_app_markdown_carries_no_link_from_a_string() -> None:
    with FakeWeCom() as fake:
        client = WeComClient(fake.corp_id, fake.secret, 1000002, base_url=fake.base_url)
        WeComAdapter(client).send("zhangsan", _answer())
        (call,) = fake.calls("/cgi-bin/message/send")
    assert call.body["msgtype"] == "markdown"
    _assert_inert(call.body)


def test_our_own_links_still_work() -> None:
    """Escaping is of strings, not of the links opsbot itself builds (action links on a robot card)."""
    card = ticket_message(_ticket("张伟"), "zh")
    linked = replace(card, buttons=(Button("ack", "认领", "T-1", url="https://opsbot.example/a/1"),))
    with FakeDingTalk() as fake:
        DingTalkAdapter({}, default=DingTalkRobot(f"{fake.base_url}/robot/send?access_token=t", None)).send("g", linked)
        (request,) = fake.accepted()
    assert request.body["actionCard"]["btns"] == [{"title": "认领", "actionURL": "https://opsbot.example/a/1"}]


@pytest.mark.parametrize("message", _messages(), ids=["card", "card-with-links", "answer"])
def test_slack_blocks_carry_no_link_or_mention_from_a_string(message: Message) -> None:
    """Slack mrkdwn links are ``<url|text>``: a string's ``[x](url)`` must not be translated into one."""
    rendered = render_slack(message)
    sent = json.dumps(rendered.blocks, ensure_ascii=False) + rendered.text
    assert "<http://evil" not in sent and "<@all>" not in sent and "<!channel>" not in sent, sent
