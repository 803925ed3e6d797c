"""Read CSV, Excel (.xlsx) and Parquet files as a stream of rows — a header, then batches of row
tuples with their 1-based line (CSV/xlsx) or row number (Parquet) — and how far through the file
the reader is, for the progress bar."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from metrics.problems import user_error

BATCH = 5000


@dataclass(frozen=True)
class Batch:
    rows: list[tuple[int, tuple[Any, ...]]]  # (line, values)
    fraction: float  # how far through the file, 0..1


@dataclass
class Opened:
    header: tuple[str, ...]
    batches: Iterator[Batch]


def open_rows(path: Path, encoding: str, sheet: str | None = None) -> Opened:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return _csv(path, encoding, "\t" if suffix == ".tsv" else ",")
    if suffix == ".xlsx":
        return _xlsx(path, sheet)
    if suffix == ".parquet":
        return _parquet(path)
    raise user_error(
        "import_format",
        f"{path.name}: unknown file type {suffix!r}; opsbot imports .csv, .tsv, .xlsx and .parquet.",
        f"{path.name}：不支持的文件类型 {suffix!r}；可导入 .csv、.tsv、.xlsx 和 .parquet。",
    )


def encoding_error(path: Path, encoding: str, line: int) -> Exception:
    return user_error(
        "import_encoding",
        f"{path.name}: line {line} is not valid {encoding}; if the file was saved by Excel or a Chinese ERP, "
        "set `encoding: gbk` (or gb18030) for it in the mapping.",
        f"{path.name}：第 {line} 行不是有效的 {encoding} 编码；若文件来自 Excel 或国内 ERP，请在映射文件中为它设置 "
        "`encoding: gbk`（或 gb18030）。",
    )


def _csv(path: Path, encoding: str, delimiter: str) -> Opened:
    size = max(path.stat().st_size, 1)
    raw = path.open("rb")
    text = io.TextIOWrapper(raw, encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=delimiter)
    try:
        header = tuple(h.strip() for h in next(reader))
    except UnicodeDecodeError:
        raw.close()
        raise encoding_error(path, encoding, 1) from None
    except StopIteration:
        header = ()

    def batches() -> Iterator[Batch]:
        rows: list[tuple[int, tuple[Any, ...]]] = []
        try:
            for record in reader:
                if not any(record):
                    continue
                rows.append((reader.line_num, tuple(record)))
                if len(rows) >= BATCH:
                    yield Batch(rows, min(raw.tell() / size, 1.0))
                    rows = []
        except UnicodeDecodeError:
            raise encoding_error(path, encoding, reader.line_num + 1) from None
        finally:
            raw.close()
        yield Batch(rows, 1.0)

    return Opened(header, batches())


def _xlsx(path: Path, sheet: str | None) -> Opened:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    if sheet is not None and sheet not in book.sheetnames:
        book.close()
        raise user_error(
            "import_sheet",
            f"{path.name}: no sheet {sheet!r}; it has {', '.join(book.sheetnames)}.",
            f"{path.name}：没有工作表 {sheet!r}；现有 {'、'.join(book.sheetnames)}。",
        )
    ws = book[sheet] if sheet else book.worksheets[0]
    total = max(ws.max_row or 1, 1)
    it = ws.iter_rows(values_only=True)
    first = next(it, None)
    header = tuple("" if h is None else str(h).strip() for h in first) if first else ()

    def batches() -> Iterator[Batch]:
        rows: list[tuple[int, tuple[Any, ...]]] = []
        try:
            for n, values in enumerate(it, start=2):
                if all(v is None or v == "" for v in values):
                    continue
                rows.append((n, tuple(values)))
                if len(rows) >= BATCH:
                    yield Batch(rows, n / total)
                    rows = []
        finally:
            book.close()
        yield Batch(rows, 1.0)

    return Opened(header, batches())


def _parquet(path: Path) -> Opened:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    total = max(pf.metadata.num_rows, 1)
    header = tuple(pf.schema_arrow.names)

    def batches() -> Iterator[Batch]:
        n = 0
        for rb in pf.iter_batches(batch_size=BATCH):
            cols = [rb.column(i).to_pylist() for i in range(rb.num_columns)]
            rows = [(n + i + 1, tuple(c[i] for c in cols)) for i in range(rb.num_rows)]
            n += rb.num_rows
            yield Batch(rows, n / total)
        yield Batch([], 1.0)

    return Opened(header, batches())
