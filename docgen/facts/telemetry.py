"""Telemetry facts: the collector sidecars' configurations (read from the task definitions), their pipelines and
where each exporter sends, vendor agents and log routes, and which observability platforms the templates use.

A collector's configuration is the YAML document in its container's `AOT_CONFIG_CONTENT` variable (a string,
or a Fn::Sub whose `${!name}` CloudFormation writes back as `${name}`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from docgen.assembly.model import Resource
from docgen.data import SAFE_LOADER
from docgen.facts.fact import Fact, Source, derived, exists, meta, pointer_of, prop
from docgen.facts.index import Index, name_fact

CONFIG_VARIABLE = "AOT_CONFIG_CONTENT"
DATADOG_AGENT = "datadog/agent"


@dataclass(frozen=True)
class Container:
    task: Resource
    index: int
    body: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.body.get("Name", ""))

    def at(self, *path: str | int) -> Source:
        value: Any = self.body
        for part in path:
            value = value[part] if isinstance(value, (dict, list)) else None
        return Source(
            "template",
            self.task.template,
            pointer_of(self.task.logical_id, ("Properties", "ContainerDefinitions", self.index, *path)),
            value,
        )

    def environment(self) -> dict[str, tuple[int, Any]]:
        return {
            str(e.get("Name")): (i, e.get("Value"))
            for i, e in enumerate(self.body.get("Environment") or [])
            if isinstance(e, dict)
        }

    def image(self) -> str:
        image = self.body.get("Image")
        return image if isinstance(image, str) else ""


def containers(index: Index, env: str) -> list[Container]:
    return [c for task in index.of_type("AWS::ECS::TaskDefinition", env) for c in containers_of(task)]


def containers_of(task: Resource) -> list[Container]:
    return [
        Container(task, i, body)
        for i, body in enumerate(task.properties.get("ContainerDefinitions") or [])
        if isinstance(body, dict)
    ]


@dataclass(frozen=True)
class Pipeline:
    name: str  # "traces", "metrics"
    receivers: tuple[str, ...]
    processors: tuple[str, ...]
    exporters: tuple[str, ...]


@dataclass(frozen=True)
class Collector:
    container: Container
    workload: Fact
    config: dict[str, Any]
    source: Source  # the configuration's variable in the task definition

    @property
    def pipelines(self) -> tuple[Pipeline, ...]:
        service = self.config.get("service") or {}
        return tuple(
            Pipeline(
                name,
                tuple(p.get("receivers") or ()),
                tuple(p.get("processors") or ()),
                tuple(p.get("exporters") or ()),
            )
            for name, p in (service.get("pipelines") or {}).items()
            if isinstance(p, dict)
        )


def config_text(value: Any) -> str | None:
    """The configuration file from its template value."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1 and "Fn::Sub" in value:
        body = value["Fn::Sub"]
        body = body[0] if isinstance(body, list) and body else body
        return body.replace("${!", "${") if isinstance(body, str) else None
    return None


def collectors(index: Index, env: str) -> list[Collector]:
    out = []
    for c in containers(index, env):
        variables = c.environment()
        if CONFIG_VARIABLE not in variables:
            continue
        i, value = variables[CONFIG_VARIABLE]
        text = config_text(value)
        try:
            config = yaml.load(text, Loader=SAFE_LOADER) if text else None
        except yaml.YAMLError:
            config = None
        if isinstance(config, dict):
            out.append(Collector(c, name_fact(c.task), config, c.at("Environment", i, "Value")))
    return sorted(out, key=lambda x: x.workload.text)


# --- where an exporter sends -----------------------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    platform: str  # a key of docgen/data/observability.yaml's platforms ("" for none of them)
    label: str  # "AWS X-Ray", "Jaeger jaeger.example.com:4317"
    short: str = ""  # the same without what differs per environment (a diagram shared by environments)

    @property
    def brief(self) -> str:
        return self.short or self.label


def destination(collector: Collector, exporter: str) -> Destination:
    settings = (collector.config.get("exporters") or {}).get(exporter) or {}
    kind = exporter.split("/", 1)[0]
    endpoint = str(settings.get("endpoint", ""))
    if kind == "awsxray":
        return Destination("xray", "AWS X-Ray")
    if kind == "awsemf":
        namespace = settings.get("namespace", "-")
        return Destination(
            "cloudwatch", f"CloudWatch metrics (EMF), namespace {namespace}", "CloudWatch metrics (EMF)"
        )
    if kind == "prometheusremotewrite":
        return Destination("prometheus", "Amazon Managed Service for Prometheus (remote write, SigV4)")
    if kind == "zipkin":
        return Destination("zipkin", f"Zipkin {endpoint}")
    if "nr-data.net" in endpoint:
        return Destination("newrelic", f"New Relic {endpoint}")
    if "jaeger" in exporter:
        return Destination("jaeger", f"Jaeger {endpoint}")
    return Destination("", f"{exporter} {endpoint}".strip())


def receiver_label(collector: Collector, receiver: str) -> str:
    settings = (collector.config.get("receivers") or {}).get(receiver) or {}
    kind = receiver.split("/", 1)[0]
    if kind == "otlp":
        protocols = settings.get("protocols") or {}
        ports = [
            f"{p} {str((protocols[p] or {}).get('endpoint', '')).rsplit(':', 1)[-1]}"
            for p in sorted(protocols)
        ]
        return f"OTLP ({', '.join(ports)})"
    if kind == "awsxray":
        return "X-Ray segments (UDP 2000) and sampling rules"
    if kind == "prometheus":
        jobs = ((settings.get("config") or {}).get("scrape_configs")) or [{}]
        job = jobs[0]
        targets = ", ".join(t for s in job.get("static_configs") or [] for t in s.get("targets") or [])
        return f"Prometheus scrape of {targets}{job.get('metrics_path', '')} every {job.get('scrape_interval', '-')}"
    return receiver


# --- vendor agents and log routes -----------------------------------------------------------------


def firelens_outputs(index: Index, env: str) -> list[tuple[Container, Fact]]:
    """Containers whose logs FireLens sends somewhere: (container, "<output> <host>")."""
    out = []
    for c in containers(index, env):
        config = c.body.get("LogConfiguration") or {}
        if config.get("LogDriver") != "awsfirelens":
            continue
        options = config.get("Options") or {}
        name = str(options.get("Name", ""))
        host = options.get("Host") or options.get("base_uri") or options.get("log_group_name") or ""
        where = f"{name} {host if isinstance(host, str) else '(deploy-time value)'}".strip()
        out.append((c, derived(where, where, [c.at("LogConfiguration", "Options")])))
    return out


def datadog_agents(index: Index, env: str) -> list[Container]:
    return [c for c in containers(index, env) if DATADOG_AGENT in c.image()]


def agent_fact(agents: list[Container]) -> Fact:
    """Agents counted by task definition (the construct's init container runs the agent image too)."""
    images = sorted({a.image() for a in agents if a.name == "datadog-agent"} or {a.image() for a in agents})
    tasks = len({(a.task.stack, a.task.logical_id) for a in agents})
    text = (
        f"Datadog agent sidecar in {tasks} task definition{'s' if tasks != 1 else ''} ({', '.join(images)})"
    )
    return derived(len(agents), text, [a.at("Image") for a in agents])


def workspace_facts(index: Index, env: str) -> list[Fact]:
    out = []
    for ws in index.of_type("AWS::APS::Workspace", env):
        days = ws.properties.get("WorkspaceConfiguration", {}).get("RetentionPeriodInDays", 150)
        alias = prop(ws, "Alias", default="-")
        retention = prop(ws, "WorkspaceConfiguration", "RetentionPeriodInDays", default=150)
        out.append(derived(alias.value, f"AMP workspace {alias.text} (keeps {days} d)", [alias, retention]))
    for g in index.of_type("AWS::Grafana::Workspace", env):
        name = prop(g, "Name", default="-")
        sources = prop(g, "DataSources", default=[])
        text = f"Grafana workspace {name.text} ({', '.join(map(str, sources.value or [])).lower() or 'no data sources'})"
        out.append(derived(name.value, text, [name, sources]))
    return out


def sampling_rules(index: Index, env: str) -> list[Resource]:
    return index.of_type("AWS::XRay::SamplingRule", env)


def exists_fact(resources: list[Resource], text: str) -> Fact:
    return derived(len(resources), text, [exists(r, text) for r in resources])


@dataclass(frozen=True)
class GrafanaDashboard:
    resource: Resource
    kind: Fact
    name: Fact
    panels: Fact
    sections: Fact


def grafana_dashboards(index: Index, env: str) -> list[GrafanaDashboard]:
    """Grafana dashboards the templates store (AppConfig hosted configurations carrying `GrafanaDashboard`)."""
    out = []
    for r in index.of_type("AWS::AppConfig::HostedConfigurationVersion", env):
        if not isinstance(r.metadata.get("GrafanaDashboard"), dict):
            continue
        content = prop(r, "Content", default="")
        text = content.text
        panels = text.count('"type":"timeseries"')
        profile = next(iter(index.targets(r, r.properties.get("ConfigurationProfileId"))), None)
        name = prop(profile, "Name") if profile is not None else exists(r, "-")
        out.append(
            GrafanaDashboard(
                resource=r,
                kind=meta(r, "GrafanaDashboard", "kind", default="-"),
                name=name,
                panels=derived(panels, str(panels), [content]),
                sections=meta(
                    r, "GrafanaDashboard", "sections", default=[], fmt=lambda v: ", ".join(map(str, v)) or "-"
                ),
            )
        )
    return sorted(out, key=lambda d: d.kind.text)
