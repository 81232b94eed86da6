"""EventBridge Scheduler expressions and time zones: what AWS accepts, checked before anything is synthesized.

A schedule is `rate(<n> <unit>)` or a six-field `cron(minutes hours day-of-month month day-of-week year)`, as the
EventBridge Scheduler user guide ("Schedule types on EventBridge Scheduler") describes them; the time zone is an
IANA name (Scheduler's `ScheduleExpressionTimezone`), read from the tz database Python ships (`zoneinfo`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from zoneinfo import available_timezones

RATE = re.compile(r"^rate\((\d{1,9}) (minute|minutes|hour|hours|day|days)\)$")
CRON = re.compile(r"^cron\((.*)\)$")
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")  # AWS numbers them 1-7 from Sunday


@dataclass(frozen=True)
class CronField:
    """One field of an AWS cron expression: its range, names and the special characters it takes."""

    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    specials: str = ""  # of ? L W # beyond the , - * / every field takes


FIELDS = (
    CronField("minutes", 0, 59),
    CronField("hours", 0, 23),
    CronField("day-of-month", 1, 31, specials="?LW"),
    CronField("month", 1, 12, MONTHS),
    CronField("day-of-week", 1, 7, DAYS, specials="?L#"),
    CronField("year", 1970, 2199),
)
EXAMPLES = "rate(5 minutes), rate(1 hour), cron(0 3 * * ? *) or cron(0/15 8-17 ? * MON-FRI *)"


def schedule_problem(expression: str) -> str | None:
    """Why EventBridge Scheduler would reject `expression`, or None."""
    rate = RATE.match(expression)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1:
            return f"a rate must be at least 1; allowed: {EXAMPLES}"
        if (value == 1) != (not unit.endswith("s")):
            want = unit.rstrip("s") if value == 1 else unit.rstrip("s") + "s"
            return f"write rate({value} {want}): AWS takes the singular unit for 1 and the plural otherwise"
        return None
    cron = CRON.match(expression)
    if not cron:
        return f"not a schedule expression; allowed: {EXAMPLES}"
    parts = cron.group(1).split(" ")
    if len(parts) != len(FIELDS) or "" in parts:
        return (
            f"a cron expression has 6 fields separated by one space (minutes hours day-of-month month "
            f"day-of-week year), this has {len([p for p in parts if p])}; e.g. cron(0 3 * * ? *)"
        )
    for field, text in zip(FIELDS, parts, strict=True):
        problem = _field_problem(field, text)
        if problem:
            return f"cron {field.name} {text!r}: {problem}"
    if (parts[2] == "?") == (parts[4] == "?"):
        return "cron needs '?' in exactly one of day-of-month and day-of-week (AWS cannot honour both)"
    return None


def _field_problem(field: CronField, text: str) -> str | None:
    if text == "?":
        return None if "?" in field.specials else "'?' is allowed only in day-of-month or day-of-week"
    items = text.split(",")
    for item in items:
        problem = _item_problem(field, item)
        if problem:
            return problem
    return None


def _item_problem(field: CronField, item: str) -> str | None:
    allowed = f"allowed: {field.low}-{field.high}" + (
        f" or {field.names[0]}-{field.names[-1]}" if field.names else ""
    )
    if field.name == "day-of-month" and (item == "L" or re.fullmatch(r"\d{1,2}W|LW", item)):
        return None if item in ("L", "LW") or 1 <= int(item[:-1]) <= 31 else allowed
    if field.name == "day-of-week":
        special = re.fullmatch(r"(\w+)(L|#[1-5])", item)
        if item == "L":
            return None
        if special:
            return None if _value(field, special.group(1)) is not None else allowed
    base, _, step = item.partition("/")
    if step and not (step.isdigit() and 1 <= int(step) <= field.high):
        return f"step {step!r} must be 1-{field.high}"
    if base == "*":
        return None
    low, _, high = base.partition("-")
    for value in (low, high) if high else (low,):
        if _value(field, value) is None:
            return f"{value!r} is out of range; {allowed}"
    if high and _value(field, low) > _value(field, high):  # type: ignore[operator]
        return f"range {base!r} runs backwards; {allowed}"
    return None


def _value(field: CronField, text: str) -> int | None:
    if text.upper() in field.names and text.isupper():
        return field.names.index(text) + field.low
    if text.isdigit() and field.low <= int(text) <= field.high:
        return int(text)
    return None


@cache
def time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def time_zone_problem(name: str) -> str | None:
    if name in time_zones():
        return None
    low = name.lower()
    close = sorted(z for z in time_zones() if z.lower() == low or z.lower().endswith("/" + low))
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"not an IANA time zone{hint}; allowed: names such as UTC, Europe/Berlin or America/New_York"
