"""The one-line errors every engine raises, in both languages (metrics.problems conventions)."""

from __future__ import annotations

from metrics.problems import UserError, user_error


def first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


def unreachable(label: str, reason: str) -> UserError:
    return user_error(
        "warehouse_unreachable",
        f"Cannot reach the warehouse at {label}: {reason}.",
        f"连不上数据仓库 {label}：{reason}。",
    )


def bad_credentials(label: str, user: str) -> UserError:
    return user_error(
        "warehouse_login",
        f"The warehouse at {label} refused the login of user {user!r}: check the user name and password.",
        f"数据仓库 {label} 拒绝了用户 {user!r} 的登录：请检查用户名和密码。",
    )


def missing_table(label: str, detail: str) -> UserError:
    return user_error(
        "warehouse_missing_table",
        f"The warehouse at {label} lacks a table the query reads ({detail}).",
        f"数据仓库 {label} 缺少查询用到的表（{detail}）。",
    )


def missing_column(label: str, detail: str) -> UserError:
    return user_error(
        "warehouse_missing_column",
        f"The warehouse at {label} lacks a column the query reads ({detail}).",
        f"数据仓库 {label} 缺少查询用到的列（{detail}）。",
    )


def timeout(limit: float) -> UserError:
    return user_error(
        "timeout",
        f"The query took longer than {limit:g} s and was stopped.",
        f"查询超过 {limit:g} 秒，已中止。",
    )


def foreign(label: str, missing: list[str]) -> UserError:
    return user_error(
        "foreign_warehouse",
        f"{label} is reachable but not an opsbot warehouse: missing tables {', '.join(missing)}. "
        f"Load the demo into it with: opsbot demo-data --to <URL>",
        f"{label} 可以连接，但不是 opsbot 数据仓库：缺少表 {'、'.join(missing)}。"
        f"可以用 opsbot demo-data --to <地址> 装入演示数据。",
    )


def missing_driver(engine: str, package: str) -> UserError:
    return user_error(
        "warehouse_driver",
        f"The {engine} engine needs the Python package {package}: pip install 'opsbot[engines]'.",
        f"{engine} 引擎需要 Python 包 {package}：pip install 'opsbot[engines]'。",
    )
