"""The guard for SQL a language model wrote: one read-only SELECT over the semantic layer's tables, or nothing.

The text is parsed (sqlglot, DuckDB dialect) and judged as a tree, never by patterns on the text:
exactly one statement, a SELECT (CTEs, subqueries and set operations of SELECTs allowed); every
node of an allow-listed kind; every function on an allow-list of harmless scalar, aggregate and
window functions; every table one of the catalog's tables (or a CTE visible where it is used);
every column resolvable against those tables. The LIMIT is capped, comments are dropped, and the
SQL returned is regenerated from the tree and checked once more, so what runs is what was judged.
The warehouse adds its own defences (read-only, no file or network access, time limit, row cap).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.qualify import qualify

from metrics.catalog.types import Catalog
from metrics.problems import Problem, UserError, nearest

DIALECT = "duckdb"
CODE = "refused_sql"

# Node kinds a read-only analytic SELECT is made of (functions are judged separately below).
_ALLOWED_NODES: frozenset[str] = frozenset(
    {
        "Select", "Union", "Intersect", "Except", "Subquery", "With", "CTE", "From", "Join", "Table",
        "TableAlias", "Alias", "Identifier", "Column", "Star", "Where", "Group", "Having", "Qualify",
        "Order", "Ordered", "Limit", "Offset", "Distinct", "Window", "WindowSpec", "Rollup", "Cube",
        "GroupingSets", "Literal", "Boolean", "Null", "Var", "DataType", "DataTypeParam", "Interval",
        "Paren", "Tuple", "Neg", "Not", "And", "Or", "Xor", "Is", "In", "Between", "Like", "ILike",
        "SimilarTo", "Escape", "EQ", "NEQ", "GT", "GTE", "LT", "LTE", "NullSafeEQ", "NullSafeNEQ",
        "Add", "Sub", "Mul", "Div", "IntDiv", "Mod", "DPipe", "Any", "All", "Filter", "WithinGroup",
        "IgnoreNulls", "RespectNulls",
    }
)  # fmt: skip

# Harmless functions, by sqlglot class name: aggregates, window functions, arithmetic, dates, strings.
_ALLOWED_FUNCTIONS: frozenset[str] = frozenset(
    {
        # aggregates
        "Sum", "Count", "Avg", "Min", "Max", "Median", "PercentileCont", "PercentileDisc", "Quantile",
        "Stddev", "StddevSamp", "StddevPop", "Variance", "VariancePop", "CountIf", "ArgMax", "ArgMin",
        "ApproxDistinct", "GroupConcat", "LogicalAnd", "LogicalOr", "Corr", "CovarPop", "CovarSamp",
        "Mode", "First", "Last", "AnyValue",
        # window functions
        "RowNumber", "Rank", "DenseRank", "PercentRank", "CumeDist", "Ntile", "Lag", "Lead",
        "FirstValue", "LastValue", "NthValue",
        # arithmetic and logic
        "Round", "Abs", "Ceil", "Floor", "Sqrt", "Pow", "Exp", "Ln", "Log", "Sign", "Greatest", "Least",
        "Trunc", "SafeDivide", "Coalesce", "Nullif", "If", "Case", "Cast", "TryCast", "Exists",
        # dates and times
        "TimestampTrunc", "DateTrunc", "Extract", "Year", "Month", "Day", "DayOfWeek", "DayOfWeekIso",
        "Week", "WeekOfYear", "Quarter", "Hour", "DayOfMonth", "DayOfYear", "DateDiff", "DateAdd",
        "DateSub", "CurrentDate", "CurrentTimestamp", "TimeToStr", "StrToTime", "StrToDate",
        "DateFromParts", "LastDay", "Date", "TsOrDsToDate",
        # strings
        "Lower", "Upper", "Length", "Substring", "Concat", "ConcatWs", "Trim", "Replace", "Left", "Right",
        "StrPosition", "Contains", "StartsWith", "EndsWith", "SplitPart", "Initcap", "RegexpLike",
        "RegexpReplace", "RegexpExtract",
    }
)  # fmt: skip

# Functions sqlglot does not model (parsed as Anonymous), allowed by their lower-case name.
_ALLOWED_ANONYMOUS: frozenset[str] = frozenset({"date_part", "datepart", "now"})
_TABLE_ARGS = frozenset({"this", "db", "catalog", "alias"})


def guard_sql(sql: str, catalog: Catalog, *, max_rows: int) -> str:
    """The SQL to run (DuckDB), regenerated from the checked tree with LIMIT ≤ max_rows; else UserError."""
    if max_rows < 1:
        raise ValueError("max_rows must be at least 1")
    tree = _parse_one(sql)
    _check(tree, catalog)
    _cap_limit(tree, max_rows)
    out = tree.sql(dialect=DIALECT, comments=False)
    _recheck(out, catalog, max_rows)
    return out


# --- parsing -----------------------------------------------------------------------------------


def _refusal(en: str, zh: str, suggestions: Iterable[str] = ()) -> Problem:
    """One reason for refusing, in both languages."""
    return Problem(CODE, f"Refused the SQL: {en}", f"已拒绝该 SQL：{zh}", tuple(suggestions))


def _refuse(en: str, zh: str, suggestions: Iterable[str] = ()) -> UserError:
    """The error to raise for a single reason."""
    return UserError(_refusal(en, zh, suggestions))


def _parse_one(sql: str) -> exp.Query:
    """Exactly one statement, and it is a SELECT or a set operation of SELECTs."""
    if not isinstance(sql, str) or not sql.strip():
        raise _refuse("it is empty.", "内容为空。")
    try:
        statements = [s for s in sqlglot.parse(sql, read=DIALECT) if s is not None]
    except SqlglotError as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise _refuse(f"it could not be parsed ({first}).", f"无法解析（{first}）。") from e
    if len(statements) != 1:
        raise _refuse(
            f"exactly one statement is allowed, found {len(statements)}.",
            f"只允许一条语句，实际有 {len(statements)} 条。",
        )
    tree = statements[0]
    if not isinstance(tree, exp.Select | exp.SetOperation):
        en, zh = _statement_kind(tree)
        raise _refuse(f"only a read-only SELECT is allowed, not {en}.", f"只允许只读的 SELECT 查询，不允许 {zh}。")
    return tree


def _statement_kind(tree: exp.Expr) -> tuple[str, str]:
    """What the statement is, in English and Chinese, for the refusal."""
    if isinstance(tree, exp.Command):
        word = str(tree.this).split()[0].upper() if str(tree.this).strip() else "COMMAND"
        return word, word
    if isinstance(tree, exp.Condition | exp.Alias | exp.Subquery):  # an expression, not a statement
        return "a bare expression", "单独的表达式"
    return tree.key.upper(), tree.key.upper()


# --- the checks ---------------------------------------------------------------------------------


@dataclass
class _Findings:
    """Every reason found while walking the tree, without repeats."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, en: str, zh: str, suggestions: Iterable[str] = ()) -> None:
        problem = _refusal(en, zh, suggestions)
        if problem not in self.problems:
            self.problems.append(problem)


def _check(tree: exp.Query, catalog: Catalog) -> None:
    """Every node, function, table and column of the tree is allowed; raise UserError with all findings."""
    found = _Findings()
    for node in tree.walk():
        _check_node(node, found)
    for cte_with in tree.find_all(exp.With):
        _check_with(cte_with, catalog, found)
    for table in tree.find_all(exp.Table):
        _check_table(table, catalog, found)
    if not found.problems:
        _check_columns(tree, catalog, found)
    if found.problems:
        raise UserError(*found.problems)


def _check_node(node: exp.Expr, found: _Findings) -> None:
    """The node is an allow-listed construct or an allow-listed function."""
    if type(node).__name__ in _ALLOWED_NODES:  # operators first: AND and OR are functions to sqlglot
        return
    if isinstance(node, exp.Func):
        in_from = isinstance(node.parent, exp.Table) and node.parent.this is node  # reported as a table function
        if not _function_allowed(node) and not in_from:
            name = _function_name(node)
            found.add(f"the function {name}() is not allowed.", f"不允许使用函数 {name}()。")
    else:
        what = node.key.upper()
        found.add(f"{what} is not allowed in a read-only query.", f"只读查询中不允许使用 {what}。")


def _function_allowed(node: exp.Func) -> bool:
    """Whether a function is on the allow-list (by sqlglot class, or by name when sqlglot does not model it)."""
    if isinstance(node, exp.Anonymous | exp.AnonymousAggFunc):
        return str(node.name).lower() in _ALLOWED_ANONYMOUS
    return type(node).__name__ in _ALLOWED_FUNCTIONS


def _function_name(node: exp.Func) -> str:
    """The function's SQL name, for messages."""
    if isinstance(node, exp.Anonymous | exp.AnonymousAggFunc):
        return str(node.name).upper()
    return node.sql_name()


def _catalog_tables(catalog: Catalog) -> dict[str, str]:
    """The catalog's table names by lower-case name (DuckDB identifiers are case-insensitive)."""
    return {name.lower(): name for name in catalog.tables}


def _check_with(node: exp.With, catalog: Catalog, found: _Findings) -> None:
    """No recursion, no CTE named like a table (no shadowing), no CTE defined twice."""
    if node.args.get("recursive"):
        found.add("WITH RECURSIVE is not allowed.", "不允许使用 WITH RECURSIVE。")
    names: set[str] = set()
    for cte in node.expressions:
        name = cte.alias_or_name.lower()
        if name in _catalog_tables(catalog):
            found.add(f"the CTE {name!r} may not reuse the name of a table.", f"CTE {name!r} 不能与数据表同名。")
        if name in names:
            found.add(f"the CTE {name!r} is defined twice.", f"CTE {name!r} 重复定义。")
        names.add(name)


def _check_table(table: exp.Table, catalog: Catalog, found: _Findings) -> None:
    """A table is a CTE visible here or one of the catalog's tables, unqualified or in schema main."""
    if not isinstance(table.this, exp.Identifier):
        name = _function_name(table.this) if isinstance(table.this, exp.Func) else table.this.sql(dialect=DIALECT)
        found.add(f"table functions such as {name} are not allowed in FROM.", f"FROM 中不允许使用表函数 {name}。")
        return
    extra = [k for k, v in table.args.items() if v and k not in _TABLE_ARGS]
    if extra:
        found.add(f"table modifiers ({', '.join(extra)}) are not allowed.", f"不允许使用表修饰（{', '.join(extra)}）。")
    name, db, db_node = table.name.lower(), table.text("db").lower(), table.args.get("db")
    if table.args.get("catalog") or (db_node is not None and db != "main"):
        found.add(
            f"the table {table.sql(dialect=DIALECT)} names another database or schema.",
            f"表 {table.sql(dialect=DIALECT)} 指向了其他数据库或 schema。",
        )
        return
    if not db and name in _visible_ctes(table):
        return
    tables = _catalog_tables(catalog)
    if name not in tables:
        found.add(
            f"{table.name!r} is not one of the semantic layer's tables.",
            f"{table.name!r} 不是语义层中的数据表。",
            nearest(table.name, list(catalog.tables)) if len(table.name) >= 4 else (),
        )


def _visible_ctes(table: exp.Table) -> set[str]:
    """CTE names visible where `table` is used: earlier CTEs of its own WITH, all CTEs of enclosing queries."""
    visible: set[str] = set()
    child: exp.Expr = table
    for node in _ancestors(table):
        if isinstance(node, exp.With) and isinstance(child, exp.CTE):
            ctes = list(node.expressions)
            visible.update(c.alias_or_name.lower() for c in ctes[: ctes.index(child)])
        elif isinstance(node, exp.Query) and not isinstance(child, exp.With):
            with_ = node.args.get("with_") or node.args.get("with")
            if isinstance(with_, exp.With):
                visible.update(c.alias_or_name.lower() for c in with_.expressions)
        child = node
    return visible


def _ancestors(node: exp.Expr) -> Iterator[exp.Expr]:
    """The node's parent, grandparent, … up to the root."""
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def _check_columns(tree: exp.Query, catalog: Catalog, found: _Findings) -> None:
    """Every column reference resolves against the catalog's tables (sqlglot's qualify, on a copy)."""
    schema: dict[str, object] = {table: dict(columns) for table, columns in catalog.tables.items()}
    try:
        qualify(tree.copy(), schema=schema, dialect=DIALECT, validate_qualify_columns=True, identify=False)
    except Exception as e:  # any failure to resolve the columns refuses the SQL
        detail = str(e).splitlines()[0] if str(e) else type(e).__name__
        found.add(f"its columns do not match the tables ({detail}).", f"其中的列与数据表不符（{detail}）。")


# --- LIMIT and the final check ------------------------------------------------------------------


def _limit_value(tree: exp.Query) -> int | None:
    """The literal LIMIT of the outermost query, None if there is none; refuse any other form."""
    limit = tree.args.get("limit")
    if limit is None:
        return None
    value = limit.expression if isinstance(limit, exp.Limit) else None
    if isinstance(value, exp.Literal) and not value.is_string:
        try:
            number = int(str(value.this))
        except ValueError:
            number = -1
        if number >= 0:
            return number
    raise _refuse("LIMIT must be a whole number.", "LIMIT 必须是非负整数。")


def _cap_limit(tree: exp.Query, max_rows: int) -> None:
    """Set the outermost LIMIT to min(existing, max_rows), adding one when there is none."""
    current = _limit_value(tree)
    capped = max_rows if current is None else min(current, max_rows)
    tree.set("limit", exp.Limit(expression=exp.Literal.number(capped)))


def _recheck(sql: str, catalog: Catalog, max_rows: int) -> None:
    """What will run is judged again: the regenerated text must pass every check on its own."""
    tree = _parse_one(sql)
    _check(tree, catalog)
    current = _limit_value(tree)
    if current is None or current > max_rows or tree.sql(dialect=DIALECT, comments=False) != sql:
        raise _refuse("it did not survive regeneration unchanged.", "重新生成后的 SQL 与检查结果不一致。")
