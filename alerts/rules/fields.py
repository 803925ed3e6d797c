"""Typed reads of one YAML mapping of a rule file; every problem is collected with file:line."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from metrics.file_problems import Collector, FileProblem
from metrics.problems import nearest
from metrics.yamlsrc import Located, LocatedList

_MISSING = object()


def hint(word: str, candidates: Iterable[str]) -> str:
    """' (did you mean x?)' when something close exists, else ''."""
    close = nearest(word, list(candidates))
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""


@dataclass
class Fields:
    """One mapping of a rule (the rule itself, its scope, condition …) and where problems go.

    ``path`` names the mapping in messages ("scope", "condition"); ``rule`` is the rule id."""

    node: Located
    out: Collector
    rule: str
    path: str = ""

    def name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def problem(self, key: str | None, message: str) -> None:
        line = self.node.line_of(key) if key is not None else self.node.line
        self.out.problems.append(FileProblem(self.node.file, line, f"rule {self.rule}: {message}"))

    def problem_at(self, line: int, message: str) -> None:
        self.out.problems.append(FileProblem(self.node.file, line, f"rule {self.rule}: {message}"))

    def line(self, key: str) -> int:
        return self.node.line_of(key)

    def keys(self, allowed: Iterable[str], required: Iterable[str] = ()) -> None:
        allowed = tuple(allowed)
        for key in self.node:
            if key not in allowed:
                self.problem(key, f"unknown key {self.name(key)!r}{hint(key, allowed)}")
        for key in required:
            if key not in self.node:
                where = f"{self.path}: " if self.path else ""
                self.problem(None, f"{where}missing {key!r}")

    def sub(self, key: str, path: str | None = None) -> Fields | None:
        """The mapping under ``key`` (None when absent or not a mapping, reported)."""
        value = self.node.get(key)
        if value is None:
            return None
        if not isinstance(value, Located):
            self.problem(key, f"{self.name(key)}: expected a mapping")
            return None
        return Fields(value, self.out, self.rule, path or self.name(key))

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self.node.get(key, _MISSING)
        if value is _MISSING or value is None:
            return default
        if not isinstance(value, str | int | float) or isinstance(value, bool) or not str(value).strip():
            self.problem(key, f"{self.name(key)}: expected text")
            return default
        return str(value).strip()

    def integer(self, key: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
        value = self.node.get(key, _MISSING)
        if value is _MISSING:
            return default
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
        if ok and maximum is not None:
            ok = value <= maximum
        if not ok:
            upper = f" and ≤ {maximum}" if maximum is not None else ""
            self.problem(key, f"{self.name(key)}: expected a whole number ≥ {minimum}{upper}, got {value!r}")
            return default
        return int(value)

    def number(self, key: str, default: float | None = None) -> float | None:
        value = self.node.get(key, _MISSING)
        if value is _MISSING:
            return default
        if not isinstance(value, int | float) or isinstance(value, bool):
            self.problem(key, f"{self.name(key)}: expected a number, got {value!r}")
            return default
        return float(value)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.node.get(key, _MISSING)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            self.problem(key, f"{self.name(key)}: expected true or false, got {value!r}")
            return default
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: str | None = None) -> str | None:
        value = self.node.get(key, _MISSING)
        if value is _MISSING or value is None:
            return default
        if value not in choices:
            self.problem(
                key, f"{self.name(key)}: {value!r} is not one of {', '.join(choices)}{hint(str(value), choices)}"
            )
            return default
        return str(value)

    def strings(self, key: str) -> tuple[str, ...]:
        """A list of texts (a single text is a list of one)."""
        value = self.node.get(key, _MISSING)
        if value is _MISSING or value is None:
            return ()
        items = value if isinstance(value, list) else [value]
        out = []
        for item in items:
            if isinstance(item, bool) or not isinstance(item, str | int | float) or not str(item).strip():
                self.problem(key, f"{self.name(key)}: expected a list of texts, got {item!r}")
                continue
            out.append(str(item).strip())
        return tuple(out)

    def items(self, key: str) -> list[tuple[Any, int]]:
        """The items of a list with their lines (a missing key is an empty list)."""
        value = self.node.get(key, _MISSING)
        if value is _MISSING or value is None:
            return []
        if not isinstance(value, LocatedList):
            self.problem(key, f"{self.name(key)}: expected a list")
            return []
        return list(zip(value, value.item_lines, strict=True))


_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def clock(value: Any) -> tuple[int, int] | None:
    """'22:00' → (22, 0). YAML 1.1 reads an unquoted 22:00 as the base-60 number 1320 (and 08:00 as
    text): such a number is accepted too; a bare hour like 8 is not a time."""
    if isinstance(value, int) and not isinstance(value, bool) and 60 <= value < 24 * 60:
        return divmod(value, 60)
    if isinstance(value, str):
        m = _TIME.match(value.strip())
        if m:
            return int(m.group(1)), int(m.group(2))
    return None
