"""The platform validators reject what each platform's documentation does not allow, and accept what it does;
and a fake server really runs them on what is sent through it."""

from __future__ import annotations

import base64
import hashlib

import httpx
import markup_validators as mv
from fake_dingtalk import FakeDingTalk
from fake_wecom import FakeWeCom

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _md(text: str) -> dict[str, object]:
    return {"msgtype": "markdown", "markdown": {"title": "t", "text": text}}


def test_dingtalk_rejects_pipe_tables_code_blocks_html_and_untitled_markdown() -> None:
    assert mv.dingtalk(_md("| 渠道 | 成交金额 |\n| --- | --- |\n| 天猫 | 1 |"))
    assert mv.dingtalk(_md("```sql\nSELECT 1\n```"))
    assert mv.dingtalk(_md('<font color="red">x</font>'))
    assert mv.dingtalk(_md("[x](javascript:alert(1))"))
    assert mv.dingtalk({"msgtype": "markdown", "markdown": {"title": "", "text": "x"}})
    assert mv.dingtalk(_md("啊" * 2000))  # 6000 bytes
    assert mv.dingtalk({"msgtype": "file"})


def test_dingtalk_accepts_its_documented_subset() -> None:
    text = "### 标题\n\n> 引用\n\n**粗** *斜*\n\n- 天猫\u3000¥1\n1. 京东\n\n[链接](https://x.example/a)\n\n![图](https://x/c.png)"
    assert mv.dingtalk(_md(text)) == []
    assert mv.dingtalk({"msgtype": "text", "text": {"content": "| a | b |"}}) == []  # plain text shows as is


def test_wecom_app_rejects_tables_foreign_tags_mentions_and_over_2048_bytes() -> None:
    def md(text: str) -> dict[str, object]:
        return {"msgtype": "markdown", "markdown": {"content": text}}

    assert mv.wecom_app(md("| a | b |\n|---|---|\n| 1 | 2 |"))
    assert mv.wecom_app(md('<font color="red">x</font>'))
    assert mv.wecom_app(md("<@zhangsan>"))  # mentions are a robot's, not an app message's
    assert mv.wecom_app(md("x" * 2049))
    assert mv.wecom_app({"msgtype": "text", "text": {"content": "字" * 700}})
    assert mv.wecom_app({"msgtype": "image", "image": {}})
    assert mv.wecom_app(md('**粗** `code` [l](https://a.b) <font color="comment">灰</font>\n> q')) == []
    assert mv.wecom_robot(md("<@zhangsan> " + "x" * 3000)) == []  # robot: mentions allowed, 4096 bytes


def test_wecom_robot_image_must_match_its_md5_and_be_png_or_jpg_under_2_mb() -> None:
    def image(data: bytes, md5: str | None = None) -> dict[str, object]:
        return {
            "msgtype": "image",
            "image": {"base64": base64.b64encode(data).decode(), "md5": md5 or hashlib.md5(data).hexdigest()},
        }

    assert mv.wecom_robot(image(PNG)) == []
    assert mv.wecom_robot(image(PNG, "0" * 32))
    assert mv.wecom_robot(image(b"GIF89a" + b"\x00" * 10))
    assert mv.wecom_robot(image(PNG + b"\x00" * (2 * 1024 * 1024)))


def test_slack_block_kit_limits() -> None:
    assert mv.slack({"text": "x", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]})
    assert mv.slack({"text": "x", "blocks": [{"type": "divider"}] * 51})
    assert mv.slack({"text": "x", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "ok"}}]}) == []


def test_the_fakes_run_the_validators_on_what_they_receive() -> None:
    mv.take()
    with FakeDingTalk() as dingtalk:
        httpx.post(f"{dingtalk.base_url}/robot/send?access_token=t", json=_md("| a | b |\n| --- | --- |"))
    with FakeWeCom() as wecom:
        key = next(iter(wecom.robot_keys))
        httpx.post(
            f"{wecom.base_url}/cgi-bin/webhook/send",
            params={"key": key},
            json={"msgtype": "markdown", "markdown": {"content": "y" * 5000}},
        )
    found = mv.take()  # taken here, so this test's own teardown check passes
    assert any("dingtalk markdown: a pipe table" in p for p in found)
    assert any("wecom robot markdown: 5000 bytes" in p for p in found)
