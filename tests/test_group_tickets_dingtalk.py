"""DingTalk interactive cards end to end, offline: a rule fires → the app robot posts an interactive card into
the group (the local fake's createAndDeliver) → 张伟 clicks 认领 (a card callback frame over the real Stream
WebSocket, through the dingtalk-stream SDK) → the ticket is acknowledged as 张伟 and the SAME card is updated
(PUT with the same outTrackId) → a group @-message "关闭 T-… 已补货" closes it with the note → the audit trail
shows each step with the platform, and the web chat's ticket view shows the same state as the card."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from adapters.base import Button, Message
from adapters.dingtalk.card_callback import parse_card_callback
from adapters.dingtalk.cards import card_data, out_track_id
from bot.config.load import ConfigError, load_config
from tests.fake_dingtalk import FakeDingTalk, FakeStreamGateway
from tests.live_bot import Clock, deliver, live_bot, wait_for
from tests.test_dingtalk_bot import CONFIG, CONV, LINA, ZHANG, _env, callback, clock, config_file, douyin_tickets, fake

__all__ = ["clock", "fake"]  # the fixtures, re-used

CARD_TOPIC = "/v1.0/card/instances/callback"
CARDS_ON = "platforms:\n  dingtalk:\n    stream: true\n    card_template_id: tpl-opsbot.schema\n"
CARD_CONFIG = CONFIG.replace('["dingtalk:抖音运营群"]', f'["dingtalk:card:{CONV}"]') + CARDS_ON


def click(track: str, user: str, action: str, ticket: str) -> dict[str, Any]:
    """A card callback's data as DingTalk sends it over Stream (content: a JSON text with the button's params)."""
    content = json.dumps(
        {"cardPrivateData": {"actionIds": [f"btn_{action}"], "params": {"action": action, "ticket": ticket}}}
    )
    return {"extension": "{}", "corpId": "dingcorp", "spaceType": "IM_GROUP", "spaceId": CONV, "userIdType": 1,
            "type": "actionCallback", "userId": user, "content": content, "value": content, "outTrackId": track}  # fmt: skip


def test_a_click_acks_as_the_clicker_and_the_same_card_updates(
    tmp_path: Path, small_db: Path, fake: FakeDingTalk, clock: Clock
) -> None:
    pytest.importorskip("dingtalk_stream")
    with FakeStreamGateway() as gateway:
        fake.stream_endpoint = gateway.url
        with live_bot(config_file(tmp_path, CARD_CONFIG), _env(tmp_path, small_db, fake), clock=clock) as b:
            assert b.runtime.parts["dingtalk"].info["cards"] == "interactive"
            assert gateway.connected.wait(15)
            opened = next(r for r in fake.requests if r.path == FakeDingTalk.GATEWAY)
            topics = {s["topic"] for s in opened.body["subscriptions"]}
            assert topics == {"/v1.0/im/bot/messages/get", CARD_TOPIC}

            b.runtime.run_rules()
            deliver(b, clock)
            tickets = douyin_tickets(b)
            created = fake.card_requests(FakeDingTalk.CREATE_CARD)
            assert tickets and len(created) == len(tickets)  # one interactive card per ticket, no robot post
            assert fake.accepted("/robot/send") == []
            number = tickets[0].ticket_no
            card = next(c for c in created if number in c.body["cardData"]["cardParamMap"]["title"])
            track = card.body["outTrackId"]
            assert card.body["openSpaceId"] == f"dtv1.card//IM_GROUP.{CONV}"
            assert card.body["callbackType"] == "STREAM" and card.body["cardTemplateId"] == "tpl-opsbot.schema"
            buttons = json.loads(card.body["cardData"]["cardParamMap"]["buttons"])
            assert {"action": "ack", "ticket": number}.items() <= next(
                x for x in buttons if x["action"] == "ack"
            ).items()
            assert all("http" not in json.dumps(x) for x in buttons)  # callbacks, not signed links

            # 张伟 clicks 认领; DingTalk redelivers the same frame (the connection dropped before its ack)
            gateway.send_callback(click(track, ZHANG, "ack", number), message_id="card-frame-1", topic=CARD_TOPIC)
            gateway.send_callback(click(track, ZHANG, "ack", number), message_id="card-frame-1", topic=CARD_TOPIC)
            acks = wait_for(lambda: len(gateway.acks) >= 2 and gateway.acks)
            assert all(a["code"] == 200 and a["headers"]["messageId"] == "card-frame-1" for a in acks)
            b.settle()
            history = b.runtime.service.get(number)
            assert history.ticket.status == "acknowledged"
            acked = [e for e in history.events if e.action == "ack"]
            assert [(e.actor, e.platform) for e in acked] == [("张伟", "dingtalk")]  # applied once
            deliver(b, clock, passes=3)
            updates = fake.card_requests(FakeDingTalk.UPDATE_CARD)
            assert [u.body["outTrackId"] for u in updates] == [track]  # the same card, updated in place
            assert "已认领" in fake.cards[track]["markdown"] + fake.cards[track]["title"]
            assert len(fake.card_requests(FakeDingTalk.CREATE_CARD)) == len(tickets)  # no new card

            # 李娜 clicks 认领 on the already acknowledged card: refused, and told so in the group by the app robot
            gateway.send_callback(click(track, LINA, "ack", number), message_id="card-frame-2", topic=CARD_TOPIC)
            told = wait_for(lambda: fake.card_requests(FakeDingTalk.GROUP_MESSAGE))
            assert told[0].body["openConversationId"] == CONV and number in told[0].body["msgParam"]
            assert [e.actor for e in b.runtime.service.get(number).events if e.action == "ack"] == ["张伟"]

            # a group @-message names the ticket and closes it with a note
            gateway.send_callback(callback(b, f"关闭 {number} 已补货", user=ZHANG), message_id="frame-close")
            wait_for(lambda: len(gateway.acks) >= 4)
            b.settle()
            history = b.runtime.service.get(number)
            assert history.ticket.status == "closed"
            steps = [(e.action, e.actor, e.platform, e.note) for e in history.events if e.action in ("ack", "close")]
            assert steps == [("ack", "张伟", "dingtalk", None), ("close", "张伟", "dingtalk", "已补货")]
            deliver(b, clock, passes=3)
            assert [u.body["outTrackId"] for u in fake.card_requests(FakeDingTalk.UPDATE_CARD)] == [track, track]
            assert "已关闭" in fake.cards[track]["markdown"] + fake.cards[track]["title"]

            # the web chat's ticket view: the same state and steps
            with b.http_as("张伟") as http:
                view = http.get(f"/web/api/tickets/{number}").json()
            assert view["ticket"]["status"] == "closed"
            assert [(e["action"], e["actor"], e["platform"]) for e in view["events"] if e["action"] in ("ack", "close")] == [
                ("ack", "张伟", "dingtalk"), ("close", "张伟", "dingtalk")
            ]  # fmt: skip
            started = time.monotonic()
        assert time.monotonic() - started < 10


def test_card_callback_parsing_and_the_card_variables() -> None:
    message = Message(text="缺货", title="T-1", buttons=(Button("ack", "认领", "T-20261120-0001", "primary"),))
    track = out_track_id("card:cidX", message)
    assert track == out_track_id("card:cidX", message) != out_track_id("card:cidY", message)  # stable per group
    params = card_data(message)["cardParamMap"]
    assert all(isinstance(v, str) for v in params.values())
    event = parse_card_callback(click(track, ZHANG, "ack", "T-20261120-0001"))
    assert event.user == ZHANG and event.chat == f"card:{CONV}"
    assert event.event_id == parse_card_callback(click(track, ZHANG, "ack", "T-20261120-0001")).event_id  # a repeat
    assert event.event_id != parse_card_callback(click(track, LINA, "ack", "T-20261120-0001")).event_id
    assert event.action is not None and (event.action.action, event.action.value) == ("ack", "T-20261120-0001")
    assert event.action.message is not None and event.action.message.message_id == track
    with pytest.raises(ValueError):
        parse_card_callback({**click(track, ZHANG, "ack", "T-1"), "content": "{}", "value": "{}"})


def test_card_keys_are_checked(tmp_path: Path, small_db: Path, fake: FakeDingTalk) -> None:
    env = _env(tmp_path, small_db, fake)
    path = config_file(tmp_path, CARD_CONFIG)
    config = load_config(path, env)
    assert config.dingtalk is not None and config.dingtalk.has_cards
    assert config.channels["web:#douyin-ops"] == (f"dingtalk:card:{CONV}",)
    no_app = {k: v for k, v in env.items() if not k.startswith("DINGTALK_APP")}
    with pytest.raises(ConfigError, match="card_template_id"):
        load_config(path, no_app)
    path.write_text(CONFIG + "platforms:\n  dingtalk:\n    card_robot_code: x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="card_robot_code"):
        load_config(path, env)
    path.write_text(CONFIG.replace('["dingtalk:抖音运营群"]', f'["dingtalk:card:{CONV}"]'), encoding="utf-8")
    warned = "\n".join(str(w) for w in load_config(path, env).warnings)
    assert "card_template_id" in warned  # a card destination without the card template is skipped, and said
