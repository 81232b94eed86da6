"""Observability platforms and on-call: the specification's platform table with the rows the templates use marked
and why, where traces, metrics and logs go (sampling, retention), whom each severity reaches and how an
incident escalates, and the on-call rotations."""

from __future__ import annotations

from docgen.facts import oncall, platforms
from docgen.facts import telemetry as tm
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t


def build(model: DocModel, inputs: SectionInputs) -> None:
    platform_rows, signal_rows, path_rows, rotation_rows, grafana_rows = [], [], [], [], []
    for env in inputs.environments:
        name = inputs.env_name(env)
        platform_rows += [
            [name, p.platform, p.use_case, p.strengths, p.chosen, p.why]
            for p in platforms.platform_rows(inputs.index, env)
        ]
        for rows in (
            platforms.trace_rows(inputs.index, env),
            platforms.metric_rows(inputs.index, env),
            platforms.log_rows(inputs.index, env),
        ):
            signal_rows += [[name, r.signal, r.store, r.sampling, r.retention] for r in rows]
        path_rows += [
            [name, p.severity, p.alarms, p.reaches, p.escalation] for p in oncall.paths(inputs.index, env)
        ]
        rotation_rows += [
            [name, r.name, r.contacts, r.handoff, r.start] for r in oncall.rotations(inputs.index, env)
        ]
        grafana_rows += [[name, d.kind, d.name, d.panels] for d in tm.grafana_dashboards(inputs.index, env)]
    model.tables["obs_platforms"] = t(
        ["Environment", "Platform", "Use Case", "Strengths", "Chosen", "Why (from the templates)"],
        platform_rows,
    )
    model.tables["telemetry"] = t(["Environment", "Signal", "Sent to", "Sampling", "Retention"], signal_rows)
    model.tables["oncall_paths"] = t(
        ["Environment", "Severity", "Alerts", "Reaches", "Escalation (Incident Manager)"], path_rows
    )
    model.tables["oncall_rotations"] = t(
        ["Environment", "Rotation", "Contacts (in turn)", "Hand-over", "Starts"], rotation_rows
    )
    model.tables["grafana_dashboards"] = t(
        ["Environment", "Kind", "Grafana dashboard (AppConfig profile)", "Panels"], grafana_rows
    )
