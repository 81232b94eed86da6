"""Cost Management: monthly cost per environment by service and by AWS service, what is unpriced, the usage
assumptions behind usage-priced items, and every rate used with its source and date."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from docgen.cost import format_money
from docgen.cost.catalogue import USAGE_PER
from docgen.facts import governance
from docgen.facts.fact import Fact, Source, counted, derived, exists, number
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t


def build(model: DocModel, inputs: SectionInputs) -> None:
    est = inputs.estimate
    if est is None:
        return
    rates = {(region, key): entry for region, key, entry in est.regional_rates}
    for env in inputs.environments:
        lines = [line for line in est.lines if line.environment == env]
        model.tables[f"cost_service:{env}"] = _rollup_table(
            inputs, lines, "Service", lambda x: x.service_label, rates
        )
        model.tables[f"cost_aws:{env}"] = _rollup_table(
            inputs, lines, "AWS service", lambda x: x.aws_service, rates
        )
        free = sorted(
            {x.aws_service for x in lines if x.status == "free"}
            - {x.aws_service for x in lines if x.monthly_max}
        )
        model.text[f"cost_free:{env}"] = derived(
            free,
            ", ".join(free) or "none",
            [_line_source(inputs, x) for x in lines if x.status == "free"][:40] or [inputs.env_name(env)],
        )
        total = est.total(env)
        unpriced = est.unpriced(env)
        money = _money_sources(inputs, lines, rates) + [_line_source(inputs, x) for x in unpriced][:40]
        note = f"; {counted(len(unpriced), 'resource')} unpriced, not counted" if unpriced else ""
        if lines and all(x.status == "unpriced" for x in lines):
            text = f"not priced: {lines[0].arithmetic}; {counted(len(unpriced), 'resource')} unpriced"
        else:
            text = (
                f"{'at least ' if unpriced else ''}{format_money(total.monthly)} USD/month expected "
                f"({format_money(total.monthly_min)}–{format_money(total.monthly_max)}){note}"
            )
        model.text[f"cost_total:{env}"] = derived(total.monthly, text, money or [inputs.env_name(env)])
        model.tables[f"cost_unpriced:{env}"] = t(
            ["Resource", "Type", "Why"],
            [
                [
                    exists(_resource(inputs, x), x.path),
                    exists(_resource(inputs, x), x.resource_type),
                    exists(_resource(inputs, x), x.arithmetic),
                ]
                for x in unpriced
            ],
        )
    model.tables["budgets"] = t(
        ["Environment", "Budget", "Limit", "Alerts at", "Notifies"],
        [
            [inputs.env_name(env), b.name, b.limit, b.thresholds, b.subscribers]
            for env in inputs.environments
            for b in governance.budgets(inputs.index, env)
        ],
    )
    model.tables["usage"] = _usage(inputs)
    model.tables["rates"] = t(
        ["Region", "Rate", "Price (USD)", "Unit", "Source", "Read on"],
        [_rate_row(region, key, entry) for region, key, entry in est.regional_rates],
    )


def _rate_row(region: str, key: str, entry: Any) -> list[Fact | str]:
    unverified = " (unverified)" if entry.confidence == "unverified" else ""
    return [
        _rate_fact(region, key, entry, "key", region),
        _rate_fact(region, key, entry, "key", key),
        _rate_fact(region, key, entry, "price", str(entry.price)),
        _rate_fact(region, key, entry, "unit", entry.unit),
        _rate_fact(region, key, entry, "source", entry.source + unverified),
        _rate_fact(region, key, entry, "read_on", str(entry.read_on)),
    ]


def _rate_fact(region: str, key: str, entry: Any, field: str, text: str) -> Fact:
    pointer = f"/prices/{key}" if field == "key" else f"/prices/{key}/{field}"
    value = getattr(entry, field, key) if field != "key" else None
    source = Source("data", _catalogue_file(region), pointer, None if field == "key" else _plain(value))
    return Fact(value, text, (source,))


def _plain(value: Any) -> Any:
    return (
        str(value)
        if isinstance(value, Decimal)
        else value.isoformat()
        if hasattr(value, "isoformat")
        else value
    )


def _catalogue_file(region: str) -> str:
    return f"docgen/data/prices/{region}.yaml"


def _resource(inputs: SectionInputs, line: Any) -> Any:
    return inputs.index.get(line.stack, line.logical_id)


def _line_source(inputs: SectionInputs, line: Any) -> Fact:
    resource = _resource(inputs, line)
    return exists(resource, line.path) if resource is not None else Fact(None, line.path, ())


def _money_sources(
    inputs: SectionInputs, lines: list[Any], rates: dict[tuple[str, str], Any]
) -> list[Fact | Source]:
    out: list[Fact | Source] = []
    for line in lines:
        if line.status != "priced":
            continue
        out.append(_line_source(inputs, line))
        out += [
            Source(
                "data", _catalogue_file(line.region), f"/prices/{k}/price", str(rates[(line.region, k)].price)
            )
            for k in line.rate_keys
            if (line.region, k) in rates
        ]
    return out


def _rollup_table(
    inputs: SectionInputs, lines: list[Any], label: str, key: Any, rates: dict[tuple[str, str], Any]
) -> Any:
    groups: dict[str, list[Any]] = {}
    for line in lines:
        groups.setdefault(key(line), []).append(line)
    rows = []
    for name, members in sorted(groups.items()):
        expected = sum((x.monthly for x in members), Decimal(0))
        low = sum((x.monthly_min for x in members), Decimal(0))
        high = sum((x.monthly_max for x in members), Decimal(0))
        if not high:
            continue
        sources = _money_sources(inputs, members, rates)
        rows.append(
            [
                derived(name, name, sources),
                derived(expected, format_money(expected), sources),
                derived((low, high), f"{format_money(low)}–{format_money(high)}", sources),
            ]
        )
    return t([label, "Monthly (USD)", "Range from auto-scaling"], rows)


def _usage(inputs: SectionInputs) -> Any:
    usage = inputs.usage
    if usage is None:
        return t([], [])
    envs = inputs.environments
    rows = []
    for field, per in USAGE_PER.items():
        cells: list[Fact | str] = [
            Fact(field, field, (_origin(usage, "default", field, None),)),
            Fact(per, per, (_origin(usage, "default", field, None),)),
        ]
        for env in envs:
            value = getattr(usage.for_environment(env), field)
            cells.append(Fact(value, number(value), (_origin(usage, env, field, str(value)),)))
        rows.append(cells)
    return t(["Assumption", "Counted", *envs], rows)


def _origin(usage: Any, env: str, field: str, value: str | None) -> Source:
    kind, file, pointer = usage.origin(env, field)
    return Source(kind, file, pointer, value)
