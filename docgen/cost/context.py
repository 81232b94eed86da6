"""What a pricing rule may look up: rates (recorded per resource), usage, and the resources around it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from docgen.assembly.model import Resource
from docgen.cost.catalogue import Catalogue, Usage, UsageAssumptions


@dataclass(frozen=True)
class Priced:
    """A rule's answer for a resource that costs money (possibly zero within a free tier)."""

    aws_service: str
    monthly: Decimal
    arithmetic: str
    monthly_min: Decimal | None = None  # None: same as monthly
    monthly_max: Decimal | None = None
    note: str = ""


@dataclass(frozen=True)
class Component:
    """One priced quantity of a line, as Infracost calls it: quantity × unit price from one catalogue row.

    `hourly` components are billed per hour of running (a task, a node, a gateway): `hourly_quantity` is how
    many units each hour. Usage components come from the usage assumptions (`usage-defaults.yaml` and the
    spec's overrides): GB processed, requests, API calls. `monthly_quantity` is in the catalogue row's unit."""

    name: str
    rate_key: str
    monthly_quantity: Decimal
    price: Decimal
    unit: str
    usage_based: bool
    hourly_quantity: Decimal | None = None

    @property
    def monthly_cost(self) -> Decimal:
        return self.monthly_quantity * self.price


@dataclass(frozen=True)
class Free:
    """A rule's answer for a resource that has no charge of its own, with the reason."""

    aws_service: str
    reason: str


@dataclass(frozen=True)
class Unpriced:
    """A rule's answer for a resource the catalogue cannot price, with the reason; never counted as zero."""

    aws_service: str
    reason: str


Outcome = Priced | Free | Unpriced


def num(value: Decimal) -> str:
    """A quantity or rate for an arithmetic string: at most 6 decimals, no exponent, thousands grouped."""
    rounded = value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP).normalize()
    if rounded == 0:
        return "0"
    return format(rounded, ",f") if abs(rounded) >= 10000 else format(rounded, "f")


def plural(count: Decimal, word: str) -> str:
    return f"{num(count)} {word}" + ("" if count == 1 else "s")


def resource_name(resource: Resource) -> str:
    """How errors name a resource: its construct path, or environment/stack/logical id without one."""
    return resource.path or f"{resource.environment}/{resource.stack}/{resource.logical_id}"


def walk_refs(value: Any) -> Iterator[str]:
    """Every logical id that `value` refers to with Ref or Fn::GetAtt, in document order."""
    if isinstance(value, dict):
        if "Ref" in value and isinstance(value["Ref"], str):
            yield value["Ref"]
        getatt = value.get("Fn::GetAtt")
        if isinstance(getatt, list) and getatt and isinstance(getatt[0], str):
            yield getatt[0]
        elif isinstance(getatt, str):
            yield getatt.split(".", 1)[0]
        for child in value.values():
            yield from walk_refs(child)
    elif isinstance(value, list):
        for child in value:
            yield from walk_refs(child)


def ref_id(value: Any) -> str | None:
    """The logical id of a bare {"Ref": id}, else None."""
    if isinstance(value, dict) and isinstance(value.get("Ref"), str):
        return str(value["Ref"])
    return None


def as_bool(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def as_decimal(value: Any) -> Decimal | None:
    """A number from a CloudFormation property (often a string), or None when it is not a plain number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, str):
        text = value.strip()
        if text and text.replace(".", "", 1).isdigit():
            return Decimal(text)
    return None


class Context:
    """The catalogue, the usage and an index of all resources, shared by every rule of one estimate."""

    def __init__(self, resources: Sequence[Resource], catalogue: Catalogue, usage: Usage) -> None:
        self.catalogue = catalogue
        self.usage = usage
        self.hours = catalogue.hours_per_month
        self.resources = tuple(resources)
        self.memo: dict[
            str, Any
        ] = {}  # what rules work out once per estimate (e.g. which functions are CDK's)
        self._by_id: dict[tuple[str, str, str], Resource] = {}
        self._by_type: dict[tuple[str, str], list[Resource]] = defaultdict(list)
        for r in sorted(resources, key=lambda r: (r.environment, r.stack, r.logical_id)):
            self._by_id[(r.environment, r.stack, r.logical_id)] = r
            self._by_type[(r.environment, r.type)].append(r)

    def usage_for(self, resource: Resource) -> UsageAssumptions:
        return self.usage.for_environment(resource.environment)

    def same_stack(self, resource: Resource, logical_id: str | None) -> Resource | None:
        if logical_id is None:
            return None
        return self._by_id.get((resource.environment, resource.stack, logical_id))

    def of_type(self, environment: str, *types: str) -> list[Resource]:
        """Resources of the given types in one environment, sorted by stack and logical id."""
        found = [r for t in types for r in self._by_type.get((environment, t), [])]
        return sorted(found, key=lambda r: (r.stack, r.logical_id))

    def pricer(self, resource: Resource) -> Pricer:
        return Pricer(self, resource)


@dataclass
class Pricer:
    """Rate look-ups for one resource: records which catalogue keys its price used."""

    ctx: Context
    resource: Resource
    keys: list[str] = field(default_factory=list)
    components: list[Component] = field(default_factory=list)

    def rate(self, key: str) -> Decimal:
        price = self.ctx.catalogue.price(key, resource=resource_name(self.resource))
        if key not in self.keys:
            self.keys.append(key)
        return price

    def hourly(self, name: str, key: str, per_hour: Decimal, *, usage: bool = False) -> None:
        """Record a component billed for every hour of the month: `per_hour` units (vCPU, GB, nodes)."""
        self._component(name, key, per_hour * self.hours, usage=usage, hourly=per_hour)

    def monthly(self, name: str, key: str, quantity: Decimal, *, usage: bool) -> None:
        """Record a component billed per month: `quantity` in the rate's unit (GB, millions of requests)."""
        self._component(name, key, quantity, usage=usage, hourly=None)

    def _component(
        self, name: str, key: str, quantity: Decimal, *, usage: bool, hourly: Decimal | None
    ) -> None:
        entry = self.ctx.catalogue.entry(key, resource=resource_name(self.resource))
        if key not in self.keys:
            self.keys.append(key)
        self.components.append(Component(name, key, quantity, entry.price, entry.unit, usage, hourly))

    @property
    def hours(self) -> Decimal:
        return self.ctx.hours

    @property
    def usage(self) -> UsageAssumptions:
        return self.ctx.usage_for(self.resource)

    def free_share(self, free_key: str, sharers: int) -> Decimal:
        """This resource's equal share of an account-wide monthly free allowance."""
        if sharers <= 0:
            return Decimal(0)
        return self.ctx.catalogue.free_quantity(free_key) / sharers
