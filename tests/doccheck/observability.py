"""Observability and Operations: log groups and retention, alarms, severity topics and subscribers, dashboards."""

from __future__ import annotations

import json
import re

from tests.doccheck.assembly import Assembly, Resource, refs
from tests.doccheck.common import each_row, key, pair, tables
from tests.doccheck.markdown import Doc, Table
from tests.doccheck.report import Result
from tests.doccheck.values import days, flatten, quantity, same_number, words

OPERATORS = {
    "GreaterThanThreshold": ">",
    "GreaterThanOrEqualToThreshold": ">=",
    "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "<=",
}
BYTE_METRICS = ("FreeStorageSpace", "FreeableMemory", "BytesUsedForCache")


def check(doc: Doc, assembly: Assembly) -> Result:
    result = Result()
    _logs(doc, assembly, result)
    _alarms(doc, assembly, result)
    _topics(doc, assembly, result)
    _dashboards(doc, assembly, result)
    _operations_prose(doc, assembly, result)
    return result


def log_groups(assembly: Assembly) -> list[tuple[Resource, str, str]]:
    """(resource, owner, log type word) for every log group and every LogRetention-managed group."""
    delivered: dict[str, str] = {}
    for group in assembly.resources("AWS::ElastiCache::ReplicationGroup"):
        for cfg in group.props.get("LogDeliveryConfigurations", []):
            target = cfg.get("DestinationDetails", {}).get("CloudWatchLogsDetails", {}).get("LogGroup")
            found = assembly.resolve(group.stack, target)
            if found is not None:
                delivered[found.logical_id] = str(cfg.get("LogType", ""))
    out = []
    for lg in assembly.resources("AWS::Logs::LogGroup"):
        kind = (
            lg.tags.get("LogType")
            or delivered.get(lg.logical_id)
            or flatten(lg.props.get("LogGroupName", "")).rsplit("/", 1)[-1]
        )
        out.append((lg, lg.owner, kind))
    for lr in assembly.resources("Custom::LogRetention"):
        name = lr.props.get("LogGroupName")
        owner = next((lr.stack.resources[i].owner for i in _refs(name) if i in lr.stack.resources), lr.owner)
        out.append((lr, owner, flatten(name).rsplit("/", 1)[-1]))
    return out


def _refs(value: object) -> list[str]:
    return sorted(refs(value))


def _logs(doc: Doc, assembly: Assembly, result: Result) -> None:
    groups = log_groups(assembly)
    tabs = tables(doc, result, "Observability > Logging", ("log type", "retention"), needed=bool(groups))
    rows = [(t, row, env) for t, row, env in each_row(tabs, assembly.stages)]
    used: set[int] = set()
    for res, owner, kind in groups:
        where = f"Observability > Logging / {res.stack.stage} / {owner} / {kind}"
        match = next(
            (
                i
                for i, (t, row, env) in enumerate(rows)
                if i not in used
                and env == res.stack.stage
                and words(row[t.column("owner") or ""]) == words(owner)
                and words(kind).replace(" log", "") in words(row[t.column("log type") or ""])
            ),
            None,
        )
        if not result.fact(match is not None, "log-missing-row", where, "no row", kind, res.where()):
            continue
        assert match is not None
        used.add(match)
        table, row, _ = rows[match]
        want = res.props.get("RetentionInDays")
        result.equal(
            "log-retention",
            where,
            days(row[table.column("retention") or ""]),
            float(want) if want else None,
            res.where("RetentionInDays"),
        )
    for i, (_table, row, env) in enumerate(rows):
        if i not in used:
            result.fact(
                False,
                "log-extra-row",
                f"Observability > Logging / {env}",
                " | ".join(row.values()),
                "no such log group",
                "templates",
            )


def alarm_label(alarm: Resource) -> str:
    parts = [p for p in alarm.path.split("/") if p and p != "Resource"]
    return f"{alarm.owner}/{parts[-1]}" if parts else alarm.logical_id


def alarm_topics(alarm: Resource, assembly: Assembly) -> list[Resource]:
    found = [assembly.resolve(alarm.stack, a) for a in alarm.props.get("AlarmActions", [])]
    return [t for t in found if t is not None and t.type == "AWS::SNS::Topic"]


def alarm_metrics(alarm: Resource) -> list[str]:
    p = alarm.props
    names = [p["MetricName"]] if "MetricName" in p else []
    for m in p.get("Metrics", []):
        name = m.get("MetricStat", {}).get("Metric", {}).get("MetricName")
        if name:
            names.append(name)
    return names


def topic_names(topic: Resource) -> list[str]:
    """What may identify one topic: its Severity tag, display name, topic name, construct id."""
    parts = [p for p in topic.path.split("/") if p and p != "Resource"]
    names = [
        topic.tags.get("Severity", ""),
        str(topic.props.get("DisplayName", "")),
        str(topic.props.get("TopicName", "")),
    ]
    return list(dict.fromkeys(n for n in names + parts[-1:] if n and n != "TOKEN"))


def _alarms(doc: Doc, assembly: Assembly, result: Result) -> None:
    alarms = [a for a in assembly.resources("AWS::CloudWatch::Alarm") if alarm_topics(a, assembly)]
    tabs = tables(
        doc,
        result,
        "Observability > Alerting",
        ("alarm", "severity"),
        needed=bool(alarms),
        region="observability",
    )
    every = {(a.stack.stage, words(alarm_label(a))) for a in assembly.resources("AWS::CloudWatch::Alarm")}
    rows = []
    for t, row, env in each_row(tabs, assembly.stages):
        label = words(row[t.column("alarm") or ""].strip("`"))
        sns = any(k == (env, label) for k in ((a.stack.stage, words(alarm_label(a))) for a in alarms))
        if sns or (env, label) not in every:  # a scaling alarm may be listed; it is then not paired
            rows.append(((env, label), (t, row)))
    for (table, row), alarm in pair(
        result,
        "alarm",
        "Observability > Alerting",
        rows,
        [((a.stack.stage, words(alarm_label(a))), a) for a in alarms],
    ):
        _alarm_row(result, table, row, alarm, assembly)


def _alarm_row(
    result: Result, table: Table, row: dict[str, str], alarm: Resource, assembly: Assembly
) -> None:
    p = alarm.props
    where = f"Observability > Alerting / {alarm.stack.stage} / {alarm_label(alarm)}"
    result.equal(
        "alarm-severity",
        where,
        row[table.column("severity") or ""],
        alarm.tags.get("Severity", "?"),
        alarm.where("Tags.Severity"),
    )
    if table.column("condition"):
        cell = row[table.column("condition") or ""]
        op = OPERATORS.get(str(p.get("ComparisonOperator")), str(p.get("ComparisonOperator")))
        shown_op = re.match(r"\s*(>=|<=|>|<|≥|≤)", cell)
        result.equal(
            "alarm-operator",
            where,
            shown_op.group(1).replace("≥", ">=").replace("≤", "<=") if shown_op else cell,
            op,
            alarm.where("ComparisonOperator"),
        )
        shown = quantity(re.sub(r"^\s*(>=|<=|>|<|≥|≤)", "", cell))
        ok = shown is not None and same_number(shown, float(p.get("Threshold", 0)))
        result.fact(ok, "alarm-threshold", where, cell, p.get("Threshold"), alarm.where("Threshold"))
    if table.column("metric"):
        cell = row[table.column("metric") or ""]
        for name in alarm_metrics(alarm):
            result.fact(name in cell, "alarm-metric", where, cell, name, alarm.where("MetricName"))
    if table.column("runbook"):
        want = alarm.tags.get("Runbook") or _runbook(str(p.get("AlarmDescription", "")))
        result.equal(
            "alarm-runbook",
            where,
            row[table.column("runbook") or ""].strip("`"),
            want,
            alarm.where("Tags.Runbook"),
        )
    if table.column("notif"):
        cell = row[table.column("notif") or ""]
        for topic in alarm_topics(alarm, assembly):
            names = topic_names(topic)
            result.fact(
                any(re.search(rf"\b{re.escape(n)}\b", cell) for n in names),
                "alarm-topic",
                where,
                cell,
                " or ".join(names),
                topic.where() + " via AlarmActions",
            )


def _runbook(description: str) -> str:
    m = re.search(r"Runbook:\s*(\S+)", description)
    return m.group(1) if m else ""


def subscriptions(topic: Resource, assembly: Assembly) -> list[Resource]:
    subs = [
        s
        for s in assembly.resources("AWS::SNS::Subscription")
        if assembly.resolve(s.stack, s.props.get("TopicArn")) is topic
    ]
    inline = topic.props.get("Subscription", [])
    return subs + [topic] * len(inline)


def _topics(doc: Doc, assembly: Assembly, result: Result) -> None:
    topics = assembly.resources("AWS::SNS::Topic")
    tabs = tables(doc, result, "Operations > Topics", ("topic", "severity"), needed=bool(topics))
    rows = [
        (key(env, row[t.column("severity") or ""]), (t, row))
        for t, row, env in each_row(tabs, assembly.stages)
    ]
    things = [(key(t.stack.stage, t.tags.get("Severity", t.logical_id)), t) for t in topics]
    labels: dict[str, list[str]] = {}
    for (table, row), topic in pair(result, "topic", "Operations > Topics", rows, things):
        where = f"Operations > Topics / {topic.stack.stage} / {topic.tags.get('Severity', topic.logical_id)}"
        cell = row[table.column("topic") or ""]
        labels.setdefault(topic.stack.stage, []).append(words(cell))
        names = topic_names(topic)
        result.fact(
            any(re.search(rf"\b{re.escape(n)}\b", cell) for n in names),
            "topic-label",
            where,
            cell,
            " or ".join(names),
            topic.where(),
        )
        col = table.column("subscri")
        count = len(subscriptions(topic, assembly))
        if col:
            result.equal(
                "topic-subscriptions",
                where,
                0.0 if row[col].strip().lower() in ("none", "0", "-") else quantity(row[col]),
                float(count),
                "AWS::SNS::Subscription with TopicArn -> " + topic.logical_id,
            )
        else:
            result.fact(
                False,
                "topic-subscriptions-not-shown",
                where,
                "no subscriptions column",
                count,
                "AWS::SNS::Subscription",
            )
    for stage, shown in labels.items():
        result.fact(
            len(set(shown)) == len(shown),
            "topic-label-not-distinct",
            f"Operations > Topics / {stage}",
            shown,
            "one label per topic",
            "AWS::SNS::Topic",
        )


def widget_count(dashboard: Resource) -> int | None:
    body = flatten(dashboard.props.get("DashboardBody", ""))
    try:
        return len(json.loads(body).get("widgets", []))
    except json.JSONDecodeError:
        return None


def _dashboards(doc: Doc, assembly: Assembly, result: Result) -> None:
    boards = assembly.resources("AWS::CloudWatch::Dashboard")
    tabs = tables(doc, result, "Observability > Dashboards", ("dashboard", "widgets"), needed=bool(boards))
    rows = [
        (key(env, row[t.column("dashboard") or ""]), (t, row))
        for t, row, env in each_row(tabs, assembly.stages)
    ]
    things = [(key(b.stack.stage, str(b.props.get("DashboardName", b.logical_id))), b) for b in boards]
    for (table, row), board in pair(result, "dashboard", "Observability > Dashboards", rows, things):
        where = f"Observability > Dashboards / {board.stack.stage} / {board.props.get('DashboardName')}"
        result.equal(
            "dashboard-widgets",
            where,
            quantity(row[table.column("widgets") or ""]),
            float(widget_count(board) or -1),
            board.where("DashboardBody widgets"),
        )
    if not boards:
        text = doc.regions.get("observability", "")
        result.fact(
            "| dashboard" not in text.lower() or not any(t.rows for t in tabs),
            "dashboard-extra",
            "Observability > Dashboards",
            "dashboard rows",
            "no AWS::CloudWatch::Dashboard",
            "templates",
        )


def _operations_prose(doc: Doc, assembly: Assembly, result: Result) -> None:
    alarms = [a for a in assembly.resources("AWS::CloudWatch::Alarm") if alarm_topics(a, assembly)]
    for region, text, line, _ in doc.paragraphs:
        if region != "operations":
            continue
        where = f"Operations (line {line})"
        if "topic of their severity" in text:
            wrong = [
                alarm_label(a)
                for a in alarms
                if any(t.tags.get("Severity") != a.tags.get("Severity") for t in alarm_topics(a, assembly))
            ]
            result.fact(
                not wrong,
                "prose-alarm-topic-severity",
                where,
                text,
                f"{len(wrong)} alarms notify another severity's topic: {wrong[:3]}",
                "AlarmActions -> topic Severity tag",
            )
        if "names its runbook" in text:
            missing = [
                alarm_label(a)
                for a in alarms
                if not (a.tags.get("Runbook") or _runbook(str(a.props.get("AlarmDescription", ""))))
            ]
            result.fact(
                not missing,
                "prose-alarm-runbook",
                where,
                text,
                f"{len(missing)} alarms without a runbook",
                "alarm Tags.Runbook / AlarmDescription",
            )
