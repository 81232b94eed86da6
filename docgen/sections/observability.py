"""Observability: log groups and retention, alarms with severity, runbook and who they notify, alarm topics
with their subscribers, dashboards."""

from __future__ import annotations

from docgen.facts import events
from docgen.facts import observability as obs
from docgen.facts.fact import Fact, derived, join
from docgen.facts.files import link
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t


def build(model: DocModel, inputs: SectionInputs) -> None:
    log_rows, alarm_rows, topic_rows, dash_rows, severity_rows, kind_rows = [], [], [], [], [], []
    section_rows: list[list[Fact]] = []
    for env in inputs.environments:
        name = inputs.env_name(env)
        severity_rows += _by_severity(inputs, env, name)
        groups = obs.log_groups(inputs.index, env)
        log_rows += [[name, g.owner, g.kind, g.retention] for g in groups]
        kind_rows += _by_kind(name, groups)
        alarm_rows += [
            [name, a.name, a.severity, a.metric, a.condition, _runbook(inputs, a.runbook), a.notifies]
            for a in obs.alarms(inputs.index, env)
        ]
        topic_rows += [[name, x.name, x.severity, x.subscribers] for x in obs.topics(inputs.index, env)]
        boards = obs.dashboards(inputs.index, env)
        dash_rows += [[name, d.kind, d.name, d.widgets] for d in boards]
        section_rows += [[name, d.name, d.sections] for d in boards]
    model.tables["logs"] = t(["Environment", "Owner", "Log type", "Retention"], log_rows)
    model.tables["alarms"] = t(
        ["Environment", "Alarm", "Severity", "Metric", "Condition", "Runbook", "Notifies"], alarm_rows
    )
    model.tables["topics"] = t(["Environment", "Topic", "Severity", "Subscribers"], topic_rows)
    model.tables["log_kinds"] = t(["Environment", "Log type", "Log groups", "Retention"], kind_rows)
    model.tables["alerting"] = t(
        ["Environment", "Severity", "Alarms", "Notify", "Subscribers"], severity_rows
    )
    model.tables["dashboards"] = t(["Environment", "Kind", "Dashboard", "Widgets"], dash_rows)
    model.tables["dashboard_sections"] = t(["Environment", "Dashboard", "Sections"], section_rows)


def _runbook(inputs: SectionInputs, runbook: Fact) -> Fact:
    """The alarm's runbook as a link from the doc when the file is in the repository."""
    if not runbook.text or runbook.text == "-" or "://" in runbook.text:
        return runbook
    return link(runbook.text, inputs.root, inputs.doc_dir, runbook)


def _by_severity(inputs: SectionInputs, env: str, name: Fact) -> list[list[Fact]]:
    """Per severity: how many alarms, the topics they notify and who is subscribed (the full list is in the
    observability details)."""
    alarms = obs.alarms(inputs.index, env)
    topics = {id(x.resource): x for x in obs.topics(inputs.index, env)}
    subscribed: dict[int, list[Fact]] = {}
    for sub in events.subscriptions(inputs.index, env):
        if sub.topic_resource is not None:
            subscribed.setdefault(id(sub.topic_resource), []).append(sub.endpoint)
    rows = []
    for severity in sorted({a.severity.text for a in alarms}):
        mine = [a for a in alarms if a.severity.text == severity]
        notified = {id(t): topics[id(t)] for a in mine for t in a.topics if id(t) in topics}
        count = derived(len(mine), str(len(mine)), [a.severity for a in mine])
        actions = derived(None, "", [a.notifies for a in mine])  # where the lack of a topic is read
        notify = join([x.name for x in notified.values()], ", ", empty="no topic", none=actions)
        endpoints = [e for key in notified for e in subscribed.get(key, [])]
        heard = join(endpoints, ", ", empty="nobody", none=actions)
        rows.append([name, derived(severity, severity, [mine[0].severity]), count, notify, heard])
    return rows


def _by_kind(env: Fact, groups: list[obs.LogGroup]) -> list[list[Fact]]:
    """Per log type: how many groups and their retention (each group with its owner is in the details)."""
    kinds: dict[str, list[obs.LogGroup]] = {}
    for g in groups:
        kinds.setdefault(g.kind.text, []).append(g)
    rows = []
    for kind, members in sorted(kinds.items()):
        retention = sorted({g.retention.text for g in members}, key=lambda x: (len(x), x))
        rows.append(
            [
                env,
                derived(kind, kind, [g.kind for g in members]),
                derived(len(members), str(len(members)), [g.kind for g in members]),
                derived(retention, ", ".join(retention), [g.retention for g in members]),
            ]
        )
    return rows
