"""One file value → the contract column's type: text, whole numbers, decimals, dates and times
(ISO, or the mapping's strptime format), with the mapping's value map applied first. A value that
does not convert is returned as a `BadValue` saying why, never guessed."""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class BadValue:
    reason: str


Converted = str | int | decimal.Decimal | dt.date | dt.datetime | None


def _text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))  # Excel stores 1001 as 1001.0
    return str(v)


def _int(v: Any) -> int | BadValue:
    if isinstance(v, bool):
        return BadValue("not a whole number")
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return int(v) if v.is_integer() else BadValue("not a whole number")
    s = str(v).strip().replace(",", "")
    try:
        return int(s)
    except ValueError:
        try:
            d = decimal.Decimal(s)
        except decimal.InvalidOperation:
            return BadValue("not a whole number")
        return int(d) if d == d.to_integral_value() else BadValue("not a whole number")


def _decimal(v: Any) -> decimal.Decimal | BadValue:
    if isinstance(v, bool):
        return BadValue("not a number")
    if isinstance(v, int | decimal.Decimal):
        return decimal.Decimal(v)
    if isinstance(v, float):
        return decimal.Decimal(repr(v))
    s = str(v).strip().replace(",", "").lstrip("¥￥$")
    try:
        d = decimal.Decimal(s)
    except decimal.InvalidOperation:
        return BadValue("not a number")
    return d if d.is_finite() else BadValue("not a number")


def _scaled(d: decimal.Decimal | BadValue, type_: str) -> decimal.Decimal | BadValue:
    """Rounded to the column's scale (half up, as money is); too many digits for its precision is a problem."""
    if isinstance(d, BadValue):
        return d
    precision, scale = (int(x) for x in type_[len("DECIMAL(") : -1].split(","))
    q = d.quantize(decimal.Decimal(1).scaleb(-scale), rounding=decimal.ROUND_HALF_UP)
    if q.adjusted() >= precision - scale:
        return BadValue(f"too large for {type_}")
    return q


def _datetime(v: Any, fmt: str | None) -> dt.datetime | BadValue:
    if isinstance(v, dt.datetime):
        return v.replace(tzinfo=None) if v.tzinfo is None else v.astimezone().replace(tzinfo=None)
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day)
    s = str(v).strip()
    try:
        return dt.datetime.strptime(s, fmt) if fmt else dt.datetime.fromisoformat(s)
    except ValueError:
        return BadValue(f"not a time in the format {fmt}" if fmt else "not a time (YYYY-MM-DD HH:MM:SS)")


def _date(v: Any, fmt: str | None) -> dt.date | BadValue:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    s = str(v).strip()
    try:
        return dt.datetime.strptime(s, fmt).date() if fmt else dt.date.fromisoformat(s[:10])
    except ValueError:
        return BadValue(f"not a date in the format {fmt}" if fmt else "not a date (YYYY-MM-DD)")


def convert(value: Any, type_: str, fmt: str | None = None) -> Converted | BadValue:
    """The file value as the contract type; None for an empty cell."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if type_ == "VARCHAR":
        return _text(value)
    if type_ in ("INTEGER", "BIGINT"):
        return _int(value)
    if type_.startswith("DECIMAL"):
        return _scaled(_decimal(value), type_)
    if type_ == "DATE":
        return _date(value, fmt)
    if type_ == "TIMESTAMP":
        return _datetime(value, fmt)
    raise ValueError(f"contract type {type_} has no converter")
