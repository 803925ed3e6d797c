"""The mapping YAML: which file goes to which contract table, and how its columns and values read.

```yaml
encoding: utf-8            # default for CSV files (gbk, gb18030, utf-8-sig …)
files:
  - file: orders.csv       # relative to the mapping file
    table: fact_order
    encoding: gbk
    columns: {订单号: order_id, 下单时间: order_ts}   # file column → contract column
    values: {status: {已取消: cancelled, 已付款: paid}}
    formats: {order_ts: "%Y/%m/%d %H:%M"}            # strptime formats for DATE / TIMESTAMP columns
    ignore: [买家留言]                                 # file columns that are deliberately not imported
    sheet: 订单                                        # .xlsx only (default: the first sheet)
```
Every key is checked: an unknown key, table or contract column is a problem, not silently dropped.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from metrics.importing.contract import TABLES
from metrics.problems import user_error


class _FileSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    file: str
    table: str
    encoding: str | None = None
    columns: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}
    formats: dict[str, str] = {}
    ignore: list[str] = []
    sheet: str | None = None


class _MappingDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    encoding: str = "utf-8"
    files: list[_FileSpec]


@dataclass(frozen=True)
class FileMapping:
    path: Path
    table: str
    encoding: str
    renames: dict[str, str]  # file column → contract column
    values: dict[str, dict[str, str]]  # contract column → file value → contract value
    formats: dict[str, str]
    ignore: frozenset[str]
    sheet: str | None = None

    def target(self, source_column: str) -> str:
        return self.renames.get(source_column, source_column)


@dataclass(frozen=True)
class Mapping:
    files: tuple[FileMapping, ...]
    problems: tuple[str, ...] = field(default=())


def _bad(path: Path, detail: str) -> Exception:
    return user_error(
        "bad_import_mapping",
        f"{path}: {detail}",
        f"{path}：映射文件有误：{detail}",
    )


def load_mapping(path: Path) -> Mapping:
    """Read and check the mapping YAML; a `UserError` lists every problem found."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as e:
        raise _bad(path, str(e).splitlines()[0]) from None
    try:
        doc = _MappingDoc.model_validate(raw)
    except ValidationError as e:
        detail = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors())
        raise _bad(path, detail) from None
    problems: list[str] = []
    files = tuple(_file(path, i, spec, doc.encoding, problems) for i, spec in enumerate(doc.files))
    if problems:
        raise _bad(path, "; ".join(problems))
    return Mapping(files)


def _file(mapping_path: Path, i: int, spec: _FileSpec, encoding: str, problems: list[str]) -> FileMapping:
    where = f"files[{i}] ({spec.file})"
    table = TABLES.get(spec.table)
    if table is None:
        problems.append(f"{where}: unknown table {spec.table!r}; the contract's tables are {', '.join(TABLES)}")
    else:
        known = set(table.column_names)
        for src, dst in spec.columns.items():
            if dst not in known:
                problems.append(f"{where}: columns.{src} → {dst!r} is not a column of {spec.table}")
        for what, cols in (("values", spec.values), ("formats", spec.formats)):
            problems.extend(f"{where}: {what}.{c} is not a column of {spec.table}" for c in cols if c not in known)
        for col in spec.formats:
            if col in known and table.type_of(col) not in ("DATE", "TIMESTAMP"):
                problems.append(f"{where}: formats.{col}: {col} is {table.type_of(col)}, not a date or time")
    enc = spec.encoding or encoding
    try:
        codecs.lookup(enc)
    except LookupError:
        problems.append(f"{where}: unknown encoding {enc!r}")
    file = (mapping_path.parent / spec.file).resolve()
    if not file.is_file():
        problems.append(f"{where}: no such file {file}")
    return FileMapping(
        file, spec.table, enc, dict(spec.columns), spec.values, spec.formats, frozenset(spec.ignore), spec.sheet
    )
