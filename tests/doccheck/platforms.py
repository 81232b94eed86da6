"""Observability platforms: the platform table's marks, where traces/metrics/logs go, the collector pipeline
diagrams, Grafana dashboards (whom each severity reaches and the rotations: tests/doccheck/oncall.py).

Read from the templates only: collector configurations are parsed from the task definitions' AOT_CONFIG_CONTENT
(every pipeline's components must be defined in the file), the Grafana dashboards from their AppConfig content. Vendor trace retention is the dated data file
the doc names (docgen/data/observability.yaml), read as plain YAML.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.doccheck.assembly import Assembly, Resource
from tests.doccheck.common import each_row, tables
from tests.doccheck.markdown import Doc
from tests.doccheck.mermaid import nodes
from tests.doccheck.report import Result
from tests.doccheck.values import flatten, quantity

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "docgen" / "data" / "observability.yaml"
PLATFORMS = ("cloudwatch", "datadog", "newrelic", "prometheus", "jaeger", "zipkin", "xray")
NAMES = {
    "cloudwatch": "cloudwatch",
    "datadog": "datadog",
    "new relic": "newrelic",
    "prometheus + grafana": "prometheus",
    "jaeger": "jaeger",
    "zipkin": "zipkin",
    "aws x-ray": "xray",
}


def check(doc: Doc, assembly: Assembly) -> Result:
    result = Result()
    collectors = _collectors(assembly, result)
    _platforms(doc, assembly, collectors, result)
    _signals(doc, assembly, collectors, result)
    _diagrams(doc, collectors, result)
    _grafana(doc, assembly, result)
    return result


@dataclass
class Collector:
    task: Resource
    container: dict[str, Any]
    config: dict[str, Any]

    @property
    def stage(self) -> str:
        return self.task.stack.stage

    def exporters(self, pipeline: str | None = None) -> list[str]:
        pipes = (self.config.get("service") or {}).get("pipelines") or {}
        return [e for name, p in pipes.items() if pipeline in (None, name) for e in p.get("exporters") or []]

    def setting(self, exporter: str) -> dict[str, Any]:
        return (self.config.get("exporters") or {}).get(exporter) or {}


def _env(container: dict[str, Any]) -> dict[str, Any]:
    return {e.get("Name"): e.get("Value") for e in container.get("Environment", []) if isinstance(e, dict)}


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("Fn::Sub"), str):
        return value["Fn::Sub"].replace("${!", "${")  # CloudFormation writes `${!x}` back as `${x}`
    return None


def _collectors(assembly: Assembly, result: Result) -> list[Collector]:
    """Every collector configuration; a pipeline naming a component the file does not define is a mismatch
    (the collector would refuse to start)."""
    out = []
    for task in assembly.resources("AWS::ECS::TaskDefinition"):
        for c in task.props.get("ContainerDefinitions", []):
            text = _text(_env(c).get("AOT_CONFIG_CONTENT"))
            if text is None:
                continue
            config = yaml.safe_load(text)
            out.append(Collector(task, c, config))
            service = config.get("service") or {}
            for name, pipe in (service.get("pipelines") or {}).items():
                for kind in ("receivers", "processors", "exporters"):
                    for part in pipe.get(kind) or []:
                        result.fact(
                            part in (config.get(kind) or {}),
                            "collector-undefined-component",
                            f"{task.where()} pipeline {name}",
                            part,
                            f"defined under {kind}",
                            task.where("AOT_CONFIG_CONTENT"),
                        )
    return out


def _store(exporter: str, settings: dict[str, Any]) -> str:
    """Where an exporter sends, as a platform key ("" for none of the specification's)."""
    kind, endpoint = exporter.split("/")[0], str(settings.get("endpoint", ""))
    known = {
        "awsxray": "xray",
        "awsemf": "cloudwatch",
        "prometheusremotewrite": "prometheus",
        "zipkin": "zipkin",
    }
    if kind in known:
        return known[kind]
    if "nr-data.net" in endpoint:
        return "newrelic"
    return "jaeger" if "jaeger" in exporter else ""


def _stores(c: Collector, pipeline: str | None = None) -> set[str]:
    return {_store(e, c.setting(e)) for e in c.exporters(pipeline)} - {""}


def _images(assembly: Assembly, stage: str) -> list[tuple[Resource, dict[str, Any]]]:
    return [
        (t, c)
        for t in assembly.stages[stage].resources("AWS::ECS::TaskDefinition")
        for c in t.props.get("ContainerDefinitions", [])
    ]


def _firelens(assembly: Assembly, stage: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    out = []
    for _, c in _images(assembly, stage):
        config = c.get("LogConfiguration") or {}
        if config.get("LogDriver") == "awsfirelens":
            out.append((c, config.get("Options") or {}))
    return out


def used(assembly: Assembly, stage: str, collectors: list[Collector]) -> dict[str, bool]:
    st = assembly.stages[stage]
    mine = [c for c in collectors if c.stage == stage]
    exported = set().union(*(_stores(c) for c in mine)) if mine else set()
    outputs = {str(o.get("Name")) for _, o in _firelens(assembly, stage)}
    return {
        "cloudwatch": bool(st.resources("AWS::CloudWatch::Alarm", "AWS::CloudWatch::Dashboard")),
        "datadog": any("datadog/agent" in str(c.get("Image")) for _, c in _images(assembly, stage)),
        "newrelic": "newrelic" in exported or "nrlogs" in outputs,
        "prometheus": bool(st.resources("AWS::APS::Workspace")),
        "jaeger": "jaeger" in exported,
        "zipkin": "zipkin" in exported,
        "xray": "xray" in exported or bool(st.resources("AWS::XRay::SamplingRule")),
    }


def _platforms(doc: Doc, assembly: Assembly, collectors: list[Collector], result: Result) -> None:
    tabs = tables(doc, result, "Observability platforms", ("platform", "chosen"), needed=True)
    seen: set[tuple[str, str]] = set()
    for table, row, stage in each_row(tabs, assembly.stages):
        key = NAMES.get(row[table.column("platform") or ""].strip().lower())
        if stage not in assembly.stages or key is None:
            result.fact(
                False, "platform-row", f"Observability platforms / {stage}", row, "a platform", "data"
            )
            continue
        seen.add((stage, key))
        where = f"Observability platforms / {stage} / {key}"
        chosen = row[table.column("chosen") or ""].strip().lower() == "chosen"
        want = used(assembly, stage, collectors)[key]
        result.equal("platform-chosen", where, chosen, want, "templates: workspaces, agents, exporters")
        why = row[table.column("why") or ""]
        for name in _evidence_names(assembly, stage, key, collectors):
            result.fact(name.lower() in why.lower(), "platform-why", where, why, name, "templates")
    for stage in assembly.stages:
        for key in PLATFORMS:
            result.fact(
                (stage, key) in seen,
                "platform-missing-row",
                f"Observability platforms / {stage}",
                "no row",
                key,
                "specification table",
            )


def _evidence_names(assembly: Assembly, stage: str, key: str, collectors: list[Collector]) -> list[str]:
    """Names the reason for a mark must give: workspaces, agent images, exporter endpoints."""
    st = assembly.stages[stage]
    if key == "prometheus":
        return [str(w.props.get("Alias")) for w in st.resources("AWS::APS::Workspace")] + [
            str(g.props.get("Name")) for g in st.resources("AWS::Grafana::Workspace")
        ]
    if key == "datadog":
        return sorted(
            {str(c.get("Image")) for _, c in _images(assembly, stage) if c.get("Name") == "datadog-agent"}
        )
    if key in ("jaeger", "zipkin", "newrelic"):
        return sorted(
            {
                str(c.setting(e).get("endpoint", "")).replace("https://", "").split("/")[0]
                for c in collectors
                if c.stage == stage
                for e in c.exporters()
                if _store(e, c.setting(e)) == key
            }
        )
    return []


def _signals(doc: Doc, assembly: Assembly, collectors: list[Collector], result: Result) -> None:
    tabs = tables(doc, result, "Observability > telemetry", ("signal", "sent to"), needed=bool(collectors))
    retention = yaml.safe_load(DATA.read_text())["trace_retention"]
    rows: dict[tuple[str, str], list[dict[str, str]]] = {}
    for table, row, stage in each_row(tabs, assembly.stages):
        rows.setdefault((stage, row[table.column("signal") or ""].strip()), []).append(
            {
                "to": row[table.column("sent to") or ""],
                "retention": row[table.column("retention") or ""],
                "sampling": row[table.column("sampling") or ""],
            }
        )
    for stage, st in assembly.stages.items():
        mine = [c for c in collectors if c.stage == stage]
        traces = set().union(*(_stores(c, "traces") for c in mine)) if mine else set()
        if any("datadog/agent" in str(c.get("Image")) for _, c in _images(assembly, stage)) and _dd_tracing(
            assembly, stage
        ):
            traces.add("datadog")
        shown = rows.get((stage, "traces"), [])
        where = f"Observability > telemetry / {stage} / traces"
        result.equal("telemetry-trace-stores", where, len(shown), len(traces), "collector exporters, agents")
        meta = (
            next(
                (
                    s.template.get("Metadata", {}).get("Tracing")
                    for s in st.stacks
                    if "Tracing" in s.template.get("Metadata", {})
                ),
                None,
            )
            or {}
        )
        for store in traces:
            label = {"xray": "x-ray", "datadog": "datadog", "newrelic": "new relic"}.get(store, store)
            row = next((r for r in shown if label in r["to"].lower()), None)
            if not result.fact(
                row is not None,
                "telemetry-trace-store",
                where,
                [r["to"] for r in shown],
                store,
                "collector exporters",
            ):
                continue
            assert row is not None
            days = meta.get("retention_days") if store in ("jaeger", "zipkin") else retention[store]["days"]
            result.equal(
                "telemetry-trace-retention",
                f"{where} / {store}",
                quantity(row["retention"]),
                float(days),
                "Tracing metadata" if store in ("jaeger", "zipkin") else str(DATA),
            )
            _sampling(result, f"{where} / {store}", row["sampling"], assembly, stage)
        amp = st.resources("AWS::APS::Workspace")
        if amp:
            metrics = rows.get((stage, "metrics"), [])
            row = next((r for r in metrics if "prometheus" in r["to"].lower()), None)
            days = amp[0].props.get("WorkspaceConfiguration", {}).get("RetentionPeriodInDays", 150)
            result.fact(
                row is not None and quantity(row["retention"]) == float(days),
                "telemetry-amp-retention",
                f"Observability > telemetry / {stage} / metrics",
                row,
                days,
                amp[0].where("RetentionPeriodInDays"),
            )


def _dd_tracing(assembly: Assembly, stage: str) -> bool:
    return any(
        _env(c).get("DD_TRACE_ENABLED") != "false"
        for _, c in _images(assembly, stage)
        if c.get("Name") == "app"
    )


def _sampling(result: Result, where: str, cell: str, assembly: Assembly, stage: str) -> None:
    apps = [_env(c) for _, c in _images(assembly, stage) if c.get("Name") == "app"]
    if any(e.get("OTEL_TRACES_SAMPLER") == "xray" for e in apps) and "datadog" not in where:
        rules = assembly.stages[stage].resources("AWS::XRay::SamplingRule")
        default = next((r for r in rules if r.props["SamplingRule"].get("URLPath") == "*"), None)
        if default is None:
            return
        rate = float(default.props["SamplingRule"]["FixedRate"]) * 100
        reservoir = default.props["SamplingRule"]["ReservoirSize"]
        ok = f"{reservoir}/s" in cell and re.search(rf"\b{rate:g}%", cell) is not None
        result.fact(
            ok,
            "telemetry-sampling",
            where,
            cell,
            f"{reservoir}/s then {rate:g}%",
            default.where("SamplingRule"),
        )
        return
    rates = {
        float(e[k]) * 100
        for e in apps
        for k in ("OTEL_TRACES_SAMPLER_ARG", "DD_TRACE_SAMPLE_RATE")
        if _isnum(e.get(k))
    }
    for rate in rates:
        result.fact(
            re.search(rf"\b{rate:g}%", cell) is not None,
            "telemetry-sampling",
            where,
            cell,
            f"{rate:g}%",
            "app OTEL_TRACES_SAMPLER_ARG / DD_TRACE_SAMPLE_RATE",
        )


def _isnum(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _diagrams(doc: Doc, collectors: list[Collector], result: Result) -> None:
    """A diagram per collector configuration, titled with its stage and workload: every receiver and exporter of
    the file is a node, and every pipeline a node listing its processors."""
    titles = [
        p
        for p in doc.paragraphs
        if p.region == "observability" and p.text.startswith("Collector pipeline of")
    ]
    diagrams = [m for m in doc.mermaids if m.region == "observability"]
    result.equal(
        "collector-diagrams",
        "Observability > collector pipelines",
        len(titles),
        len(diagrams),
        "one title per diagram",
    )
    for c in collectors:
        name = c.task.tags.get("Service", c.task.logical_id)
        where = f"Observability > collector pipeline / {c.stage} / {name}"
        picked = None
        for title, diagram in zip(titles, diagrams, strict=False):
            head = title.text.removeprefix("Collector pipeline of ").rstrip(":")
            stages, _, workloads = head.partition(": ")
            if c.stage in [s.strip() for s in stages.split(",")] and name in [
                w.strip() for w in workloads.split(",")
            ]:
                picked = diagram
        if not result.fact(
            picked is not None,
            "collector-diagram-missing",
            where,
            "no diagram",
            "a diagram",
            c.task.where("AOT_CONFIG_CONTENT"),
        ):
            continue
        assert picked is not None
        labels = [n.label for n in nodes(picked)]
        firsts = {n.first for n in nodes(picked)}
        pipes = (c.config.get("service") or {}).get("pipelines") or {}
        for pname, pipe in pipes.items():
            for part in [*(pipe.get("receivers") or []), *(pipe.get("exporters") or [])]:
                result.fact(
                    part in firsts,
                    "collector-diagram-component",
                    where,
                    sorted(firsts),
                    part,
                    c.task.where("AOT_CONFIG_CONTENT"),
                )
            chain = " → ".join(pipe.get("processors") or [])
            ok = any(label.startswith(f"{pname} pipeline") and chain in label for label in labels)
            result.fact(
                ok,
                "collector-diagram-pipeline",
                where,
                labels,
                f"{pname}: {chain}",
                c.task.where("AOT_CONFIG_CONTENT"),
            )


def _grafana(doc: Doc, assembly: Assembly, result: Result) -> None:
    versions = [
        v
        for v in assembly.resources("AWS::AppConfig::HostedConfigurationVersion")
        if "GrafanaDashboard" in v.raw.get("Metadata", {})
    ]
    tabs = tables(
        doc,
        result,
        "Observability > Grafana dashboards",
        ("grafana dashboard", "panels"),
        needed=bool(versions),
    )
    rows = {
        (stage, row[t.column("kind") or ""].strip()): (t, row)
        for t, row, stage in each_row(tabs, assembly.stages)
    }
    for v in versions:
        kind = v.raw["Metadata"]["GrafanaDashboard"]["kind"]
        where = f"Observability > Grafana dashboards / {v.stack.stage} / {kind}"
        hit = rows.get((v.stack.stage, kind))
        if not result.fact(hit is not None, "grafana-missing-row", where, "no row", kind, v.where()):
            continue
        assert hit is not None
        table, row = hit
        body = json.loads(flatten(v.props.get("Content")))  # deploy-time values are inside JSON strings
        panels = sum(1 for p in body.get("panels", []) if p.get("type") == "timeseries")
        result.equal(
            "grafana-panels",
            where,
            quantity(row[table.column("panels") or ""]),
            float(panels),
            v.where("Content"),
        )
