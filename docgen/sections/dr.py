"""Disaster Recovery: backup plans as deployed (schedule, retention, cross-region copies) and the recovery
of the caches from their snapshot and failover settings (RDS recovery comes from verify/)."""

from __future__ import annotations

from docgen.facts import data, governance
from docgen.facts.fact import derived
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t


def build(model: DocModel, inputs: SectionInputs) -> None:
    plan_rows, cache_rows = [], []
    for env in inputs.environments:
        name = inputs.env_name(env)
        plan_rows += [
            [name, r.plan, r.rule, r.schedule, r.retention, r.copies]
            for r in governance.backup_rules(inputs.index, env)
        ]
        for c in data.caches(inputs.index, env):
            replicas = derived(int(c.nodes.value) - 1, str(int(c.nodes.value) - 1), [c.nodes])
            rpo = derived(
                None,
                "up to 24 h (daily snapshot)"
                if c.snapshot_days.value
                else "no snapshots: cache contents only",
                [c.snapshot_days],
            )
            rto = derived(
                None,
                "automatic failover to a replica"
                if c.failover.text == "yes"
                else "rebuild from an empty cache",
                [c.failover],
            )
            label = derived(None, f"ElastiCache {c.name.text}", [c.name])
            cache_rows.append([name, label, c.multi_az, c.snapshot_days, replicas, rpo, rto])
    model.tables["backup_plans"] = t(
        ["Environment", "Plan", "Rule", "Schedule", "Retention", "Cross-region copy"], plan_rows
    )
    model.tables["cache_recovery"] = t(
        ["Environment", "Data store", "Multi-AZ", "Snapshots kept", "Replicas", "RPO", "RTO"], cache_rows
    )
