"""A stockout ticket and the stockout question, side by side in the web chat (the live bot, real HTTP, a real
forecast refresh on the small warehouse): the storm card names its worst members and the thread lists them
all; "哪些SKU会断货?" in the ticket's thread lists exactly the SKU × warehouse pairs the rule counted; the
answer carries one short 口径 line and the full definitions come on "口径?"; acking the storm ticket records
every member in the audit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bot.answers.message import MAX_TABLE_ROWS
from metrics.forecast.store import store_path
from tests.live_bot import WEB_CONFIG, LiveBot, bot_env, live_bot, wait_for, write_config
from tests.test_web_chat import bot_replies, cards, say, ticket_no

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
AS_OF = dt.date(2026, 11, 20)
RULE = """
rules:
  - id: stockout_3d_test
    name: {zh: 3天内断货, en: Stock out within 3 days}
    description: 每个 SKU × 仓库：预计 3 天内可用库存降到 0；只看日均预测销量 ≥ 0.1 件的（测试用）。
    metric: days_to_stockout
    scope:
      dimensions: [sku, warehouse]
      ahead_days: 3
      having:
        - {metric: forecast_daily_units, op: ">=", value: 0.1}
    condition: {type: forecast, op: "<=", limit: 3, severity: critical}
    schedule: "0 8 * * *"
    owner: 张伟
    channels: ["web:#supply-chain"]
    storm_threshold: 5
"""


@pytest.fixture()
def bot(tmp_path: Path, forecast_db: Path) -> Iterator[LiveBot]:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "stockout.yaml").write_text(RULE, encoding="utf-8")
    config = write_config(tmp_path, WEB_CONFIG + "rules: {dir: rules}\n")
    with live_bot(config, bot_env(tmp_path, forecast_db), clock=lambda: NOW) as b:
        yield b


def projected(forecast_db: Path) -> set[tuple[str, str]]:
    """SKU × warehouse pairs whose first projected stockout is within 3 days and that sell ≥ 0.1 a day
    over those days, read from the forecast store itself."""
    con = duckdb.connect(str(store_path(forecast_db)), read_only=True)
    try:
        rows = con.execute(
            "SELECT sku_id, warehouse_id FROM fc_stock_projection WHERE warehouse_id IS NOT NULL "
            "AND date BETWEEN ? AND ? GROUP BY 1, 2 "
            "HAVING bool_or(stockout_start) AND SUM(forecast_units) / 3 >= 0.1",
            [AS_OF + dt.timedelta(days=1), AS_OF + dt.timedelta(days=3)],
        ).fetchall()
    finally:
        con.close()
    return {(str(s), str(w)) for s, w in rows}


def test_ticket_and_answer_agree_in_the_thread(bot: LiveBot, forecast_db: Path) -> None:
    with bot.http_as("张伟") as http:
        bot.runtime.run_rules()
        bot.settle()
        bot.settle()
        [ticket] = [t for t in bot.runtime.service.list_tickets() if t.rule_id == "stockout_3d_test"]
        assert ticket.is_storm
        members = ticket.evidence["members"]
        pairs = {(m["entity"]["sku"], m["entity"]["warehouse"]) for m in members}
        assert ticket.evidence["count"] == len(members) == len(pairs) > 5
        assert pairs == projected(forecast_db)

        # the card names the worst five, each with its value and threshold, and how many more
        [card] = [c for c in cards(http, "#supply-chain") if ticket_no(c) == ticket.ticket_no]
        text = card["body"]["text"]
        values = [m["value"] for m in members]
        assert values == sorted(values)  # days to stockout: the fewest first
        for n, m in enumerate(members[:5], 1):
            assert f"{n}. {m['label']}：" in text and f"阈值 {m['threshold']}" in text
        assert members[5]["label"] not in text
        assert f"还有 {len(members) - 5} 个" in text
        assert text.startswith(f"{len(members)} 个对象同时触发，最严重的在前：\n1. ") and ".0（阈值" not in text

        # the full list in the thread
        say(bot, http, "#supply-chain", "成员", thread=card["id"])
        listed = wait_for(lambda: bot_replies(http, "#supply-chain", card["id"]))[-1]["body"]["text"]
        assert all(m["label"] in listed for m in members) and "还有" not in listed

        # the stockout question in the ticket's thread reads the rule's slice: the same pairs
        say(bot, http, "#supply-chain", "哪些SKU会断货?", thread=card["id"])
        answer = wait_for(lambda: (r := bot_replies(http, "#supply-chain", card["id"])) and len(r) >= 2 and r)[-1]
        body = answer["body"]
        names = sorted((m["label"].split("（")[0], m["label"].rsplit("· ", 1)[1]) for m in members)
        shown = [(r[0], r[1]) for r in body["table"]["rows"]]
        assert len(shown) == min(len(members), MAX_TABLE_ROWS) and set(shown) <= set(names)
        assert [r[2] for r in body["table"]["rows"]] == sorted(r[2] for r in body["table"]["rows"])  # soonest first
        assert f"预计断货 {len(members)} 个" in body["text"] and "日均预测销量 ≥ 0.1" in body["text"]
        # one short line of what was counted, not eight definitions; those come on request
        assert "口径：按 SKU × 仓库 计" in body["footer"] and "断货概率：" not in body["footer"]
        assert len(body["footer"]) < 200
        say(bot, http, "#supply-chain", "口径?", thread=card["id"])
        defs = wait_for(lambda: (r := bot_replies(http, "#supply-chain", card["id"])) and len(r) >= 3 and r)[-1]
        assert "断货概率：" in defs["body"]["text"] and "预计断货数：" in defs["body"]["text"]

        # acking the storm ticket is recorded for every member
        r = http.post(
            "/web/api/actions",
            json={"message_id": card["id"], "action": "ack", "value": ticket.ticket_no},
        )
        assert r.status_code == 202, r.text
        bot.settle()
        audit = http.get(f"/web/api/tickets/{ticket.ticket_no}").json()
        [ack] = [e for e in audit["events"] if e["action"] == "ack"]
        assert [m["entity"] for m in members] == ack["data"]["members"] and ack["data"]["count"] == len(members)


def test_the_question_outside_a_thread_lists_pairs_by_sku(bot: LiveBot) -> None:
    with bot.http_as("张伟") as http:
        q = say(bot, http, "#supply-chain", "下周哪些SKU会断货?")
        body: dict[str, Any] = wait_for(lambda: bot_replies(http, "#supply-chain", q["id"]))[0]["body"]
        assert body["table"]["columns"][:2] == ["商品", "仓库"]
        assert "按 SKU × 仓库 计（与断货预警一致）" in body["text"] and "全国合计" in body["text"]
        pooled = say(bot, http, "#supply-chain", "全国合计下周哪些SKU会断货?")
        reply = wait_for(lambda: bot_replies(http, "#supply-chain", pooled["id"]))[0]["body"]
        assert "没有SKU预计断货" in reply["text"] and "按仓库看有" in reply["text"]
