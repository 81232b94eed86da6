"""`python -m docgen cost`: the monthly cost per resource, service and environment, or a comparison."""

from __future__ import annotations

import argparse
import json
from typing import Any

from docgen import document


def cost_command(args: argparse.Namespace) -> int:
    from docgen.cost import format_money

    assembly = document.load_assembly(args)
    est = document.estimate_for(assembly)
    if args.compare:
        from docgen.assembly.reader import read_assembly

        return _compare(est, document.estimate_for(read_assembly(args.compare)), args.format)
    if args.format == "json":
        print(json.dumps(_cost_json(est), indent=2, sort_keys=True))
        return 0
    for env in sorted(est.environments):
        total = est.total(env)
        print(
            f"{env}: {format_money(total.monthly)} USD/month "
            f"(range {format_money(total.monthly_min)}–{format_money(total.monthly_max)})"
        )
        for r in est.by_aws_service():
            if r.environment == env:
                print(f"  {r.key:<28} {format_money(r.totals.monthly):>12}")
        for line in est.unpriced(env):
            print(f"  unpriced: {line.path} ({line.resource_type})")
    return 0


def _cost_json(est: Any) -> dict[str, Any]:
    return {
        "environments": {
            env: {
                "expected": str(est.total(env).monthly),
                "min": str(est.total(env).monthly_min),
                "max": str(est.total(env).monthly_max),
            }
            for env in sorted(est.environments)
        },
        "lines": [
            {
                "environment": line.environment,
                "path": line.path,
                "type": line.resource_type,
                "service": line.service,
                "aws_service": line.aws_service,
                "status": line.status,
                "monthly": str(line.monthly),
                "min": str(line.monthly_min),
                "max": str(line.monthly_max),
                "arithmetic": line.arithmetic,
            }
            for line in est.lines
        ],
    }


def _compare(new: Any, old: Any, fmt: str) -> int:
    from decimal import Decimal

    from docgen.cost import format_money

    before = {(line.environment, line.path): line.monthly for line in old.lines}
    after = {(line.environment, line.path): line.monthly for line in new.lines}
    rows = []
    for key in sorted(set(before) | set(after)):
        delta = after.get(key, Decimal(0)) - before.get(key, Decimal(0))
        if delta:
            rows.append(
                {
                    "environment": key[0],
                    "path": key[1],
                    "before": str(before.get(key, Decimal(0))),
                    "after": str(after.get(key, Decimal(0))),
                    "delta": str(delta),
                }
            )
    if fmt == "json":
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        print(f"{row['environment']:<10} {row['path']:<70} {format_money(Decimal(row['delta'])):>10}")
    total = sum((Decimal(r["delta"]) for r in rows), Decimal(0))
    print(f"total monthly delta: {format_money(total)} USD")
    return 0
