"""`opsbot alerts …` and `opsbot tickets …` through the real executable, and the scheduler's catch-up."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from alerts.rules.load import default_rules_dir, load_rules
from alerts.schedule import JOBS_TABLE, build, context_for, rule_job_id
from alerts.tickets.service import TicketService
from alerts.tickets.store import open_store, sqlalchemy_url
from metrics.catalog.load import load_catalog

pytest_plugins = ["tickets_fixtures"]
OPSBOT = [str(Path(sys.executable).with_name("opsbot"))]


@pytest.fixture(scope="module")
def alert_db(small_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the test warehouse (forecasts are refreshed on first use)."""
    path = tmp_path_factory.mktemp("alerts") / "wh.duckdb"
    shutil.copy(small_db, path)
    return path


def opsbot(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [*OPSBOT, *args], capture_output=True, text=True, timeout=300, env={"OPSBOT_LANG": "en", "COLUMNS": "200"}
    )
    assert (proc.returncode == 0) == ok, proc.stdout + proc.stderr
    return proc


def run_alerts(db: Path, state: str, *extra: str) -> str:
    return opsbot("alerts", "run", "--db", str(db), "--state", state, *extra).stdout


def tickets(state: str, *extra: str) -> list[dict[str, object]]:
    out: list[dict[str, object]] = json.loads(
        opsbot("tickets", "list", "--state", state, "--format", "json", *extra).stdout
    )
    return out


def test_validate_and_list_the_demo_pack() -> None:
    assert "8 rules OK" in opsbot("alerts", "validate").stdout
    listed = json.loads(opsbot("alerts", "list", "--format", "json").stdout)
    assert {r["id"] for r in listed} == {r.id for r in load_rules(default_rules_dir(), load_catalog())}


def test_a_bad_rule_file_is_reported_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "rules:\n  - id: x\n    name: {zh: 甲, en: x}\n    metric: gmvv\n    condition: {type: threshold, op: '>', value: 1}\n",
        encoding="utf-8",
    )
    err = opsbot("alerts", "validate", "--rules", str(tmp_path), ok=False).stderr
    assert "bad.yaml:4" in err and "gmv" in err


def test_run_opens_tickets_once_per_tick(alert_db: Path, store_url: str) -> None:
    first = run_alerts(alert_db, store_url)
    opened = tickets(store_url)
    assert opened, first
    assert all(t["status"] == "open" for t in opened)
    again = run_alerts(alert_db, store_url)
    assert "already applied" in again
    assert tickets(store_url) == opened  # nothing changed, not even last_seen


def test_test_command_changes_nothing_and_matches_the_run(alert_db: Path, tmp_path: Path) -> None:
    state = f"sqlite:///{tmp_path / 'state.sqlite'}"
    found = json.loads(
        opsbot("alerts", "test", "stockout_3d_top_sellers", "--db", str(alert_db), "--format", "json").stdout
    )
    assert not (tmp_path / "state.sqlite").exists()
    run_alerts(alert_db, state, "--rule", "stockout_3d_top_sellers")
    labels = sorted(t["label"] for t in tickets(state, "--rule", "stockout_3d_top_sellers"))  # type: ignore[type-var]
    if len(found["firing"]) <= 20:  # below the storm threshold each entity has its own ticket
        assert labels == sorted(f["label"] for f in found["firing"])


def test_ticket_actions_and_audit_trail(alert_db: Path, tmp_path: Path) -> None:
    state = f"sqlite:///{tmp_path / 'state.sqlite'}"
    run_alerts(alert_db, state)
    no = str(tickets(state)[0]["ticket_no"])
    opsbot("tickets", "ack", no, "--state", state, "--by", "张伟", "--note", "已联系供应商")
    opsbot("tickets", "assign", no, "--state", state, "--by", "张伟", "--to", "李娜")
    opsbot("tickets", "snooze", no, "--state", state, "--by", "李娜", "--until", "2h")
    opsbot("tickets", "close", no, "--state", state, "--by", "李娜", "--note", "已补货")
    err = opsbot("tickets", "ack", no, "--state", state, ok=False).stderr
    assert f"{no} is closed; reopen it first." in err
    shown = json.loads(opsbot("tickets", "show", no, "--state", state, "--format", "json").stdout)
    assert [(e["action"], e["to"], e["actor"]) for e in shown["events"]] == [
        ("open", "open", "system"),
        ("ack", "acknowledged", "张伟"),
        ("assign", "acknowledged", "张伟"),
        ("snooze", "snoozed", "李娜"),
        ("close", "closed", "李娜"),
    ]
    assert shown["owner"] == "李娜" and shown["events"][-1]["note"] == "已补货"
    assert [t["ticket_no"] for t in tickets(state, "--status", "closed")] == [no]
    text = opsbot("tickets", "show", no, "--state", state).stdout
    assert "audit trail" in text and "已补货" in text


def test_unknown_ticket_and_bad_until_are_clear(tmp_path: Path) -> None:
    state = f"sqlite:///{tmp_path / 'state.sqlite'}"
    assert "T-20990101-0001" in opsbot("tickets", "show", "T-20990101-0001", "--state", state, ok=False).stderr
    err = opsbot("tickets", "snooze", "T-20990101-0001", "--state", state, "--until", "soon", ok=False).stderr
    assert "30m, 2h, 1d" in err


def test_scheduler_catches_up_once_after_downtime(alert_db: Path, tmp_path: Path) -> None:
    """A rule job that missed ten minutes of ticks runs once on restart, not ten times."""
    import datetime as dt

    state = f"sqlite:///{tmp_path / 'state.sqlite'}"
    open_store(state).close()
    rules = [r for r in load_rules(default_rules_dir(), load_catalog()) if r.id == "late_shipment_rate_by_warehouse"]
    context = context_for(alert_db, state, default_rules_dir())
    build(context, rules).shutdown()
    job_id = rule_job_id(rules[0].id)
    # downtime: while nothing runs, the stored job's tick passes (edited in the job store itself)
    jobs = SQLAlchemyJobStore(url=sqlalchemy_url(state), tablename=JOBS_TABLE)
    jobs.start(BackgroundScheduler(), "default")
    job = jobs.lookup_job(job_id)
    job.next_run_time = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    jobs.update_job(job)
    jobs.shutdown()
    # restart: the stored job keeps its missed run time and runs once (coalesced)
    sched = build(context, rules)
    assert sched.get_job(job_id).next_run_time <= dt.datetime.now(dt.UTC)
    sched.resume()
    service = TicketService(open_store(state), clock=lambda: dt.datetime.now(dt.UTC))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not service.list_tickets(rule_id=rules[0].id):
        time.sleep(0.2)
    time.sleep(1.0)
    next_run = sched.get_job(job_id).next_run_time
    sched.shutdown(wait=True)
    found = service.list_tickets(rule_id=rules[0].id)
    assert found, "the missed tick was not caught up"
    assert len({t.first_seen for t in found}) == 1  # one evaluation, not one per missed minute
    assert next_run > dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)  # back on its cron


def test_escalation_and_forecast_jobs_run(alert_db: Path, tmp_path: Path) -> None:
    """The scheduler's other jobs, called as the scheduler calls them (plain string arguments)."""
    from alerts import jobs
    from metrics.forecast.store import store_path, stored_as_of

    state = f"sqlite:///{tmp_path / 'state.sqlite'}"
    open_store(state).close()
    jobs.run_escalations(str(alert_db), state, str(default_rules_dir()))
    jobs.refresh_forecast(str(alert_db), state, str(default_rules_dir()))
    assert stored_as_of(store_path(alert_db)) is not None
