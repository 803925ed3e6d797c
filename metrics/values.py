"""Dimension values: turn what a person typed (天猫, Tmall, tmall, 浙江省, SKU-00012, a product name)
into the canonical value the warehouse stores, or say clearly that no such value exists."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from metrics.catalog.types import Catalog, Dimension
from metrics.problems import nearest, user_error
from metrics.warehouse import Warehouse

_PROVINCE_SUFFIX = re.compile(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$")


@dataclass(frozen=True)
class Value:
    id: str
    zh: str
    en: str


def normalise(text: str) -> str:
    """NFKC (full-width → half-width), lower case, and one space for any run of spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


@dataclass
class ValueResolver:
    """Resolves raw filter values per dimension; values of lookup tables are read once and cached."""

    catalog: Catalog
    warehouse: Warehouse | None = None
    _cache: dict[str, dict[str, Value]] = field(default_factory=dict)

    def spellings(self, dim: Dimension) -> dict[str, Value]:
        """Every accepted spelling (normalised) of every value of a dimension."""
        if dim.id in self._cache:
            return self._cache[dim.id]
        table: dict[str, Value] = {}
        for v in dim.values:
            value = Value(v.id, v.zh, v.en)
            for s in v.spellings():
                table.setdefault(normalise(s), value)
        if not dim.values and dim.lookup is not None and self.warehouse is not None:
            for value in self._read_lookup(dim):
                for s in (value.id, value.zh, value.en):
                    table.setdefault(normalise(s), value)
                if dim.id == "province":
                    table.setdefault(normalise(_PROVINCE_SUFFIX.sub("", value.id)), value)
        self._cache[dim.id] = table
        return table

    def _read_lookup(self, dim: Dimension) -> list[Value]:
        assert dim.lookup is not None and self.warehouse is not None
        lk = dim.lookup
        if lk.name_zh and lk.name_en:
            sql = f'SELECT DISTINCT "{lk.key}", "{lk.name_zh}", "{lk.name_en}" FROM "{lk.table}"'
        else:
            sql = f'SELECT DISTINCT "{lk.key}", "{lk.key}", "{lk.key}" FROM "{lk.table}"'
        # identifiers come from the validated catalog, never from the user
        rows = self.warehouse.query(sql, row_cap=1_000_000).rows
        return [Value(str(r[0]), str(r[1]), str(r[2])) for r in rows if r[0] is not None]

    def resolve(self, dimension: str, raw: str) -> Value:
        dim = self.catalog.dimensions.get(dimension)
        if dim is None:
            raise user_error(
                "unknown_dimension",
                f"Unknown dimension {dimension!r}.",
                f"没有维度 {dimension!r}。",
                nearest(dimension, list(self.catalog.dimensions)),
            )
        table = self.spellings(dim)
        key = normalise(raw)
        if dimension == "province":
            key = normalise(_PROVINCE_SUFFIX.sub("", raw.strip()))
        if key in table:
            return table[key]
        if not table:  # free-text dimension with nothing to check against
            return Value(raw.strip(), raw.strip(), raw.strip())
        shown = sorted({v.zh if v.zh != v.id else v.id for v in table.values()})
        candidates = nearest(raw, [*shown, *(v.en for v in table.values())])
        raise user_error(
            "unknown_value",
            f"There is no {dim.names.en} called {raw!r}.",
            f"没有名为「{raw}」的{dim.names.zh}。",
            candidates,
        )
