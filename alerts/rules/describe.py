"""Rules in words, for lists, cards and answers."""

from __future__ import annotations

from alerts.rules.model import Anomaly, Change, Condition, Forecast, Graded, NoData, Rule, Threshold

_SEVERITY = {"zh": {"warning": "黄", "critical": "红"}, "en": {"warning": "warning", "critical": "critical"}}


def severity_name(severity: str, lang: str) -> str:
    return _SEVERITY["zh" if lang == "zh" else "en"].get(severity, severity)


def condition_text(c: Condition, lang: str) -> str:
    zh = lang == "zh"
    if isinstance(c, Threshold | Forecast):
        return f"{c.op} {c.limit:g}"
    if isinstance(c, Graded):
        return ", ".join(f"{severity_name(s, lang)} {c.op} {v:g}" for s, v in c.levels)
    if isinstance(c, Change):
        base = (
            ("前一周期" if c.versus == "previous" else "上周同日")
            if zh
            else ("previous period" if c.versus == "previous" else "same weekday last week")
        )
        size = f"{c.percent:g}%" if c.percent is not None else f"{c.absolute:g}"
        move = {"drop": ("下降", "drop"), "rise": ("上升", "rise"), "any": ("变化", "move")}[c.direction]
        return f"{move[0]}超过 {size}（对比{base}）" if zh else f"{move[1]} of more than {size} vs the {base}"
    if isinstance(c, Anomaly):
        return (
            f"稳健 z 分数 ≥ {c.z:g}（对比近 {c.weeks} 周同一星期几）"
            if zh
            else f"robust z-score ≥ {c.z:g} vs the same weekday over {c.weeks} weeks"
        )
    if isinstance(c, NoData):
        return "当天没有数据" if zh else "no data for the day"
    raise TypeError(c)


def owner_text(rule: Rule, lang: str) -> str:
    r = rule.routing
    if r.by is None:
        return r.fallback
    pairs = ", ".join(f"{k}→{v}" for k, v in r.owners)
    other = "其他" if lang == "zh" else "else"
    return f"{r.by}: {pairs}, {other}→{r.fallback}"


def rule_text(rule: Rule, lang: str) -> str:
    """One line: name, metric, scope, condition."""
    scope = " × ".join(rule.scope.dimensions) or ("整体" if lang == "zh" else "overall")
    return f"{rule.names.name(lang)} · {rule.metric} · {scope} · {condition_text(rule.condition, lang)}"
