"""What is wrong with the files of an import: one entry per kind of problem, with a count and a few
sample rows, in both languages. An import with any problem writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

SAMPLES = 3

# kind → (en, zh) headline; {table}, {column}, {detail} are filled in
_TEXT: dict[str, tuple[str, str]] = {
    "file": ("{detail}", "{detail_zh}"),
    "missing_column": (
        "{table}: the file has no column for {column}{detail}",
        "{table}：文件中缺少 {column} 列{detail}",
    ),
    "unknown_column": (
        "{table}: the file's column {column!r} is neither mapped nor in the contract (map it, or list it under "
        "`ignore:`)",
        "{table}：文件列 {column!r} 既未映射也不在数据契约中（请映射它，或列入 `ignore:`）",
    ),
    "bad_value": ("{table}.{column}: {detail}", "{table}.{column}：{detail}"),
    "duplicate_key": (
        "{table}: the key ({column}) appears more than once",
        "{table}：主键（{column}）重复",
    ),
    "existing_key": (
        "{table}: the key ({column}) is already in the warehouse on a day (or order) this import does not replace",
        "{table}：主键（{column}）已存在于数据仓库中本次导入不替换的日期（或订单）里",
    ),
    "left_behind": (
        "{table}.{column}: rows of the warehouse refer to {detail} rows this import replaces but does not bring "
        "back (import the whole day, or these rows too)",
        "{table}.{column}：数据仓库中有行引用了本次导入替换掉、但文件中没有的 {detail} 行"
        "（请导入完整的一天，或一并导入这些行）",
    ),
    "orphan": (
        "{table}.{column}: the value is in neither the file nor the warehouse's {detail}",
        "{table}.{column}：取值在文件和数据仓库的 {detail} 中都不存在",
    ),
}


@dataclass
class ImportProblem:
    kind: str
    file: str
    table: str
    column: str = ""
    detail: str = ""
    count: int = 0
    samples: list[str] = field(default_factory=list)  # "line 12: …"
    detail_zh: str = ""

    def add(self, sample: str) -> None:
        self.count += 1
        if len(self.samples) < SAMPLES:
            self.samples.append(sample)

    def text(self, lang: str) -> str:
        en, zh = _TEXT[self.kind]
        head = (zh if lang == "zh" else en).format(
            table=self.table, column=self.column, detail=self.detail, detail_zh=self.detail_zh or self.detail
        )
        rows = f"（{self.count} 行）" if lang == "zh" else f" ({self.count} row{'s' if self.count != 1 else ''})"
        lines = [f"{self.file}: {head}{rows if self.count else ''}"]
        lines.extend(f"    {s}" for s in self.samples)
        return "\n".join(lines)


@dataclass
class Problems:
    """Problems keyed by (kind, file, column, detail), so each kind is counted once with its samples."""

    items: dict[tuple[str, str, str, str], ImportProblem] = field(default_factory=dict)

    def get(self, kind: str, file: str, table: str, column: str = "", detail: str = "") -> ImportProblem:
        key = (kind, file, column, detail)
        if key not in self.items:
            self.items[key] = ImportProblem(kind, file, table, column, detail)
        return self.items[key]

    def __bool__(self) -> bool:
        return bool(self.items)

    def __iter__(self) -> Iterator[ImportProblem]:
        return iter(self.items.values())
