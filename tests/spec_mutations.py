"""Mutants of a design spec for the property tests and the fuzz script: one engine, driven by a random.Random.

Hypothesis drives it through `st.randoms()` (so failures shrink and replay); tests/fuzz_spec.py drives it with a
seeded Random for thousands of mutants. Mutations work on the text (lines deleted, swapped, re-indented, tokens
replaced by hostile YAML) and on the data (a value replaced, a key removed or added), so both the YAML reader
and the model's checks are reached.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import yaml

# "Billion laughs": nine aliases per level, nine levels, 414 bytes; 387 million values once expanded.
BOMB = 'l0: &l0 ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 9)
)

# YAML snippets placed where a value was: each is something a user or an attacker might write.
HOSTILE_VALUES = (
    "0",
    "-1",
    "2147483648",
    "9223372036854775808",
    "1e30",
    "1.0e+30",
    "-0.0",
    ".inf",
    "-.inf",
    ".nan",
    "true",
    "no",
    "null",
    "~",
    "''",
    '"12"',
    '"true"',
    "[]",
    "{}",
    "[a, b]",
    "{a: 1}",
    "*undefined",
    "&x [*x]",
    "&y {k: *y}",
    "!!python/object/apply:os.system [echo]",
    "!foo bar",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    '"\\e[31mred\\e[0m"',
    '"line1\\nline2"',
    '"tab\\there"',
    '"\\u202Egnp.exe"',
    "2024-01-01",
    "0x1F",
    "0o17",
    "1_000",
    "12:30:00",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    "? [a]\n  : b",
    "{[a]: 1}",
    "'" + "x" * 5000 + "'",
    "999.20.0.0/16",
    "10.0.0.0/22",
    "10.0.0.0/8",
    "10.0.1.0/16",
    "us-east-9",
    "us-east-1z",
    "/",
    "health",
    "/" + "a" * 200,
    "nginx:latest",
    '""',
    "-",
    "|\n  multi\n  line",
    ">-\n  folded",
    "é",
    "0",
)

# Keys inserted into mappings: misspellings, valid keys in the wrong place, hostile keys.
HOSTILE_KEYS = (
    "nmae",
    "scaling",
    "image",
    "build",
    "port",
    "path_patterns",
    "health_check_path",
    "api_path",
    "environment",
    "region",
    "vpc_cidr",
    "nat_gateways",
    "<<",
    '"bad\\nkey"',
    '"\\e]0;title\\a"',
    "[a, b]",
    "1",
    "true",
    "null",
    "k" * 300,
)


def mutate(rng: random.Random, text: str, rounds: int | None = None) -> str:
    """`text` after 1-3 random mutations (text-level or data-level)."""
    for _ in range(rounds if rounds is not None else rng.randint(1, 3)):
        text = rng.choice(_MUTATIONS)(rng, text)
    return text


# --- text-level ----------------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _delete_line(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    del lines[rng.randrange(len(lines))]
    return "\n".join(lines)


def _duplicate_line(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    lines.insert(i, lines[i])
    return "\n".join(lines)


def _swap_lines(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def _reindent(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    lines[i] = (
        " " * rng.choice((0, 1, 2, 3, 4, 6, 8)) + lines[i].lstrip(" ")
        if rng.random() < 0.9
        else "\t" + lines[i]
    )
    return "\n".join(lines)


def _replace_value(rng: random.Random, text: str) -> str:
    """Replace what follows a `key:` on a random line with a hostile snippet."""
    lines = _lines(text)
    candidates = [i for i, line in enumerate(lines) if ": " in line and not line.lstrip().startswith("#")]
    if not candidates:
        return text
    i = rng.choice(candidates)
    head = lines[i][: lines[i].index(": ") + 2]
    indent = " " * (len(head) - len(head.lstrip()) + 2)
    lines[i] = head + rng.choice(HOSTILE_VALUES).replace("\n", "\n" + indent)
    return "\n".join(lines)


def _insert_key(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    indent = len(lines[i]) - len(lines[i].lstrip(" "))
    lines.insert(i, " " * indent + f"{rng.choice(HOSTILE_KEYS)}: {rng.choice(HOSTILE_VALUES)}")
    return "\n".join(lines)


def _truncate(rng: random.Random, text: str) -> str:
    return text[: rng.randrange(len(text) + 1)]


def _splice_bytes(rng: random.Random, text: str) -> str:
    """Raw characters at a random place: control characters, quotes, brackets, non-BMP text."""
    pool = "\x00\x07\x1b\t\r\x85\u2028\ufeff\"'[]{}&*!|>%@`#:-,?\U0001f600"
    at = rng.randrange(len(text) + 1)
    return text[:at] + "".join(rng.choice(pool) for _ in range(rng.randint(1, 4))) + text[at:]


def _prepend_bomb(rng: random.Random, text: str) -> str:
    """Rarely: a billion-laughs head (one of 40 mutations), so most mutants still reach the model's checks."""
    return BOMB + text if rng.random() < 0.3 else _replace_value(rng, text)


# --- data-level ----------------------------------------------------------------------------------


def _paths(data: Any, loc: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [loc]
    if isinstance(data, dict):
        for key, value in data.items():
            out += _paths(value, (*loc, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out += _paths(value, (*loc, i))
    return out


def _container(data: Any, loc: tuple[Any, ...]) -> Any:
    for part in loc:
        data = data[part]
    return data


def _data_mutation(rng: random.Random, text: str) -> str:
    if "&" in text or len(text) > 200_000:  # anchors: PyYAML would hand back a shared or recursive structure
        return _replace_value(rng, text)
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError):
        return _replace_value(rng, text)
    if not isinstance(data, dict) or not data:
        return _replace_value(rng, text)
    loc = rng.choice(_paths(data)[1:])
    parent, key = _container(data, loc[:-1]), loc[-1]
    action = rng.random()
    if action < 0.35:
        parent[key] = rng.choice(_DATA_VALUES)
    elif action < 0.55 and isinstance(parent, dict):
        del parent[key]
    elif action < 0.75 and isinstance(parent, dict):
        parent[rng.choice(("nmae", "scaling", "image", "port", "region", "extra"))] = rng.choice(_DATA_VALUES)
    elif isinstance(parent, list):
        parent.append(parent[key])  # a duplicate item: duplicate names, zones, thresholds, patterns
    else:
        parent[key] = [parent[key]] * rng.randint(2, 7)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


_DATA_VALUES: tuple[Any, ...] = (
    0,
    -5,
    2**31,
    10**30,
    1.5,
    float("inf"),
    float("nan"),
    True,
    None,
    "",
    "12",
    "x" * 300,
    "a\nb",
    "\x1b[2J",
    [],
    {},
    ["/a/*", "/b/*", "/c/*", "/d/*", "/e/*", "/f/*"],
    {"cpu": 256, "memory": 512, "desired": 1, "min": 1, "max": 1},
    "us-east-1a",
    "10.0.0.0/24",
)

_MUTATIONS: tuple[Callable[[random.Random, str], str], ...] = (
    _delete_line,
    _duplicate_line,
    _swap_lines,
    _reindent,
    _replace_value,
    _replace_value,
    _insert_key,
    _truncate,
    _splice_bytes,
    _data_mutation,
    _data_mutation,
    _data_mutation,
    _prepend_bomb,
)
