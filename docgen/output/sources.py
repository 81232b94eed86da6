"""The doc's source map: for every fact printed in a generated region, where it was read.

Written beside the doc as `<doc stem>.sources.json`, deterministic (sorted sources, no timestamps), one fact
per line so a review diff shows exactly which facts changed. Format `docgen-sources/1`:

    {"format": "docgen-sources/1", "doc": "60-infrastructure.md",
     "sources": [[kind, file, pointer, value], ...],          # each distinct source once
     "facts": [{"region": ..., "kind": "cell", "table": 0, "row": 0, "column": 1, "header": ...,
                "text": ..., "sources": [3, 17]}, ...]}

`kind` is cell | text | item | check | diagram. A source value longer than 160 characters of JSON is recorded
as `{"sha256": <digest of its canonical JSON>}`. A `cell` names the table by its position among the tables of
its region, and the row and column inside it. Sources are indexes into `sources`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

FORMAT = "docgen-sources/1"


def map_path(doc: Path) -> Path:
    return doc.with_name(doc.stem + ".sources.json")


def _json_value(value: Any) -> Any:
    """Values as JSON can hold them (Decimals and dates as their text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return str(value)


LARGE = 160  # characters of JSON: a longer value is recorded by its digest


def digest(value: Any) -> str:
    """The SHA-256 of a value's canonical JSON (sorted keys, no spaces), as the map records large values."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _recorded(value: Any) -> tuple[Any, str]:
    """The value as the map records it, and its JSON text (sorted keys: the key that dedupes sources)."""
    plain = _json_value(value)
    text = json.dumps(plain, sort_keys=True)
    if len(text) <= LARGE:
        return plain, text
    large = {"sha256": digest(plain)}
    return large, json.dumps(large)


def source_map(entries: Sequence[dict[str, Any]], doc_name: str) -> str:
    table: dict[tuple[str, str, str, str], int] = {}
    rows: list[list[Any]] = []
    facts = []
    for entry in entries:
        ids = []
        for s in entry["sources"]:
            value, text = _recorded(s.value)
            key = (s.kind, s.file, s.pointer, text)
            if key not in table:
                table[key] = len(rows)
                rows.append([s.kind, s.file, s.pointer, value])
            ids.append(table[key])
        fact = {k: v for k, v in entry.items() if k != "sources"}
        fact["sources"] = sorted(set(ids))
        facts.append(fact)
    lines = ['{"format": ' + json.dumps(FORMAT) + ', "doc": ' + json.dumps(doc_name) + ",", '"sources": [']
    lines += [
        json.dumps(r, sort_keys=True, ensure_ascii=False) + ("," if i < len(rows) - 1 else "")
        for i, r in enumerate(rows)
    ]
    lines += ["],", '"facts": [']
    lines += [
        json.dumps(f, sort_keys=True, ensure_ascii=False) + ("," if i < len(facts) - 1 else "")
        for i, f in enumerate(facts)
    ]
    lines += ["]}"]
    return "\n".join(lines) + "\n"
