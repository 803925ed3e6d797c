"""Chat commands in Chinese and English, and questions that merely start like one."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.conversation.commands import Command, parse_command


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("认领", Command("ack")),
        ("ack", Command("ack")),
        ("ACK T-20261122-0004", Command("ack", "T-20261122-0004")),
        ("关闭 已补货", Command("close", note="已补货")),
        ("关闭：已补货，供应商明天到货", Command("close", note="已补货，供应商明天到货")),
        ("close restocked", Command("close", note="restocked")),
        ("close t-20261122-0004 restocked", Command("close", "T-20261122-0004", note="restocked")),
        ("snooze 2h", Command("snooze", duration=dt.timedelta(hours=2))),
        ("snooze 30 minutes", Command("snooze", duration=dt.timedelta(minutes=30))),
        ("稍后处理 3小时", Command("snooze", duration=dt.timedelta(hours=3))),
        ("稍后处理", Command("snooze", duration=dt.timedelta(hours=2))),
        ("稍后 1天 等采购回复", Command("snooze", duration=dt.timedelta(days=1), note="等采购回复")),
        ("assign @李娜", Command("assign", to="李娜")),
        ("转派 @王芳 请跟进", Command("assign", to="王芳", note="请跟进")),
        ("assign", Command("assign")),
        ("重开 又断货了", Command("reopen", note="又断货了")),
        ("reopen", Command("reopen")),
        ("我的工单", Command("tickets")),
        ("tickets all", Command("tickets", mine=False)),
        ("帮助", Command("help")),
        ("help", Command("help")),
    ],
)
def test_commands(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "关闭的工单有几个",
        "closed tickets last week",
        "acknowledged by whom?",
        "下周哪些SKU会断货?",
        "GMV by channel last week",
        "稍后处理的工单",
        "helpful metrics?",
        "",
    ],
)
def test_questions_are_not_commands(text: str) -> None:
    assert parse_command(text) is None
