"""Cost Management: monthly cost per environment by service and by AWS service, what is unpriced, the usage
assumptions behind usage-priced items, and every rate used with its source and date."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from docgen.cost import format_money
from docgen.cost.catalogue import USAGE_PER
from docgen.facts.fact import Fact, Source, derived, exists, number
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t


def build(model: DocModel, inputs: SectionInputs) -> None:
    est = inputs.estimate
    if est is None:
        return
    rates = dict(est.rates)
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
            [_line_source(inputs, x) for x in lines if x.status == "free"][:40],
        )
        total = est.total(env)
        unpriced = est.unpriced(env)
        money = _money_sources(inputs, lines, rates)
        note = f"; {len(unpriced)} resource(s) unpriced, not counted" if unpriced else ""
        model.text[f"cost_total:{env}"] = derived(
            total.monthly,
            f"{'at least ' if unpriced else ''}{format_money(total.monthly)} USD/month expected "
            f"({format_money(total.monthly_min)}–{format_money(total.monthly_max)}){note}",
            money,
        )
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
    model.tables["usage"] = _usage(inputs)
    model.tables["rates"] = t(
        ["Rate", "Price (USD)", "Unit", "Source", "Read on"],
        [
            [
                _rate_fact(est, key, entry, "key", key),
                _rate_fact(est, key, entry, "price", str(entry.price)),
                _rate_fact(est, key, entry, "unit", entry.unit),
                _rate_fact(
                    est,
                    key,
                    entry,
                    "source",
                    entry.source + (" (unverified)" if entry.confidence == "unverified" else ""),
                ),
                _rate_fact(est, key, entry, "read_on", str(entry.read_on)),
            ]
            for key, entry in est.rates
        ],
    )


def _rate_fact(est: Any, key: str, entry: Any, field: str, text: str) -> Fact:
    pointer = f"/prices/{key}" if field == "key" else f"/prices/{key}/{field}"
    value = getattr(entry, field, key) if field != "key" else None
    return Fact(
        value,
        text,
        (Source("data", _catalogue_file(est), pointer, None if field == "key" else _plain(value)),),
    )


def _plain(value: Any) -> Any:
    return (
        str(value)
        if isinstance(value, Decimal)
        else value.isoformat()
        if hasattr(value, "isoformat")
        else value
    )


def _catalogue_file(est: Any) -> str:
    return f"docgen/data/prices/{est.region}.yaml"


def _resource(inputs: SectionInputs, line: Any) -> Any:
    return inputs.index.get(line.stack, line.logical_id)


def _line_source(inputs: SectionInputs, line: Any) -> Fact:
    resource = _resource(inputs, line)
    return exists(resource, line.path) if resource is not None else Fact(None, line.path, ())


def _money_sources(inputs: SectionInputs, lines: list[Any], rates: dict[str, Any]) -> list[Fact | Source]:
    out: list[Fact | Source] = []
    for line in lines:
        if line.status != "priced":
            continue
        out.append(_line_source(inputs, line))
        est = inputs.estimate
        out += [
            Source("data", _catalogue_file(est), f"/prices/{k}/price", str(rates[k].price))
            for k in line.rate_keys
            if k in rates
        ]
    return out


def _rollup_table(
    inputs: SectionInputs, lines: list[Any], label: str, key: Any, rates: dict[str, Any]
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
