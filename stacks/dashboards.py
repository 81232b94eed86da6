"""Dashboards per environment: operations (system health), application (performance) and business (KPIs).

Built with cdk-monitoring-constructs, one MonitoringFacade per dashboard; the alarms are ours (see
monitoring.py), so the facades only draw. Each dashboard resource carries a `Dashboard` metadata entry
(kind and sections) so docgen can list what it shows without parsing the body. Widgets per dashboard grow
with the design: a row per HTTP service on the application dashboard (five widgets), and graphs of ten lines
for services and queues elsewhere, so a 60-service design stays far below CloudWatch's 500 widgets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import cdk_monitoring_constructs as mc
from aws_cdk import Duration
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from constructs import Construct

from designspec.model import Kpis, ServiceSizing
from designspec.naming import dashboard_name
from designspec.observability import BusinessMetric
from stacks.compute import FargateWorkload
from stacks.data import PostgresDatabase, RedisCache
from stacks.messaging import WorkQueue
from stacks.monitoring import FIVE_MIN, KpiMetrics

DASHBOARD_KINDS = ("operations", "application", "business")
LINES_PER_GRAPH = 10


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


class Dashboards(Construct):
    """The three dashboards; `self.dashboards[kind]` is the CloudWatch dashboard of each kind."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name_prefix: str,
        sources: DashboardSources,
        kpis: Kpis,
        business_metrics: tuple[BusinessMetric, ...],
        metrics_namespace: str,
    ) -> None:
        super().__init__(scope, id)
        self._prefix = name_prefix
        self.dashboards: dict[str, cw.Dashboard] = {}
        self._operations(sources)
        self._application(sources, kpis)
        self._business(business_metrics, metrics_namespace)

    def _facade(self, kind: str, title: str) -> mc.MonitoringFacade:
        factory = mc.DefaultDashboardFactory(
            self,
            f"{kind.capitalize()}Factory",
            dashboard_name_prefix=dashboard_name(self._prefix, kind),  # the dashboard's whole name
            create_dashboard=True,
            create_summary_dashboard=False,
            create_alarm_dashboard=False,
            detail_dashboard_range=Duration.hours(8),
        )
        facade = mc.MonitoringFacade(self, kind.capitalize(), dashboard_factory=factory)
        facade.add_large_header(f"{title}: {self._prefix}")
        return facade

    def _done(self, kind: str, facade: mc.MonitoringFacade, sections: list[str]) -> None:
        dashboard = facade.created_dashboard()
        assert dashboard is not None  # create_dashboard=True
        dashboard.node.default_child.add_metadata("Dashboard", {"kind": kind, "sections": sections})  # type: ignore[union-attr]
        self.dashboards[kind] = dashboard

    def _operations(self, s: DashboardSources) -> None:
        """System health: every task set, the load balancer, the data stores, the queues, the CDN."""
        facade = self._facade("operations", "System health")
        sections: list[str] = []
        names = sorted(s.workloads)
        services = {n: s.workloads[n].service for n in names}
        facade.monitor_custom(
            human_readable_name="Services",
            alarm_friendly_name="services",
            metric_groups=[
                *_chunked(
                    "CPU (%)", {n: svc.metric_cpu_utilization(period=FIVE_MIN) for n, svc in services.items()}
                ),
                *_chunked(
                    "Memory (%)",
                    {n: svc.metric_memory_utilization(period=FIVE_MIN) for n, svc in services.items()},
                ),
                *_chunked("Running tasks", {n: _running_tasks(svc) for n, svc in services.items()}),
            ],
        )
        sections.append(
            "services: CPU, memory and running tasks of "
            + ", ".join(f"{n} ({s.capacity[n].min}-{s.capacity[n].max})" for n in names)
        )
        facade.monitor_custom(
            human_readable_name="Load balancer",
            alarm_friendly_name="alb",
            metric_groups=[
                mc.CustomMetricGroup(
                    title="Requests", metrics=[s.alb.metrics.request_count(period=FIVE_MIN, statistic="Sum")]
                ),
                mc.CustomMetricGroup(
                    title="5xx",
                    metrics=[
                        s.alb.metrics.http_code_elb(
                            elbv2.HttpCodeElb.ELB_5XX_COUNT, period=FIVE_MIN, statistic="Sum"
                        ),
                        s.alb.metrics.http_code_target(
                            elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=FIVE_MIN, statistic="Sum"
                        ),
                    ],
                ),
                mc.CustomMetricGroup(
                    title="Connections",
                    metrics=[s.alb.metrics.active_connection_count(period=FIVE_MIN, statistic="Sum")],
                ),
            ],
        )
        sections.append("load balancer: requests, ELB and target 5xx, connections")
        for name, db in sorted(s.databases.items()):
            facade.monitor_rds_instance(
                instance=db.instance, human_readable_name=f"PostgreSQL {name}", alarm_friendly_name=name
            )
            sections.append(f"database {name}: CPU, connections, free storage, latency")
        for name, cache in sorted(s.caches.items()):
            for i, node in enumerate(cache.node_ids, 1):
                facade.monitor_elasti_cache_cluster(
                    cluster_id=node,
                    cluster_type=mc.ElastiCacheClusterType.REDIS,
                    human_readable_name=f"Redis {name} node {i}",
                    alarm_friendly_name=f"{name}-{i}",
                )
            sections.append(f"cache {name}: CPU, memory, evictions, connections per node")
        if s.queues:
            queues = dict(sorted(s.queues.items()))
            facade.monitor_custom(
                human_readable_name="Queues",
                alarm_friendly_name="queues",
                metric_groups=[
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
                            n: q.queue.metric_approximate_age_of_oldest_message(
                                period=FIVE_MIN, statistic="Maximum"
                            )
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
                ],
            )
            sections.append("queues: backlog, oldest message and DLQ depth of " + ", ".join(queues))
        for name, distribution in sorted(s.distributions.items()):
            facade.monitor_cloud_front_distribution(
                distribution=distribution, human_readable_name=f"CloudFront {name}", alarm_friendly_name=name
            )
            sections.append(f"distribution {name}: requests, error rate, traffic")
        self._done("operations", facade, sections)

    def _application(self, s: DashboardSources, kpis: Kpis) -> None:
        """Performance against the KPI table (threshold lines from the spec), and the workers' throughput."""
        facade = self._facade("application", "Application performance")
        sections: list[str] = []
        for name, kpi in sorted(s.kpi.items()):
            facade.monitor_custom(
                human_readable_name=f"Service {name}",
                alarm_friendly_name=name,
                metric_groups=[
                    mc.CustomMetricGroup(
                        title="Availability (%)",
                        metrics=[kpi.availability],
                        horizontal_annotations=[
                            _line(kpis.availability_alert_below_percent, "alert"),
                            _line(kpis.availability_target_percent, "target"),
                        ],
                    ),
                    mc.CustomMetricGroup(
                        title="5xx rate (%)",
                        metrics=[kpi.error_rate],
                        horizontal_annotations=[_line(kpis.error_rate_alert_percent, "alert")],
                    ),
                    mc.CustomMetricGroup(
                        title="Latency (s)",
                        metrics=[kpi.p50, kpi.p99],
                        horizontal_annotations=[
                            _line(kpis.p50_latency_alert_ms / 1000, "P50 alert"),
                            _line(kpis.p99_latency_alert_ms / 1000, "P99 alert"),
                        ],
                    ),
                    mc.CustomMetricGroup(title="Requests", metrics=[kpi.requests]),
                ],
            )
            sections.append(f"service {name}: availability, 5xx rate, P50/P99 latency, requests")
        if s.worker_queues:
            workers = dict(sorted(s.worker_queues.items()))
            facade.monitor_custom(
                human_readable_name="Workers",
                alarm_friendly_name="workers",
                metric_groups=[
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
                ],
            )
            sections.append("workers: messages processed and oldest waiting message of " + ", ".join(workers))
        facade.add_widget(
            cw.TextWidget(
                markdown="**Traces**: X-Ray console, *Trace Map* and *Traces*, filtered by service name. "
                "Every service sends its traces through its ADOT collector sidecar.",
                width=24,
                height=2,
            )
        )
        sections.append("traces: link to the X-Ray trace map")
        self._done("application", facade, sections)

    def _business(self, metrics: tuple[BusinessMetric, ...], default_namespace: str) -> None:
        """The spec's business metrics, one graph each; an explicit note when the spec names none."""
        facade = self._facade("business", "Business KPIs")
        sections: list[str] = []
        if metrics:
            facade.monitor_custom(
                human_readable_name="Business metrics",
                alarm_friendly_name="business",
                metric_groups=[
                    mc.CustomMetricGroup(
                        title=f"{m.name} ({m.unit})",
                        metrics=[
                            cw.Metric(
                                namespace=m.namespace or default_namespace,
                                metric_name=m.name,
                                statistic=m.statistic,
                                period=FIVE_MIN,
                                label=m.description or m.name,
                            )
                        ],
                    )
                    for m in metrics
                ],
            )
            sections.extend(f"{m.namespace or default_namespace}/{m.name} ({m.statistic})" for m in metrics)
        else:
            facade.add_widget(
                cw.TextWidget(
                    markdown="The design names no business metrics (`observability.business_metrics`).",
                    width=24,
                    height=2,
                )
            )
        self._done("business", facade, sections)


def _line(value: float, label: str) -> cw.HorizontalAnnotation:
    return cw.HorizontalAnnotation(value=value, label=label)


def _chunked(title: str, metrics: Mapping[str, cw.Metric]) -> list[mc.CustomMetricGroup]:
    """A graph per LINES_PER_GRAPH components, a line each: widgets grow by a tenth of the design."""
    names = list(metrics)
    chunks = [names[i : i + LINES_PER_GRAPH] for i in range(0, len(names), LINES_PER_GRAPH)]
    return [
        mc.CustomMetricGroup(
            title=title if len(chunks) == 1 else f"{title} {chunk[0]}..{chunk[-1]}",
            metrics=[_labelled(metrics[n], n) for n in chunk],
        )
        for chunk in chunks
    ]


def _labelled(metric: cw.Metric, label: str) -> cw.Metric:
    return metric.with_(label=label)


def _running_tasks(service: ecs.FargateService) -> cw.Metric:
    """Container Insights' task count of a service (the cluster has Container Insights on)."""
    return cw.Metric(
        namespace="ECS/ContainerInsights",
        metric_name="RunningTaskCount",
        period=FIVE_MIN,
        statistic="Average",
        dimensions_map={"ClusterName": service.cluster.cluster_name, "ServiceName": service.service_name},
    )
