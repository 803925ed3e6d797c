"""Slack adapter: signing (Slack's official example), parsing real-shaped Events API / slash command /
interactivity bodies, Block Kit rendering, and sending through the real slack_sdk WebClient over HTTP to a
local fake Slack Web API."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from adapters.base import (
    Button,
    DeliveryError,
    Image,
    InvalidSignature,
    Mention,
    Message,
    MessageRef,
    StaleRequest,
    Table,
)
from adapters.slack import SlackAdapter, SlackVerifier, parse_request, render, url_verification_challenge
from adapters.slack.adapter import make_client
from adapters.slack.render import MAX_BLOCKS, MAX_SECTION, TRUNCATED
from bot.config.load import load_config
from tests.fake_slack import FakeSlack, error, rate_limited, server_error

# --- signing: the official example from Slack's "Verifying requests" page -----------------------------

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TIMESTAMP = "1531420618"
BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def _headers(ts: str = TIMESTAMP, sig: str = SIGNATURE) -> dict[str, str]:
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}


def _verifier(now: float = 1531420618 + 30) -> SlackVerifier:
    return SlackVerifier(SECRET, now=lambda: now)


def test_official_signing_example_verifies() -> None:
    verifier = _verifier()
    assert verifier.sign(TIMESTAMP, BODY) == SIGNATURE
    verifier.verify(_headers(), BODY.encode())
    verifier.verify({k.lower(): v for k, v in _headers().items()}, BODY)


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (BODY.replace("roadrunner", "wile_e"), _headers()),
        (BODY, _headers(sig=SIGNATURE[:-1] + "0")),
        (BODY, _headers(ts="1531420619")),
        (BODY, {"X-Slack-Request-Timestamp": TIMESTAMP}),
        (BODY, _headers(ts="not-a-number")),
    ],
    ids=["tampered-body", "tampered-signature", "other-timestamp", "no-signature", "bad-timestamp"],
)
def test_tampered_requests_are_rejected(body: str, headers: dict[str, str]) -> None:
    with pytest.raises(InvalidSignature) as info:
        _verifier().verify(headers, body)
    assert not isinstance(info.value, StaleRequest)


@pytest.mark.parametrize("skew", [301, -301, 3600])
def test_stale_requests_are_rejected(skew: int) -> None:
    with pytest.raises(StaleRequest):
        _verifier(now=1531420618 + skew).verify(_headers(), BODY)


def test_edge_of_the_replay_window_is_accepted() -> None:
    _verifier(now=1531420618 + 300).verify(_headers(), BODY)


# --- inbound ------------------------------------------------------------------------------------------

BOT = "U0BOT0001"


def _envelope(event: dict[str, object], event_id: str = "Ev0PV52K21") -> bytes:
    return json.dumps(
        {
            "token": "ZZZZZZWSxiZZZ2yIvs3peJ",
            "team_id": "T123ABC456",
            "api_app_id": "A123ABC456",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": 1700000000,
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": "T123ABC456",
                    "user_id": BOT,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": "4-eyJldCI6ImFwcF9tZW50aW9uIn0",
        }
    ).encode()


def test_url_verification_returns_the_challenge() -> None:
    body = json.dumps(
        {
            "token": "Jhj5dZrVaK7ZwHHjRyZWjbDl",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    assert url_verification_challenge(body) == "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    assert url_verification_challenge(BODY) is None
    assert url_verification_challenge(_envelope({"type": "app_mention"})) is None
    assert parse_request({}, body) is None


def test_app_mention_in_a_thread() -> None:
    event = {
        "type": "app_mention",
        "user": "U061F7AUR",
        "text": "<@U0BOT0001> GMV by channel last week &amp; refunds, cc <@U0ALICE01>",
        "ts": "1700000100.000200",
        "thread_ts": "1700000000.000100",
        "channel": "C0LAN2Q65",
        "event_ts": "1700000100.000200",
    }
    got = parse_request({"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}, _envelope(event))
    assert got is not None
    assert (got.platform, got.event_id, got.chat, got.user) == ("slack", "Ev0PV52K21", "C0LAN2Q65", "U061F7AUR")
    assert got.text == "GMV by channel last week & refunds, cc <@U0ALICE01>"
    assert got.mentions == ("U0ALICE01",)
    assert got.thread == "1700000000.000100"
    assert not got.direct and got.command is None
    assert got.raw["retry_num"] == 1 and got.raw["retry_reason"] == "http_timeout"


def test_top_level_mention_starts_a_thread_on_its_own_ts() -> None:
    event = {
        "type": "app_mention",
        "user": "U061F7AUR",
        "text": "<@U0BOT0001>  下周哪些SKU会断货?",
        "ts": "1700000200.000300",
        "channel": "C0LAN2Q65",
    }
    got = parse_request({}, _envelope(event))
    assert got is not None
    assert got.text == "下周哪些SKU会断货?" and got.thread == "1700000200.000300"
    assert got.raw["retry_num"] is None


def test_direct_message() -> None:
    event = {
        "type": "message",
        "channel": "D024BE91L",
        "user": "U2147483697",
        "text": "refund rate yesterday",
        "ts": "1355517523.000005",
        "channel_type": "im",
    }
    got = parse_request({}, _envelope(event))
    assert got is not None and got.direct and got.chat == "D024BE91L" and got.text == "refund rate yesterday"


@pytest.mark.parametrize(
    "event",
    [
        {
            "type": "message",
            "channel": "D024BE91L",
            "bot_id": "B123",
            "text": "my own reply",
            "ts": "1.2",
            "channel_type": "im",
        },
        {
            "type": "message",
            "channel": "D024BE91L",
            "user": BOT,
            "text": "my own reply",
            "ts": "1.2",
            "channel_type": "im",
        },
        {
            "type": "message",
            "subtype": "message_changed",
            "channel": "D024BE91L",
            "hidden": True,
            "message": {"type": "message", "user": "U2147483697", "text": "edited", "ts": "1.2"},
            "ts": "1.3",
            "channel_type": "im",
        },
        {
            "type": "message",
            "subtype": "channel_join",
            "channel": "C0LAN2Q65",
            "user": "U1",
            "text": "joined",
            "ts": "1.2",
        },
        {
            "type": "message",
            "channel": "C0LAN2Q65",
            "user": "U1",
            "text": "chatter",
            "ts": "1.2",
            "channel_type": "channel",
        },
        {
            "type": "reaction_added",
            "user": "U1",
            "reaction": "thumbsup",
            "item": {"type": "message", "channel": "C1", "ts": "1.2"},
        },
    ],
    ids=["bot-message", "own-user", "message-changed", "channel-join", "channel-chatter", "reaction"],
)
def test_ignored_events(event: dict[str, object]) -> None:
    assert parse_request({}, _envelope(event)) is None


def test_slash_command() -> None:
    form = {
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "team_id": "T0001",
        "team_domain": "example",
        "channel_id": "C2147483705",
        "channel_name": "ops",
        "user_id": "U2147483697",
        "user_name": "steve",
        "command": "/opsbot",
        "text": "ack 1042 <@U0ALICE01|alice>",
        "api_app_id": "A123456",
        "response_url": "https://hooks.slack.com/commands/1234/5678",
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
    }
    got = parse_request({}, urlencode(form).encode())
    assert got is not None
    assert (got.command, got.chat, got.user, got.user_name) == ("/opsbot", "C2147483705", "U2147483697", "steve")
    assert got.text == "ack 1042 <@U0ALICE01|alice>" and got.mentions == ("U0ALICE01",)
    assert got.reply_url == "https://hooks.slack.com/commands/1234/5678"
    assert got.event_id == "13345224609.738474920.8088930838d88f008e0"
    assert not got.direct


def test_official_example_body_parses_as_a_command() -> None:
    got = parse_request(_headers(), BODY)
    assert got is not None and got.command == "/webhook-collect" and got.text == "" and got.user_name == "roadrunner"


def _block_actions(action_id: str = "ack", value: str = "T-1042") -> dict[str, object]:
    return {
        "type": "block_actions",
        "user": {"id": "U0CA5", "username": "amy.mcgee", "name": "amy.mcgee", "team_id": "T3MDE"},
        "api_app_id": "A0CA5",
        "token": "Shh_its_a_seekrit",
        "container": {
            "type": "message",
            "message_ts": "1700000300.000400",
            "channel_id": "C0CA5",
            "is_ephemeral": False,
        },
        "trigger_id": "12466734323.1395872398",
        "team": {"id": "T0CA5", "domain": "pocket-calculator"},
        "channel": {"id": "C0CA5", "name": "ops-alerts"},
        "message": {"type": "message", "ts": "1700000300.000400", "text": "Ticket T-1042", "blocks": []},
        "response_url": "https://hooks.slack.com/actions/T0CA5/1234/abcd",
        "actions": [
            {
                "action_id": action_id,
                "block_id": "b1",
                "text": {"type": "plain_text", "text": "Acknowledge", "emoji": True},
                "value": value,
                "style": "primary",
                "type": "button",
                "action_ts": "1700000310.123456",
            }
        ],
    }


def test_button_click() -> None:
    got = parse_request({}, urlencode({"payload": json.dumps(_block_actions())}))
    assert got is not None and got.action is not None
    assert (got.action.action, got.action.value) == ("ack", "T-1042")
    assert got.action.message == MessageRef(
        platform="slack", chat="C0CA5", message_id="1700000300.000400", thread="1700000300.000400"
    )
    assert got.action.response_token == got.reply_url == "https://hooks.slack.com/actions/T0CA5/1234/abcd"
    assert (got.chat, got.user, got.user_name, got.event_id) == (
        "C0CA5",
        "U0CA5",
        "amy.mcgee",
        "12466734323.1395872398",
    )


def test_repeated_action_ids_map_back() -> None:
    got = parse_request({}, urlencode({"payload": json.dumps(_block_actions("snooze#2", "T-1042:1d"))}))
    assert got is not None and got.action is not None and got.action.action == "snooze"


def test_other_interactions_are_ignored() -> None:
    view = {"type": "view_submission", "user": {"id": "U1"}, "view": {"id": "V1"}}
    assert parse_request({}, urlencode({"payload": json.dumps(view)})) is None


# --- rendering ----------------------------------------------------------------------------------------


def test_render_a_ticket_card() -> None:
    message = Message(
        text="Refund rate 9.1% > 8% (red) since 09:00",
        title="T-1042 Refund rate red",
        markdown="**Refund rate** is 9.1% <above> the 8% threshold & rising",
        buttons=(
            Button("ack", "Acknowledge", "T-1042", style="primary"),
            Button("snooze", "Snooze 1h", "T-1042:1h"),
            Button("snooze", "Snooze 1d", "T-1042:1d"),
            Button("close", "Close", "T-1042", style="danger"),
        ),
        mentions=(Mention("U0ALICE01", "alice"),),
        footer="Rule: refund_rate red > 8% · 口径: refunds / paid orders",
    )
    out = render(message)
    assert [b["type"] for b in out.blocks] == ["header", "section", "actions", "context"]
    assert out.blocks[0]["text"] == {"type": "plain_text", "text": "T-1042 Refund rate red", "emoji": True}
    assert (
        out.blocks[1]["text"]["text"]
        == "<@U0ALICE01>\n*Refund rate* is 9.1% &lt;above&gt; the 8% threshold &amp; rising"
    )
    buttons = out.blocks[2]["elements"]
    assert [(b["action_id"], b["value"], b.get("style")) for b in buttons] == [
        ("ack", "T-1042", "primary"),
        ("snooze", "T-1042:1h", None),
        ("snooze#2", "T-1042:1d", None),
        ("close", "T-1042", "danger"),
    ]
    assert out.blocks[3]["elements"][0]["text"].startswith("Rule: refund_rate red &gt; 8%")
    assert out.text == "<@U0ALICE01>\nT-1042 Refund rate red\nRefund rate 9.1% &gt; 8% (red) since 09:00"


def test_plain_text_message_always_has_a_fallback() -> None:
    out = render(Message(text="a < b"))
    assert out.text == "a &lt; b"
    assert out.blocks == [{"type": "section", "text": {"type": "mrkdwn", "text": "a &lt; b"}}]


def test_small_tables_as_fields() -> None:
    two_col = render(Message(text="GMV", table=Table(("channel", "GMV"), (("Douyin", "1,200"), ("Tmall", "900")))))
    assert [f["text"] for f in two_col.blocks[-1]["fields"]] == [
        "*channel*",
        "*GMV*",
        "Douyin",
        "1,200",
        "Tmall",
        "900",
    ]
    record = render(Message(text="x", table=Table(("metric", "value", "Δ"), (("GMV", "1.2M", "+3%"),))))
    assert [f["text"] for f in record.blocks[-1]["fields"]] == ["*metric*\nGMV", "*value*\n1.2M", "*Δ*\n+3%"]


def test_larger_tables_as_an_aligned_code_block() -> None:
    rows = tuple((f"SKU-{i}", "连衣裙", str(i * 10)) for i in range(6))
    out = render(Message(text="stockouts", table=Table(("sku", "name", "days"), rows)))
    text = out.blocks[-1]["text"]["text"]
    assert text.startswith("```\n") and text.endswith("\n```")
    lines = text.split("\n")[1:-1]
    assert lines[0] == "sku    name    days"
    assert lines[2] == "SKU-0  连衣裙  0"


def test_huge_table_is_cut_at_whole_rows() -> None:
    rows = tuple((f"SKU-{i:05d}", "x" * 40) for i in range(500))
    text = render(Message(text="t", table=Table(("sku", "name"), rows))).blocks[-1]["text"]["text"]
    assert len(text) <= MAX_SECTION and "more rows" in text and text.endswith("```")


def test_block_kit_limits() -> None:
    long_line = "y" * 5000
    out = render(Message(text="t", markdown=long_line, title="T" * 200))
    assert len(out.blocks[0]["text"]["text"]) == 150
    assert len(out.blocks[1]["text"]["text"]) == MAX_SECTION and out.blocks[1]["text"]["text"].endswith(TRUNCATED)
    many = "\n".join("z" * 2900 for _ in range(80))
    out = render(Message(text="t", markdown=many, buttons=(Button("ack", "Ack", "1"),), footer="f"))
    assert len(out.blocks) == MAX_BLOCKS
    assert [b["type"] for b in out.blocks[-3:]] == ["section", "actions", "context"]
    assert out.blocks[-3]["text"]["text"] == TRUNCATED


# --- sending through the real WebClient to a local fake Slack ----------------------------------------


@pytest.fixture()
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture()
def adapter(fake: FakeSlack) -> SlackAdapter:
    return SlackAdapter("xoxb-test-token", base_url=fake.base_url)


def test_post_in_a_thread(fake: FakeSlack, adapter: SlackAdapter) -> None:
    ref = adapter.send("C0LAN2Q65", Message(text="GMV last week: 1.2M", title="GMV"), thread="1700000000.000100")
    assert ref == MessageRef(
        platform="slack", chat="C0LAN2Q65", message_id="1700000000.000001", thread="1700000000.000100"
    )
    (call,) = fake.calls
    assert call.method == "chat.postMessage"
    assert call.headers["Authorization"] == "Bearer xoxb-test-token"
    assert call.body["channel"] == "C0LAN2Q65" and call.body["thread_ts"] == "1700000000.000100"
    assert call.body["text"] == "GMV\nGMV last week: 1.2M"
    assert [b["type"] for b in call.body["blocks"]] == ["header", "section"]


def test_update_a_card(fake: FakeSlack, adapter: SlackAdapter) -> None:
    ref = adapter.send("C0CA5", Message(text="T-1042 open", buttons=(Button("ack", "Ack", "T-1042"),)))
    updated = adapter.update(ref, Message(text="T-1042 acknowledged by <@U0CA5>"))
    assert updated == ref
    call = fake.calls_to("chat.update")[0]
    assert (call.body["channel"], call.body["ts"]) == ("C0CA5", ref.message_id)
    assert call.body["text"] == "T-1042 acknowledged by &lt;@U0CA5&gt;"
    assert all(b["type"] != "actions" for b in call.body["blocks"])


def test_image_is_uploaded_into_the_thread(fake: FakeSlack, adapter: SlackAdapter) -> None:
    png = b"\x89PNG\r\n\x1a\nfake"
    ref = adapter.send("C0LAN2Q65", Message(text="chart", image=Image(png, "GMV by day")), thread="1700000000.000100")
    assert ref.extra == {"file_id": "F0FAKE1"}
    assert [c.method for c in fake.calls] == [
        "chat.postMessage",
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    assert fake.calls_to("upload")[0].raw == png
    complete = fake.calls_to("files.completeUploadExternal")[0].body
    assert complete["channel_id"] == "C0LAN2Q65" and complete["thread_ts"] == "1700000000.000100"


def test_a_failed_image_upload_does_not_fail_the_posted_text(fake: FakeSlack, adapter: SlackAdapter) -> None:
    fake.script("files.getUploadURLExternal", error("not_allowed_token_type"))
    ref = adapter.send("C0LAN2Q65", Message(text="chart", image=Image(b"png", "GMV")))
    assert ref.message_id and "not_allowed_token_type" in ref.extra["image_error"]
    assert len(fake.calls_to("chat.postMessage")) == 1


def test_rate_limit_is_retryable_with_retry_after_and_not_retried_by_the_sdk(
    fake: FakeSlack, adapter: SlackAdapter
) -> None:
    fake.script("chat.postMessage", rate_limited("7"))
    with pytest.raises(DeliveryError) as info:
        adapter.send("C0LAN2Q65", Message(text="hi"))
    assert info.value.retryable and info.value.retry_after == 7.0
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert adapter.client.retry_handlers == []


def test_server_error_is_retryable(fake: FakeSlack, adapter: SlackAdapter) -> None:
    fake.script("chat.update", server_error())
    with pytest.raises(DeliveryError) as info:
        adapter.update(MessageRef("slack", "C0CA5", "1700000300.000400"), Message(text="x"))
    assert info.value.retryable and info.value.retry_after is None


@pytest.mark.parametrize("code", ["channel_not_found", "not_in_channel", "invalid_auth"])
def test_permanent_errors_are_not_retryable(fake: FakeSlack, adapter: SlackAdapter, code: str) -> None:
    fake.script("chat.postMessage", error(code))
    with pytest.raises(DeliveryError) as info:
        adapter.send("C0NOPE", Message(text="hi"))
    assert not info.value.retryable and code in str(info.value)


def test_connection_refused_is_retryable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    adapter = SlackAdapter("xoxb-t", base_url=f"http://127.0.0.1:{port}/api/")
    with pytest.raises(DeliveryError) as info:
        adapter.send("C1", Message(text="hi"))
    assert info.value.retryable


def configured_url(env: dict[str, str]) -> str | None:
    """The Web API URL the configuration gives the adapter (adapters read no environment themselves)."""
    config = load_config(
        None, {"SLACK_BOT_TOKEN": "xoxb-t", "SLACK_SIGNING_SECRET": "s", "OPSBOT_SECRET": "s" * 32, **env}
    )
    assert config.slack is not None
    return config.slack.api_url


def test_base_url_from_the_environment(fake: FakeSlack) -> None:
    url = configured_url({"OPSBOT_SLACK_API_URL": fake.base_url.rstrip("/")})
    assert make_client("xoxb-t", base_url=url).base_url == fake.base_url
    SlackAdapter("xoxb-t", base_url=url).send("C1", Message(text="via env"))
    assert fake.calls_to("chat.postMessage")[0].body["text"] == "via env"
    url = configured_url({})
    assert make_client("xoxb-t", base_url=url).base_url == "https://slack.com/api/"
