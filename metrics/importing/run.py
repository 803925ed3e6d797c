"""`import_files`: read every file of a mapping, convert and check each row, then write them all in
one transaction — or, when anything is wrong, write nothing and return the problems."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from metrics.importing.contract import TABLES
from metrics.importing.convert import BadValue, convert
from metrics.importing.mapping import FileMapping, load_mapping
from metrics.importing.problems import Problems
from metrics.importing.readers import open_rows
from metrics.importing.write import FILE, LINE, Incoming, write
from metrics.problems import UserError

Progress = Callable[[str, float], None]


def _quiet(stage: str, fraction: float) -> None:
    del stage, fraction


@dataclass
class ImportResult:
    problems: Problems
    rows_read: dict[str, int] = field(default_factory=dict)  # file name → rows
    written: dict[str, tuple[int, int]] = field(default_factory=dict)  # table → (removed, written)

    @property
    def ok(self) -> bool:
        return not self.problems


def _read(fm: FileMapping, inc: Incoming, problems: Problems, progress: Progress) -> int:
    name, table = fm.path.name, inc.table
    opened = open_rows(fm.path, fm.encoding, fm.sheet)
    targets = [fm.target(h) for h in opened.header]
    position: dict[str, int] = {}
    for i, (src, dst) in enumerate(zip(opened.header, targets, strict=True)):
        if src in fm.ignore:
            continue
        if dst in table.column_names and dst not in position:
            position[dst] = i
        else:
            problems.get("unknown_column", name, table.name, src)
    missing = [c for c in table.column_names if c not in position]
    for c in missing:
        renamed = [s for s, d in fm.renames.items() if d == c]
        hint = f" (mapped from {renamed[0]!r})" if renamed else ""
        problems.get("missing_column", name, table.name, c, hint)
    if missing:
        return 0
    converters = [
        (c, position[c], table.type_of(c), fm.formats.get(c), fm.values.get(c, {})) for c in table.column_names
    ]
    n = 0
    for batch in opened.batches:
        for line, values in batch.rows:
            converted: list[Any] = []
            for column, pos, type_, fmt, value_map in converters:
                raw = values[pos] if pos < len(values) else None
                if isinstance(raw, str) and value_map:
                    raw = value_map.get(raw.strip(), raw)
                v = convert(raw, type_, fmt)
                if isinstance(v, BadValue):
                    problems.get("bad_value", name, table.name, column, v.reason).add(f"line {line}: {raw!r}")
                    v = None
                converted.append(v)
            for (column, *_), v in zip(converters, converted, strict=True):
                inc.columns[column].append(v)
            inc.columns[LINE].append(line)
            inc.columns[FILE].append(name)
            n += 1
        progress(f"reading {name}", batch.fraction)
    return n


def import_files(warehouse: Path, mapping_path: Path, progress: Progress = _quiet) -> ImportResult:
    """Import the files a mapping names into the DuckDB warehouse file; all or nothing."""
    mapping = load_mapping(mapping_path)
    result = ImportResult(Problems())
    incoming: dict[str, Incoming] = {}
    for fm in mapping.files:
        table = TABLES[fm.table]
        inc = incoming.setdefault(fm.table, Incoming(table, {c: [] for c in (*table.column_names, LINE, FILE)}))
        try:
            result.rows_read[fm.path.name] = _read(fm, inc, result.problems, progress)
        except UserError as e:  # a file that cannot be read at all (encoding, sheet, type): one problem
            p = result.problems.get("file", fm.path.name, fm.table, detail=e.text("en"))
            p.detail_zh = e.text("zh")
    if result.problems:
        return result
    result.written = write(warehouse, list(incoming.values()), result.problems, progress)
    progress("done", 1.0)
    return result
