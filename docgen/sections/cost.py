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
    envs = inputs.environments
    by_env = {env: [line for line in est.lines if line.environment == env] for env in envs}
    model.tables["cost_service"] = _rollup_table(inputs, by_env, "Service", lambda x: x.service_label, rates)
    model.tables["cost_aws"] = _rollup_table(inputs, by_env, "AWS service", lambda x: x.aws_service, rates)
    model.text["cost_free"] = _free(inputs, by_env)
    unpriced_rows = []
    for env in envs:
        lines = by_env[env]
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
        name = inputs.env_name(env)
        unpriced_rows += [
            [
                name,
                exists(_resource(inputs, x), x.path),
                exists(_resource(inputs, x), x.resource_type),
                exists(_resource(inputs, x), x.arithmetic),
            ]
            for x in unpriced
        ]
    model.tables["cost_unpriced"] = t(["Environment", "Resource", "Type", "Why"], unpriced_rows)
    totals = [(env, model.text[f"cost_total:{env}"]) for env in envs]
    model.lists["cost_totals"] = [derived(f.value, f"{env}: {f.text}", [f]) for env, f in totals]
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
    inputs: SectionInputs,
    by_env: dict[str, list[Any]],
    label: str,
    key: Any,
    rates: dict[tuple[str, str], Any],
) -> Any:
    """One row per service, one column per environment: the expected monthly cost and its range."""
    groups: dict[str, dict[str, list[Any]]] = {}
    for env, lines in by_env.items():
        for line in lines:
            groups.setdefault(key(line), {}).setdefault(env, []).append(line)
    rows = []
    for name, per_env in sorted(groups.items()):
        cells: list[Fact] = []
        for env in by_env:
            members = per_env.get(env, [])
            expected = sum((x.monthly for x in members), Decimal(0))
            low = sum((x.monthly_min for x in members), Decimal(0))
            high = sum((x.monthly_max for x in members), Decimal(0))
            sources = _money_sources(inputs, members, rates)
            text = (
                f"{format_money(expected)} ({format_money(low)}–{format_money(high)})"
                if low != high
                else format_money(expected)
            )
            none = Fact(None, "-", inputs.env_name(env).sources)  # nothing of it priced in this environment
            cells.append(derived((expected, low, high), text, sources) if high else none)
        if any(c.text != "-" for c in cells):
            sources = [s for c in cells for s in c.sources]
            rows.append([Fact(name, name, tuple(sources)), *cells])
    return t([label, *(f"{env} (USD/month)" for env in by_env)], rows)


def _free(inputs: SectionInputs, by_env: dict[str, list[Any]]) -> Fact:
    """The AWS services that cost nothing at this usage, with the environments where that holds."""
    where: dict[str, list[str]] = {}
    sources: list[Fact] = []
    for env, lines in by_env.items():
        paid = {x.aws_service for x in lines if x.monthly_max}
        for service in sorted({x.aws_service for x in lines if x.status == "free"} - paid):
            where.setdefault(service, []).append(env)
        sources += [_line_source(inputs, x) for x in lines if x.status == "free"][:40]
    everywhere = [s for s, envs in sorted(where.items()) if len(envs) == len(by_env)]
    some = [f"{s} ({', '.join(envs)})" for s, envs in sorted(where.items()) if len(envs) < len(by_env)]
    text = ", ".join(everywhere + some) or "none"
    return derived(sorted(where), text, sources or [inputs.env_name(e) for e in by_env])


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
