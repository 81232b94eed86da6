"""Events and workflows: every event flow (who invokes or feeds whom), EventBridge rules, SNS subscriptions
and Step Functions state machines."""

from __future__ import annotations

from docgen.facts import events, triggers
from docgen.facts.fact import exists
from docgen.facts.names import labelled
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t


def build(model: DocModel, inputs: SectionInputs) -> None:
    flow_rows, rule_rows, sub_rows, machine_rows = [], [], [], []
    for env in inputs.environments:
        name = inputs.env_name(env)
        for flow in triggers.triggers(inputs.index, env):
            kind = exists(flow.via, flow.kind)
            flow_rows.append([name, flow.origin, labelled(flow.target), kind, flow.detail])
        rule_rows += [
            [name, r.name, r.bus, r.fired_by, r.state, r.targets] for r in events.rules(inputs.index, env)
        ]
        sub_rows += [  # an alarm topic's subscribers are shown with its alarms (Observability > Alerting)
            [name, s.topic, s.protocol, s.endpoint, s.options]
            for s in events.subscriptions(inputs.index, env)
            if not s.alerting
        ]
        machine_rows += [
            [name, m.name, m.kind, m.logging, m.tracing, m.calls, m.started_by]
            for m in events.state_machines(inputs.index, env)
        ]
    flow_rows.sort(key=lambda row: (row[0].text, row[1].text, row[2].text))
    model.tables["event_flows"] = t(["Environment", "From", "To", "Through", "Detail"], flow_rows)
    model.tables["event_rules"] = t(
        ["Environment", "Rule", "Event bus", "Fired by", "State", "Targets"], rule_rows
    )
    model.tables["subscriptions"] = t(["Environment", "Topic", "Protocol", "Endpoint", "Options"], sub_rows)
    model.tables["state_machines"] = t(
        ["Environment", "State machine", "Type", "Logging", "Tracing", "Calls", "Started by"], machine_rows
    )
