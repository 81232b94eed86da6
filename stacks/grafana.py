"""Grafana dashboards (JSON) from the same dashboard model as the CloudWatch dashboards, stored in AWS AppConfig.

Each model section becomes a row, each panel a time series: CloudWatch metrics as queries of Grafana's
CloudWatch data source (metric math as math queries on hidden inputs), PromQL as queries of the Prometheus
data source (the environment's AMP workspace). The JSON is Grafana's export format: data sources are inputs
(`${DS_CLOUDWATCH}`, `${DS_PROMETHEUS}`) mapped when the dashboard is imported.

Amazon Managed Grafana has no CloudFormation resource for dashboards, and the queries name resources only
known at deploy time (a target group's full name): so each dashboard is an AppConfig hosted configuration
version, whose content CloudFormation resolves. Import it with
`aws appconfig get-hosted-configuration-version` and Grafana's dashboard import (or its HTTP API).
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_appconfig as appconfig
from aws_cdk import aws_cloudwatch as cw
from constructs import Construct

from designspec.naming import grafana_dashboards_name
from stacks.dashboard_model import DashboardModel, Panel

# Data sources are dashboard variables (`$cloudwatch`, `$prometheus`): Grafana picks the workspace's data source
# of that type, and a viewer can switch it. (Import-time inputs would be `${DS_...}`, which CloudFormation
# mistakes for a Fn::Sub variable in the content.)
CLOUDWATCH = {"type": "cloudwatch", "uid": "$cloudwatch"}
PROMETHEUS = {"type": "prometheus", "uid": "$prometheus"}
WIDTH, HEIGHT, PER_ROW = 8, 6, 3  # Grafana's grid is 24 wide


def dashboard(model: DashboardModel, *, name_prefix: str, region: str) -> dict[str, Any]:
    """One Grafana dashboard (export format) of the model; CDK tokens stay tokens until the stack resolves them."""
    panels: list[dict[str, Any]] = []
    y, next_id = 0, 1
    for section in model.sections:
        panels.append(
            {
                "id": next_id,
                "type": "row",
                "title": section.title,
                "collapsed": False,
                "gridPos": _grid(0, y, 24, 1),
                "panels": [],
            }
        )
        next_id, y = next_id + 1, y + 1
        for i, panel in enumerate(section.panels):
            x = (i % PER_ROW) * WIDTH
            panels.append(
                _panel(panel, next_id, _grid(x, y + (i // PER_ROW) * HEIGHT, WIDTH, HEIGHT), region)
            )
            next_id += 1
        y += -(-len(section.panels) // PER_ROW) * HEIGHT
    for note in model.notes:
        panels.append(
            {
                "id": next_id,
                "type": "text",
                "title": "",
                "gridPos": _grid(0, y, 24, 3),
                "options": {"mode": "markdown", "content": note.markdown},
            }
        )
        next_id, y = next_id + 1, y + 3
    variables = [_variable("cloudwatch", "CloudWatch")]
    if any(p.promql for s in model.sections for p in s.panels):
        variables.append(_variable("prometheus", "Prometheus (AMP)"))
    return {
        "title": f"{name_prefix} {model.kind}",
        "uid": f"{name_prefix}-{model.kind}"[:40],
        "description": f"{model.title}: generated from the design (stacks/dashboard_model.py)",
        "tags": [name_prefix, model.kind],
        "timezone": "browser",
        "time": {"from": "now-8h", "to": "now"},
        "refresh": "1m",
        "schemaVersion": 39,
        "templating": {"list": variables},
        "panels": panels,
    }


def _grid(x: int, y: int, w: int, h: int) -> dict[str, int]:
    return {"x": x, "y": y, "w": w, "h": h}


def _variable(plugin: str, label: str) -> dict[str, Any]:
    return {"name": plugin, "label": label, "type": "datasource", "query": plugin, "hide": 0, "current": {}}


def _panel(panel: Panel, id: int, grid: dict[str, int], region: str) -> dict[str, Any]:
    if panel.promql:
        targets = [
            {"refId": _ref(i), "datasource": PROMETHEUS, "expr": query, "legendFormat": legend}
            for i, (legend, query) in enumerate(panel.promql)
        ]
        source = PROMETHEUS
    else:
        targets = _cloudwatch_targets(panel.metrics, region)
        source = CLOUDWATCH
    out: dict[str, Any] = {
        "id": id,
        "type": "timeseries",
        "title": panel.title,
        "gridPos": grid,
        "datasource": source,
        "targets": targets,
    }
    if panel.lines:
        steps = [{"color": "green", "value": None}] + [
            {"color": "red", "value": v} for v, _ in sorted(panel.lines)
        ]
        out["fieldConfig"] = {
            "defaults": {
                "thresholds": {"mode": "absolute", "steps": steps},
                "custom": {"thresholdsStyle": {"mode": "line"}},
            },
            "overrides": [],
        }
    return out


def _cloudwatch_targets(metrics: tuple[cw.IMetric, ...], region: str) -> list[dict[str, Any]]:
    """Every metric a query; a math expression a math query over hidden queries of its inputs."""
    targets: list[dict[str, Any]] = []
    for metric in metrics:
        if isinstance(metric, cw.MathExpression):
            inputs = dict(metric.using_metrics)
            for key, used in sorted(inputs.items()):
                targets.append(_metric_query(used, key, region, hide=True, ref=_ref(len(targets))))
            targets.append(
                {
                    "refId": _ref(len(targets)),
                    "datasource": CLOUDWATCH,
                    "queryMode": "Metrics",
                    "metricEditorMode": 1,
                    "metricQueryType": 0,
                    "id": f"e{len(targets)}",
                    "expression": metric.expression,
                    "label": metric.label or "",
                    "region": region,
                    "hide": False,
                }
            )
        else:
            targets.append(
                _metric_query(metric, f"m{len(targets)}", region, hide=False, ref=_ref(len(targets)))
            )
    return targets


def _metric_query(metric: cw.IMetric, id: str, region: str, *, hide: bool, ref: str) -> dict[str, Any]:
    assert isinstance(metric, cw.Metric), f"unsupported metric {metric!r}"
    return {
        "refId": ref,
        "datasource": CLOUDWATCH,
        "queryMode": "Metrics",
        "metricEditorMode": 0,
        "metricQueryType": 0,
        "id": id,
        "namespace": metric.namespace,
        "metricName": metric.metric_name,
        "dimensions": dict(metric.dimensions or {}),
        "statistic": metric.statistic,
        "period": str(int(metric.period.to_seconds())),
        "region": metric.region or region,
        "label": metric.label or "",
        "matchExact": True,
        "hide": hide,
    }


def _ref(i: int) -> str:
    """Grafana's query ids: A..Z, then AA, AB, ..."""
    letters = ""
    i += 1
    while i:
        i, rest = divmod(i - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class GrafanaDashboards(Construct):
    """The dashboards in AppConfig: one application per environment, a configuration profile per dashboard."""

    def __init__(
        self, scope: Construct, id: str, *, name_prefix: str, models: tuple[DashboardModel, ...]
    ) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        self.application = appconfig.CfnApplication(
            self,
            "Application",
            name=grafana_dashboards_name(name_prefix),
            description=f"{name_prefix}: Grafana dashboards (JSON) generated from the design",
        )
        self.versions: dict[str, appconfig.CfnHostedConfigurationVersion] = {}
        for model in models:
            profile = appconfig.CfnConfigurationProfile(
                self,
                f"{model.kind.capitalize()}Profile",
                application_id=self.application.ref,
                name=f"{model.kind}-dashboard",
                location_uri="hosted",
                type="AWS.Freeform",
            )
            body = dashboard(model, name_prefix=name_prefix, region=stack.region)
            version = appconfig.CfnHostedConfigurationVersion(
                self,
                f"{model.kind.capitalize()}Dashboard",
                application_id=self.application.ref,
                configuration_profile_id=profile.ref,
                content=stack.to_json_string(body),
                content_type="application/json",
                description=f"Grafana {model.kind} dashboard",
            )
            version.add_metadata("GrafanaDashboard", {"kind": model.kind, "sections": model.summaries})
            self.versions[model.kind] = version
