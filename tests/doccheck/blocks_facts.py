"""The building blocks beyond containers: application Lambda functions (runtime, memory, timeout), Aurora clusters
(encryption, backups and deletion protection read from the cluster) and DynamoDB tables (billing mode).

CDK's own functions (custom-resource handlers, log retention, bucket notifications) are told apart here as a
reader of the templates would: named by a custom resource's ServiceToken, or made by CDK's provider constructs.
"""

from __future__ import annotations

import re

from tests.doccheck.assembly import Assembly, Resource, refs
from tests.doccheck.common import compare_cells, component_name, each_row, key, pair, tables
from tests.doccheck.markdown import Doc
from tests.doccheck.report import Result
from tests.doccheck.values import days, first_number, yes_no

CDK_PATH = re.compile(
    r"(^|/)(Custom::[^/]*Provider|LogRetention[0-9a-f]{32}|BucketNotificationsHandler[0-9a-f]{32}"
    r"|AWS679f53fac002430cb0da5b7982bd2287|framework-onEvent|framework-isComplete|framework-onTimeout)(/|$)"
)


def check(doc: Doc, assembly: Assembly) -> Result:
    result = Result()
    _functions(doc, assembly, result)
    _clusters(doc, assembly, result)
    _tables(doc, assembly, result)
    return result


def application_functions(assembly: Assembly) -> list[Resource]:
    out = []
    for function in assembly.resources("AWS::Lambda::Function"):
        stack = function.stack
        served = any(
            (r.type.startswith("Custom::") or r.type == "AWS::CloudFormation::CustomResource")
            and function.logical_id in refs(r.props.get("ServiceToken"))
            for r in stack.resources.values()
        )
        if not served and not CDK_PATH.search(function.path):
            out.append(function)
    return out


def _env_key(assembly: Assembly, env: str) -> str:
    """An app without stages has one environment, whatever the doc calls it."""
    return "" if list(assembly.stages) == [""] else env


def _name(resource: Resource) -> str:
    parts = [p for p in resource.path.split("/") if p not in ("Resource", "Default")]
    return resource.tags.get("Service") or (parts[-1] if parts else resource.logical_id)


def _functions(doc: Doc, assembly: Assembly, result: Result) -> None:
    functions = application_functions(assembly)
    columns = ("function", "runtime", "memory", "timeout")
    tabs = tables(doc, result, "Compute > Lambda functions", columns, needed=bool(functions))
    rows = [
        (key(_env_key(assembly, env), component_name(row[t.column("function") or ""])), (t, row))
        for t, row, env in each_row(tabs, assembly.stages)
    ]
    things = [(key(_env_key(assembly, f.stack.stage), _name(f)), f) for f in functions]
    for (table, row), function in pair(result, "lambda", "Compute > Lambda functions", rows, things):
        p = function.props
        where = f"Compute > Lambda functions / {function.stack.stage} / {_name(function)}"
        checks = [
            (
                "runtime",
                "lambda-runtime",
                str,
                str(p.get("Runtime", "container image")),
                function.where("Runtime"),
            ),
            (
                "memory",
                "lambda-memory",
                first_number,
                float(p.get("MemorySize", 128)),
                function.where("MemorySize"),
            ),
            (
                "timeout",
                "lambda-timeout",
                first_number,
                float(p.get("Timeout", 3)),
                function.where("Timeout"),
            ),
        ]
        compare_cells(result, table, row, where, checks)


def _clusters(doc: Doc, assembly: Assembly, result: Result) -> None:
    clusters = assembly.resources("AWS::RDS::DBCluster")
    columns = ("cluster", "engine", "encrypted", "backups")
    tabs = tables(doc, result, "Database > Aurora clusters", columns, needed=bool(clusters))
    rows = [
        (key(_env_key(assembly, env), component_name(row[t.column("cluster") or ""])), (t, row))
        for t, row, env in each_row(tabs, assembly.stages)
    ]
    things = [(key(_env_key(assembly, c.stack.stage), _name(c)), c) for c in clusters]
    for (table, row), cluster in pair(result, "aurora", "Database > Aurora clusters", rows, things):
        p = cluster.props
        where = f"Database > Aurora clusters / {cluster.stack.stage} / {_name(cluster)}"
        engine = row[table.column("engine") or ""]
        result.fact(
            str(p.get("EngineVersion", "")) in engine and "aurora" in engine.lower(),
            "aurora-engine",
            where,
            engine,
            f"{p.get('Engine')} {p.get('EngineVersion', '')}",
            cluster.where("Engine, EngineVersion"),
        )
        checks = [
            (
                "encrypted",
                "aurora-encrypted",
                yes_no,
                bool(p.get("StorageEncrypted")),
                cluster.where("StorageEncrypted"),
            ),
            (
                "backups",
                "aurora-backups",
                days,
                float(p.get("BackupRetentionPeriod", 1)),
                cluster.where("BackupRetentionPeriod"),
            ),
            (
                "deletion",
                "aurora-deletion-protection",
                yes_no,
                bool(p.get("DeletionProtection")),
                cluster.where("DeletionProtection"),
            ),
        ]
        compare_cells(result, table, row, where, checks)
        scaling = p.get("ServerlessV2ScalingConfiguration")
        if isinstance(scaling, dict) and table.column("capacity"):
            shown = row[table.column("capacity") or ""]
            wanted = [float(scaling.get("MinCapacity", -1)), float(scaling.get("MaxCapacity", -1))]
            found = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", shown)[-2:]]
            result.equal(
                "aurora-acu", where, found, wanted, cluster.where("ServerlessV2ScalingConfiguration")
            )


def _tables(doc: Doc, assembly: Assembly, result: Result) -> None:
    found = assembly.resources("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable")
    tabs = tables(doc, result, "Database > DynamoDB", ("table", "keys", "billing"), needed=bool(found))
    rows = [
        (key(_env_key(assembly, env), component_name(row[t.column("table") or ""])), (t, row))
        for t, row, env in each_row(tabs, assembly.stages)
    ]
    things = [(key(_env_key(assembly, t.stack.stage), _name(t)), t) for t in found]
    for (table, row), resource in pair(result, "dynamodb", "Database > DynamoDB", rows, things):
        where = f"Database > DynamoDB / {resource.stack.stage} / {_name(resource)}"
        on_demand = str(resource.props.get("BillingMode", "PROVISIONED")) == "PAY_PER_REQUEST"
        shown = row[table.column("billing") or ""]
        result.equal(
            "dynamodb-billing", where, "on-demand" in shown, on_demand, resource.where("BillingMode")
        )
        for key_schema in resource.props.get("KeySchema") or ():
            name = str(key_schema.get("AttributeName"))
            result.fact(
                name in row[table.column("keys") or ""],
                "dynamodb-key",
                where,
                row[table.column("keys") or ""],
                name,
                resource.where("KeySchema"),
            )
