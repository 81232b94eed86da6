"""The common building blocks beyond this project's own: Lambda, DynamoDB, API routes, EventBridge rules, Step
Functions, WAF web ACLs, EC2 instances and Auto Scaling groups, Cloud Map namespaces.

The doc's tables for them are found by their columns (a table with `Runtime` and `Memory` columns describes Lambda
functions); every row must name a resource of that kind and tell its facts as the template sets them (defaults
included: 128 MB, 3 s, on-demand or provisioned). A resource without a row is in the resource inventory instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from tests.doccheck.assembly import Assembly, Resource, refs
from tests.doccheck.common import Row, each_row, match
from tests.doccheck.inventory import inventory_listed
from tests.doccheck.markdown import Doc, Table
from tests.doccheck.report import Result
from tests.doccheck.values import first_number, numbers, words, yes_no

Fact = Callable[
    [str, Resource, Assembly], tuple[bool, object]
]  # (cell, resource, assembly) -> (holds, wanted)


@dataclass(frozen=True)
class Block:
    what: str
    types: tuple[str, ...]
    columns: tuple[tuple[str, ...], ...]  # every group must have a column containing one of its words
    names: tuple[str, ...]  # the column naming the resource: the first header containing one of these words
    facts: tuple[tuple[str, str, Fact], ...]  # (column word, mismatch kind, fact)


def _norm(text: str) -> str:
    return re.sub(r"[\s_-]+", "", text.lower())


def _seconds(cell: str) -> float | None:
    value = first_number(cell)
    if value is None:
        return None
    return value * 60 if re.search(r"\bmin", cell) else value


def _runtime(cell: str, fn: Resource, asm: Assembly) -> tuple[bool, object]:
    if fn.props.get("PackageType") == "Image":
        return bool(re.search(r"image|container", cell, re.I)), "container image"
    runtime = str(fn.props.get("Runtime"))
    return _norm(runtime) in _norm(cell), runtime


def _arch(cell: str, fn: Resource, asm: Assembly) -> tuple[bool, object]:
    arch = (fn.props.get("Architectures") or ["x86_64"])[0]
    return _norm(arch) in _norm(cell), arch


def _memory(cell: str, fn: Resource, asm: Assembly) -> tuple[bool, object]:
    want = float(fn.props.get("MemorySize", 128))
    shown = first_number(cell)
    shown = shown * 1024 if shown is not None and re.search(r"\bG", cell) else shown
    return shown == want, f"{want:g} MB"


def _timeout(cell: str, fn: Resource, asm: Assembly) -> tuple[bool, object]:
    want = float(fn.props.get("Timeout", 3))
    return _seconds(cell) == want, f"{want:g} s"


def _mentions(cell: str, res: Resource) -> bool:
    """The cell names the resource among other words: its component, construct id, path or logical id."""
    text = words(cell)
    candidates = {res.tags.get("Service", ""), res.construct_id, res.logical_id, *res.segments}
    return any(c and re.search(rf"(?<![\w]){re.escape(words(c))}(?![\w])", text) for c in candidates)


def triggers(fn: Resource, asm: Assembly) -> list[Resource]:
    """What invokes a function: event source mappings' sources, SNS subscriptions, EventBridge rule targets,
    Scheduler schedules."""
    stage = asm.stages[fn.stack.stage]
    out = []
    for esm in stage.resources("AWS::Lambda::EventSourceMapping"):
        if asm.resolve(esm.stack, esm.props.get("FunctionName")) is fn:
            source = asm.resolve(esm.stack, esm.props.get("EventSourceArn"))
            out += [source] if source is not None else []
    for sub in stage.resources("AWS::SNS::Subscription"):
        if sub.props.get("Protocol") == "lambda" and asm.resolve(sub.stack, sub.props.get("Endpoint")) is fn:
            topic = asm.resolve(sub.stack, sub.props.get("TopicArn"))
            out += [topic] if topic is not None else []
    for rule in stage.resources("AWS::Events::Rule"):
        if any(asm.resolve(rule.stack, t.get("Arn")) is fn for t in rule.props.get("Targets", [])):
            out.append(rule)
    for schedule in stage.resources("AWS::Scheduler::Schedule"):
        if asm.resolve(schedule.stack, (schedule.props.get("Target") or {}).get("Arn")) is fn:
            out.append(schedule)
    return out


def _triggers(cell: str, fn: Resource, asm: Assembly) -> tuple[bool, object]:
    sources = triggers(fn, asm)
    if not sources:
        return True, "none found (not checked)"
    # a schedule is known by its expression (Scheduler schedules carry no tags)
    missing = [
        s.title
        for s in sources
        if not (
            str(s.props.get("ScheduleExpression")) in cell
            if s.type == "AWS::Scheduler::Schedule"
            else _mentions(cell, s)
        )
    ]
    return not missing, [s.title for s in sources]


def _keys(cell: str, table: Resource, asm: Assembly) -> tuple[bool, object]:
    keys = [str(k.get("AttributeName")) for k in table.props.get("KeySchema", [])]
    return all(re.search(rf"\b{re.escape(k)}\b", cell) for k in keys), keys


def _billing(cell: str, table: Resource, asm: Assembly) -> tuple[bool, object]:
    mode = str(table.props.get("BillingMode", "PROVISIONED"))
    lower = cell.lower()
    if mode == "PAY_PER_REQUEST":
        return bool(re.search(r"on.demand|pay.per.request", lower)), "on-demand (PAY_PER_REQUEST)"
    capacity = table.props.get("ProvisionedThroughput") or {}
    units = [float(v) for v in capacity.values() if isinstance(v, int | float | str) and str(v).isdigit()]
    shown = numbers(cell)
    return "provisioned" in lower and all(u in shown for u in units), f"provisioned {units or ''}".strip()


def _stream(cell: str, table: Resource, asm: Assembly) -> tuple[bool, object]:
    view = (table.props.get("StreamSpecification") or {}).get("StreamViewType")
    if view:
        return _norm(str(view)) in _norm(cell) or yes_no(cell) is True, view
    return yes_no(cell) in (False, None) and not re.search(r"image|keys", cell, re.I), "no stream"


def _pitr(cell: str, table: Resource, asm: Assembly) -> tuple[bool, object]:
    specs = [table.props.get("PointInTimeRecoverySpecification") or {}]
    if table.type == "AWS::DynamoDB::GlobalTable":
        specs = [r.get("PointInTimeRecoverySpecification") or {} for r in table.props.get("Replicas", [])]
    on = bool(specs) and all(s.get("PointInTimeRecoveryEnabled") for s in specs)
    return yes_no(cell) == on, on


def _indexes(cell: str, table: Resource, asm: Assembly) -> tuple[bool, object]:
    names = [str(i.get("IndexName")) for i in table.props.get("GlobalSecondaryIndexes", [])]
    if not names:
        return not numbers(cell) or first_number(cell) == 0, "none"
    return all(n in cell for n in names) or first_number(cell) == len(names), names


def _instance_type(cell: str, res: Resource, asm: Assembly) -> tuple[bool, object]:
    kind = res.props.get("InstanceType")
    if kind is None:  # an Auto Scaling group: its launch template's
        template = asm.resolve(res.stack, (res.props.get("LaunchTemplate") or {}).get("LaunchTemplateId"))
        kind = ((template.props if template else {}).get("LaunchTemplateData") or {}).get("InstanceType")
    return str(kind) in cell, kind


def _size(prop: str) -> Fact:
    def fact(cell: str, res: Resource, asm: Assembly) -> tuple[bool, object]:
        if res.type != "AWS::AutoScaling::AutoScalingGroup":
            return True, "n/a"
        want = res.props.get(prop, res.props.get("MinSize") if prop == "DesiredCapacity" else None)
        return first_number(cell) == (float(want) if want is not None else None), want

    return fact


def _schedule(cell: str, rule: Resource, asm: Assembly) -> tuple[bool, object]:
    expression = rule.props.get("ScheduleExpression")
    if expression:
        return str(expression) in cell, expression
    return not re.search(r"rate\(|cron\(", cell), "an event pattern, no schedule"


def _targets(cell: str, rule: Resource, asm: Assembly) -> tuple[bool, object]:
    found = [asm.resolve(rule.stack, t.get("Arn")) for t in rule.props.get("Targets", [])]
    targets = [t for t in found if t is not None]
    return all(_mentions(cell, t) for t in targets), [t.title for t in targets]


def _machine_type(cell: str, machine: Resource, asm: Assembly) -> tuple[bool, object]:
    kind = str(machine.props.get("StateMachineType", "STANDARD"))
    return kind.lower() in cell.lower(), kind


def _started_by(cell: str, machine: Resource, asm: Assembly) -> tuple[bool, object]:
    rules = [
        r
        for r in asm.stages[machine.stack.stage].resources("AWS::Events::Rule")
        if any(asm.resolve(r.stack, t.get("Arn")) is machine for t in r.props.get("Targets", []))
    ]
    return all(_mentions(cell, r) for r in rules), [r.title for r in rules]


def _scope(cell: str, acl: Resource, asm: Assembly) -> tuple[bool, object]:
    scope = str(acl.props.get("Scope"))
    return scope.lower() in cell.lower(), scope


def _default_action(cell: str, acl: Resource, asm: Assembly) -> tuple[bool, object]:
    action = next(iter(acl.props.get("DefaultAction") or {}), "?")
    return action.lower() in cell.lower(), action


def _acl_rules(cell: str, acl: Resource, asm: Assembly) -> tuple[bool, object]:
    rules = [str(r.get("Name")) for r in acl.props.get("Rules", [])]
    return all(r in cell for r in rules) or first_number(cell) == len(rules), rules


def _protects(cell: str, acl: Resource, asm: Assembly) -> tuple[bool, object]:
    targets = []
    for assoc in asm.stages[acl.stack.stage].resources("AWS::WAFv2::WebACLAssociation"):
        if asm.resolve(assoc.stack, assoc.props.get("WebACLArn")) is acl:
            targets += [
                assoc.stack.resources[i]
                for i in refs(assoc.props.get("ResourceArn"))
                if i in assoc.stack.resources
            ]
    return all(_mentions(cell, t) for t in targets), [t.title for t in targets]


def _namespace(cell: str, ns: Resource, asm: Assembly) -> tuple[bool, object]:
    return str(ns.props.get("Name")) in cell, ns.props.get("Name")


BLOCKS = (
    Block(
        "Lambda",
        ("AWS::Lambda::Function",),
        (("runtime",), ("memory", "timeout")),
        ("function", "lambda", "name"),
        (
            ("runtime", "lambda-runtime", _runtime),
            ("arch", "lambda-arch", _arch),
            ("memory", "lambda-memory", _memory),
            ("timeout", "lambda-timeout", _timeout),
            ("trigger", "lambda-triggers", _triggers),
        ),
    ),
    Block(
        "DynamoDB",
        ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"),
        (("key",), ("billing", "capacity")),
        ("table", "name"),
        (
            ("key", "dynamodb-keys", _keys),
            ("billing", "dynamodb-billing", _billing),
            ("stream", "dynamodb-stream", _stream),
            ("point-in-time", "dynamodb-pitr", _pitr),
            ("pitr", "dynamodb-pitr", _pitr),
            ("index", "dynamodb-indexes", _indexes),
        ),
    ),
    Block(
        "EC2",
        ("AWS::EC2::Instance", "AWS::AutoScaling::AutoScalingGroup"),
        (("instance type",),),
        ("instance", "group", "name"),
        (
            ("instance type", "ec2-instance-type", _instance_type),
            ("min", "asg-min", _size("MinSize")),
            ("max", "asg-max", _size("MaxSize")),
            ("desired", "asg-desired", _size("DesiredCapacity")),
        ),
    ),
    Block(
        "EventBridge",
        ("AWS::Events::Rule",),
        (("rule",), ("pattern", "target", "bus")),
        ("rule",),
        (("schedule", "events-schedule", _schedule), ("target", "events-targets", _targets)),
    ),
    Block(
        "Step Functions",
        ("AWS::StepFunctions::StateMachine",),
        (("state machine",),),
        ("state machine",),
        (("type", "sfn-type", _machine_type), ("started", "sfn-started-by", _started_by)),
    ),
    Block(
        "WAF",
        ("AWS::WAFv2::WebACL",),
        (("web acl",), ("scope",)),  # an API table has a "Web ACL" column too
        ("web acl",),
        (
            ("scope", "waf-scope", _scope),
            ("default", "waf-default-action", _default_action),
            ("rules", "waf-rules", _acl_rules),
            ("protect", "waf-protects", _protects),
            ("associat", "waf-protects", _protects),
        ),
    ),
    Block(
        "Cloud Map",
        ("AWS::ServiceDiscovery::HttpNamespace", "AWS::ServiceDiscovery::PrivateDnsNamespace"),
        (("namespace",),),
        ("namespace",),
        (("namespace", "cloudmap-name", _namespace),),
    ),
)


def check(doc: Doc, assembly: Assembly) -> Result:
    result = Result()
    listed = inventory_listed(doc, assembly)
    for block in BLOCKS:
        resources = assembly.resources(*block.types)
        for table in _tables(doc, block):
            _table(result, block, table, resources, listed, assembly, doc)
    return result


def _tables(doc: Doc, block: Block) -> list[Table]:
    return [
        t
        for t in doc.tables
        if t.region
        and all(any(t.column(w) for w in group) for group in block.columns)
        and _name_column(t, block)
    ]


def _name_column(table: Table, block: Block) -> str | None:
    return next((c for w in block.names if (c := table.column(w)) and c != table.column("environment")), None)


def _table(
    result: Result,
    block: Block,
    table: Table,
    resources: list[Resource],
    listed: set[int],
    asm: Assembly,
    doc: Doc,
) -> None:
    name = _name_column(table, block) or ""

    def fits(row: Row, res: Resource) -> bool:
        return row[2] == res.stack.stage and res.named(
            re.sub(r"\s*\(.*?\)\s*", " ", row[1][name]).strip("` ")
        )

    def compare(res_result: Result, row: Row, res: Resource) -> None:
        cells = row[1]
        where = f"{block.what} ({table.where()}) / {res.stack.stage} / {cells[name]}"
        for word, kind, fact in block.facts:
            column = table.column(word)
            if column and column != name:
                ok, want = fact(cells[column], res, asm)
                res_result.fact(ok, kind, where, cells[column], want, res.where())

    rows = list(each_row([table], asm.stages))
    elsewhere = _other_tables(doc, table, block, asm)
    match(
        result,
        block.what.lower().replace(" ", "-"),
        f"{block.what} table",
        rows,
        resources,
        fits,
        compare,
        lambda res, _: id(res) in listed or any(fits(row, res) for row in elsewhere),
    )


def _other_tables(doc: Doc, table: Table, block: Block, asm: Assembly) -> list[Row]:
    """Rows of the doc's other tables of the same kind of resource with a `Purpose` column (e.g. the functions
    CDK adds for its own custom resources, listed apart from the application's): a resource there is described."""
    others = [t for t in doc.tables if t is not table and t.column("purpose") and _name_column(t, block)]
    return [row for t in others for row in each_row([t], asm.stages)]
