"""A problem found in a file at a line — the catalog's YAML, the alert rules, opsbot.yaml — and the collector
that gathers them while a reader keeps going, so that every problem is reported at once as ``file:line:
message``. It sits in metrics, below everything that reads files: the catalog, alerts' rules and bot's config.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from metrics.yamlsrc import Located, LocatedList


@dataclass(frozen=True)
class Source:
    """Where something was written (a catalog definition, a rule): file and line, for messages."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class FileProblem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class Collector:
    """Collects problems while reading; each reader keeps going after a problem."""

    problems: list[FileProblem] = field(default_factory=list)

    def add(self, where: Located | LocatedList | Source, key: str | None, message: str) -> None:
        if isinstance(where, Source):
            self.problems.append(FileProblem(where.file, where.line, message))
        elif isinstance(where, Located) and key is not None:
            self.problems.append(FileProblem(where.file, where.line_of(key), message))
        else:
            self.problems.append(FileProblem(where.file, where.line, message))
