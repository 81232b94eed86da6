"""`python -m docgen cost`: the monthly cost per resource, service and environment, or a comparison.

`--format json` is shaped like Infracost's breakdown JSON, so its users find their way: one project per
environment, its resources, and each resource's cost components (hourly and usage: quantity, unit, unit price)
with the catalogue row they were priced from. Amounts are JSON numbers (at most six decimals, no rounding to
cents: round only for display); an unpriced resource has a null cost, never a zero.
"""

from __future__ import annotations

import argparse
import json
from decimal import Decimal
from typing import Any

from docgen import document, progress

FORMAT = "docgen-cost/1"
NOISE = Decimal("0.005")  # deltas under half a cent round to 0.00: not a change anyone should read


def cost_command(args: argparse.Namespace) -> int:
    assembly = document.load_assembly(args)
    with progress.step("pricing"):
        est = document.estimate_for(assembly)
    if args.compare:
        from docgen.assembly.reader import read_assembly

        with progress.step(f"reading and pricing {args.compare}"):
            other = document.estimate_for(read_assembly(args.compare))
        rows = compare(est, other)
        if args.format == "json":
            print(json.dumps(rows, indent=2))
        else:
            print(compare_text(rows), end="")
        return 0
    if args.format == "json":
        print(json.dumps(breakdown(est, assembly.root), indent=2))
        return 0
    print(_table(est), end="")
    return 0


def _table(est: Any) -> str:
    from docgen.cost import format_money

    out = []
    for env in sorted(est.environments):
        total = est.total(env)
        out.append(
            f"{env}: {format_money(total.monthly)} USD/month "
            f"(range {format_money(total.monthly_min)}–{format_money(total.monthly_max)})"
        )
        out += [
            f"  {r.key:<28} {format_money(r.totals.monthly):>12}"
            for r in est.by_aws_service()
            if r.environment == env
        ]
        out += [f"  unpriced: {line.path} ({line.resource_type})" for line in est.unpriced(env)]
    return "\n".join(out) + "\n"


def number(value: Decimal | None) -> float | int | None:
    """A JSON number with at most six decimals (whole numbers stay integers); None stays null."""
    if value is None:
        return None
    rounded = value.quantize(Decimal("0.000001")).normalize()
    return int(rounded) if rounded == rounded.to_integral_value() else float(rounded)


def breakdown(est: Any, cdk_out: str) -> dict[str, Any]:
    """Infracost's breakdown shape: projects (environments) -> breakdown -> resources -> costComponents."""
    entries = {(region, key): entry for region, key, entry in est.regional_rates}
    hours = est.hours_per_month
    projects = []
    for env in est.environments:
        lines = est.lines_for(env)
        total = est.total(env)
        projects.append(
            {
                "name": env,
                "metadata": {"cdkOut": cdk_out, "region": next((x.region for x in lines if x.region), "")},
                "breakdown": {
                    "resources": [_resource(line, entries, hours) for line in lines],
                    "totalHourlyCost": number(total.monthly / hours),
                    "totalMonthlyCost": number(total.monthly),
                    "totalMonthlyCostMin": number(total.monthly_min),
                    "totalMonthlyCostMax": number(total.monthly_max),
                },
                "summary": _summary(lines),
            }
        )
    monthly = sum((est.total(env).monthly for env in est.environments), Decimal(0))
    return {
        "format": FORMAT,
        "currency": est.currency,
        "hoursPerMonth": number(hours),
        "projects": projects,
        "totalHourlyCost": number(monthly / hours),
        "totalMonthlyCost": number(monthly),
        "summary": _summary(est.lines),
    }


def _summary(lines: Any) -> dict[str, int]:
    statuses = [line.status for line in lines]
    return {
        "totalDetectedResources": len(statuses),
        "totalSupportedResources": statuses.count("priced"),
        "totalNoPriceResources": statuses.count("free"),
        "totalUnsupportedResources": statuses.count("unpriced"),
    }


def _resource(line: Any, entries: dict[tuple[str, str], Any], hours: Decimal) -> dict[str, Any]:
    priced = line.status != "unpriced"
    return {
        "name": line.path,
        "resourceType": line.resource_type,
        "metadata": {
            "stack": line.stack,
            "logicalId": line.logical_id,
            "service": line.service,
            "awsService": line.aws_service,
            "status": line.status,
            "arithmetic": line.arithmetic,
            "note": line.note,
            "unverifiedPrice": line.unverified,
        },
        "hourlyCost": number(line.monthly / hours) if priced else None,
        "monthlyCost": number(line.monthly) if priced else None,
        "monthlyCostMin": number(line.monthly_min) if priced else None,
        "monthlyCostMax": number(line.monthly_max) if priced else None,
        "costComponents": [
            _component(c, entries.get((line.region, c.rate_key)), hours) for c in line.components
        ],
    }


def _component(c: Any, entry: Any, hours: Decimal) -> dict[str, Any]:
    hourly_cost = c.hourly_quantity * c.price if c.hourly_quantity is not None else None
    return {
        "name": c.name,
        "unit": c.unit,
        "hourlyQuantity": number(c.hourly_quantity),
        "monthlyQuantity": number(c.monthly_quantity),
        "price": number(c.price),
        "hourlyCost": number(hourly_cost),
        "monthlyCost": number(c.monthly_cost),
        "usageBased": c.usage_based,
        "source": {
            "rateKey": c.rate_key,
            "source": entry.source if entry else None,
            "readOn": entry.read_on.isoformat() if entry else None,
        },
    }


def compare(new: Any, old: Any) -> dict[str, Any]:
    """The monthly delta per environment (a subtotal) and per resource, sub-cent deltas left out."""
    environments = []
    for env in sorted(set(new.environments) | set(old.environments)):
        before = {line.path: line.monthly for line in old.lines_for(env)}
        after = {line.path: line.monthly for line in new.lines_for(env)}
        rows, quiet = [], 0
        for path in sorted(set(before) | set(after)):
            delta = after.get(path, Decimal(0)) - before.get(path, Decimal(0))
            if abs(delta) < NOISE:
                quiet += delta != 0
                continue
            was, now = before.get(path), after.get(path)
            rows.append({"path": path, "before": number(was), "after": number(now), "delta": number(delta)})
        totals = (old.total(env).monthly, new.total(env).monthly)
        environments.append(
            {
                "name": env,
                "before": number(totals[0]),
                "after": number(totals[1]),
                "delta": number(totals[1] - totals[0]),
                "resources": rows,
                "subCentChanges": quiet,
            }
        )
    delta = sum((Decimal(str(e["delta"])) for e in environments), Decimal(0))
    return {"currency": new.currency, "environments": environments, "totalDelta": number(delta)}


def _signed(value: float | int) -> str:
    from docgen.cost import format_money

    amount = Decimal(str(value))
    return ("+" if amount > 0 else "−" if amount < 0 else "±") + format_money(abs(amount))


def compare_text(rows: dict[str, Any]) -> str:
    from docgen.cost import format_money

    out = []
    for env in rows["environments"]:
        before, after = Decimal(str(env["before"])), Decimal(str(env["after"]))
        out.append(
            f"{env['name']}: {format_money(before)} → {format_money(after)} USD/month ({_signed(env['delta'])})"
        )
        out += [f"  {_signed(r['delta']):>12}  {r['path']}" for r in env["resources"]]
        if env["subCentChanges"]:
            out.append(f"  ({env['subCentChanges']} changes under one cent not listed)")
    out.append(f"total monthly delta: {_signed(rows['totalDelta'])} USD")
    return "\n".join(out) + "\n"
