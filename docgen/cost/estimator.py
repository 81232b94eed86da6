"""Price every resource of the synthesized templates into monthly cost lines and roll them up."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from docgen.assembly.model import Resource
from docgen.cost.catalogue import Catalogue, PriceEntry, Usage
from docgen.cost.context import Component, Context, Free, Outcome, Priced, Unpriced, num, resource_name
from docgen.cost.free import free_reason
from docgen.cost.rules import RULES
from docgen.errors import CostError

Status = Literal["priced", "free", "unpriced"]
UNTAGGED = "(untagged)"
_ZERO = Decimal(0)


@dataclass(frozen=True)
class CostLine:
    """The monthly cost of one resource (or one environment-wide usage item), with its arithmetic."""

    environment: str
    stack: str
    logical_id: str
    path: str
    resource_type: str
    service: str | None  # the resource's Service tag
    aws_service: str  # e.g. "ECS Fargate", "RDS PostgreSQL", "NAT Gateway"
    status: Status
    monthly: Decimal  # expected; full precision, round only for display
    monthly_min: Decimal  # differs from monthly only for auto-scaled services
    monthly_max: Decimal
    arithmetic: (
        str  # e.g. "2 tasks × 730 h × (0.5 vCPU × 0.04048 + 1 GB × 0.004445)"; the reason when free/unpriced
    )
    note: str = ""
    rate_keys: tuple[str, ...] = ()  # catalogue keys the price used
    region: str = ""  # whose catalogue priced it
    unverified: bool = False  # True when any rate used is marked `confidence: unverified`
    components: tuple[Component, ...] = ()  # quantity × unit price per rate; they sum to `monthly`

    @property
    def service_label(self) -> str:
        return self.service or UNTAGGED


@dataclass(frozen=True)
class Totals:
    """Summed expected/min/max monthly cost and how many lines of each status went in."""

    monthly: Decimal = _ZERO
    monthly_min: Decimal = _ZERO
    monthly_max: Decimal = _ZERO
    priced: int = 0
    free: int = 0
    unpriced: int = 0

    def add(self, line: CostLine) -> Totals:
        return Totals(
            self.monthly + line.monthly,
            self.monthly_min + line.monthly_min,
            self.monthly_max + line.monthly_max,
            self.priced + (line.status == "priced"),
            self.free + (line.status == "free"),
            self.unpriced + (line.status == "unpriced"),
        )


@dataclass(frozen=True)
class Rollup:
    """Totals for one group (an AWS service, a Service tag, or the whole environment) of one environment."""

    environment: str
    key: str
    totals: Totals


@dataclass(frozen=True)
class Estimate:
    """All cost lines of an assembly, sorted by environment, stack and logical id, plus the rates used."""

    region: str
    currency: str
    hours_per_month: Decimal
    lines: tuple[CostLine, ...]
    rates: tuple[tuple[str, PriceEntry], ...]  # every catalogue row a line used, sorted by key
    # (region, key, entry) of every row used, when environments are priced from several catalogues
    regional_rates: tuple[tuple[str, str, PriceEntry], ...] = ()

    @property
    def environments(self) -> tuple[str, ...]:
        return tuple(sorted({line.environment for line in self.lines}))

    def lines_for(self, environment: str) -> tuple[CostLine, ...]:
        return tuple(line for line in self.lines if line.environment == environment)

    def total(self, environment: str) -> Totals:
        return _sum(self.lines_for(environment))

    def unpriced(self, environment: str | None = None) -> tuple[CostLine, ...]:
        return tuple(
            line
            for line in self.lines
            if line.status == "unpriced" and environment in (None, line.environment)
        )

    def by_environment(self) -> tuple[Rollup, ...]:
        return tuple(Rollup(env, env, self.total(env)) for env in self.environments)

    def by_service(self) -> tuple[Rollup, ...]:
        """Per environment and Service tag ("(untagged)" for resources without one)."""
        return _group(self.lines, lambda line: line.service_label)

    def by_aws_service(self) -> tuple[Rollup, ...]:
        return _group(self.lines, lambda line: line.aws_service)


def _sum(lines: Iterable[CostLine]) -> Totals:
    totals = Totals()
    for line in lines:
        totals = totals.add(line)
    return totals


def _group(lines: Iterable[CostLine], key: Callable[[CostLine], str]) -> tuple[Rollup, ...]:
    groups: dict[tuple[str, str], list[CostLine]] = defaultdict(list)
    for line in lines:
        groups[(line.environment, key(line))].append(line)
    return tuple(Rollup(env, name, _sum(group)) for (env, name), group in sorted(groups.items()))


def format_money(amount: Decimal) -> str:
    """Display rounding only: two decimals, half up, thousands grouped ("1,234.57")."""
    return format(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), ",.2f")


def estimate(resources: Sequence[Resource], catalogue: Catalogue, usage: Usage) -> Estimate:
    """Price every resource: one line each (priced, free or unpriced), plus environment-wide usage items.

    A resource whose type has no rule is `unpriced` with its type; a missing catalogue price for a resource
    a rule knows how to price raises CostError naming the key, the catalogue file and the resource.

    Free tiers are per account and month. Each environment is assumed to be its own account (one CDK Stage
    per account), so each environment gets the whole allowance. Quantity allowances (SQS requests, CloudFront
    GB and requests, log ingestion) are shared equally among the environment's resources of that kind;
    count allowances (alarms, dashboards) go to the first ones by stack and logical id.
    """
    ctx = Context(resources, catalogue, usage)
    lines = [_line(resource, ctx) for resource in resources]
    lines += _custom_metric_lines(ctx, {r.environment for r in resources})
    lines.sort(key=lambda line: (line.environment, line.stack, line.logical_id))
    used = sorted({key for line in lines for key in line.rate_keys})
    rates = tuple((key, catalogue.prices[key]) for key in used)
    regional = tuple((catalogue.region, key, entry) for key, entry in rates)
    return Estimate(
        catalogue.region, catalogue.currency, catalogue.hours_per_month, tuple(lines), rates, regional
    )


def estimate_by_region(
    resources: Sequence[Resource],
    regions: Mapping[str, str],
    catalogues: Mapping[str, Catalogue],
    usage: Usage,
) -> Estimate:
    """Each environment priced with the catalogue of its own region (`regions`: environment -> region).

    An environment whose region has no catalogue (or is unknown: an environment-agnostic app) is not guessed
    at: every resource in it is unpriced, with the reason, and totals say how much is missing."""
    parts: list[Estimate] = []
    missing: list[CostLine] = []
    for env in sorted({r.environment for r in resources}):
        mine = [r for r in resources if r.environment == env]
        region = regions.get(env, "")
        if region in catalogues:
            parts.append(estimate(mine, catalogues[region], usage))
        else:
            reason = f"no price catalogue for region {region or 'unknown'} (the environment is not priced)"
            missing += [_to_line(r, Unpriced(_service_from_type(r.type), reason), (), None) for r in mine]
    primary = max(parts, key=lambda p: len(p.lines)) if parts else None
    lines = sorted(
        [x for p in parts for x in p.lines] + missing, key=lambda x: (x.environment, x.stack, x.logical_id)
    )
    regional = tuple(sorted({r for p in parts for r in p.regional_rates}, key=lambda r: (r[0], r[1])))
    return Estimate(
        primary.region if primary else "",
        primary.currency if primary else "USD",
        primary.hours_per_month if primary else Decimal(730),
        tuple(lines),
        tuple((k, v) for reg, k, v in regional if primary and reg == primary.region),
        regional,
    )


def _line(resource: Resource, ctx: Context) -> CostLine:
    rule = RULES.get(resource.type)
    pricer = ctx.pricer(resource)
    outcome: Outcome
    if rule is not None:
        try:
            outcome = rule(resource, pricer)
        except CostError as exc:  # a size or class the catalogue lacks: unpriced, never a wrong zero
            outcome, pricer.keys = Unpriced(_service_from_type(resource.type), str(exc)), []
            pricer.components = []
    elif (free := free_reason(resource.type)) is not None:
        outcome = Free(*free)
    else:
        outcome = Unpriced(_service_from_type(resource.type), f"no pricing rule for {resource.type}")
    line = _to_line(resource, outcome, tuple(pricer.keys), ctx.catalogue)
    return replace(line, components=tuple(pricer.components)) if line.status == "priced" else line


def _to_line(
    resource: Resource, outcome: Outcome, keys: tuple[str, ...], catalogue: Catalogue | None
) -> CostLine:
    if isinstance(outcome, Priced):
        status: Status = "priced"
        monthly, text, note = outcome.monthly, outcome.arithmetic, outcome.note
        low = monthly if outcome.monthly_min is None else outcome.monthly_min
        high = monthly if outcome.monthly_max is None else outcome.monthly_max
    else:
        status = "free" if isinstance(outcome, Free) else "unpriced"
        monthly = low = high = _ZERO
        text, note, keys = outcome.reason, "", ()
    return CostLine(
        environment=resource.environment,
        stack=resource.stack,
        logical_id=resource.logical_id,
        path=resource_name(resource),
        resource_type=resource.type,
        service=resource.service,
        aws_service=outcome.aws_service,
        status=status,
        monthly=monthly,
        monthly_min=low,
        monthly_max=high,
        arithmetic=text,
        note=note,
        rate_keys=keys,
        region=catalogue.region if catalogue else "",
        unverified=catalogue is not None and any(not catalogue.prices[key].verified for key in keys),
    )


def _custom_metric_lines(ctx: Context, environments: set[str]) -> list[CostLine]:
    """One line per environment that publishes custom metrics (usage `custom_metrics`), beyond the free 10."""
    lines = []
    for env in sorted(environments):
        count = ctx.usage.for_environment(env).custom_metrics
        if count <= 0:
            continue
        key = "cloudwatch.custom_metric_month"
        rate = ctx.catalogue.price(key, resource=f"{env} (usage custom_metrics)")
        free = ctx.catalogue.free_quantity("cloudwatch.custom_metrics_month")
        billable = max(_ZERO, count - free)
        entry = ctx.catalogue.prices[key]
        component = Component("Custom metrics", key, billable, rate, entry.unit, True)
        lines.append(
            CostLine(
                environment=env,
                stack="",
                logical_id="",
                path=f"{env}/(custom metrics)",
                resource_type="(usage: custom_metrics)",
                service=None,
                aws_service="CloudWatch Metrics",
                status="priced",
                monthly=billable * rate,
                monthly_min=billable * rate,
                monthly_max=billable * rate,
                arithmetic=f"({num(count)} metrics − {num(free)} free) × {num(rate)}",
                rate_keys=(key,),
                unverified=not entry.verified,
                components=(component,),
            )
        )
    return lines


def _service_from_type(resource_type: str) -> str:
    """A readable service label for a type without a rule: "AWS::Foo::Bar" -> "Foo"."""
    parts = resource_type.split("::")
    return parts[1] if len(parts) == 3 else resource_type
