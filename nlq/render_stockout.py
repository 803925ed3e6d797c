"""Short text for a stockout list: one line per SKU (per warehouse when asked), soonest first, with the
numbers that explain it — when, how likely, what is left, how fast it sells, what is coming, what to order."""

from __future__ import annotations

from typing import Any

from metrics.compiler import CompiledQuery
from metrics.present import format_number
from metrics.query import MetricQuery
from nlq.numbers import human
from nlq.render import MAX_LISTED, more_rows


def _cell(row: list[Any], at: dict[str, int], name: str) -> Any:
    return row[at[name]] if name in at else None


def _who(row: list[Any], compiled: CompiledQuery, at: dict[str, int], lang: str) -> str:
    """'原味即食乌龙茶 50g（SKU-00044） / 北京仓': each dimension's name, a SKU with its id."""
    parts = []
    for col in compiled.columns:
        if col.role != "dimension":
            continue
        key = row[at[col.name]]
        name = _cell(row, at, f"{col.ref}_name_{lang}")
        if col.ref == "sku":
            parts.append(f"{name}（{key}）" if lang == "zh" else f"{name} ({key})")
        else:
            parts.append(str(name or key))
    return " / ".join(parts)


def _line(row: list[Any], at: dict[str, int], lang: str) -> str:
    day = format_number(_cell(row, at, "projected_stockout_date"), "date")
    prob = human(_cell(row, at, "stockout_probability"), "percent", lang)
    available = human(_cell(row, at, "available_now"), "integer", lang)
    daily = human(_cell(row, at, "forecast_daily_units"), "decimal", lang)
    po_qty, po_day = _cell(row, at, "next_po_qty"), _cell(row, at, "next_po_date")
    reorder = human(_cell(row, at, "suggested_reorder_qty"), "integer", lang)
    when = format_number(po_day, "date")
    if lang == "zh":
        po = f"在途 {human(po_qty, 'integer', lang)} 件，预计 {when} 到" if po_qty else "没有在途采购"
        return f"{day} 断货（概率 {prob}）；可用 {available} 件，预测日均 {daily} 件；{po}；建议补货 {reorder} 件"
    po = f"next PO {human(po_qty, 'integer', lang)} due {when}" if po_qty else "no open PO"
    return (
        f"stocks out {day} (probability {prob}); available {available}, forecast {daily}/day; "
        f"{po}; suggested reorder {reorder}"
    )


def stockout_summary(compiled: CompiledQuery, rows: list[list[Any]], lang: str, period: str) -> str:
    if not rows:
        return f"{period}：没有SKU预计断货。" if lang == "zh" else f"{period}: no SKU is projected to stock out."
    at = {c.name: i for i, c in enumerate(compiled.columns)}
    head = (
        f"{period}：预计断货 {len(rows)} 个（按预测会卖完），最早断货的在前："
        if lang == "zh"
        else f"{period}: {len(rows)} will run out (projected), soonest first:"
    )
    lines = [head]
    sep = "：" if lang == "zh" else ": "
    if "sku_id" in at and "warehouse_id" in at:
        lines.extend(_grouped(rows, compiled, at, lang, sep))
    else:
        for n, row in enumerate(rows[:MAX_LISTED], 1):
            lines.append(f"{n}. {_who(row, compiled, at, lang)}{sep}{_line(row, at, lang)}")
    lines.extend(more_rows(len(rows), lang))
    return "\n".join(lines)


def _grouped(rows: list[list[Any]], compiled: CompiledQuery, at: dict[str, int], lang: str, sep: str) -> list[str]:
    """SKU × warehouse rows grouped by SKU, the SKU that runs out first on top: one line per SKU when it runs
    out in one warehouse, else the SKU then one indented line per warehouse (soonest first)."""
    groups: dict[Any, list[list[Any]]] = {}
    for row in rows:
        groups.setdefault(row[at["sku_id"]], []).append(row)
    lines = []
    for n, group in enumerate(list(groups.values())[:MAX_LISTED], 1):
        if len(group) == 1:
            lines.append(f"{n}. {_who(group[0], compiled, at, lang)}{sep}{_line(group[0], at, lang)}")
            continue
        name = _cell(group[0], at, f"sku_name_{lang}")
        key = group[0][at["sku_id"]]
        many = f"{len(group)} 个仓库" if lang == "zh" else f"{len(group)} warehouses"
        lines.append(f"{n}. {name}（{key}）{sep}{many}" if lang == "zh" else f"{n}. {name} ({key}){sep}{many}")
        for row in group:
            where = _cell(row, at, f"warehouse_name_{lang}") or row[at["warehouse_id"]]
            lines.append(f"   - {where}{sep}{_line(row, at, lang)}")
    return lines


def counted_line(q: MetricQuery, lang: str) -> str:
    """One short line of what a stockout list counted; the full definitions come on request."""
    per_warehouse = "warehouse" in q.dimensions or any(f.dimension in ("warehouse", "region") for f in q.filters)
    if lang == "zh":
        what = "SKU × 仓库" if per_warehouse else "SKU（各仓库存合计）"
        return (
            f"按 {what} 计，首个预计断货日（预测可用库存首次 ≤ 0 的那天）落在这段时间内的；"
            "概率为至少一天断货的概率。回复\u201c口径?\u201d看完整定义"
        )
    what = "SKU × warehouse" if per_warehouse else "SKU (all warehouses' stock combined)"
    return (
        f"per {what} whose first projected stockout day (projected available stock first ≤ 0) falls in the period; "
        "probability = of at least one day out. Reply \u201cdefinitions?\u201d for the full definitions"
    )
