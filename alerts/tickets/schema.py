"""The ticket store's tables (SQLAlchemy Core; the same DDL on SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from alerts.tickets.columns import UtcDateTime, json_type

metadata = MetaData()
ID = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER PRIMARY KEY only
ACTIVE_SQL = "status IN ('open', 'acknowledged', 'snoozed')"

tickets = Table(
    "tickets",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("ticket_no", String(32), nullable=False, unique=True),  # T-20261120-0042, per Asia/Shanghai day
    Column("rule_id", String(200), nullable=False),
    Column("entity_key", Text, nullable=False),  # alerts.findings.entity_key, or '__storm__'
    Column("episode", Integer, nullable=False),  # 1, 2, … : a breach after resolve/close opens the next one
    Column("entity", json_type(), nullable=False),
    Column("label", Text, nullable=False),
    Column("severity", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("owner", String(200), nullable=False),
    Column("acked_by", String(200)),
    Column("escalation_level", Integer, nullable=False, server_default="0"),
    Column("escalate_from", UtcDateTime, nullable=False),  # the escalation clock: opened, notified, woken, reopened
    Column("first_seen", UtcDateTime, nullable=False),
    Column("last_seen", UtcDateTime, nullable=False),
    Column("ok_streak", Integer, nullable=False, server_default="0"),
    Column("snoozed_until", UtcDateTime),
    Column("value", json_type()),  # float | str | None, as the finding had it
    Column("threshold", Text, nullable=False),
    Column("evidence", json_type(), nullable=False),
    Column("channels", json_type(), nullable=False),
    Column("metric", String(200), nullable=False),
    Column("rule_names", json_type(), nullable=False),  # {"zh": …, "en": …} when it opened, for cards
    Column("event_seq", Integer, nullable=False),  # the last ticket_events.seq of this ticket
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("rule_id", "entity_key", "episode", name="tickets_episode_key"),
    Index("tickets_status", "status", "rule_id"),
    # at most one active ticket per (rule, entity), whatever path tries to make a second one
    Index(
        "tickets_one_active",
        "rule_id",
        "entity_key",
        unique=True,
        sqlite_where=text(ACTIVE_SQL),
        postgresql_where=text(ACTIVE_SQL),
    ),
)

ticket_events = Table(  # the audit log: rows are only ever inserted
    "ticket_events",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("ticket_id", ID, ForeignKey("tickets.id"), nullable=False),
    Column("seq", Integer, nullable=False),  # 1, 2, … per ticket: the order of its trail
    Column("at", UtcDateTime, nullable=False),
    Column("action", String(16), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("platform", String(32), nullable=False),
    Column("from_status", String(16)),
    Column("to_status", String(16), nullable=False),
    Column("note", Text),
    Column("data", json_type(), nullable=False),
    UniqueConstraint("ticket_id", "seq", name="ticket_events_seq"),
)

ticket_messages = Table(  # where each ticket's card was posted, so the chat layer can update it in place
    "ticket_messages",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("ticket_id", ID, ForeignKey("tickets.id"), nullable=False),
    Column("platform", String(32), nullable=False),
    Column("channel", String(200), nullable=False),
    Column("message_ref", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("ticket_id", "platform", "channel", name="ticket_messages_place"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("ticket_id", ID, ForeignKey("tickets.id"), nullable=False),
    Column("event_id", ID, ForeignKey("ticket_events.id"), nullable=False),
    Column("channel", String(200), nullable=False),
    Column("kind", String(32), nullable=False),  # ticket_opened | ticket_updated | escalated
    Column("payload", json_type(), nullable=False),
    Column("idempotency_key", String(300), nullable=False, unique=True),
    Column("not_before", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
    Index("outbox_pending", "delivered_at", "not_before"),
    Index("outbox_ticket", "ticket_id", "channel"),
)

outbox_leases = Table(  # who is delivering an outbox row, until when: several bots on one store send each card once
    "outbox_leases",
    metadata,
    Column("outbox_id", ID, ForeignKey("outbox.id"), primary_key=True),
    Column("owner", String(200), nullable=False),
    Column("until", UtcDateTime, nullable=False),
)

job_ticks = Table(  # one row per scheduled run (job, tick) taken by a bot: several bots run each tick once
    "job_ticks",
    metadata,
    Column("job_id", String(200), nullable=False),
    Column("tick", String(64), nullable=False),
    Column("owner", String(200), nullable=False),
    Column("claimed_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("job_id", "tick", name="job_ticks_pk"),
)

rule_ticks = Table(  # one row per applied (rule, tick): re-running a tick changes nothing
    "rule_ticks",
    metadata,
    Column("rule_id", String(200), nullable=False),
    Column("tick", String(64), nullable=False),
    Column("evaluated_at", UtcDateTime, nullable=False),
    Column("applied_at", UtcDateTime, nullable=False),
    Column("findings", Integer, nullable=False),
    PrimaryKeyConstraint("rule_id", "tick", name="rule_ticks_pk"),
)

ticket_counters = Table(  # the last ticket number of each Asia/Shanghai day, bumped inside the opening transaction
    "ticket_counters",
    metadata,
    Column("day", String(8), primary_key=True),  # YYYYMMDD
    Column("last", Integer, nullable=False),
)
