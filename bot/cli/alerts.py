"""`opsbot alerts validate|list|test|run|schedule`: alert rules from the terminal."""

from __future__ import annotations

import json
import logging
import signal
import time
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from alerts import engine
from alerts.evaluate import evaluate
from alerts.findings import Finding
from alerts.rules.describe import condition_text, owner_text, severity_name
from alerts.rules.load import default_rules_dir
from bot.cli.alerting import alerting_options, rules_from, ticket_service, utc_now
from bot.cli.common import as_of_day, guarded, open_layer, warehouse_options, warehouse_target
from bot.cli.progress import StderrProgress
from metrics.catalog.load import load_catalog
from metrics.present import plain_json
from metrics.problems import default_lang, nearest, user_error


@click.group("alerts")
def alerts_group() -> None:
    """Alert rules (预警规则): validate, list, test, run, schedule."""


@alerts_group.command("validate")
@warehouse_options
@alerting_options
@guarded
def validate_cmd(db: str | None, as_of: str | None, state: str | None, rules_dir: Path | None) -> None:
    """Check every rule file (all problems, with file:line) against the metric catalog."""
    rules = rules_from(rules_dir, load_catalog())
    click.echo(f"{len(rules)} rules OK ({rules_dir or default_rules_dir()})")


@alerts_group.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@warehouse_options
@alerting_options
@guarded
def list_cmd(fmt: str, db: str | None, as_of: str | None, state: str | None, rules_dir: Path | None) -> None:
    """Every rule: what it watches, when, who owns it, where it posts."""
    lang = default_lang()
    rules = rules_from(rules_dir, load_catalog())
    if fmt == "json":
        click.echo(json.dumps([_rule_json(r, lang) for r in rules], ensure_ascii=False, indent=1))
        return
    table = Table(title=f"{len(rules)} rules")
    for header in ("id", "name", "metric", "scope", "condition", "schedule", "owner", "channels"):
        table.add_column(header, no_wrap=header == "id")
    for r in rules:
        table.add_row(
            r.id + ("" if r.enabled else " (off)"),
            r.names.name(lang),
            r.metric,
            " × ".join(r.scope.dimensions) or "—",
            condition_text(r.condition, lang),
            r.schedule,
            owner_text(r, lang),
            ", ".join(r.channels),
        )
    Console().print(table)


def _rule_json(r: Any, lang: str) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": {"zh": r.names.zh, "en": r.names.en},
        "metric": r.metric,
        "scope": list(r.scope.dimensions),
        "condition": {"type": r.condition.kind, "text": condition_text(r.condition, lang)},
        "schedule": r.schedule,
        "owner": owner_text(r, lang),
        "channels": list(r.channels),
        "enabled": r.enabled,
        "source": r.source,
    }


@alerts_group.command("test")
@click.argument("rule_id")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@warehouse_options
@alerting_options
@guarded
def test_cmd(
    rule_id: str, fmt: str, db: str | None, as_of: str | None, state: str | None, rules_dir: Path | None
) -> None:
    """What RULE would fire now (or --as-of a day), changing nothing."""
    layer = open_layer(db)
    rules = rules_from(rules_dir, layer.catalog)
    by_id = {r.id: r for r in rules}
    if rule_id not in by_id:
        raise user_error(
            "unknown_rule", f"No rule {rule_id!r}.", f"没有规则 {rule_id!r}。", nearest(rule_id, list(by_id))
        )
    rule = by_id[rule_id]
    day = as_of_day(layer, as_of)
    evaluation = evaluate(rule, layer, day, utc_now())
    lang = default_lang()
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "rule": rule.id,
                    "as_of": day.isoformat(),
                    "no_data": evaluation.no_data,
                    "problem": evaluation.problem or None,
                    "firing": [_finding_json(f) for f in evaluation.findings],
                    "sql": list(evaluation.sql),
                    "elapsed_ms": round(evaluation.elapsed_ms, 1),
                },
                ensure_ascii=False,
                default=str,
            )
        )
        return
    head = f"{rule.names.name(lang)} ({rule.id}) · {condition_text(rule.condition, lang)} · as of {day}"
    click.echo(head)
    if evaluation.no_data:
        none = "数据源没有返回数据（不是“全部正常”）" if lang == "zh" else "the source returned no data (not 'all OK')"
        click.echo(f"  {none}" + (f": {evaluation.problem}" if evaluation.problem else ""))
    if not evaluation.findings:
        click.echo("  " + ("没有触发" if lang == "zh" else "nothing fires"))
    for f in evaluation.findings:
        shown = f.evidence.get("value_text", f.value)
        click.echo(f"  [{severity_name(f.severity, lang)}] {f.label}: {shown} ({f.threshold})")
    click.echo(
        f"  {len(evaluation.findings)} firing · {len(evaluation.sql)} statement(s) · {evaluation.elapsed_ms:.0f} ms"
    )


def _finding_json(f: Finding) -> dict[str, Any]:
    return {
        "entity": f.entity,
        "label": f.label,
        "severity": f.severity,
        "value": plain_json(f.value),
        "threshold": f.threshold,
        "evidence": f.evidence,
    }


@alerts_group.command("run")
@click.option("--rule", "only", multiple=True, metavar="ID", help="Only these rules (repeatable).")
@click.option("--tick", default=None, help="The evaluation tick (default: the as-of date).")
@warehouse_options
@alerting_options
@guarded
def run_cmd(
    only: tuple[str, ...],
    tick: str | None,
    db: str | None,
    as_of: str | None,
    state: str | None,
    rules_dir: Path | None,
) -> None:
    """Evaluate the rules and open, update or resolve tickets (a tick is applied once)."""
    layer = open_layer(db)
    rules = rules_from(rules_dir, layer.catalog)
    unknown = [r for r in only if r not in {x.id for x in rules}]
    if unknown:
        raise user_error(
            "unknown_rule",
            f"No rule {unknown[0]!r}.",
            f"没有规则 {unknown[0]!r}。",
            nearest(unknown[0], [x.id for x in rules]),
        )
    chosen = [r for r in rules if not only or r.id in only]
    service = ticket_service(state)
    day = as_of_day(layer, as_of)
    progress = StderrProgress("alerts")
    outcomes = engine.run(chosen, layer, service, as_of=day, now=utc_now(), tick=tick, progress=progress)
    failed = 0
    for o in outcomes:
        if o.error is not None or o.report is None:
            failed += 1
            click.echo(f"{o.rule.id}: error: {o.error}", err=True)
            continue
        rep = o.report
        if rep.skipped:
            click.echo(f"{o.rule.id}: tick {rep.tick} already applied — nothing changed")
            continue
        click.echo(
            f"{o.rule.id}: {len(o.evaluation.findings) if o.evaluation else 0} firing · opened {len(rep.opened)}"
            f" · still firing {len(rep.firing)} · resolved {len(rep.resolved)}"
            + (f" · storm {rep.storm}" if rep.storm else "")
            + f" · {o.seconds * 1000:.0f} ms"
        )
        for no in rep.opened:
            click.echo(f"  opened {no}")
    if failed:
        raise SystemExit(1)


@alerts_group.command("schedule")
@click.option(
    "--for-seconds", "seconds", type=float, default=None, help="Stop after this long (default: run until Ctrl-C)."
)
@warehouse_options
@alerting_options
@guarded
def schedule_cmd(
    seconds: float | None, db: str | None, as_of: str | None, state: str | None, rules_dir: Path | None
) -> None:
    """Run the scheduler: each rule on its cron (Asia/Shanghai), escalations, nightly rollups and forecasts."""
    from alerts.schedule import build, context_for, next_runs
    from alerts.tickets.store import state_url

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    rules = rules_from(rules_dir, load_catalog())
    url = state or state_url()
    ticket_service(url)  # create the store's tables before the jobs need them
    context = context_for(warehouse_target(db), url, rules_dir or default_rules_dir())
    sched = build(context, rules)
    for job_id, when in next_runs(sched):
        click.echo(f"{job_id:<40} next {when}")
    sched.resume()
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    started = time.monotonic()
    try:
        while not stop["now"] and (seconds is None or time.monotonic() - started < seconds):
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        sched.shutdown(wait=True)
