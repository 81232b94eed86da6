"""YAML text of generated files: key order kept, long lines unwrapped, multi-line scripts as `|` blocks."""

from __future__ import annotations

from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    """safe_dump, except that multi-line strings (shell scripts) are `|` blocks, not escaped lines."""

    def ignore_aliases(self, data: Any) -> bool:
        return True  # shared rule lists are written out in full: CI readers should not chase &anchors


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, width=10_000, allow_unicode=True)
