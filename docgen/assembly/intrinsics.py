"""Intrinsic functions as people read them: `GetAZs[0]`, `${Vpc.CidrBlock}`, `ImportValue(shared-vpc-id)`.

A template value that is only known at deploy time (a reference, an import, a join) is shown as what it
refers to instead of as JSON, and never breaks a lookup: `is_literal` tells whether a value is plain data.
"""

from __future__ import annotations

import json
from typing import Any

PSEUDO = {
    "AWS::Region": "region",
    "AWS::AccountId": "account",
    "AWS::Partition": "partition",
    "AWS::StackName": "stack name",
    "AWS::URLSuffix": "URL suffix",
    "AWS::NoValue": "none",
}


def is_literal(value: Any) -> bool:
    """True for plain data (strings, numbers, booleans, lists and maps of them): no intrinsic inside."""
    if isinstance(value, dict):
        if len(value) == 1 and (next(iter(value)) == "Ref" or next(iter(value)).startswith("Fn::")):
            return False
        return all(is_literal(v) for v in value.values())
    if isinstance(value, list):
        return all(is_literal(v) for v in value)
    return True


def text(value: Any) -> str:
    """A value as one short line: literals as they are, intrinsics by what they name."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return ", ".join(text(v) for v in value)
    if isinstance(value, dict) and len(value) == 1:
        ((name, arg),) = value.items()
        rendered = _intrinsic(name, arg)
        if rendered is not None:
            return rendered
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _intrinsic(name: str, arg: Any) -> str | None:
    if name == "Ref" and isinstance(arg, str):
        return f"${{{PSEUDO.get(arg, arg)}}}"
    if name == "Fn::GetAtt":
        parts = arg if isinstance(arg, list) else str(arg).split(".", 1)
        return "${" + ".".join(str(p) for p in parts) + "}"
    if name == "Fn::ImportValue":
        return f"ImportValue({text(arg)})"
    if name == "Fn::GetAZs":
        return "GetAZs" if arg in ("", None) or arg == {"Ref": "AWS::Region"} else f"GetAZs({text(arg)})"
    if name == "Fn::Select" and isinstance(arg, list) and len(arg) == 2:
        return f"{text(arg[1])}[{text(arg[0])}]"
    if name == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
        return str(arg[0]).join(text(v) for v in arg[1])
    if name == "Fn::Sub":
        template = arg[0] if isinstance(arg, list) and arg else arg
        return template if isinstance(template, str) else None
    if name == "Fn::Split" and isinstance(arg, list) and len(arg) == 2:
        return f"split({arg[0]!s}, {text(arg[1])})"
    if name == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
        return f"if {arg[0]} then {text(arg[1])} else {text(arg[2])}"
    if name == "Fn::Base64":
        return f"base64({text(arg)})"
    if name == "Fn::Cidr" and isinstance(arg, list):
        return f"cidr({', '.join(text(v) for v in arg)})"
    if name == "Fn::FindInMap" and isinstance(arg, list):
        return f"map({', '.join(text(v) for v in arg)})"
    return None
