"""Read the parts of a rule other than its condition: scope, owner, escalation, quiet hours, channels."""

from __future__ import annotations

import datetime as dt
import re
from typing import cast

from alerts.rules.fields import Fields, clock, hint
from alerts.rules.model import SEVERITIES, EscalationStep, Op, QuietHours, Routing, Scope
from metrics.catalog.types import TIME_DIMENSION, Catalog
from metrics.forecast.store import HORIZON_DAYS
from metrics.values import normalise
from metrics.yamlsrc import Located

OPS: tuple[Op, ...] = ("<", "<=", ">", ">=")
SCOPE_KEYS = ("dimensions", "filters", "window_days", "ahead_days", "having")
_CHANNEL = re.compile(r"^[a-z][a-z0-9_-]*:\S.*$")


def known_dimension(f: Fields, key: str, dim: str, catalog: Catalog) -> bool:
    if dim == TIME_DIMENSION:
        f.problem(key, f"{f.name(key)}: {dim!r} cannot be part of a rule's scope (the period is set by the rule)")
        return False
    if dim not in catalog.dimensions:
        candidates = [d for d in catalog.dimensions if d != TIME_DIMENSION]
        f.problem(key, f"{f.name(key)}: unknown dimension {dim!r}{hint(dim, candidates)}")
        return False
    return True


def canonical_value(f: Fields, key: str, dim: str, raw: str, catalog: Catalog) -> str:
    """The id of a value in the dimension's dictionary (any spelling it knows); kept as written
    when the dimension has no dictionary (SKUs, brands: their values live in the warehouse)."""
    d = catalog.dimensions[dim]
    if not d.values:
        return raw
    for v in d.values:
        if normalise(raw) in {normalise(s) for s in v.spellings()}:
            return v.id
    f.problem(key, f"{f.name(key)}: {d.names.en} has no value {raw!r}{hint(raw, [v.id for v in d.values])}")
    return raw


def read_scope(f: Fields | None, catalog: Catalog) -> Scope:
    if f is None:
        return Scope()
    f.keys(SCOPE_KEYS)
    dims: list[str] = []
    for dim in f.strings("dimensions"):
        if dim in dims:
            f.problem("dimensions", f"{f.name('dimensions')}: {dim!r} is listed twice")
        elif known_dimension(f, "dimensions", dim, catalog):
            dims.append(dim)
    filters = read_filters(f.sub("filters"), catalog)
    having = tuple(h for item, line in f.items("having") if (h := read_having(f, item, line, catalog)) is not None)
    ahead = f.integer("ahead_days", 0, minimum=1, maximum=HORIZON_DAYS)
    return Scope(tuple(dims), filters, f.integer("window_days", 1, minimum=1, maximum=366), ahead, having)


def read_filters(f: Fields | None, catalog: Catalog) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if f is None:
        return ()
    out = []
    for dim in f.node:
        values = f.strings(dim)
        if not known_dimension(f, dim, dim, catalog):
            continue
        if not values:
            f.problem(dim, f"{f.name(dim)}: list at least one value")
            continue
        out.append((dim, tuple(dict.fromkeys(canonical_value(f, dim, dim, v, catalog) for v in values))))
    return tuple(out)


def read_having(f: Fields, item: object, line: int, catalog: Catalog) -> tuple[str, Op, float] | None:
    """{metric: forecast_daily_units, op: ">=", value: 3}"""
    if not isinstance(item, Located):
        f.problem_at(line, f"{f.name('having')}: each entry is {{metric, op, value}}")
        return None
    h = Fields(item, f.out, f.rule, f.name("having"))
    h.keys(("metric", "op", "value"), required=("metric", "op", "value"))
    metric, op, value = h.text("metric"), h.choice("op", OPS), h.number("value")
    if metric is not None and metric not in catalog.metrics:
        h.problem("metric", f"{h.name('metric')}: unknown metric {metric!r}{hint(metric, catalog.metrics)}")
        return None
    if metric is None or op is None or value is None:
        return None
    return metric, cast(Op, op), value


def read_routing(f: Fields, scope: Scope, catalog: Catalog) -> Routing:
    """owner: 张伟  — or —  owner: {by: category, owners: {apparel: 王芳}, fallback: 王芳}"""
    raw = f.node.get("owner")
    if isinstance(raw, str) and raw.strip():
        return Routing(fallback=raw.strip())
    o = f.sub("owner")
    if o is None:
        if "owner" in f.node:
            f.problem("owner", "owner: expected a name, or {by: dimension, owners: {value: name}, fallback: name}")
        return Routing(fallback="")
    o.keys(("by", "owners", "fallback"), required=("fallback",))
    by = o.text("by")
    if by is not None and by not in scope.dimensions:
        listed = ", ".join(scope.dimensions) or "none"
        o.problem("by", f"owner.by: {by!r} is not one of the scope's dimensions ({listed})")
        by = None
    owners: list[tuple[str, str]] = []
    table = o.sub("owners")
    if table is not None:
        if o.node.get("by") is None:
            o.problem("owners", "owner.owners: needs owner.by, the dimension whose values it lists")
        for value in table.node:
            name = table.text(value)
            if name is None:
                table.problem(value, f"owner.owners.{value}: expected a name")
                continue
            owners.append((canonical_value(table, value, by, str(value), catalog) if by else str(value), name))
    return Routing(fallback=o.text("fallback", "") or "", by=by, owners=tuple(owners))


def read_escalation(f: Fields) -> tuple[EscalationStep, ...]:
    """escalation: [{after_minutes: 30, to: 主管}, …] with growing after_minutes."""
    steps: list[EscalationStep] = []
    for item, line in f.items("escalation"):
        if not isinstance(item, Located):
            f.problem_at(line, "escalation: each step is {after_minutes, to}")
            continue
        s = Fields(item, f.out, f.rule, "escalation")
        s.keys(("after_minutes", "to"), required=("after_minutes", "to"))
        after, to = s.integer("after_minutes", 0, minimum=1), s.text("to")
        if "after_minutes" not in s.node or to is None:
            continue
        if steps and after <= steps[-1].after_minutes:
            s.problem("after_minutes", "escalation: after_minutes must grow from one step to the next")
        steps.append(EscalationStep(after, to))
    return tuple(steps)


def read_quiet_hours(f: Fields | None) -> QuietHours | None:
    """quiet_hours: {start: "22:00", end: "08:00", allow: [critical]}"""
    if f is None:
        return None
    f.keys(("start", "end", "allow"), required=("start", "end"))
    times = []
    for key in ("start", "end"):
        if key not in f.node:
            continue
        hm = clock(f.node[key])
        if hm is None:
            f.problem(key, f'quiet_hours.{key}: {f.node[key]!r} is not a time like "22:00"')
        else:
            times.append(dt.time(*hm))
    allow = f.strings("allow") if "allow" in f.node else ("critical",)
    bad = [a for a in allow if a not in SEVERITIES]
    if bad:
        f.problem("allow", f"quiet_hours.allow: {', '.join(map(repr, bad))} not among {', '.join(SEVERITIES)}")
    if len(times) != 2:
        return None
    if times[0] == times[1]:
        f.problem("start", "quiet_hours: start and end are the same time")
    return QuietHours(times[0], times[1], tuple(a for a in allow if a in SEVERITIES))


def read_channels(f: Fields) -> tuple[str, ...]:
    channels = f.strings("channels")
    if "channels" in f.node and not channels:
        f.problem("channels", 'channels: list at least one chat channel, e.g. "web:#ops"')
    for c in channels:
        if not _CHANNEL.match(c):
            f.problem("channels", f'channels: {c!r} is not platform:channel, e.g. "web:#ops" or "wecom:供应链群"')
    return tuple(dict.fromkeys(channels))


def read_recovery(f: Fields | None, default: int) -> int:
    """recovery: {ok_evaluations: 2}"""
    if f is None:
        return default
    f.keys(("ok_evaluations",))
    return f.integer("ok_evaluations", default, minimum=0, maximum=1000)
