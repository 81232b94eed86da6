"""Dashboards per environment: operations (system health), application (performance) and business (KPIs).

The content is the dashboard model (stacks/dashboard_model.py); this module draws it as CloudWatch dashboards
with cdk-monitoring-constructs, one MonitoringFacade per dashboard. The alarms are ours (see monitoring.py), so
the facades only draw. Each dashboard resource carries a `Dashboard` metadata entry (kind and sections) so docgen
can list what it shows without parsing the body.
"""

from __future__ import annotations

import cdk_monitoring_constructs as mc
from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from constructs import Construct

from designspec.naming import dashboard_name
from stacks.dashboard_model import DashboardModel, Section

DASHBOARD_KINDS = ("operations", "application", "business")


class Dashboards(Construct):
    """The three dashboards; `self.dashboards[kind]` is the CloudWatch dashboard of each kind."""

    def __init__(
        self, scope: Construct, id: str, *, name_prefix: str, models: tuple[DashboardModel, ...]
    ) -> None:
        super().__init__(scope, id)
        self._prefix = name_prefix
        self.dashboards: dict[str, cw.Dashboard] = {}
        for model in models:
            self._draw(model)

    def _draw(self, model: DashboardModel) -> None:
        kind = model.kind
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
        facade.add_large_header(f"{model.title}: {self._prefix}")
        for section in model.sections:
            _section(facade, section)
        for note in model.notes:
            facade.add_widget(cw.TextWidget(markdown=note.markdown, width=24, height=2))
        dashboard = facade.created_dashboard()
        assert dashboard is not None  # create_dashboard=True
        dashboard.node.default_child.add_metadata("Dashboard", {"kind": kind, "sections": model.summaries})  # type: ignore[union-attr]
        self.dashboards[kind] = dashboard


def _section(facade: mc.MonitoringFacade, section: Section) -> None:
    monitor = section.monitor
    if monitor is None:
        groups = [
            mc.CustomMetricGroup(
                title=p.title,
                metrics=list(p.metrics),
                horizontal_annotations=[cw.HorizontalAnnotation(value=v, label=label) for v, label in p.lines]
                or None,
            )
            for p in section.panels
            if p.metrics
        ]
        if groups:
            facade.monitor_custom(
                human_readable_name=section.title, alarm_friendly_name=section.key, metric_groups=groups
            )
        return
    if monitor.kind == "rds":
        facade.monitor_rds_instance(
            instance=monitor.target, human_readable_name=section.title, alarm_friendly_name=monitor.name
        )
    elif monitor.kind == "redis":
        facade.monitor_elasti_cache_cluster(
            cluster_id=str(monitor.target),
            cluster_type=mc.ElastiCacheClusterType.REDIS,
            human_readable_name=section.title,
            alarm_friendly_name=monitor.name,
        )
    else:
        facade.monitor_cloud_front_distribution(
            distribution=monitor.target, human_readable_name=section.title, alarm_friendly_name=monitor.name
        )
