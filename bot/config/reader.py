"""Reading values out of the located YAML of `opsbot.yaml`: ${VAR} substitution and problems with file:line."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.config.schema import (
    ENVIRONMENT,
    ConfigProblem,
)
from metrics.file_problems import Collector
from metrics.problems import nearest
from metrics.yamlsrc import Located, LocatedList

_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class Reader:
    """Reads values out of the located YAML, substituting ${VARS} and collecting problems."""

    env: Mapping[str, str]
    file: str
    out: Collector = field(default_factory=Collector)
    warnings: list[ConfigProblem] = field(default_factory=list)

    def problem(
        self, where: Located | LocatedList | None, key: str | None, en: str, zh: str, warn: bool = False
    ) -> None:
        if where is None:
            item = ConfigProblem(ENVIRONMENT if self.file == ENVIRONMENT else self.file, 0, en, zh)
        else:
            line = where.line_of(key) if isinstance(where, Located) and key is not None else where.line
            item = ConfigProblem(where.file, line, en, zh)
        (self.warnings if warn else self.out.problems).append(item)

    def at_item(self, items: LocatedList, i: int, en: str, zh: str, warn: bool = False) -> None:
        item = ConfigProblem(items.file, items.item_lines[i], en, zh)
        (self.warnings if warn else self.out.problems).append(item)

    def substitute(self, text: str) -> tuple[str, tuple[str, ...]]:
        missing: list[str] = []

        def one(m: re.Match[str]) -> str:
            name = m.group(1)
            if name is None:
                return "$"
            if name in self.env:
                return self.env[name]
            missing.append(name)
            return ""

        return _VAR.sub(one, text), tuple(missing)

    def soft(self, node: Located, key: str, path: str) -> tuple[str | None, tuple[str, ...]]:
        """The text at ``key`` (None when absent or empty) and the unset variables it refers to."""
        raw = node.get(key)
        if raw is None:
            return None, ()
        if isinstance(raw, dict | list | bool):
            self.problem(node, key, f"{path}: expected text, got {raw!r}", f"{path}：应为文本，实际是 {raw!r}")
            return None, ()
        value, missing = self.substitute(str(raw))
        return (None if missing or not value.strip() else value.strip()), missing

    def text(self, node: Located, key: str, path: str) -> str | None:
        value, missing = self.soft(node, key, path)
        for name in missing:
            self.problem(node, key, f"{name} is not set (used by {path})", f"环境变量 {name} 未设置（{path} 用到）")
        return value

    def flag(self, node: Located, key: str, path: str, default: bool) -> bool:
        """``node[key]`` as true or false (``default`` when absent); anything else is a problem."""
        value = node.get(key, default)
        if not isinstance(value, bool):
            self.problem(node, key, f"{path}.{key}: expected true or false", f"{path}.{key}：应为 true 或 false")
            return default
        return value

    def mapping(self, node: Located, key: str, path: str) -> Located | None:
        value = node.get(key)
        if value is None:
            return None
        if not isinstance(value, Located):
            self.problem(node, key, f"{path}: expected a mapping", f"{path}：应为键值映射")
            return None
        return value

    def keys(self, node: Located, allowed: tuple[str, ...], path: str) -> None:
        for key in node:
            if key not in allowed:
                hint = nearest(key, allowed, 1)
                also = f"; did you mean {hint[0]}?" if hint else f"; known: {', '.join(allowed)}"
                zh_also = f"；你是不是想写 {hint[0]}？" if hint else f"；可用：{'、'.join(allowed)}"
                self.problem(node, key, f"{path}: unknown key {key!r}{also}", f"{path}：未知的键 {key!r}{zh_also}")
