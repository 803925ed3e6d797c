"""Work-order tickets on a real store — every test runs on SQLite and on PostgreSQL (a fresh schema each)."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from tickets_support import CHANNELS, T0, Clock, dump, evaluation, finding, make_rule, many

from alerts.findings import Finding
from alerts.rules.model import EscalationStep, QuietHours, Routing, Rule
from alerts.tickets.model import STORM_KEY, EscalationReport, OutboxItem, Ticket
from alerts.tickets.service import ApplyReport, TicketService
from alerts.tickets.states import ACTIONS, STATUSES, Status, target
from alerts.tickets.store import Store, open_store, state_url
from metrics.problems import UserError

pytest_plugins = ("tickets_fixtures",)


def fire(
    service: TicketService, clock: Clock, rule: Rule, tick: str, findings: list[Finding], **kw: bool
) -> ApplyReport:
    return service.apply(rule, evaluation(rule, findings, clock.now, **kw), tick)


# --- dedup, ticks, recovery ---


def test_a_finding_opens_one_ticket_and_a_repeat_updates_it(service: TicketService, clock: Clock) -> None:
    rule = make_rule()
    first = fire(service, clock, rule, "t1", [finding("SKU-1", value=2.0)])
    assert first.applied and first.opened == ("T-20261120-0001",)
    clock.advance(hours=1)
    again = fire(service, clock, rule, "t2", [finding("SKU-1", value=1.0)])
    assert again.opened == () and again.firing == ("T-20261120-0001",)
    [ticket] = service.list_tickets()
    assert ticket.first_seen == T0 and ticket.last_seen == T0 + dt.timedelta(hours=1)
    assert ticket.value == 1.0 and ticket.status == "open" and ticket.owner == "ops-lead"
    assert ticket.entity == {"sku": "SKU-1"} and ticket.entity_key == '{"sku":"SKU-1"}' and ticket.episode == 1
    assert ticket.channels == CHANNELS and ticket.rule_names == {"zh": "库存覆盖天数过低", "en": "Low stock cover"}
    assert ticket.created_at.tzinfo is not None and ticket.created_at.utcoffset() == dt.timedelta(0)
    assert [e.action for e in service.get("t-20261120-0001").events] == ["open"]  # a repeat is not an event


def test_the_same_tick_twice_changes_nothing(service: TicketService, store: Store, clock: Clock) -> None:
    rule = make_rule()
    fire(service, clock, rule, "2026-11-20", [finding("SKU-1"), finding("SKU-2", "critical")])
    before = dump(store)
    clock.advance(minutes=5)
    again = fire(service, clock, rule, "2026-11-20", [finding("SKU-3")])  # even other findings: the tick is done
    assert again.skipped and again.opened == ()
    assert dump(store) == before
    assert len(before["tickets"]) == 2 and len(before["rule_ticks"]) == 1


def test_recovery_after_m_ok_evaluations_then_a_new_episode(service: TicketService, clock: Clock) -> None:
    rule = make_rule(ok_evaluations=2)
    fire(service, clock, rule, "t1", [finding("SKU-1")])
    clock.advance(hours=1)
    fire(service, clock, rule, "t2", [])
    clock.advance(hours=1)
    fire(service, clock, rule, "t3", [finding("SKU-1")])  # firing again resets the streak
    clock.advance(hours=1)
    assert fire(service, clock, rule, "t4", []).resolved == ()
    assert service.get("T-20261120-0001").ticket.ok_streak == 1
    clock.advance(hours=1)
    done = fire(service, clock, rule, "t5", [])
    assert done.resolved == ("T-20261120-0001",)
    history = service.get("T-20261120-0001")
    assert history.ticket.status == "resolved"
    assert [(e.action, e.actor, e.to_status) for e in history.events][-1] == ("resolve", "system", "resolved")
    clock.advance(hours=1)
    back = fire(service, clock, rule, "t6", [finding("SKU-1")])
    assert back.opened == ("T-20261120-0002",)
    episodes = sorted((t.episode, t.status) for t in service.list_tickets(rule_id=rule.id))
    assert episodes == [(1, "resolved"), (2, "open")]


def test_no_data_leaves_streaks_alone_and_zero_never_resolves(service: TicketService, clock: Clock) -> None:
    rule, forever = make_rule(ok_evaluations=1), make_rule("forever", ok_evaluations=0)
    fire(service, clock, rule, "t1", [finding("SKU-1")])
    fire(service, clock, forever, "t1", [finding("SKU-1")])
    clock.advance(hours=1)
    fire(service, clock, rule, "t2", [], no_data=True)
    assert service.list_tickets(rule_id=rule.id)[0].status == "open"
    for i in range(2, 6):
        clock.advance(hours=1)
        fire(service, clock, forever, f"t{i}", [])
    assert service.list_tickets(rule_id="forever")[0].ok_streak == 4
    assert service.list_tickets(rule_id="forever")[0].status == "open"
    fire(service, clock, rule, "t3", [])
    assert service.list_tickets(rule_id=rule.id)[0].status == "resolved"


def test_severity_change_is_an_event_and_a_notification(service: TicketService, clock: Clock) -> None:
    rule = make_rule()
    fire(service, clock, rule, "t1", [finding("SKU-1", "warning", 2.5)])
    clock.advance(hours=1)
    report = fire(service, clock, rule, "t2", [finding("SKU-1", "critical", 0.5)])
    assert report.changed == ("T-20261120-0001",) and report.notifications == len(CHANNELS)
    event = service.get("T-20261120-0001").events[-1]
    assert (event.action, event.data["severity"]) == ("update", {"from": "warning", "to": "critical"})
    kinds = [(o.kind, o.payload["ticket"]["severity"]) for o in _all_outbox(service, clock)]
    assert kinds == [("ticket_opened", "warning")] * 2 + [("ticket_updated", "critical")] * 2


# --- storms and routing ---


def test_a_storm_opens_one_grouped_ticket_and_a_continuing_storm_updates_it(
    service: TicketService, clock: Clock
) -> None:
    rule = make_rule(storm_threshold=5)
    fire(service, clock, rule, "t1", [finding("SKU-A")])  # its own ticket before the storm
    clock.advance(hours=1)
    storm = fire(service, clock, rule, "t2", [finding("SKU-A"), *many(8)])
    assert storm.opened == ("T-20261120-0002",) and storm.storm == "T-20261120-0002"
    grouped = service.get("T-20261120-0002").ticket
    assert grouped.entity_key == STORM_KEY and grouped.is_storm and grouped.entity == {}
    assert grouped.label == "8 个对象同时触发 / 8 entities firing"
    assert grouped.severity == "critical" and grouped.value == 8.0 and grouped.evidence["count"] == 8
    members = grouped.evidence["members"]
    assert {m["label"] for m in members} == {f"商品 SKU-{i:05d}" for i in range(8)}
    assert members[0]["severity"] == "critical" and {"value", "entity", "threshold"} <= set(members[0])
    clock.advance(hours=1)
    more = fire(service, clock, rule, "t3", [finding("SKU-A"), *many(11)])
    assert more.opened == () and more.storm == "T-20261120-0002"
    assert service.get("T-20261120-0002").ticket.label == "11 个对象同时触发 / 11 entities firing"
    assert len(service.list_tickets()) == 2
    for tick in ("t4", "t5"):
        clock.advance(hours=1)
        fire(service, clock, rule, tick, [finding("SKU-A")])
    assert service.get("T-20261120-0002").ticket.status == "resolved"
    clock.advance(hours=1)
    calm = fire(service, clock, rule, "t6", many(3))  # below the threshold: one ticket each
    assert len(calm.opened) == 3 and calm.storm is None


def test_routing_by_dimension_with_fallback(service: TicketService, clock: Clock) -> None:
    routing = Routing("ops-lead", by="category", owners=(("beauty", "amy"), ("food", "bob")))
    rule = make_rule(routing=routing, storm_threshold=3)
    found = [finding("S1", category="beauty"), finding("S2", category="food"), finding("S3", category="toys")]
    fire(service, clock, rule, "t1", found)
    owners = {t.entity["category"]: t.owner for t in service.list_tickets()}
    assert owners == {"beauty": "amy", "food": "bob", "toys": "ops-lead"}
    assert [t.entity["sku"] for t in service.list_tickets(owner="amy")] == ["S1"]
    beauty = make_rule("beauty_storm", routing=routing, storm_threshold=3)
    fire(service, clock, beauty, "t1", [finding(f"B{i}", category="beauty") for i in range(4)])
    mixed = make_rule("mixed_storm", routing=routing, storm_threshold=3)
    fire(service, clock, mixed, "t1", [finding(f"M{i}", category=c) for i, c in enumerate(["beauty", "food"] * 2)])
    assert service.list_tickets(rule_id="beauty_storm")[0].owner == "amy"  # one owner among the members
    assert service.list_tickets(rule_id="mixed_storm")[0].owner == "ops-lead"  # several → the fallback


# --- quiet hours, numbering, escalation, snooze ---


def test_quiet_hours_defer_all_but_allowed_severities(service: TicketService, clock: Clock) -> None:
    rule = make_rule(quiet_hours=QuietHours(dt.time(22), dt.time(8), allow=("critical",)))
    clock.now = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)  # 23:30 in Shanghai
    fire(service, clock, rule, "t1", [finding("SKU-W", "warning"), finding("SKU-C", "critical")])
    morning = dt.datetime(2026, 11, 21, 0, 0, tzinfo=dt.UTC)  # 08:00 in Shanghai
    by_sku = {o.payload["ticket"]["entity"]["sku"]: o for o in _all_outbox(service, clock, morning)}
    assert by_sku["SKU-W"].not_before == morning and by_sku["SKU-C"].not_before == clock.now
    assert {o.payload["ticket"]["entity"]["sku"] for o in service.pending_outbox(clock.now)} == {"SKU-C"}
    assert {t.entity["sku"]: t.escalate_from for t in service.list_tickets()}["SKU-W"] == morning
    opened = {t.entity["sku"]: service.get(t.ticket_no).events[0].data["deferred"] for t in service.list_tickets()}
    assert opened == {"SKU-W": True, "SKU-C": False}
    clock.now = dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC)  # 00:30 on the 21st in Shanghai: a new day
    assert fire(service, clock, rule, "t2", [finding("SKU-N", "critical")]).opened == ("T-20261121-0001",)


def test_escalation_steps_and_idempotence(service: TicketService, clock: Clock) -> None:
    rule = make_rule(escalation=(EscalationStep(30, "bob"), EscalationStep(60, "carol")))
    rules = {rule.id: rule}
    fire(service, clock, rule, "t1", [finding("SKU-1"), finding("SKU-2")])
    service.ack("T-20261120-0002", by="amy")  # acknowledged tickets do not escalate
    assert service.tick_escalations(rules, T0 + dt.timedelta(minutes=29)).escalated == ()
    first = service.tick_escalations(rules, T0 + dt.timedelta(minutes=30))
    assert first.escalated == (("T-20261120-0001", 1, "bob"),)
    assert service.tick_escalations(rules, T0 + dt.timedelta(minutes=30)).escalated == ()  # idempotent
    assert service.tick_escalations(rules, T0 + dt.timedelta(minutes=60)).escalated == (
        ("T-20261120-0001", 2, "carol"),
    )
    assert service.tick_escalations(rules, T0 + dt.timedelta(days=1)).escalated == ()  # no more steps
    escalated = [o for o in _all_outbox(service, clock, T0 + dt.timedelta(days=1)) if o.kind == "escalated"]
    assert [(o.payload["event"]["data"]["to"], o.channel) for o in escalated] == [
        ("bob", CHANNELS[0]), ("bob", CHANNELS[1]), ("carol", CHANNELS[0]), ("carol", CHANNELS[1]),
    ]  # fmt: skip
    assert service.get("T-20261120-0001").ticket.escalation_level == 2
    late = make_rule("late", escalation=rule.escalation)  # a late tick escalates through every due step, in order
    fire(service, clock, late, "t1", [finding("SKU-9")])
    jump = service.tick_escalations({"late": late}, T0 + dt.timedelta(hours=2))
    assert [(level, who) for _, level, who in jump.escalated] == [(1, "bob"), (2, "carol")]


def test_snooze_wakes_when_due_and_escalation_counts_from_the_wake(service: TicketService, clock: Clock) -> None:
    rule = make_rule(escalation=(EscalationStep(30, "bob"),))
    rules = {rule.id: rule}
    fire(service, clock, rule, "t1", [finding("SKU-1")])
    until = T0 + dt.timedelta(hours=1)
    snoozed = service.snooze("T-20261120-0001", until=until, by="amy", note="补货在途")
    assert snoozed.status == "snoozed" and snoozed.snoozed_until == until
    assert service.tick_escalations(rules, T0 + dt.timedelta(minutes=59)) == EscalationReport()
    woke = service.tick_escalations(rules, until)
    assert woke.woken == ("T-20261120-0001",) and woke.escalated == ()
    ticket = service.get("T-20261120-0001").ticket
    assert (ticket.status, ticket.snoozed_until, ticket.escalate_from) == ("open", None, until)
    assert service.tick_escalations(rules, until).woken == ()  # idempotent
    assert service.tick_escalations(rules, until + dt.timedelta(minutes=29)).escalated == ()
    assert service.tick_escalations(rules, until + dt.timedelta(minutes=30)).escalated == (
        ("T-20261120-0001", 1, "bob"),
    )
    with pytest.raises(UserError) as err:
        service.snooze("T-20261120-0001", until=clock.now - dt.timedelta(minutes=1), by="amy")
    assert err.value.text("en") == "Snooze until a time in the future."


# --- human actions: the state machine on the store ---

HUMAN = ("ack", "assign", "snooze", "close", "reopen")
LEGAL: dict[str, dict[str, str]] = {
    "ack": {"open": "acknowledged", "snoozed": "acknowledged"},
    "assign": {"open": "open", "acknowledged": "acknowledged", "snoozed": "snoozed", "resolved": "resolved"},
    "snooze": {"open": "snoozed", "acknowledged": "snoozed"},
    "close": {"open": "closed", "acknowledged": "closed", "snoozed": "closed", "resolved": "closed"},
    "reopen": {"resolved": "open", "closed": "open"},
}
REFUSED = {  # (action, status) → (en, zh); {no} is the ticket number
    ("ack", "acknowledged"): ("{no} is already acknowledged.", "工单 {no} 已被认领。"),
    ("ack", "resolved"): ("{no} is resolved; reopen it first.", "工单 {no} 已恢复，请先重开。"),
    ("ack", "closed"): ("{no} is closed; reopen it first.", "工单 {no} 已关闭，请先重开。"),
    ("assign", "closed"): ("{no} is closed; reopen it first.", "工单 {no} 已关闭，请先重开。"),
    ("snooze", "snoozed"): ("{no} is already snoozed.", "工单 {no} 已在暂缓中。"),
    ("snooze", "resolved"): ("{no} is resolved; reopen it first.", "工单 {no} 已恢复，请先重开。"),
    ("snooze", "closed"): ("{no} is closed; reopen it first.", "工单 {no} 已关闭，请先重开。"),
    ("close", "closed"): ("{no} is closed; reopen it first.", "工单 {no} 已关闭，请先重开。"),
    ("reopen", "open"): ("{no} is still open; there is nothing to reopen.", "工单 {no} 仍在处理中，无需重开。"),
    ("reopen", "acknowledged"): ("{no} is still open; there is nothing to reopen.", "工单 {no} 仍在处理中，无需重开。"),
    ("reopen", "snoozed"): (
        "{no} is still open (snoozed); there is nothing to reopen.",
        "工单 {no} 仍在暂缓中，无需重开。",
    ),
}


SYSTEM_LEGAL: dict[str, dict[str, str]] = {
    "update": {"open": "open", "acknowledged": "acknowledged", "snoozed": "snoozed"},
    "wake": {"snoozed": "open"},
    "escalate": {"open": "open"},
    "resolve": {"open": "resolved", "acknowledged": "resolved", "snoozed": "resolved"},
    "open": {},
}


def test_the_transition_table_for_every_action_and_status() -> None:
    expected = LEGAL | SYSTEM_LEGAL
    assert set(expected) == set(ACTIONS)
    for action in ACTIONS:
        for status in STATUSES:
            if status in expected[action]:
                assert target(action, status, "T-1") == expected[action][status], (action, status)
                continue
            with pytest.raises(UserError) as err:
                target(action, status, "T-20261120-0042")
            assert err.value.problems[0].code == f"tickets.cannot_{action}"
            assert "T-20261120-0042" in err.value.text("en") and "T-20261120-0042" in err.value.text("zh")
    with pytest.raises(UserError) as err:
        target("ack", "closed", "T-20261120-0042")
    assert err.value.text("en") == "T-20261120-0042 is closed; reopen it first."
    assert err.value.text("zh") == "工单 T-20261120-0042 已关闭，请先重开。"
    messages = {
        ("escalate", "acknowledged"): "T-9 is acknowledged; it no longer escalates.",
        ("wake", "open"): "T-9 is not snoozed.",
        ("resolve", "resolved"): "T-9 is already resolved.",
        ("update", "resolved"): "T-9 is resolved; reopen it first.",
        ("open", "open"): "Cannot open T-9: it is open.",
    }
    for (action, status), text in messages.items():
        with pytest.raises(UserError) as err:
            target(action, status, "T-9")
        assert err.value.text("en") == text


def _ticket_in(service: TicketService, clock: Clock, status: Status, n: int) -> str:
    """A fresh ticket (its own rule) brought to ``status`` the way it happens in real life."""
    rule = make_rule(f"r{n}", ok_evaluations=1)
    no = fire(service, clock, rule, "t1", [finding("SKU-1")]).opened[0]
    if status == "acknowledged":
        service.ack(no, by="amy")
    elif status == "snoozed":
        service.snooze(no, until=clock.now + dt.timedelta(hours=2), by="amy")
    elif status == "resolved":
        fire(service, clock, rule, "t2", [])
    elif status == "closed":
        service.close(no, by="amy", note="误报")
    return no


def _do(service: TicketService, clock: Clock, action: str, no: str) -> Ticket:
    if action == "assign":
        return service.assign(no, to="dan", by="amy", platform="slack")
    if action == "snooze":
        return service.snooze(no, until=clock.now + dt.timedelta(hours=1), by="amy", platform="slack")
    return getattr(service, action)(no, by="amy", platform="slack", note=f"{action} note")


def test_every_human_transition_is_allowed_or_refused_clearly(service: TicketService, clock: Clock) -> None:
    n = 0
    for action in HUMAN:
        for status in STATUSES:
            n += 1
            no = _ticket_in(service, clock, status, n)
            events = len(service.get(no).events)
            if status in LEGAL[action]:
                after = _do(service, clock, action, no)
                assert after.status == LEGAL[action][status], (action, status)
                last = service.get(no).events[-1]
                assert (last.action, last.actor, last.platform, last.from_status, last.to_status) == (
                    action, "amy", "slack", status, after.status,
                ), (action, status)  # fmt: skip
                continue
            with pytest.raises(UserError) as err:
                _do(service, clock, action, no)
            en, zh = REFUSED[(action, status)]
            assert (err.value.text("en"), err.value.text("zh")) == (en.format(no=no), zh.format(no=no))
            assert len(service.get(no).events) == events and service.get(no).ticket.status == status


def test_action_side_effects(service: TicketService, clock: Clock) -> None:
    rule = make_rule(ok_evaluations=1)
    no = fire(service, clock, rule, "t1", [finding("SKU-1")]).opened[0]
    assert service.ack(no, by="amy").acked_by == "amy"
    assigned = service.assign(no, to="dan", by="amy", note="交给仓库")
    assert assigned.owner == "dan" and service.get(no).events[-1].data == {"from": "ops-lead", "to": "dan"}
    closed = service.close(no, by="dan")
    assert closed.status == "closed" and service.get(no).events[-1].note is None  # the note is optional
    reopened = service.reopen(no, by="dan", note="again")
    assert (reopened.status, reopened.acked_by, reopened.escalation_level, reopened.escalate_from) == (
        "open", None, 0, clock.now,
    )  # fmt: skip
    service.close(no, by="dan", note="已补货")
    assert service.get(no).events[-1].note == "已补货"
    clock.advance(hours=1)
    newer = fire(service, clock, rule, "t2", [finding("SKU-1")]).opened[0]  # a new episode opens
    with pytest.raises(UserError) as err:
        service.reopen(no, by="dan")
    assert err.value.text("en") == f"{no} has a newer active ticket {newer} for the same entity; work on that one."
    with pytest.raises(UserError) as err:
        service.ack("T-20991231-9999", by="amy")
    assert (err.value.text("en"), err.value.text("zh")) == (
        "There is no ticket T-20991231-9999.",
        "没有工单 T-20991231-9999。",
    )
    with pytest.raises(UserError):
        service.assign(newer, to="  ", by="amy")
    with pytest.raises(UserError) as err:
        service.list_tickets(status="opened")
    assert "did you mean: open" in err.value.text("en")


# --- audit trail and outbox ---


def test_the_audit_trail_is_ordered_and_never_rewritten(service: TicketService, store: Store, clock: Clock) -> None:
    rule = make_rule(ok_evaluations=1, escalation=(EscalationStep(10, "bob"),))
    no = fire(service, clock, rule, "t1", [finding("SKU-1")]).opened[0]
    trail = []
    for step in range(6):
        clock.advance(minutes=15)
        trail.append(dump(store)["ticket_events"])
        if step == 0:
            service.tick_escalations({rule.id: rule}, clock.now)
        elif step == 1:
            service.snooze(no, until=clock.now + dt.timedelta(minutes=5), by="amy")
        elif step == 2:
            service.tick_escalations({rule.id: rule}, clock.now)
        elif step == 3:
            service.ack(no, by="amy", note="在处理")
        elif step == 4:
            fire(service, clock, rule, "t2", [])
        else:
            service.close(no, by="amy", note="已补货", platform="wecom")
    events = service.get(no).events
    assert [e.action for e in events] == ["open", "escalate", "snooze", "wake", "ack", "resolve", "close"]
    assert [e.seq for e in events] == list(range(1, 8))
    assert all(a.at < b.at for a, b in itertools.pairwise(events))
    assert all(a.to_status == b.from_status for a, b in itertools.pairwise(events))
    final = dump(store)["ticket_events"]
    assert all(final[: len(earlier)] == earlier for earlier in trail)  # earlier rows are untouched


def test_outbox_rows_keys_payload_and_delivery(service: TicketService, clock: Clock) -> None:
    rule = make_rule()
    no = fire(service, clock, rule, "t1", [finding("SKU-1")]).opened[0]
    clock.advance(minutes=1)
    service.ack(no, by="amy", platform="wecom")
    rows = _all_outbox(service, clock)
    assert [(o.kind, o.channel, o.idempotency_key) for o in rows] == [
        ("ticket_opened", "web:#ops", f"{no}#1@web:#ops"),
        ("ticket_opened", "wecom:补货群", f"{no}#1@wecom:补货群"),
        ("ticket_updated", "web:#ops", f"{no}#2@web:#ops"),
        ("ticket_updated", "wecom:补货群", f"{no}#2@wecom:补货群"),
    ]
    card = rows[0].payload
    assert card["ticket"]["ticket_no"] == no and card["ticket"]["owner"] == "ops-lead"
    assert card["ticket"]["rule_names"]["zh"] == "库存覆盖天数过低"
    assert card["ticket"]["evidence"]["trend"] == [5.0, 4.0, 2.0]
    assert card["ticket"]["value"] == 2.0 and card["ticket"]["threshold"] == "< 3"
    assert card["event"]["action"] == "open" and rows[2].payload["event"]["actor"] == "amy"
    assert rows[2].payload["ticket"]["status"] == "acknowledged" and rows[2].payload["ticket"]["acked_by"] == "amy"
    due = service.pending_outbox(clock.now)
    assert [o.id for o in due] == [rows[0].id, rows[1].id]  # each card before its update
    service.mark_delivered(rows[0].id, message_ref="msg-1")
    service.mark_failed(rows[1].id, "HTTP 429", retry_at=clock.now + dt.timedelta(minutes=1))
    assert [o.id for o in service.pending_outbox(clock.now)] == [rows[2].id]
    clock.advance(minutes=1)
    assert [o.id for o in service.pending_outbox(clock.now)] == [rows[2].id, rows[1].id]  # by due time
    failed = next(o for o in _all_outbox(service, clock) if o.id == rows[1].id)
    assert (failed.attempts, failed.last_error, failed.delivered_at) == (1, "HTTP 429", None)
    service.mark_delivered(rows[1].id, message_ref="wx-1", platform="wecom")
    service.mark_delivered(rows[1].id)  # twice is harmless
    service.record_message(no, "web", "web:#ops", "msg-1b")
    assert [(m.platform, m.channel, m.message_ref) for m in service.messages(no)] == [
        ("web", "web:#ops", "msg-1b"), ("wecom", "wecom:补货群", "wx-1"),
    ]  # fmt: skip
    delivered = next(o for o in _all_outbox(service, clock) if o.id == rows[1].id)
    assert delivered.attempts == 2 and delivered.delivered_at == clock.now


def _all_outbox(service: TicketService, clock: Clock, until: dt.datetime | None = None) -> list[OutboxItem]:
    """Every undelivered outbox row due by ``until`` (default far ahead), by id — FIFO per card lifted."""
    from sqlalchemy import select

    from alerts.tickets import rows
    from alerts.tickets.schema import outbox

    with service.store.read() as conn:
        stmt = select(outbox).where(outbox.c.not_before <= (until or clock.now + dt.timedelta(days=30)))
        return [rows.outbox_item(r) for r in conn.execute(stmt.order_by(outbox.c.id))]


# --- the store itself ---


def test_state_url_and_clear_errors_for_bad_or_unreachable_urls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPSBOT_STATE_URL", raising=False)
    monkeypatch.setenv("OPSBOT_DATA_DIR", str(tmp_path / "data"))
    assert state_url() == f"sqlite:///{tmp_path / 'data' / 'opsbot-state.sqlite'}"
    store = open_store()  # creates the data directory and the file
    assert (tmp_path / "data" / "opsbot-state.sqlite").exists() and store.dialect == "sqlite"
    store.close()
    monkeypatch.setenv("OPSBOT_STATE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    assert state_url() == "postgresql://postgres@127.0.0.1:5432/test"
    for bad in ("mysql://root@localhost/ops", "no url at all", "sqlite://"):
        with pytest.raises(UserError) as err:
            open_store(bad)
        assert err.value.problems[0].code == "tickets.bad_state_url"
        assert "OPSBOT_STATE_URL" in err.value.text("en") and "状态库地址" in err.value.text("zh")
    with pytest.raises(UserError) as err:
        open_store("postgresql://nobody:secret@127.0.0.1:1/ops?connect_timeout=2")
    assert err.value.text("en").startswith(
        "Cannot open the state store postgresql+psycopg://nobody:***@127.0.0.1:1/ops"
    )
    assert "secret" not in err.value.text("en")
    (tmp_path / "not-a-db.sqlite").write_text("hello")
    with pytest.raises(UserError) as err:
        open_store(f"sqlite:///{tmp_path / 'not-a-db.sqlite'}")
    assert err.value.text("en").endswith("file is not a database") and err.value.text("zh").startswith("无法打开状态库")
