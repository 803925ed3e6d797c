"""From rule matches to one period: pick non-overlapping atoms, then read ranges (A 到 B) and since-phrases."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from metrics.query import TimeRange
from nlq.time_calendar import Atom, Rule, clip, month_end, safe_date, week_start
from nlq.time_dates import DATE_RULES
from nlq.time_relative import RELATIVE_RULES
from nlq.time_text import CN_DAY, DD, parse_int

RULES: tuple[Rule, ...] = (*RELATIVE_RULES, *DATE_RULES)
Span = tuple[int, int]


@dataclass(frozen=True)
class Cand:
    start: int
    end: int
    atom: Atom


@dataclass(frozen=True)
class Period:
    rng: TimeRange
    zh: str
    en: str
    span: Span
    rolling: tuple[int, str] | None = None  # the count and unit of a trailing period (最近8周)
    also: tuple[Span, ...] = ()  # a cut-off said with it (截至昨天), which ends the period there


_BEFORE = re.compile(
    r"(?:(?<![a-z])(?P<since>since|starting(?:\s+(?:from|on))?|as\s+from)|(?P<zsince>自从|自|打从)"
    r"|(?<![a-z])(?P<from>from|between)|(?P<zfrom>从|由|在)|(?P<asof>截至|截止到?|(?<![a-z])as\s+of))\s*$"
)
_SEP = re.compile(
    r"\s*(?:(?P<dash>到|至|-|~)|(?<![a-z])(?P<word>to|through|thru|until|till)(?![a-z])|(?P<and>和|与|(?<![a-z])and(?![a-z])))\s*"
)
_BARE_DAY = re.compile(
    rf"(?:(?P<d>{DD})|(?P<dc>{CN_DAY}))\s*[日号]|(?P<e>{DD})(?:st|nd|rd|th)?(?![0-9a-z%\u3400-\u9fff])"
)
_BETWEEN_END = re.compile(r"\s*(?:之间|期间|这段时间|inclusive(?![a-z]))")
_SINCE_END = re.compile(
    r"\s*(?:初\s*)?(?:以来|起|开始|至今|迄今|到现在|到今天|到目前为止|到目前|截至目前)"
    r"|\s+(?:(?:to|until|till|through|up\s+to)\s+(?:now|today|date|the\s+present)|to\s+date|onwards?)(?![a-z])"
)


def collect(text: str, today: dt.date) -> list[Cand]:
    """Every rule's matches; the earliest (then longest) wins where they overlap."""
    found: list[tuple[int, int, int, Cand]] = []
    for index, (pattern, handler) in enumerate(RULES):
        for m in pattern.finditer(text):
            atom = handler(m, today) if m.end() > m.start() else None
            if atom is not None:
                found.append((m.start(), m.start() - m.end(), index, Cand(m.start(), m.end(), atom)))
    chosen: list[Cand] = []
    for _, _, _, cand in sorted(found, key=lambda f: f[:3]):
        if not chosen or cand.start >= chosen[-1].end:
            chosen.append(cand)
    return chosen


def first_period(text: str, today: dt.date) -> Period | None:
    """The first period in `text` (already normalised, with comparison/grain/threshold words masked)."""
    cands = collect(text, today)
    cut_off: Period | None = None
    for index, cand in enumerate(cands):
        before = _BEFORE.search(text, max(0, cand.start - 20), cand.start)
        if before is not None and before.group("asof"):
            # 截至昨天 / as of yesterday: the data's cut-off, not the period asked about — unless no
            # other period is named (stock as of last Sunday: that day's snapshot)
            if cut_off is None and cand.atom.kind != "anchor":
                atom = cand.atom
                cut_off = Period(clip(atom.rng, today), atom.zh, atom.en, (before.start(), cand.end))
            continue
        after = cands[index + 1] if index + 1 < len(cands) else None
        period = _range(text, cand, after, before, today) or _since(text, cand, before, today)
        if period is not None:
            return period
        if cand.atom.kind != "anchor":
            atom = cand.atom
            found = at_end(text, Period(clip(atom.rng, today), atom.zh, atom.en, (cand.start, cand.end), atom.rolling))
            return _cut(found, cut_off)
    return at_end(text, cut_off) if cut_off is not None and cut_off.rng.start == cut_off.rng.end else None


_END_AFTER = re.compile(
    r"\s*的?\s*(?:当天|那天|当日)?\s*(?:[月年]底|[月年]末|底|末(?!尾)|最后一天|结束时|结束的时候|结束那天|日终|收盘时|结束后)"
    r"|\s*(?:当天|当日|那天|那一天)"
    r"|\s*-?\s*end(?![a-z])|\s+close(?![a-z])"
)
_END_BEFORE = re.compile(
    r"(?<![a-z])(?:(?:at|by|as\s+of|on)\s+)?(?:the\s+)?(?:very\s+)?(?:end|close|last\s+day)\s+of\s+(?:the\s+)?$"
)


def _cut(p: Period, cut_off: Period | None) -> Period:
    """截至昨天本月: the cut-off is the data's, the period is the one named; both words are read."""
    if cut_off is None or cut_off.rng.start != cut_off.rng.end:
        return p
    return replace(p, also=(*p.also, cut_off.span))  # the data's cut-off: said, and accounted for


def at_end(text: str, p: Period) -> Period:
    """上个月底 / end of September / 双11当天结束时: the last day of the period, where a snapshot (stock)
    is read; other metrics read that one day."""
    after = _END_AFTER.match(text, p.span[1])
    before = _END_BEFORE.search(text, max(0, p.span[0] - 30), p.span[0])
    if after is None and before is None:
        return p
    start = before.start() if before is not None else p.span[0]
    end = after.end() if after is not None else p.span[1]
    day = p.rng.end
    said = text[p.span[1] : end].strip()
    day_of = said in ("当天", "当日", "那天", "那一天")  # 双11当天: the festival's own day
    zh = f"{p.zh}{'当天' if day_of else '底'}" if p.zh else ""
    en = (f"{p.en} (the day)" if day_of else f"end of {p.en}") if p.en else ""
    return Period(TimeRange(day, day), zh, en, (start, end))


def _range(text: str, a: Cand, b: Cand | None, before: re.Match[str] | None, today: dt.date) -> Period | None:
    """A 到 B, A-B, from A to B, between A and B, 10月1日到15日, Oct 1–15."""
    sep = _SEP.match(text, a.end)
    if sep is None:
        return None
    if b is not None and b.start == sep.end():
        found, dates, stop = _join(a.atom, b.atom), b.atom.kind == "day", b.end
    else:
        found, stop = _bare_end(text, a.atom, sep.end())
        dates = True
    if found is None:
        return None
    tail = _BETWEEN_END.match(text, stop)
    opener = before.group(0).strip() if before is not None and (before.group("from") or before.group("zfrom")) else ""
    if sep.group("and") and opener not in ("between", "在") and not tail:
        return None  # 昨天和前天 / A and B: two periods, unless "between A and B" / "A和B之间"
    if sep.group("word") and not opener and not (a.atom.kind == "day" and dates):
        return None  # "last month to this month" is a comparison, not a range, unless it says "from"
    start = before.start() if opener and before is not None else a.start
    return Period(clip(found, today), "", "", (start, tail.end() if tail else stop))


def _bare_end(text: str, a: Atom, pos: int) -> tuple[TimeRange | None, int]:
    """10月1日到15日 / Oct 1-15: the end is a bare day of A's month."""
    m = _BARE_DAY.match(text, pos)
    if m is None or a.kind != "day":
        return None, pos
    day = parse_int(m.group("d") or m.group("dc") or m.group("e") or "")
    end = safe_date(a.rng.start.year, a.rng.start.month, day) if day else None
    if end is None or end < a.rng.start:
        return None, pos
    return TimeRange(a.rng.start, end), m.end()


def _join(a: Atom, b: Atom) -> TimeRange | None:
    """A's start to B's end; a side without a year (or week) takes it from the other side."""
    start, end = a.rng.start, b.rng.end
    if a.kind == b.kind == "weekday" and not b.explicit:
        end = week_start(start) + dt.timedelta(days=b.rng.start.weekday())
        end += dt.timedelta(weeks=1) if end < start else dt.timedelta()
    elif a.kind in ("day", "month") and b.kind in ("day", "month"):
        if not b.explicit:
            end = _move_year(b, start.year, after=start) or end
        elif not a.explicit:
            start = _move_year(a, end.year, before=end, first=True) or start
    return TimeRange(start, end) if end >= start else None


def _move_year(
    atom: Atom, year: int, *, after: dt.date | None = None, before: dt.date | None = None, first: bool = False
) -> dt.date | None:
    """`atom`'s start (first) or end in `year`, a year later if that falls before `after`, earlier if after `before`."""
    for candidate in (year, year + 1) if after else (year, year - 1):
        day = _in_year(atom, candidate, first)
        if day is not None and (after is None or day >= after) and (before is None or day <= before):
            return day
    return None


def _in_year(atom: Atom, year: int, first: bool) -> dt.date | None:
    month = atom.rng.start.month
    if atom.kind == "month":
        return dt.date(year, month, 1) if first else month_end(year, month)
    return safe_date(year, month, atom.rng.start.day)


def _since(text: str, a: Cand, before: re.Match[str] | None, today: dt.date) -> Period | None:
    """since Monday, 本周一以来, 从周一开始, 10月以来, 自11月1日起, 11月1日至今 → that day to today."""
    tail = _SINCE_END.match(text, a.end)
    opener = before is not None and (before.group("since") or before.group("zsince"))
    if not (tail or opener) or a.atom.rng.start > today:
        return None
    named = before is not None and (opener or before.group("from") or before.group("zfrom"))
    start = before.start() if named and before is not None else a.start
    rng = TimeRange(a.atom.rng.start, today)
    zh = a.atom.zh or a.atom.rng.start.isoformat()
    en = a.atom.en or a.atom.rng.start.isoformat()
    return Period(rng, f"{zh}以来", f"since {en}", (start, tail.end() if tail else a.end))
