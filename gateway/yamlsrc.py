"""YAML loading that remembers where each mapping came from, so validation errors can name file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class LineMap(dict):
    """A mapping from YAML that knows the line it started on (1-based) and each key's line."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineMap:
    loader.flatten_mapping(node)
    result = LineMap()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.MarkedYAMLError("while constructing a mapping", node.start_mark,
                                       f"duplicate key {key!r}", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class SourceError(ValueError):
    """A configuration file is invalid: names the file, the line, the entry and the problem."""

    def __init__(self, path: str | Path, line: int | None, entry: str, problem: str):
        self.path, self.line, self.entry, self.problem = str(path), line, entry, problem
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {entry}: {problem}" if entry else f"{where}: {problem}")


def load_yaml(path: str | Path) -> Any:
    """Parse a YAML file with line numbers on every mapping; syntax errors become SourceError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise SourceError(path, None, "", f"cannot read: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise SourceError(path, None, "", "not valid UTF-8") from e
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise SourceError(path, mark.line + 1 if mark else None, "", f"YAML syntax: {e.problem or e.context}") from e
    except yaml.YAMLError as e:
        raise SourceError(path, None, "", f"YAML syntax: {e}") from e
