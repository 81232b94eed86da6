"""Reading values out of doc cells the way a person would: numbers, units, yes/no, day counts, regions."""

from __future__ import annotations

import re
from typing import Any

NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?(?:[eE][+-]?\d+)?")
REGION = re.compile(r"\b[a-z]{2}(?:-gov)?-[a-z]+-\d\b(?![a-z])")
AZ = re.compile(r"\b[a-z]{2}(?:-gov)?-[a-z]+-\d[a-z]\b")
BYTE_UNITS = {
    "b": 1,
    "bytes": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}


def numbers(text: str) -> list[float]:
    """Every number in the text; `1,024` is one thousand and twenty-four."""
    out = []
    for token in NUMBER.findall(text):
        try:
            out.append(float(token.replace(",", "")))
        except ValueError:
            continue
    return out


def first_number(text: str) -> float | None:
    found = numbers(text)
    return found[0] if found else None


def quantity(text: str) -> float | None:
    """A number with an optional byte unit (GiB, GB, MiB...) turned into bytes; other units are ignored."""
    m = re.search(NUMBER.pattern + r"\s*([A-Za-z]+)?", text)
    if not m:
        return None
    token = NUMBER.search(text)
    assert token is not None
    value = float(token.group(0).replace(",", ""))
    unit = (m.group(1) or "").lower()
    return value * BYTE_UNITS.get(unit, 1)


def cpu_units(text: str) -> float | None:
    """ECS CPU as units: '512', '512 (0.5 vCPU)' or '0.5 vCPU' (1 vCPU = 1024 units)."""
    value = first_number(text)
    if value is None:
        return None
    return value * 1024 if re.match(r"^\s*[\d.,]+\s*vCPU", text, re.I) else value


def memory_mib(text: str) -> float | None:
    """Task memory in MiB from '1024', '1,024 MiB' or '1 GiB'."""
    m = re.match(r"^\s*([\d.,]+)\s*(GiB|GB|MiB|MB)?", text)
    if not m:
        return None
    value = float(m.group(1).replace(",", ""))
    return value * 1024 if (m.group(2) or "").lower() in ("gib", "gb") else value


def yes_no(text: str) -> bool | None:
    """yes/no, on/off, true/false, enabled/disabled (the first such word); None when the cell says neither."""
    m = re.search(r"\b(yes|no|on|off|true|false|enabled|disabled|none)\b", text.lower())
    if not m:
        return None
    return m.group(1) in ("yes", "on", "true", "enabled")


def days(text: str) -> float | None:
    """'14 d', '14 days', '2 weeks' -> days; a bare number counts as days."""
    m = re.search(r"(\d[\d,]*)\s*(d|day|days|w|week|weeks)?\b", text)
    if not m:
        return None
    value = float(m.group(1).replace(",", ""))
    return value * 7 if (m.group(2) or "").startswith("w") else value


def regions(text: str) -> list[str]:
    return REGION.findall(text)


def azs(text: str) -> list[str]:
    return AZ.findall(text)


def words(text: str) -> str:
    """Lower case, `-`/`_` as spaces: for 'contains' comparisons of labels."""
    return re.sub(r"[\s_\-]+", " ", text.lower()).strip()


def contains(text: str, needle: str) -> bool:
    return words(needle) in words(text)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def same_number(doc: float | None, template: float | None, tolerance: float = 1e-9) -> bool:
    if doc is None or template is None:
        return doc is template
    return abs(doc - template) <= tolerance * max(1.0, abs(template))


def flatten(value: Any) -> str:
    """A template value as text: Fn::Join'ed strings, with every unresolved intrinsic as `TOKEN`."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict) and "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return str(sep).join(flatten(p) for p in parts)
    if isinstance(value, dict) and "Fn::Sub" in value:
        body = value["Fn::Sub"]
        text = body[0] if isinstance(body, list) else body
        return re.sub(r"\$\{[^}]*\}", "TOKEN", str(text))
    if isinstance(value, list):
        return ",".join(flatten(v) for v in value)
    return "TOKEN"


PSEUDO = {
    "AWS::Region": ("region", "AWS::Region"),
    "AWS::AccountId": ("account", "AWS::AccountId"),
    "AWS::Partition": ("partition", "AWS::Partition"),
    "AWS::URLSuffix": ("url suffix", "urlsuffix", "AWS::URLSuffix"),
    "AWS::StackName": ("stack name", "stackname", "AWS::StackName"),
}
RAW_INTRINSIC = re.compile(r"""['"](?:Fn::\w+|Ref)['"]\s*:""")


def readable(value: Any, aliases: Any = lambda lid: [lid]) -> re.Pattern[str]:
    """A pattern for a template value shown readably: literals as they are, `${X}` for a Ref, `${X.Attr}` for
    Fn::GetAtt, `GetAZs[i]` for Fn::Select of Fn::GetAZs, `ImportValue(x)`, `${region}` for AWS::Region...
    `aliases(logical id)` lists the names X may be shown by (the logical id, the construct id)."""
    return re.compile(_pattern(value, aliases), re.I)


def _names(lid: str, aliases: Any) -> str:
    if lid in PSEUDO:
        return "|".join(re.escape(n) for n in PSEUDO[lid])
    return "|".join(re.escape(n) for n in dict.fromkeys([lid, *aliases(lid)]))


def _pattern(value: Any, aliases: Any) -> str:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return re.escape(str(value))
    if isinstance(value, list):
        return r",\s*".join(_pattern(v, aliases) for v in value)
    if not isinstance(value, dict) or len(value) != 1:
        return ".+?"
    ((fn, arg),) = value.items()
    if fn == "Ref" and isinstance(arg, str):
        return rf"\$\{{(?:{_names(arg, aliases)})\}}"
    if fn == "Fn::GetAtt":
        lid, attr = (arg[0], arg[1]) if isinstance(arg, list) else str(arg).split(".", 1)
        return rf"\$\{{(?:{_names(str(lid), aliases)})\.{re.escape(str(attr))}\}}"
    if fn == "Fn::Select" and isinstance(arg, list) and isinstance(arg[1], dict) and "Fn::GetAZs" in arg[1]:
        return rf"GetAZs\[{re.escape(str(arg[0]))}\]"
    if fn == "Fn::ImportValue":
        return rf"ImportValue\({_pattern(arg, aliases)}\)"
    if fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
        return re.escape(str(arg[0])).join(_pattern(p, aliases) for p in arg[1])
    if fn == "Fn::Sub":
        text = arg[0] if isinstance(arg, list) else arg
        pieces = re.split(r"(\$\{[^}]*\})", str(text))
        return "".join(
            _pattern({"Ref": p[2:-1]} if "." not in p else {"Fn::GetAtt": p[2:-1]}, aliases)
            if p.startswith("${")
            else re.escape(p)
            for p in pieces
        )
    return ".+?"


def raw_intrinsic(text: str) -> bool:
    """A CloudFormation intrinsic printed as a raw JSON/Python mapping (`{'Fn::GetAtt': [...]}`)."""
    return bool(RAW_INTRINSIC.search(text))


def readable_text(value: Any) -> str:
    """How a template value reads (for messages): `${Db.Endpoint.Port}`, `GetAZs[0]`, `ImportValue(x)`."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list):
        return ", ".join(readable_text(v) for v in value)
    if not isinstance(value, dict) or len(value) != 1:
        return str(value)
    ((fn, arg),) = value.items()
    if fn == "Ref":
        return "${" + str(PSEUDO.get(str(arg), (arg,))[0]) + "}"
    if fn == "Fn::GetAtt":
        return "${" + (".".join(map(str, arg)) if isinstance(arg, list) else str(arg)) + "}"
    if fn == "Fn::Select" and isinstance(arg, list) and isinstance(arg[1], dict) and "Fn::GetAZs" in arg[1]:
        return f"GetAZs[{arg[0]}]"
    if fn == "Fn::ImportValue":
        return f"ImportValue({readable_text(arg)})"
    if fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
        return str(arg[0]).join(readable_text(p) for p in arg[1])
    if fn == "Fn::Sub":
        return str(arg[0] if isinstance(arg, list) else arg)
    return str(value)
