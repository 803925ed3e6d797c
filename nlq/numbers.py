"""Numbers for people: ¥ and %, 万/亿 for Chinese, K/M for English; full precision stays in JSON."""

from __future__ import annotations

import math
from typing import Any


def human(value: Any, fmt: str, lang: str) -> str:
    if value is None:
        return "—"
    x = float(value)
    if not math.isfinite(x):
        return "—"
    if fmt == "percent":
        return f"{x * 100:.1f}%"
    if fmt == "currency":
        return ("-" if x < 0 else "") + "¥" + _big(abs(x), lang, 2)
    if fmt == "integer":
        return _big(x, lang, 0)
    return _big(x, lang, 2 if abs(x) < 100 else 1)


def _big(x: float, lang: str, decimals: int) -> str:
    if lang == "zh":
        if abs(x) >= 1e8:
            return f"{x / 1e8:.2f}亿"
        if abs(x) >= 1e4:
            return f"{x / 1e4:.2f}万"
    elif abs(x) >= 1e6:
        return f"{x / 1e6:.2f}M"
    return f"{x:,.{decimals}f}"


def change(value: Any, lang: str) -> str:
    if value is None or not math.isfinite(float(value)):
        return "—"
    pct = float(value) * 100
    if lang == "zh":
        return f"{'增长' if pct >= 0 else '下降'} {abs(pct):.1f}%"
    return f"{'up' if pct >= 0 else 'down'} {abs(pct):.1f}%"
