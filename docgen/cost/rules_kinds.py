"""Pricing rules for EFS file systems (Standard storage, and reads and writes in Elastic throughput mode),
EventBridge Scheduler schedules (invocations a month, read from the schedule expression, beyond the free tier)
and ECR repositories (image storage) that services, jobs and image functions are built into."""

from __future__ import annotations

import re
from decimal import Decimal

from docgen.assembly.model import Resource
from docgen.cost.context import Outcome, Priced, Pricer, Unpriced, num
from docgen.cost.rules_common import MILLION, less_free

MINUTES_A_MONTH = Decimal(730 * 60)  # the catalogue's month of 730 hours
RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
UNIT_MINUTES = {"minute": 1, "hour": 60, "day": 1440}
DAYS_A_MONTH = Decimal(730) / 24


def efs_file_system(r: Resource, p: Pricer) -> Outcome:
    """Standard storage for the assumed GB; Elastic throughput adds the GB read and written."""
    u = p.usage
    storage = p.rate("efs.standard.gb_month")
    monthly = u.efs_storage_gb * storage
    p.monthly("Standard storage", "efs.standard.gb_month", u.efs_storage_gb, usage=True)
    arithmetic = f"{num(u.efs_storage_gb)} GB × {num(storage)}"
    if r.properties.get("ThroughputMode") == "elastic":
        read, write = p.rate("efs.elastic.read_gb"), p.rate("efs.elastic.write_gb")
        monthly += u.efs_read_gb_month * read + u.efs_write_gb_month * write
        p.monthly("Elastic throughput reads", "efs.elastic.read_gb", u.efs_read_gb_month, usage=True)
        p.monthly("Elastic throughput writes", "efs.elastic.write_gb", u.efs_write_gb_month, usage=True)
        arithmetic += (
            f" + {num(u.efs_read_gb_month)} GB read × {num(read)} + {num(u.efs_write_gb_month)} GB written × "
            f"{num(write)}"
        )
    return Priced("EFS", monthly, arithmetic, note="mount targets and access points have no charge")


def ecr_repository(r: Resource, p: Pricer) -> Outcome:
    """Image storage for the assumed GB; same-region pulls by Fargate and Lambda have no charge."""
    gb, rate = p.usage.ecr_storage_gb, p.rate("ecr.storage.gb_month")
    p.monthly("Image storage", "ecr.storage.gb_month", gb, usage=True)
    return Priced("ECR", gb * rate, f"{num(gb)} GB × {num(rate)}", note="same-region pulls have no charge")


def schedule(r: Resource, p: Pricer) -> Outcome:
    """Invocations a month from the expression; the account's free 14 million are shared by its schedules."""
    expression = str(r.properties.get("ScheduleExpression", ""))
    runs = runs_a_month(expression)
    if runs is None:
        return Unpriced("EventBridge Scheduler", f"cannot count the runs of {expression!r}")
    sharers = sum(1 for x in p.ctx.resources if x.type == r.type and x.environment == r.environment)
    billable, shown = less_free(
        runs, p.free_share("scheduler.invocations_month", sharers), "invocations", "free share"
    )
    rate = p.rate("scheduler.million_invocations")
    p.monthly("Invocations", "scheduler.million_invocations", billable / MILLION, usage=False)
    return Priced(
        "EventBridge Scheduler",
        billable / MILLION * rate,
        f"{shown} / 1,000,000 × {num(rate)}",
        note=f"{expression}: {num(runs)} runs a month",
    )


def runs_a_month(expression: str) -> Decimal | None:
    """How often a rate or a simple cron (lists, ranges and steps of minutes and hours, every day or some
    weekdays) fires in 730 hours; None for what this does not count (day-of-month lists, L, W, #)."""
    rate = RATE.match(expression)
    if rate:
        every = int(rate.group(1)) * UNIT_MINUTES[rate.group(2).rstrip("s")]
        return (MINUTES_A_MONTH / every).quantize(Decimal(1))
    fields = expression.removeprefix("cron(").removesuffix(")").split(" ")
    if len(fields) != 6 or any(c in " ".join(fields[2:5]) for c in "LW#") or fields[2] not in ("*", "?"):
        return None
    minutes, hours = _count(fields[0], 0, 59), _count(fields[1], 0, 23)
    days = _count(fields[4], 1, 7) if fields[4] not in ("*", "?") else 7
    if minutes is None or hours is None or days is None or fields[3] != "*":
        return None
    return (minutes * hours * DAYS_A_MONTH * Decimal(days) / 7).quantize(Decimal(1))


_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


def _count(field: str, low: int, high: int) -> int | None:
    values: set[int] = set()
    for part in field.split(","):
        base, _, step = part.partition("/")
        first, _, last = base.partition("-")
        start = low if first == "*" else _value(first)
        end = high if (first == "*" or step) and not last else _value(last) if last else start
        if start is None or end is None or not (step.isdigit() or not step):
            return None
        values.update(range(start, end + 1, int(step) if step else 1))
    return len(values)


def _value(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    return _DAYS.index(text) + 1 if text in _DAYS else None
