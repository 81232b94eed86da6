"""The dashboard model: what each environment's operations, application and business dashboards show.

One model, two renderers: CloudWatch dashboards (stacks/dashboards.py, with cdk-monitoring-constructs) and,
with `metrics: prometheus`, Grafana dashboards (stacks/grafana.py). A dashboard is sections of panels; a panel
draws CloudWatch metrics (the same metric objects the alarms use) or PromQL queries on AMP. A section
CloudWatch draws with a built-in monitor (RDS, ElastiCache, CloudFront) names it in `monitor`, and still lists
its panels for Grafana. Widgets grow with the design: a row per HTTP service on the application dashboard, and
graphs of ten lines for services and queues elsewhere, so a 60-service design stays far below CloudWatch's 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2

from designspec.model import Kpis, ServiceSizing
from designspec.observability import BusinessMetric
from stacks.compute import FargateWorkload
from stacks.data import PostgresDatabase, RedisCache
from stacks.messaging import WorkQueue
from stacks.monitoring import FIVE_MIN, KpiMetrics

LINES_PER_GRAPH = 10
NO_BUSINESS_NOTE = "The design names no business metrics (`observability.business_metrics`)."
AMP_BUSINESS_NOTE = (
    "The business metrics are in the environment's Amazon Managed Service for Prometheus workspace: the "
    "Grafana business dashboard draws them (PromQL)."
)


@dataclass(frozen=True)
class Note:
    markdown: str
    summary: str | None = None  # a line of the `Dashboard` metadata, when the note stands for a section


def traces_note(destinations: tuple[str, ...], *, site: str = "", endpoint: str = "") -> Note:
    """Where to read the traces, for the application dashboard (its metadata names the trace store)."""
    if not destinations:
        return Note(
            "**Traces**: tracing is off (`observability.tracing.enabled: false`).", "traces: tracing off"
        )
    first = destinations[0]
    if first == "xray":
        return Note(
            "**Traces**: X-Ray console, *Trace Map* and *Traces*, filtered by service name. "
            "Every service sends its traces through its ADOT collector sidecar.",
            "traces: link to the X-Ray trace map",
        )
    if first == "datadog":
        return Note(
            f"**Traces**: Datadog APM ({site}), *Traces*, filtered by `env` and `service`. Every task's "
            "Datadog agent sidecar receives them.",
            "traces: link to Datadog APM",
        )
    if first == "newrelic":
        return Note(
            "**Traces**: New Relic, *APM & Services* and *Distributed tracing*, filtered by `service.name`. "
            "Every service sends its traces through its collector sidecar (OTLP).",
            "traces: link to New Relic distributed tracing",
        )
    name = {"jaeger": "Jaeger", "zipkin": "Zipkin"}[first]
    host = endpoint.split("/")[2].split(":")[0] if endpoint else ""
    return Note(
        f"**Traces**: the {name} UI of `{host}`, searched by service name. Every service sends its traces "
        "through its collector sidecar.",
        f"traces: link to the {name} UI",
    )


@dataclass(frozen=True)
class Panel:
    title: str
    metrics: tuple[cw.IMetric, ...] = ()  # CloudWatch
    promql: tuple[tuple[str, str], ...] = ()  # (legend, query) on the Prometheus workspace
    lines: tuple[tuple[float, str], ...] = ()  # horizontal lines: (value, label)


@dataclass(frozen=True)
class Monitor:
    """A component CloudWatch draws with one of cdk-monitoring-constructs' built-in monitors."""

    kind: str  # "rds" | "redis" | "cloudfront"
    target: object  # the instance, the cache node id, the distribution
    name: str  # the monitor's alarm-friendly name


@dataclass(frozen=True)
class Section:
    title: str  # the header a dashboard shows
    key: str  # a short stable name (cdk-monitoring-constructs' alarm-friendly name)
    summary: tuple[str, ...]  # the lines the dashboard's `Dashboard` metadata lists (docgen reads them)
    panels: tuple[Panel, ...]
    monitor: Monitor | None = None


@dataclass(frozen=True)
class DashboardModel:
    kind: str  # operations | application | business
    title: str
    sections: tuple[Section, ...]
    notes: tuple[Note, ...] = ()  # text after the sections

    @property
    def summaries(self) -> list[str]:
        lines = [line for s in self.sections for line in s.summary]
        return lines + [n.summary for n in self.notes if n.summary]


@dataclass(frozen=True)
class DashboardSources:
    """Everything one environment's dashboards show, gathered by the stage."""

    workloads: Mapping[str, FargateWorkload]
    capacity: Mapping[str, ServiceSizing]
    kpi: Mapping[str, KpiMetrics]  # HTTP workloads
    worker_queues: Mapping[str, WorkQueue]  # worker -> the queue it consumes
    queues: Mapping[str, WorkQueue]
    databases: Mapping[str, PostgresDatabase]
    caches: Mapping[str, RedisCache]
    alb: elbv2.IApplicationLoadBalancer
    distributions: Mapping[str, cloudfront.IDistribution]


def operations(s: DashboardSources) -> DashboardModel:
    """System health: every task set, the load balancer, the data stores, the queues, the CDN."""
    names = sorted(s.workloads)
    services = {n: s.workloads[n].service for n in names}
    sections = [
        Section(
            "Services",
            "services",
            (
                "services: CPU, memory and running tasks of "
                + ", ".join(f"{n} ({s.capacity[n].min}-{s.capacity[n].max})" for n in names),
            ),
            (
                *_chunked(
                    "CPU (%)", {n: svc.metric_cpu_utilization(period=FIVE_MIN) for n, svc in services.items()}
                ),
                *_chunked(
                    "Memory (%)",
                    {n: svc.metric_memory_utilization(period=FIVE_MIN) for n, svc in services.items()},
                ),
                *_chunked("Running tasks", {n: _running_tasks(svc) for n, svc in services.items()}),
            ),
        ),
        Section(
            "Load balancer",
            "alb",
            ("load balancer: requests, ELB and target 5xx, connections",),
            (
                Panel("Requests", (s.alb.metrics.request_count(period=FIVE_MIN, statistic="Sum"),)),
                Panel(
                    "5xx",
                    (
                        s.alb.metrics.http_code_elb(
                            elbv2.HttpCodeElb.ELB_5XX_COUNT, period=FIVE_MIN, statistic="Sum"
                        ),
                        s.alb.metrics.http_code_target(
                            elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=FIVE_MIN, statistic="Sum"
                        ),
                    ),
                ),
                Panel(
                    "Connections", (s.alb.metrics.active_connection_count(period=FIVE_MIN, statistic="Sum"),)
                ),
            ),
        ),
    ]
    sections += [_database(name, db) for name, db in sorted(s.databases.items())]
    for name, cache in sorted(s.caches.items()):
        sections += [_cache_node(name, i, node) for i, node in enumerate(cache.node_ids, 1)]
    if s.queues:
        sections.append(_queues(dict(sorted(s.queues.items()))))
    sections += [_distribution(name, d) for name, d in sorted(s.distributions.items())]
    return DashboardModel("operations", "System health", tuple(sections))


def _database(name: str, db: PostgresDatabase) -> Section:
    i = db.instance
    return Section(
        f"PostgreSQL {name}",
        name,
        (f"database {name}: CPU, connections, free storage, latency",),
        (
            Panel("CPU (%)", (i.metric_cpu_utilization(period=FIVE_MIN),)),
            Panel("Connections", (i.metric_database_connections(period=FIVE_MIN, statistic="Maximum"),)),
            Panel(
                "Free storage (bytes)", (i.metric_free_storage_space(period=FIVE_MIN, statistic="Minimum"),)
            ),
            Panel(
                "Latency (s)",
                (i.metric("ReadLatency", period=FIVE_MIN), i.metric("WriteLatency", period=FIVE_MIN)),
            ),
        ),
        Monitor("rds", i, name),
    )


def _cache_node(name: str, i: int, node: str) -> Section:
    """A section per node; the cache's summary line once, on its first node."""

    def metric(metric_name: str, statistic: str = "Average") -> cw.Metric:
        return cw.Metric(
            namespace="AWS/ElastiCache",
            metric_name=metric_name,
            dimensions_map={"CacheClusterId": node},
            period=FIVE_MIN,
            statistic=statistic,
        )

    return Section(
        f"Redis {name} node {i}",
        f"{name}-{i}",
        (f"cache {name}: CPU, memory, evictions, connections per node",) if i == 1 else (),
        (
            Panel("CPU (%)", (metric("EngineCPUUtilization"),)),
            Panel("Memory (%)", (metric("DatabaseMemoryUsagePercentage"),)),
            Panel("Evictions", (metric("Evictions", "Sum"),)),
            Panel("Connections", (metric("CurrConnections", "Maximum"),)),
        ),
        Monitor("redis", node, f"{name}-{i}"),
    )


def _queues(queues: Mapping[str, WorkQueue]) -> Section:
    return Section(
        "Queues",
        "queues",
        ("queues: backlog, oldest message and DLQ depth of " + ", ".join(queues),),
        (
            *_chunked(
                "Backlog (messages)",
                {
                    n: q.queue.metric_approximate_number_of_messages_visible(
                        period=FIVE_MIN, statistic="Maximum"
                    )
                    for n, q in queues.items()
                },
            ),
            *_chunked(
                "Oldest message (s)",
                {
                    n: q.queue.metric_approximate_age_of_oldest_message(period=FIVE_MIN, statistic="Maximum")
                    for n, q in queues.items()
                },
            ),
            *_chunked(
                "Dead-letter queue depth",
                {
                    n: q.dead_letter_queue.metric_approximate_number_of_messages_visible(
                        period=FIVE_MIN, statistic="Maximum"
                    )
                    for n, q in queues.items()
                },
            ),
        ),
    )


def _distribution(name: str, d: cloudfront.IDistribution) -> Section:
    distribution = d  # CloudFront publishes its metrics in us-east-1 only: the panels query that region
    return Section(
        f"CloudFront {name}",
        name,
        (f"distribution {name}: requests, error rate, traffic",),
        (
            Panel("Requests", (_cdn(distribution, "Requests", "Sum"),)),
            Panel("5xx error rate (%)", (_cdn(distribution, "5xxErrorRate", "Average"),)),
            Panel("Bytes downloaded", (_cdn(distribution, "BytesDownloaded", "Sum"),)),
        ),
        Monitor("cloudfront", distribution, name),
    )


def _cdn(distribution: cloudfront.IDistribution, metric_name: str, statistic: str) -> cw.Metric:
    return cw.Metric(
        namespace="AWS/CloudFront",
        metric_name=metric_name,
        dimensions_map={"DistributionId": distribution.distribution_id, "Region": "Global"},
        period=FIVE_MIN,
        statistic=statistic,
        region="us-east-1",
    )


def application(s: DashboardSources, kpis: Kpis, traces: Note) -> DashboardModel:
    """Performance against the KPI table (threshold lines from the spec), and the workers' throughput."""
    sections = [
        Section(
            f"Service {name}",
            name,
            (f"service {name}: availability, 5xx rate, P50/P99 latency, requests",),
            (
                Panel(
                    "Availability (%)",
                    (kpi.availability,),
                    lines=(
                        (kpis.availability_alert_below_percent, "alert"),
                        (kpis.availability_target_percent, "target"),
                    ),
                ),
                Panel("5xx rate (%)", (kpi.error_rate,), lines=((kpis.error_rate_alert_percent, "alert"),)),
                Panel(
                    "Latency (s)",
                    (kpi.p50, kpi.p99),
                    lines=(
                        (kpis.p50_latency_alert_ms / 1000, "P50 alert"),
                        (kpis.p99_latency_alert_ms / 1000, "P99 alert"),
                    ),
                ),
                Panel("Requests", (kpi.requests,)),
            ),
        )
        for name, kpi in sorted(s.kpi.items())
    ]
    if s.worker_queues:
        workers = dict(sorted(s.worker_queues.items()))
        sections.append(
            Section(
                "Workers",
                "workers",
                ("workers: messages processed and oldest waiting message of " + ", ".join(workers),),
                (
                    *_chunked(
                        "Messages processed",
                        {
                            n: q.queue.metric_number_of_messages_deleted(period=FIVE_MIN, statistic="Sum")
                            for n, q in workers.items()
                        },
                    ),
                    *_chunked(
                        "Oldest waiting message (s)",
                        {
                            n: q.queue.metric_approximate_age_of_oldest_message(
                                period=FIVE_MIN, statistic="Maximum"
                            )
                            for n, q in workers.items()
                        },
                    ),
                ),
            )
        )
    return DashboardModel("application", "Application performance", tuple(sections), (traces,))


def business(
    metrics: tuple[BusinessMetric, ...], default_namespace: str, *, environment: str, prometheus: bool
) -> DashboardModel:
    """The spec's business metrics, one graph each: CloudWatch metrics the collector publishes (EMF), or with
    Prometheus the same names on AMP (the collector remote-writes them there instead)."""
    if not metrics:
        return DashboardModel("business", "Business KPIs", (), (Note(NO_BUSINESS_NOTE),))
    panels = tuple(
        Panel(f"{m.name} ({m.unit})", promql=((m.description or m.name, _promql(m, environment)),))
        if prometheus
        else Panel(
            f"{m.name} ({m.unit})",
            (
                cw.Metric(
                    namespace=m.namespace or default_namespace,
                    metric_name=m.name,
                    statistic=m.statistic,
                    period=FIVE_MIN,
                    label=m.description or m.name,
                ),
            ),
        )
        for m in metrics
    )
    summaries = tuple(
        f"Prometheus {m.name} ({m.statistic})"
        if prometheus
        else f"{m.namespace or default_namespace}/{m.name} ({m.statistic})"
        for m in metrics
    )
    return DashboardModel(
        "business", "Business KPIs", (Section("Business metrics", "business", summaries, panels),)
    )


PROMQL_AGGREGATION = {
    "Sum": "sum",
    "SampleCount": "count",
    "Average": "avg",
    "Minimum": "min",
    "Maximum": "max",
}


def _promql(m: BusinessMetric, environment: str) -> str:
    """The metric on AMP: OpenTelemetry names keep their case; counters get `_total` (hence the regex)."""
    selector = f'{{__name__=~"{m.name}(_total)?", deployment_environment="{environment}"}}'
    if m.statistic.startswith("p"):
        quantile = int(m.statistic[1:]) / 100
        return f'histogram_quantile({quantile:g}, sum by (le) (rate({m.name}_bucket{{deployment_environment="{environment}"}}[5m])))'
    aggregation = PROMQL_AGGREGATION.get(m.statistic, "sum")
    if m.statistic in ("Sum", "SampleCount"):
        return f"{aggregation}(increase({selector}[5m]))"
    return f"{aggregation}({selector})"


def _chunked(title: str, metrics: Mapping[str, cw.Metric]) -> list[Panel]:
    """A graph per LINES_PER_GRAPH components, a line each: widgets grow by a tenth of the design."""
    names = list(metrics)
    chunks = [names[i : i + LINES_PER_GRAPH] for i in range(0, len(names), LINES_PER_GRAPH)]
    return [
        Panel(
            title if len(chunks) == 1 else f"{title} {chunk[0]}..{chunk[-1]}",
            tuple(metrics[n].with_(label=n) for n in chunk),
        )
        for chunk in chunks
    ]


def _running_tasks(service: ecs.FargateService) -> cw.Metric:
    """Container Insights' task count of a service (the cluster has Container Insights on)."""
    return cw.Metric(
        namespace="ECS/ContainerInsights",
        metric_name="RunningTaskCount",
        period=FIVE_MIN,
        statistic="Average",
        dimensions_map={"ClusterName": service.cluster.cluster_name, "ServiceName": service.service_name},
    )
