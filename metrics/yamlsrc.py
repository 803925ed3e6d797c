"""YAML that remembers where each value came from, so catalog problems name file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class Located(dict[str, Any]):
    """A YAML mapping that knows its own line and the line of each key (1-based)."""

    file: str
    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LocatedList(list[Any]):
    """A YAML sequence that knows the line of each item (1-based)."""

    file: str
    line: int
    item_lines: list[int]


def _convert(node: yaml.Node, file: str, constructor: yaml.SafeLoader) -> Any:
    if isinstance(node, yaml.MappingNode):
        mapping = Located()
        mapping.file, mapping.line, mapping.key_lines = file, node.start_mark.line + 1, {}
        for key_node, value_node in node.value:
            # keys are read as plain text, so YAML 1.1's `on:` stays "on" rather than True
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            if key in mapping:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            mapping[key] = _convert(value_node, file, constructor)
            mapping.key_lines[key] = key_node.start_mark.line + 1
        return mapping
    if isinstance(node, yaml.SequenceNode):
        items = LocatedList(_convert(v, file, constructor) for v in node.value)
        items.file, items.line = file, node.start_mark.line + 1
        items.item_lines = [v.start_mark.line + 1 for v in node.value]
        return items
    return constructor.construct_object(node, deep=True)


def load_located(path: Path) -> Any:
    """Parse one YAML file into Located/LocatedList/scalars. Raises yaml.YAMLError."""
    text = path.read_text(encoding="utf-8")
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        return _convert(root, str(path), loader)
    finally:
        loader.dispose()
