"""The scheduler: every rule on its cron (Asia/Shanghai), escalations every minute, rollups and forecasts
nightly.

APScheduler keeps the jobs in the state database (table ``opsbot_scheduler_jobs``), so a restart
resumes them: a job that missed runs while the process was down runs **once** on start (coalesce,
with a generous misfire grace), not once per missed tick. Jobs whose rule is unchanged keep their
stored next run time; new or changed rules are (re)added; removed rules are dropped. A scheduled
run's tick is its minute, and the ticket store applies a (rule, tick) once, so two schedulers or
a restart inside the same minute cannot double-run it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger

from alerts.rules.model import TIMEZONE, Rule
from alerts.tickets.store import sqlalchemy_url

log = logging.getLogger("opsbot.scheduler")
JOBS_TABLE = "opsbot_scheduler_jobs"
MISFIRE_GRACE_S = 6 * 3600  # after downtime, one catch-up run if the missed tick is less than 6 h old
ESCALATION_JOB = "escalations"
FORECAST_JOB = "forecast-refresh"
FORECAST_CRON = "30 2 * * *"  # nightly, after the warehouse's daily load
ROLLUPS_JOB = "rollups-refresh"
ROLLUPS_CRON = "15 2 * * *"  # nightly, after the daily load: only the days that changed are recomputed
ZONE = ZoneInfo(TIMEZONE)


@dataclass(frozen=True)
class Context:
    """What a job needs to rebuild its world (plain strings: jobs are stored, then run later)."""

    db: str
    state_url: str
    rules_dir: str


def rule_job_id(rule_id: str) -> str:
    return f"rule:{rule_id}"


def build(context: Context, rules: Sequence[Rule], scheduler: BaseScheduler | None = None) -> BaseScheduler:
    """A scheduler (started paused) with the jobs in sync with ``rules``; call ``resume()`` to run."""
    sched = scheduler or BackgroundScheduler(timezone=ZONE)
    sched.configure(
        jobstores={"default": SQLAlchemyJobStore(url=sqlalchemy_url(context.state_url), tablename=JOBS_TABLE)},
        job_defaults={"coalesce": True, "misfire_grace_time": MISFIRE_GRACE_S, "max_instances": 1},
        timezone=ZONE,
    )
    sched.start(paused=True)
    wanted: dict[str, tuple[str, CronTrigger, tuple[Any, ...]]] = {}
    args = (context.db, context.state_url, context.rules_dir)
    for rule in rules:
        if rule.enabled:
            trigger = CronTrigger.from_crontab(rule.schedule, timezone=ZONE)
            wanted[rule_job_id(rule.id)] = ("alerts.jobs:run_rule", trigger, (rule.id, *args))
    every_minute = CronTrigger.from_crontab("* * * * *", timezone=ZONE)
    wanted[ESCALATION_JOB] = ("alerts.jobs:run_escalations", every_minute, args)
    nightly = CronTrigger.from_crontab(FORECAST_CRON, timezone=ZONE)
    wanted[FORECAST_JOB] = ("alerts.jobs:refresh_forecast", nightly, args)
    rollups = CronTrigger.from_crontab(ROLLUPS_CRON, timezone=ZONE)
    wanted[ROLLUPS_JOB] = ("alerts.jobs:refresh_rollups", rollups, args)
    existing = {job.id: job for job in sched.get_jobs()}
    for job_id in existing:
        if job_id not in wanted:
            sched.remove_job(job_id)
            log.info("removed job %s (its rule is gone or disabled)", job_id)
    for job_id, (func, trigger, job_args) in wanted.items():
        old = existing.get(job_id)
        if old is not None and str(old.trigger) == str(trigger) and tuple(old.args) == job_args:
            continue  # unchanged: keep its stored next run time, so a missed tick is caught up once
        sched.add_job(func, trigger=trigger, args=job_args, id=job_id, name=job_id, replace_existing=True)
    return sched


def next_runs(sched: BaseScheduler) -> list[tuple[str, dt.datetime | None]]:
    return [(job.id, job.next_run_time) for job in sched.get_jobs()]


def context_for(db: str | Path, state_url: str, rules_dir: Path) -> Context:
    """Plain strings for the stored jobs; a DuckDB path made absolute, a warehouse URL as it is."""
    target = str(db) if "://" in str(db) else str(Path(db).resolve())
    return Context(target, state_url, str(rules_dir.resolve()))
