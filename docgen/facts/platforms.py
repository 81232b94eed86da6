"""Which of the specification's observability platforms an environment uses, and why: each mark is read from the
templates (workspaces, agent containers, collector exporters, alarms); and where each signal (traces, metrics,
logs) goes, sampled how, kept how long."""

from __future__ import annotations

from dataclasses import dataclass

from docgen.data.observability import FILE, load
from docgen.facts import telemetry as tm
from docgen.facts.fact import Fact, Source, count, derived, join, prop
from docgen.facts.index import Index


@dataclass(frozen=True)
class PlatformRow:
    platform: Fact
    use_case: Fact
    strengths: Fact
    chosen: Fact
    why: Fact


def _data(i: int, field: str, value: str) -> Fact:
    return Fact(value, value, (Source("data", FILE, f"/platforms/rows/{i}/{field}", value),))


def evidence(index: Index, env: str) -> dict[str, list[Fact]]:
    """Platform key -> the template facts that show the environment uses it."""
    out: dict[str, list[Fact]] = {}
    resources = index.in_environment(env)
    alarms = sum(1 for r in resources if r.type == "AWS::CloudWatch::Alarm")
    if alarms:
        out.setdefault("cloudwatch", []).append(
            count(env, "AWS::CloudWatch::Alarm", resources, f"{alarms} CloudWatch alarms")
        )
    boards = sum(1 for r in resources if r.type == "AWS::CloudWatch::Dashboard")
    if boards:
        out.setdefault("cloudwatch", []).append(
            count(env, "AWS::CloudWatch::Dashboard", resources, f"{boards} CloudWatch dashboards")
        )
    for c in tm.collectors(index, env):
        for pipeline in c.pipelines:
            for exporter in pipeline.exporters:
                d = tm.destination(c, exporter)
                if d.platform:
                    fact = derived(d.label, f"collector exports {pipeline.name} to {d.brief}", [c.source])
                    _add(out, d.platform, fact)
    agents = tm.datadog_agents(index, env)
    if agents:
        out.setdefault("datadog", []).append(tm.agent_fact(agents))
    for _container, where in tm.firelens_outputs(index, env):
        name = where.text.split(" ", 1)[0]
        key = {"datadog": "datadog", "nrlogs": "newrelic"}.get(name)
        if key:
            _add(out, key, derived(where.value, f"FireLens sends logs to {where.text}", [where]))
    ws = tm.workspace_facts(index, env)
    if ws:
        out.setdefault("prometheus", []).extend(ws)
    rules = tm.sampling_rules(index, env)
    if rules:
        out.setdefault("xray", []).append(tm.exists_fact(rules, f"{len(rules)} X-Ray sampling rules"))
    return out


def _add(out: dict[str, list[Fact]], key: str, fact: Fact) -> None:
    """Once per distinct text: twenty workloads exporting to X-Ray are one reason, with twenty sources."""
    facts = out.setdefault(key, [])
    for i, f in enumerate(facts):
        if f.text == fact.text:
            facts[i] = derived(f.value, f.text, [f, fact])
            return
    facts.append(fact)


def platform_rows(index: Index, env: str) -> list[PlatformRow]:
    table = load().platforms
    found = evidence(index, env)
    rows = []
    for i, row in enumerate(table.rows):
        why = found.get(row.key, [])
        mark = "chosen" if why else "-"
        chosen = derived(bool(why), mark, why or [_data(i, "key", row.key)])
        rows.append(
            PlatformRow(
                platform=_data(i, "platform", row.platform),
                use_case=_data(i, "use_case", row.use_case),
                strengths=_data(i, "strengths", row.strengths),
                chosen=chosen,
                why=join(why, "; ", empty="-", none=_data(i, "key", row.key)),
            )
        )
    return rows


# --- where each signal goes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignalRow:
    signal: Fact
    store: Fact
    sampling: Fact
    retention: Fact


def _fact(text: str, sources: list[Fact | Source]) -> Fact:
    return derived(text, text, sources)


def _unset(fact: Fact, sources: list[Fact | Source]) -> Fact:
    """A "-" (not sampled, no retention the templates set) stands on the row's own sources: what sends the signal."""
    return fact if fact.sources else derived(fact.value, fact.text, sources)


NOT_SET = Fact(None, "-", ())


def trace_rows(index: Index, env: str) -> list[SignalRow]:
    stores: dict[str, list[Fact | Source]] = {}
    for c in tm.collectors(index, env):
        for pipeline in (p for p in c.pipelines if p.name == "traces"):
            for exporter in pipeline.exporters:
                d = tm.destination(c, exporter)
                stores.setdefault(d.platform or d.label, []).append(c.source)
    agents = tm.datadog_agents(index, env)
    if agents and _dd_tracing(agents):
        stores.setdefault("datadog", []).extend(a.at("Image") for a in agents)
    rows = []
    for key, sources in sorted(stores.items()):
        label = _store_label(index, env, key)
        rows.append(
            SignalRow(
                _fact("traces", sources),
                _fact(label, sources),
                _unset(_sampling(index, env, key), sources),
                _unset(_retention(index, env, key), sources),
            )
        )
    return rows


def _dd_tracing(agents: list[tm.Container]) -> bool:
    return any(c.environment().get("DD_TRACE_ENABLED", (0, "true"))[1] != "false" for c in _apps(agents))


def _apps(agents: list[tm.Container]) -> list[tm.Container]:
    """The application containers of the tasks the agents run in."""
    return [c for a in agents for c in tm.containers_of(a.task) if c.name == "app"]


def _store_label(index: Index, env: str, key: str) -> str:
    names = {"xray": "AWS X-Ray", "datadog": "Datadog APM", "newrelic": "New Relic"}
    if key in ("jaeger", "zipkin"):
        meta = _tracing_meta(index, env)
        return f"{key.capitalize()} {meta.get('endpoint', '')}".strip()
    return names.get(key, key)


def _tracing_meta(index: Index, env: str) -> dict:  # type: ignore[type-arg]
    for stack in index.stacks(env):
        meta = stack.metadata.get("Tracing")
        if isinstance(meta, dict):
            return meta
    return {}


def _meta_source(index: Index, env: str, key: str) -> Source | None:
    for stack in index.stacks(env):
        meta = stack.metadata.get("Tracing")
        if isinstance(meta, dict) and key in meta:
            return Source("template", stack.template_file, f"/Metadata/Tracing/{key}", meta[key])
    return None


def _sampling(index: Index, env: str, key: str) -> Fact:
    """X-Ray's rules (reservoir, then rate) when the SDKs sample by them; else their ratio, read from the apps."""
    apps = [c for c in tm.containers(index, env) if "OTEL_TRACES_SAMPLER" in c.environment()]
    if any(c.environment()["OTEL_TRACES_SAMPLER"][1] == "xray" for c in apps) and key != "datadog":
        return _xray_rules(index, env)
    rates: dict[str, list[Source]] = {}
    for c in tm.containers(index, env):
        variables = c.environment()
        for name in ("OTEL_TRACES_SAMPLER_ARG", "DD_TRACE_SAMPLE_RATE"):
            if name in variables and _number(str(variables[name][1])):
                i, value = variables[name]
                rates.setdefault(str(value), []).append(c.at("Environment", i, "Value"))
    if not rates:
        return Fact(None, "-", ())
    shown = ", ".join(f"{float(r) * 100:g}%" for r in sorted(rates))
    dropped = " (health checks dropped by the collector)" if key in ("jaeger", "zipkin", "newrelic") else ""
    return derived(
        sorted(rates), f"ratio {shown} of new traces{dropped}", [s for v in rates.values() for s in v]
    )


def _xray_rules(index: Index, env: str) -> Fact:
    rules = tm.sampling_rules(index, env)
    default = next((r for r in rules if _rule(r).get("URLPath") == "*"), None)
    if default is None:
        return Fact(None, "X-Ray rules (not in the templates)", ())
    rate = prop(default, "SamplingRule", "FixedRate")
    reservoir = prop(default, "SamplingRule", "ReservoirSize")
    health = [r for r in rules if r is not default]
    text = f"X-Ray rules: {reservoir.text}/s, then {float(rate.value or 0) * 100:g}%"
    if health:
        text += f"; health checks never ({len(health)} path{'s' if len(health) != 1 else ''})"
    return derived(rate.value, text, [rate, reservoir, *(prop(r, "SamplingRule", "URLPath") for r in health)])


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _rule(r: object) -> dict:  # type: ignore[type-arg]
    return getattr(r, "properties", {}).get("SamplingRule") or {}


def _retention(index: Index, env: str, key: str) -> Fact:
    if key in ("jaeger", "zipkin"):
        source = _meta_source(index, env, "retention_days")
        if source is None:
            return Fact(None, "-", ())
        return Fact(
            source.value, f"{source.value} d (the design's, set in {key.capitalize()}'s storage)", (source,)
        )
    data = load().trace_retention.get(key)
    if data is None:
        return Fact(None, "-", ())
    text = f"{data.days} d ({'default' if key != 'xray' else 'fixed'})"
    return Fact(data.days, text, (Source("data", FILE, f"/trace_retention/{key}/days", data.days),))


def metric_rows(index: Index, env: str) -> list[SignalRow]:
    """Application metrics (OTLP, scraped): the collector's metrics exporters, or the Datadog agent."""
    stores: dict[str, tuple[str, list[Fact | Source]]] = {}
    for c in tm.collectors(index, env):
        for pipeline in (p for p in c.pipelines if p.name == "metrics"):
            for exporter in pipeline.exporters:
                d = tm.destination(c, exporter)
                stores.setdefault(d.platform or d.label, (d.label, []))[1].append(c.source)
    agents = tm.datadog_agents(index, env)
    if agents:
        stores.setdefault("datadog", ("Datadog (DogStatsD and OTLP to the agent)", []))[1].extend(
            a.at("Image") for a in agents
        )
    rows = []
    for key, (label, sources) in sorted(stores.items()):
        retention = NOT_SET
        if key == "prometheus":
            spaces = index.of_type("AWS::APS::Workspace", env)
            if spaces:
                r = prop(spaces[0], "WorkspaceConfiguration", "RetentionPeriodInDays", default=150)
                retention = derived(r.value, f"{r.text} d (AMP workspace)", [r])
        rows.append(
            SignalRow(
                _fact("metrics", sources),
                _fact(label, sources),
                _unset(NOT_SET, sources),
                _unset(retention, sources),
            )
        )
    return rows


LOG_OUTPUTS = {
    "cloudwatch_logs": "CloudWatch Logs, a group per log type (see Logging)",
    "nrlogs": "New Relic Logs",
    "datadog": "Datadog Logs",
}


def log_rows(index: Index, env: str) -> list[SignalRow]:
    """Where the application containers' logs go: FireLens's output of each `app` container."""
    stores: dict[str, list[Fact | Source]] = {}
    for container, where in tm.firelens_outputs(index, env):
        if container.name != "app":
            continue
        name = where.text.split(" ", 1)[0]
        label = LOG_OUTPUTS.get(name, where.text)
        if name != "cloudwatch_logs" and " " in where.text:
            label += f" ({where.text.split(' ', 1)[1]})"
        stores.setdefault(label, []).append(where)
    return [
        SignalRow(
            _fact("logs", sources), _fact(label, sources), _unset(NOT_SET, sources), _unset(NOT_SET, sources)
        )
        for label, sources in sorted(stores.items())
    ]
