"""One ticket, two groups: a rule fires → a card in a WeCom group (the AI bot) and one in a DingTalk group (an
interactive card) → 张伟 acks it by a click in WeCom and both cards show 已认领 → 张伟 closes it from DingTalk with a
note and both show 已关闭 → the audit trail names each step's person and platform, as the web chat's view does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fake_dingtalk import FakeDingTalk, FakeStreamGateway
from tests.fake_wecom_aibot import FakeAiBotGateway
from tests.live_bot import Clock, deliver, live_bot, platform_config, wait_for
from tests.test_dingtalk_bot import CONV, _env, callback, clock, fake
from tests.test_group_tickets_wecom import GROUP, click

__all__ = ["clock", "fake"]  # the fixtures, re-used

CONFIG = f"""
language: zh
rules: {{dir: rules}}
channels:
  "web:#douyin-ops": ["wecom:aibot:{GROUP}", "dingtalk:card:{CONV}"]
people:
  - name: 张伟
    ids: {{wecom: ZhangWei, dingtalk: zhangwei01}}
  - name: 李娜
    ids: {{wecom: LiNa, dingtalk: lina01}}
platforms:
  dingtalk:
    stream: true
    card_template_id: tpl-opsbot.schema
  wecom:
    aibot: {{bot_id: aibot-ops, secret: aibot-secret, url: "${{AIBOT_URL}}", reconnect_s: 0.05}}
"""


def test_one_ticket_in_a_wecom_and_a_dingtalk_group(
    tmp_path: Path, small_db: Path, fake: FakeDingTalk, clock: Clock
) -> None:
    pytest.importorskip("dingtalk_stream")
    with FakeStreamGateway() as stream, FakeAiBotGateway() as aibot:
        fake.stream_endpoint = stream.url
        env = _env(tmp_path, small_db, fake, robot=False) | {"AIBOT_URL": aibot.url}
        with live_bot(platform_config(tmp_path, CONFIG, "supply_chain.yaml"), env, clock=clock) as b:
            assert stream.connected.wait(15) and aibot.subscribed.wait(15)
            b.runtime.run_rules()
            deliver(b, clock)
            number = next(t for t in b.runtime.service.list_tickets() if "web:#douyin-ops" in t.channels).ticket_no
            wecom_card = next(
                f["body"]["template_card"] for f in aibot.frames("aibot_send_msg") if number in json.dumps(f["body"])
            )
            ding_card = next(
                c.body for c in fake.card_requests(FakeDingTalk.CREATE_CARD) if number in json.dumps(c.body)
            )
            task_id, track = wecom_card["task_id"], ding_card["outTrackId"]

            aibot.push(click(task_id, f"ack:{number}"))  # 张伟 clicks 认领 in the WeCom group
            wait_for(lambda: b.runtime.service.get(number).ticket.status == "acknowledged")
            b.settle()
            wait_for(lambda: len(aibot.cards[task_id].versions) == 2)
            deliver(b, clock, passes=3)
            assert "已认领" in json.dumps(aibot.cards[task_id].versions[1], ensure_ascii=False)
            assert "已认领" in fake.cards[track]["markdown"] + fake.cards[track]["title"]  # the DingTalk card too

            stream.send_callback(callback(b, f"关闭 {number} 已补货"), message_id="close-1")  # 张伟, in DingTalk
            wait_for(lambda: b.runtime.service.get(number).ticket.status == "closed")
            deliver(b, clock, passes=3)
            assert "已关闭" in fake.cards[track]["markdown"] + fake.cards[track]["title"]
            latest = [f["body"] for f in aibot.frames("aibot_send_msg") if number in json.dumps(f["body"])][-1]
            assert "已关闭" in json.dumps(latest, ensure_ascii=False)

            steps = [(e.action, e.actor, e.platform, e.note) for e in b.runtime.service.get(number).events
                     if e.action in ("ack", "close")]  # fmt: skip
            assert steps == [("ack", "张伟", "wecom", None), ("close", "张伟", "dingtalk", "已补货")]
            with b.http_as("张伟") as http:
                view = http.get(f"/web/api/tickets/{number}").json()
            assert view["ticket"]["status"] == "closed"
            assert [(e["action"], e["platform"]) for e in view["events"] if e["action"] in ("ack", "close")] == [
                ("ack", "wecom"), ("close", "dingtalk")
            ]  # fmt: skip
