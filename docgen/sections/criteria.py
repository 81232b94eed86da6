"""Success Criteria: the specification's checklist, each item ticked only when the templates (or the
generated pipeline) show the evidence, which is printed beside it."""

from __future__ import annotations

import json
from collections.abc import Callable

from docgen.assembly.model import resource_key
from docgen.facts import clusters, compute, data, network
from docgen.facts import observability as obs
from docgen.facts.fact import Fact, counted, derived, exists
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import Check, DocModel

TRACING_IMAGES = ("aws-otel-collector", "xray", "datadog", "opentelemetry", "jaeger", "zipkin")


def build(model: DocModel, inputs: SectionInputs) -> None:
    checks: list[Callable[[SectionInputs], Check]] = [
        _components,
        _network,
        _scaling,
        _dr,
        _cost,
        _pipeline,
        _stages,
        _observability,
        _telemetry,
        _alerting,
        _dashboards,
    ]
    # A check whose evidence is an absence ("no data store") is read from the environments themselves.
    stages = [s for env in inputs.environments for s in inputs.env_name(env).sources]
    model.checks = [
        c
        if c.evidence.sources
        else Check(c.label, c.ok, Fact(c.evidence.value, c.evidence.text, tuple(stages)))
        for c in (check(inputs) for check in checks)
    ]


def _all(inputs: SectionInputs, fn: Callable[[object, str], list]) -> list:  # type: ignore[type-arg]
    return [x for env in inputs.environments for x in fn(inputs.index, env)]


def _components(inputs: SectionInputs) -> Check:
    services = _all(inputs, compute.ecs_services)
    tagged = [r for r in inputs.assembly.resources if r.tags]
    untagged = sorted({r.type for r in tagged if "Service" not in r.tags})
    facts = [s.name for s in services]
    if untagged:
        text = f"resource types without a Service tag: {', '.join(untagged)}"
    else:
        text = f"{len(services)} ECS services across {counted(len(inputs.environments), 'environment')}; every tagged resource names its component"
    ok = bool(services) and not untagged
    return Check("All components have infrastructure", ok, derived(ok, text, facts or [Fact(None, "", ())]))


def _network(inputs: SectionInputs) -> Check:
    rules = _all(inputs, network.ingress_rules)
    lb_groups = {
        resource_key(g)
        for env in inputs.environments
        for lb in inputs.index.of_type("AWS::ElasticLoadBalancingV2::LoadBalancer", env)
        for g in inputs.index.targets(lb, lb.properties.get("SecurityGroups"))
    }
    open_world = [r for r in rules if r.open_to_internet]
    beyond_lb = [r for r in open_world if r.group is None or resource_key(r.group) not in lb_groups]
    if not rules:
        return Check(
            "Network security configured",
            False,
            Fact(None, "no security-group ingress rule in the templates", ()),
        )
    if beyond_lb:
        text = "open to the internet beyond a load balancer: " + ", ".join(
            sorted({r.target.text for r in beyond_lb})
        )
    elif open_world:
        text = f"{len(rules)} ingress rules; only load balancers accept 0.0.0.0/0 ({counted(len(open_world), 'rule')})"
    else:
        text = f"{len(rules)} ingress rules; none accepts 0.0.0.0/0"
    facts = [r.source for r in rules]
    return Check("Network security configured", not beyond_lb, derived(None, text, facts))


def _scaling(inputs: SectionInputs) -> Check:
    services = _all(inputs, compute.ecs_services)
    unscaled = sorted({f"{s.resource.environment}/{s.name.text}" for s in services if not s.policies})
    ok = bool(services) and not unscaled
    text = (
        "every ECS service has a scalable target and a policy"
        if ok
        else (f"no scaling policy: {', '.join(unscaled)}" if unscaled else "no ECS service")
    )
    return Check(
        "Auto-scaling defined",
        ok,
        derived(ok, text, [p for s in services for p in s.policies] or [Fact(None, "", ())]),
    )


def _dr(inputs: SectionInputs) -> Check:
    dbs = _all(inputs, data.databases)
    plans = [r for env in inputs.environments for r in inputs.index.of_type("AWS::Backup::BackupPlan", env)]
    # Aurora keeps its backups on the cluster; its instances are not databases of their own.
    stores = [(d.name, d.backup_days) for d in dbs if not d.replica]
    stores += [(c.name, c.backup_days) for c in _all(inputs, clusters.clusters)]
    without = [name.text for name, kept in stores if int(kept.value or 0) < 1]
    caches = _all(inputs, data.caches)
    if not stores and not caches:
        return Check("DR strategy documented", False, Fact(None, "no data store in the templates", ()))
    if not stores:
        kept = [c for c in caches if c.snapshot_days.value or c.failover.text == "yes"]
        text = f"no RDS instance; {len(kept)} of {counted(len(caches), 'cache')} keep snapshots or fail over; see Disaster Recovery"
        return Check(
            "DR strategy documented",
            len(kept) == len(caches),
            derived(None, text, [c.snapshot_days for c in caches]),
        )
    ok = not without
    text = (
        f"automated backups on every database, {counted(len(plans), 'backup plan', 'backup plans')}; see Disaster Recovery"
        if ok
        else f"no automated backups: {', '.join(without)}"
    )
    return Check(
        "DR strategy documented",
        ok,
        derived(
            ok,
            text,
            [kept for _, kept in stores] + [exists(p, "plan") for p in plans] or [Fact(None, "", ())],
        ),
    )


def _cost(inputs: SectionInputs) -> Check:
    est = inputs.estimate
    if est is None:
        return Check("Cost estimates provided", False, Fact(None, "no estimate", ()))
    priced = sum(1 for x in est.lines if x.status == "priced")
    unpriced = len(est.unpriced())
    text = f"{counted(priced, 'priced line')} from the templates and dated rates; {counted(unpriced, 'resource')} unpriced (listed)"
    lines = [x for x in est.lines if x.status == "priced"]
    found = [inputs.index.get(x.stack, x.logical_id) for x in lines]
    return Check(
        "Cost estimates provided",
        priced > 0,
        derived(priced, text, [exists(r, "priced") for r in found if r][:40]),
    )


def _pipeline(inputs: SectionInputs) -> Check:
    if not inputs.pipeline:
        return Check(
            "CI/CD pipeline architecture designed",
            False,
            Fact(None, "no generated pipeline for this design", ()),
        )
    stages = inputs.generated("pipeline.json", "stages", fmt=lambda v: str(len(v or [])))
    platform = inputs.generated("pipeline.json", "platform_label")
    return Check(
        "CI/CD pipeline architecture designed",
        bool(stages.value),
        derived(None, f"{stages.text} stages on {platform.text}", [stages, platform]),
    )


def _stages(inputs: SectionInputs) -> Check:
    stages = (inputs.pipeline or {}).get("stages") or []
    missing = [s.get("name") for s in stages if not s.get("trigger")]
    ok = bool(stages) and not missing
    text = (
        "every stage has a trigger"
        if ok
        else (f"stages without a trigger: {', '.join(map(str, missing))}" if stages else "no stages")
    )
    facts = [inputs.generated("pipeline.json", "stages", i, "trigger") for i in range(len(stages))]
    return Check(
        "Pipeline stages defined with triggers", ok, derived(ok, text, facts or [Fact(None, "", ())])
    )


def _observability(inputs: SectionInputs) -> Check:
    alarms, logs = _all(inputs, obs.alarms), _all(inputs, obs.log_groups)
    ok = bool(alarms) and bool(logs)
    text = (
        f"CloudWatch: {counted(len(logs), 'log group', 'log groups')}, {counted(len(alarms), 'alarm')}"
        if ok
        else "no alarms or no log groups in the templates"
    )
    return Check(
        "Observability stack selected and documented",
        ok,
        derived(
            ok, text, [a.name for a in alarms[:30]] + [g.retention for g in logs[:30]] or [Fact(None, "", ())]
        ),
    )


def _telemetry(inputs: SectionInputs) -> Check:
    logs = _all(inputs, obs.log_groups)
    tasks = [r for env in inputs.environments for r in inputs.index.of_type("AWS::ECS::TaskDefinition", env)]
    traced = [r for r in tasks if any(i in json.dumps(r.properties).lower() for i in TRACING_IMAGES)]
    no_retention = [g.owner.text for g in logs if g.retention.value is None]
    ok = bool(logs) and not no_retention and bool(tasks) and len(traced) == len(tasks)
    if not logs:
        text = "no log groups"
    elif no_retention:
        text = f"log groups without retention: {', '.join(sorted(set(no_retention)))}"
    elif len(traced) != len(tasks):
        text = f"{len(traced)} of {len(tasks)} task definitions run a tracing collector"
    else:
        text = f"every log group has a retention; {counted(len(traced), 'task definition', 'task definitions')} run a tracing collector"
    return Check(
        "Logging, metrics, tracing configured",
        ok,
        derived(
            ok,
            text,
            [exists(r, "traced") for r in traced] + [g.retention for g in logs[:30]] or [Fact(None, "", ())],
        ),
    )


def _alerting(inputs: SectionInputs) -> Check:
    alarms = _all(inputs, obs.alarms)
    topics = {t.resource.logical_id + "@" + t.resource.stack: t for t in _all(inputs, obs.topics)}
    silent = [a.name.text for a in alarms if not a.topics]
    untagged = [a.name.text for a in alarms if a.severity.value is None]
    used = {t.logical_id + "@" + t.stack for a in alarms for t in a.topics}
    unheard = sorted(topics[k].name.text for k in used if k in topics and not topics[k].has_subscriber)
    ok = bool(alarms) and not silent and not untagged and not unheard
    if not alarms:
        text = "no alarms"
    elif silent or untagged:
        text = f"{counted(len(silent), 'alarm')} notify no topic, {len(untagged)} without a severity"
    elif unheard:
        text = f"alarm topics with no subscriber (alerts reach nobody): {', '.join(unheard)}"
    else:
        text = f"{len(alarms)} alarms with severities; every topic they notify has a subscriber"
    facts = [a.severity for a in alarms[:40]] + [topics[k].subscribers for k in sorted(used) if k in topics]
    return Check(
        "Alerting rules and escalation defined", ok, derived(ok, text, facts or [Fact(None, "", ())])
    )


def _dashboards(inputs: SectionInputs) -> Check:
    dashboards = _all(inputs, obs.dashboards)
    text = (
        f"{counted(len(dashboards), 'CloudWatch dashboard')}"
        if dashboards
        else "no CloudWatch dashboard in the templates"
    )
    return Check(
        "Dashboards specified",
        bool(dashboards),
        derived(None, text, [d.name for d in dashboards] or [Fact(None, "", ())]),
    )
