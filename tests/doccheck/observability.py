"""Observability and Operations: log groups and retention, alarms, severity topics and subscribers, dashboards."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from tests.doccheck.assembly import Assembly, Resource, refs
from tests.doccheck.common import Row, each_row, match, named, tables
from tests.doccheck.markdown import Doc, Table
from tests.doccheck.network import aliases
from tests.doccheck.report import Result
from tests.doccheck.values import (
    days,
    first_number,
    flatten,
    quantity,
    readable,
    readable_text,
    same_number,
    words,
)

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
    _by_severity(doc, assembly, result)
    _topics(doc, assembly, result)
    _dashboards(doc, assembly, result)
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
            or flatten(lg.props.get("LogGroupName", "")).rsplit("/", 1)[-1].replace("TOKEN", "")
        )
        out.append((lg, lg.owner, kind))
    for lr in assembly.resources("Custom::LogRetention"):
        name = lr.props.get("LogGroupName")
        owner = next((lr.stack.resources[i].owner for i in _refs(name) if i in lr.stack.resources), lr.owner)
        out.append((lr, owner, flatten(name).rsplit("/", 1)[-1].replace("TOKEN", "")))
    return out


def _refs(value: object) -> list[str]:
    return sorted(refs(value))


def _logs(doc: Doc, assembly: Assembly, result: Result) -> None:
    groups = [LogGroup(*g) for g in log_groups(assembly)]
    tabs = tables(
        doc, result, "Observability > Logging", ("owner", "log type", "retention"), needed=bool(groups)
    )
    _log_kinds(doc, groups, result)

    def fits(row: Row, lg: LogGroup) -> bool:
        table, cells, env = row
        owner = cells[table.column("owner") or ""]
        kind = words(lg.kind).replace(" log", "")
        return (
            env == lg.res.stack.stage
            and (
                words(owner) == words(lg.owner) or lg.res.named(owner) or any(f.named(owner) for f in lg.for_)
            )
            and kind in words(cells[table.column("log type") or ""])
        )

    def compare(res: Result, row: Row, lg: LogGroup) -> None:
        table, cells, _ = row
        where = f"Observability > Logging / {lg.res.stack.stage} / {lg.owner} / {lg.kind}"
        want = lg.res.props.get("RetentionInDays")
        res.equal(
            "log-retention",
            where,
            days(cells[table.column("retention") or ""]),
            float(want) if want else None,
            lg.res.where("RetentionInDays"),
        )
        cell = cells[table.column("log type") or ""]
        said = {SERVICE_ALIASES.get(w, w) for w in SERVICE_WORDS if re.search(rf"\b{w}\b", cell.lower())}
        producer = _producer(lg.res)
        if producer and said:
            res.fact(said == {producer}, "log-service", where, cell, producer, lg.res.where("LogGroupName"))

    rows = list(each_row(tabs, assembly.stages))
    match(result, "log", "Observability > Logging", rows, groups, fits, compare)


def _log_kinds(doc: Doc, groups: list[LogGroup], result: Result) -> None:
    """The summary by log type: per environment, each type's count of log groups is the templates' count."""
    for table in doc.tables_with("log type", "log groups"):
        for row in table.rows:
            env, kind = row[table.column("environment") or ""], row[table.column("log type") or ""]
            word = words(kind).replace(" log", "").replace(" logs", "")
            mine = [
                g for g in groups if g.res.stack.stage == env and words(g.kind).replace(" log", "") in word
            ]
            result.equal(
                "log-kind-count",
                f"Observability > Logging / {env} / {kind}",
                first_number(row[table.column("log groups") or ""]),
                float(len(mine)),
                f"{env}: AWS::Logs::LogGroup and Custom::LogRetention of this type",
            )


@dataclass
class LogGroup:
    res: Resource
    owner: str
    kind: str

    @property
    def for_(self) -> list[Resource]:
        """The resources its name is made of (`/aws/lambda/${Fn}`): the log group is theirs."""
        name = self.res.props.get("LogGroupName")
        return [self.res.stack.resources[i] for i in sorted(refs(name)) if i in self.res.stack.resources]

    @property
    def name(self) -> str:
        return f"{self.res.stack.stage} / {self.owner} / {self.kind}"

    def where(self) -> str:
        return self.res.where()


# LogGroupName prefix -> the service writing to it; words a log-type cell may name a service by
PRODUCERS = (
    ("/aws/lambda/", "lambda"),
    ("/aws/rds/", "rds"),
    ("/aws/elasticache/", "elasticache"),
    ("/aws/ecs/", "ecs"),
    ("/aws/vendedlogs/states", "step functions"),
    ("/aws/states/", "step functions"),
    ("/aws/apigateway/", "api gateway"),
    ("API-Gateway-Execution-Logs", "api gateway"),
    ("/aws/codebuild/", "codebuild"),
)
SERVICE_WORDS = ("lambda", "rds", "elasticache", "redis", "ecs", "step functions", "api gateway", "codebuild")
SERVICE_ALIASES = {"redis": "elasticache"}


def _producer(lg: Resource) -> str | None:
    name = flatten(lg.props.get("LogGroupName", ""))
    return next((service for prefix, service in PRODUCERS if name.startswith(prefix)), None)


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


def notifying(alarm: Resource, assembly: Assembly) -> list[object]:
    """The alarm's actions that notify someone: every action but a scaling policy (topics of this app, topics
    imported or given by ARN)."""
    out: list[object] = []
    for action in alarm.props.get("AlarmActions", []):
        target = assembly.resolve(alarm.stack, action)
        if target is None or target.type != "AWS::ApplicationAutoScaling::ScalingPolicy":
            out.append(target if target is not None else action)
    return out


def _by_severity(doc: Doc, assembly: Assembly, result: Result) -> None:
    """The alerting summary: per environment and severity, how many alarms carry that Severity tag."""
    for table in doc.tables_with("severity", "alarms", "notify"):
        for row in table.rows:
            env, severity = row[table.column("environment") or ""], row[table.column("severity") or ""]
            stage = assembly.stages.get(env)
            if stage is None:
                result.fact(False, "severity-env", table.where(), env, list(assembly.stages), "manifest.json")
                continue
            alarms = [
                a
                for a in stage.resources("AWS::CloudWatch::Alarm")
                if a.tags.get("Severity", "-") == severity and notifying(a, assembly)
            ]
            where = f"Observability > Alerting / {env} / {severity}"
            result.equal(
                "severity-count",
                where,
                first_number(row[table.column("alarms") or ""]),
                float(len(alarms)),
                f"{env}: AWS::CloudWatch::Alarm with Tags.Severity {severity}",
            )
            heard = row.get(table.column("subscribers") or "", "")
            topics = {id(t): t for a in alarms for t in alarm_topics(a, assembly)}
            subs = [
                x
                for t in topics.values()
                for x in subscriptions(t, assembly)
                if x.type == "AWS::SNS::Subscription"
            ]
            for sub in subs:
                endpoint = str(sub.props.get("Endpoint", ""))
                if sub.props.get("Protocol") in ("email", "email-json", "sms", "http", "https"):
                    result.fact(
                        endpoint in heard,
                        "severity-subscriber",
                        where,
                        heard,
                        endpoint,
                        sub.where("Endpoint"),
                    )
            if not subs and heard:
                result.fact("nobody" in heard, "severity-subscriber", where, heard, "nobody", "templates")


def link_text(cell: str) -> str:
    """What a cell names: `[runbooks/x.md](../runbooks/x.md)` and `runbooks/x.md (not written yet)` name
    `runbooks/x.md` (whether the file exists is the source map's check)."""
    cell = cell.strip("`")
    if m := re.fullmatch(r"\[(.*?)\]\((.*?)\)", cell):
        return m.group(1)
    return cell.removesuffix(" (not written yet)")


def _alarms(doc: Doc, assembly: Assembly, result: Result) -> None:
    every = assembly.resources("AWS::CloudWatch::Alarm")
    tabs = tables(
        doc,
        result,
        "Observability > Alerting",
        ("alarm", "severity", "condition"),
        needed=any(notifying(a, assembly) for a in every),
        region="observability",
    )

    def fits(row: Row, alarm: Resource) -> bool:
        return named(row, "alarm", alarm) or (
            row[2] == alarm.stack.stage
            and words(row[1][row[0].column("alarm") or ""].strip("`")) == words(alarm_label(alarm))
        )

    def compare(res: Result, row: Row, alarm: Resource) -> None:
        _alarm_row(res, row[0], row[1], alarm, assembly)

    rows = list(each_row(tabs, assembly.stages))
    # an alarm that notifies no one (a scaling alarm) may be listed; it need not be
    match(
        result,
        "alarm",
        "Observability > Alerting",
        rows,
        every,
        fits,
        compare,
        lambda alarm, _: not notifying(alarm, assembly),
    )


def _alarm_row(
    result: Result, table: Table, row: dict[str, str], alarm: Resource, assembly: Assembly
) -> None:
    p = alarm.props
    where = f"Observability > Alerting / {alarm.stack.stage} / {alarm_label(alarm)}"
    result.equal(
        "alarm-severity",
        where,
        row[table.column("severity") or ""],
        alarm.tags.get("Severity", "-"),
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
        want = alarm.tags.get("Runbook") or _runbook(str(p.get("AlarmDescription", ""))) or "-"
        result.equal(
            "alarm-runbook",
            where,
            link_text(row[table.column("runbook") or ""]),
            want,
            alarm.where("Tags.Runbook"),
        )
    if table.column("notif"):
        cell = row[table.column("notif") or ""]
        for target in notifying(alarm, assembly):
            if isinstance(target, Resource):
                names = topic_names(target)
                ok = any(re.search(rf"\b{re.escape(n)}\b", cell) for n in names)
                want, source = " or ".join(names), target.where() + " via AlarmActions"
            else:  # a topic of another app: shown readably, `ImportValue(shared-alarm-topic-arn)`
                ok = bool(readable(target, aliases(alarm.stack)).search(cell))
                want, source = readable_text(target), alarm.where("AlarmActions")
            result.fact(ok, "alarm-topic", where, cell, want, source)


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

    def fits(row: Row, topic: Resource) -> bool:
        """A severity topic by its Severity tag; any other topic by its name, its severity shown as none."""
        table, cells, env = row
        severity = cells[table.column("severity") or ""].strip()
        if env != topic.stack.stage:
            return False
        if "Severity" in topic.tags:
            return severity == topic.tags["Severity"]
        return severity in ("-", "", "none") and topic.named(cells[table.column("topic") or ""])

    labels: dict[str, list[str]] = {}
    rows = list(each_row(tabs, assembly.stages))
    for (table, row, _), topic in match(result, "topic", "Operations > Topics", rows, topics, fits):
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
    rows = list(each_row(tabs, assembly.stages))
    fits = lambda r, b: named(r, "dashboard", b)  # noqa: E731
    for (table, row, _), board in match(
        result, "dashboard", "Observability > Dashboards", rows, boards, fits
    ):
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
