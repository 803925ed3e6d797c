"""Fixed replies of the bot: help, and a list of tickets."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.base import Message, Table
from alerts.tickets.model import Ticket
from alerts.tickets.vocabulary import VERB, severity_word, status_word

ACTIVE = ("open", "acknowledged", "snoozed")
MAX_LISTED = 20

HELP_ZH = """我可以回答指标问题，也可以处理预警工单。
提问：「上周各渠道的GMV是多少？」「下周哪些SKU会断货？」，追问：「那抖音呢」「按周看」「显示SQL」
工单（在工单消息串里回复可省略工单号）：
  认领 [T-…]　　　　　　转派 @姓名 [T-…]
  {snooze} 2小时 [T-…]　　 关闭 已补货 [T-…]
  重开 [T-…]　　　　　　我的工单 / 全部工单
  为什么？（在工单消息串里：按下一层维度拆解）"""

HELP_EN = """I answer metric questions and handle alert tickets.
Ask: "GMV by channel last week", "which SKUs will stock out next week?"
Follow up in the thread: "what about Douyin", "by week", "show SQL"
Tickets (in a ticket's thread the number may be left out):
  ack [T-…]              assign @name [T-…]
  snooze 2h [T-…]        close restocked [T-…]
  reopen [T-…]           tickets / tickets all
  why? (in a ticket's thread: the breakdown one level down)"""


def help_message(lang: str) -> Message:
    return Message(text=HELP_ZH.format(snooze=VERB["snooze"].name.zh) if lang == "zh" else HELP_EN)


def tickets_message(tickets: Sequence[Ticket], lang: str, owner: str | None) -> Message:
    zh = lang == "zh"
    active = [t for t in tickets if t.status in ACTIVE]
    who = (f"{owner} 的" if zh else f"{owner}'s ") if owner else ""
    if not active:
        return Message(text=f"没有{who}待处理工单。" if zh else f"No open {who}tickets.")
    head = f"{who}待处理工单 {len(active)} 个" if zh else f"{len(active)} open {who}ticket(s)"
    if len(active) > MAX_LISTED:
        head += f"（显示前 {MAX_LISTED} 个）" if zh else f" (first {MAX_LISTED} shown)"
    lang_key = "zh" if zh else "en"
    columns = ("工单", "级别", "对象", "状态", "负责人") if zh else ("ticket", "severity", "what", "status", "owner")
    rows = tuple(
        (
            t.ticket_no,
            severity_word(t.severity, lang_key),
            f"{t.rule_names.get(lang_key) or t.rule_id} · {t.label}",
            status_word(t.status, lang_key),
            t.owner,
        )
        for t in active[:MAX_LISTED]
    )
    return Message(text=head, table=Table(columns, rows))
