"""The public question set (tests/data/public_questions.yaml, a copy of the shared eval set) answered and
posted in a DingTalk group (custom robot), a WeCom app chat and a WeCom robot group, through the local fake
platform servers: every message passes the platform's validator (conftest's check of tests/markup_validators),
each chart arrives as an image or the text says why not, and no answer repeats its rows."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import markup_validators
import pytest
import yaml
from fake_dingtalk import FakeDingTalk
from fake_wecom import SEND, WEBHOOK, FakeWeCom
from fastapi import FastAPI
from fastapi.testclient import TestClient

from adapters.base import Message
from adapters.dingtalk.adapter import DingTalkAdapter
from adapters.dingtalk.ratelimit import RateLimiter
from adapters.dingtalk.robot import DingTalkRobot
from adapters.wecom.adapter import WeComAdapter
from adapters.wecom.client import WeComClient
from adapters.wecom.robot import RobotSender
from adapters.wecom.robot_adapter import WeComRobotAdapter
from bot.answers.answer import answer, make_asker
from bot.delivery.files import FileStore
from bot.http.files import files_router
from metrics.service import SemanticLayer

QUESTIONS = yaml.safe_load((Path(__file__).parent / "data" / "public_questions.yaml").read_text("utf-8"))["questions"]
PUBLIC_URL = "https://opsbot.example.com"
_ROW_LINE = re.compile(r"^\s*(- )?\d+\.\s", re.M)
_IMAGE_URL = re.compile(r"!\[[^\]]*\]\((https://opsbot\.example\.com(/files/[^)?]+)\?([^)]+))\)")
_CSV_URL = re.compile(r"\]\(https://opsbot\.example\.com(/files/[^)?]+\.csv)\?([^)]+)\)")
FIGURES: dict[str, dict[str, int]] = {}


@pytest.fixture(scope="module")
def answers(layer: SemanticLayer) -> list[tuple[str, Message]]:
    asker = make_asker(layer)
    out = []
    for q in QUESTIONS:
        got = answer(layer, asker, q["question"], role=None, context=None, lang=q["lang"])
        out.append((q["id"], got.message))
    assert sum(m.image is not None for _, m in out) >= 5  # the set has charts to deliver
    return out


def _rows_once(text: str, message: Message) -> None:
    """The table's rows appear once: no numbered copy of them, each row's values a single time."""
    if message.table is None:
        return
    assert not _ROW_LINE.search(text), text
    assert "其余" not in text and "more rows in the table" not in text  # the web chat's pointer to its table
    lines = text.splitlines()
    for row in message.table.rows:
        same = sum(r[0] == row[0] for r in message.table.rows)
        assert sum(x.lstrip("- ").startswith(row[0]) for x in lines) <= same, (row, text)


def _record(platform: str, sent: list[dict[str, Any]], charts: int) -> None:
    texts = [p for p in sent if p["msgtype"] != "image"]
    longest = max(len(json.dumps(p, ensure_ascii=False).encode()) for p in texts)
    FIGURES[platform] = {"messages": len(sent), "charts": charts, "longest_text_payload_bytes": longest}
    print(platform, FIGURES[platform])


def test_dingtalk_group(answers: list[tuple[str, Message]]) -> None:
    files = FileStore("test-secret")
    app = FastAPI()
    app.include_router(files_router(files))
    web = TestClient(app)
    charts = cut = 0
    with FakeDingTalk() as fake:
        # the outbox paces a real group to 20 a minute; here every answer goes at once
        robot = DingTalkRobot(f"{fake.base_url}/robot/send?access_token=t", None, limiter=RateLimiter(limit=1000))
        adapter = DingTalkAdapter({}, default=robot, publish=lambda data, ext: files.url(PUBLIC_URL, data, ext))
        for _, message in answers:
            adapter.send("group", message)
        sent = [r.body for r in fake.accepted()]
    assert len(sent) == len(answers)
    for (qid, message), payload in zip(answers, sent, strict=True):
        kind = payload["msgtype"]
        text = payload[kind].get("text") or payload[kind].get("content", "")
        _rows_once(text, message)
        if message.image is not None:
            found = _IMAGE_URL.search(text)
            assert found, (qid, text)
            got = web.get(found.group(2) + "?" + found.group(3).replace("&amp;", "&"))
            assert got.status_code == 200 and got.content == message.image.png
            charts += 1
        total = len(message.table.rows) if message.table else 0
        if message.table is not None and (message.table.total or 0) > 15:  # cut: "共 N 行" and the whole as CSV
            found = _CSV_URL.search(text)
            assert found and f"共 {message.table.total} 行" in text, (qid, text)
            got = web.get(found.group(1) + "?" + found.group(2))
            assert got.status_code == 200 and len(got.text.splitlines()) == message.table.total + 1
            cut += 1
        assert total == 0 or message.table is not None
    assert cut >= 1
    assert not markup_validators.PROBLEMS
    _record("dingtalk", sent, charts)


def test_dingtalk_without_a_public_url_says_why_there_is_no_chart(answers: list[tuple[str, Message]]) -> None:
    message = next(m for _, m in answers if m.image is not None)
    with FakeDingTalk() as fake:
        DingTalkAdapter({}, default=DingTalkRobot(f"{fake.base_url}/robot/send?access_token=t", None)).send(
            "g", message
        )
        (request,) = fake.accepted()
    text = request.body["markdown"]["text"]
    assert "![" not in text
    assert "未发送" in text or "not sent" in text


def test_wecom_app_chat(answers: list[tuple[str, Message]]) -> None:
    with FakeWeCom() as fake:
        client = WeComClient(fake.corp_id, fake.secret, 1000002, base_url=fake.base_url)
        adapter = WeComAdapter(client)
        for _, message in answers:
            adapter.send("zhangsan", message)
        sent = [c.body for c in fake.calls(SEND)]
        uploads = fake.calls("/cgi-bin/media/upload")
    images = [p for p in sent if p["msgtype"] == "image"]
    with_chart = [m for _, m in answers if m.image is not None]
    assert len(images) == len(uploads) == len(with_chart)
    assert [u.body["media"] for u in uploads] == [m.image.png for m in with_chart if m.image]
    texts = [p for p in sent if p["msgtype"] != "image"]
    assert len(texts) == len(answers)
    for (_, message), payload in zip(answers, texts, strict=True):
        body = payload.get("markdown", payload.get("text", {})).get("content", "")
        _rows_once(body, message)
    _record("wecom_app", sent, len(images))


def test_wecom_robot_group(answers: list[tuple[str, Message]]) -> None:
    with FakeWeCom() as fake:
        adapter = WeComRobotAdapter(RobotSender(base_url=fake.base_url))
        for _, message in answers:
            adapter.send("robot-key", message)
        sent = [c.body for c in fake.calls(WEBHOOK)]
    images = [p for p in sent if p["msgtype"] == "image"]
    with_chart = [m.image.png for _, m in answers if m.image is not None]
    assert [base64.b64decode(p["image"]["base64"]) for p in images] == with_chart
    texts = [p for p in sent if p["msgtype"] != "image"]
    for (_, message), payload in zip(answers, texts, strict=True):
        body = payload.get("markdown", payload.get("text", {})).get("content", "")
        _rows_once(body, message)
    _record("wecom_robot", sent, len(images))
