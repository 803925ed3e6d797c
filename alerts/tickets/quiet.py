"""Quiet hours: when a notification of a rule may go out."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from alerts.rules.model import TIMEZONE, Rule, Severity

_TZ = ZoneInfo(TIMEZONE)


def notify_at(rule: Rule, severity: Severity, now: dt.datetime) -> dt.datetime:
    """``now``, or the end of the rule's quiet hours when they are on and ``severity`` may not break them."""
    quiet = rule.quiet_hours
    local = now.astimezone(_TZ)
    if quiet is None or severity in quiet.allow or not quiet.is_quiet(local.time()):
        return now
    end = dt.datetime.combine(local.date(), quiet.end, tzinfo=_TZ)
    if end <= local:
        end += dt.timedelta(days=1)
    return end.astimezone(dt.UTC)
