"""AWS Services Matrix: each kind of component of the specification's table, and what runs it in production."""

from __future__ import annotations

from collections.abc import Callable

from docgen.assembly.model import Resource
from docgen.facts import data, functions
from docgen.facts.fact import Fact, derived, exists
from docgen.facts.index import Index
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t


def build(model: DocModel, inputs: SectionInputs) -> None:
    prod = inputs.production
    if not prod:
        model.tables["matrix"] = t(["Component", "AWS Service", "Count"], [])
        return
    idx = inputs.index
    services = idx.of_type("AWS::ECS::Service", prod)
    role: Callable[[Resource], str] = lambda r: r.tags.get("Workload", "")  # noqa: E731
    rows: list[list[Fact | str]] = []

    def row(component: str, label: str, members: list[Resource]) -> None:
        if members:
            facts = [exists(m, component) for m in members]
            rows.append(
                [
                    derived(component, component, facts),
                    derived(label, label, facts),
                    derived(len(members), str(len(members)), facts),
                ]
            )

    row("Frontend (static)", "CloudFront + S3", idx.of_type("AWS::CloudFront::Distribution", prod))
    launch = "ECS Fargate" if all(s.properties.get("LaunchType") == "FARGATE" for s in services) else "ECS"
    row("Frontend (container)", launch, [s for s in services if role(s) == "frontend"])
    row("Backend (HTTP)", launch, [s for s in services if role(s) == "http"])
    row("Workers", launch, [s for s in services if role(s) == "worker"])
    row("Services", launch, [s for s in services if role(s) not in ("frontend", "http", "worker")])
    engines: dict[str, list[Resource]] = {}
    for d in data.databases(idx, prod):
        # a read replica's engine is its primary's
        engines.setdefault(f"RDS {data.engine_name(d.engine.value)}", []).append(d.resource)
    for label, members in sorted(engines.items()):
        row("Database", label, members)
    _data_blocks(row, idx, prod)
    caches: dict[str, list[Resource]] = {}
    for c in idx.of_type("AWS::ElastiCache::ReplicationGroup", prod):
        caches.setdefault(f"ElastiCache {str(c.properties.get('Engine', 'redis')).capitalize()}", []).append(
            c
        )
    for label, members in sorted(caches.items()):
        row("Cache", label, members)
    queues = idx.of_type("AWS::SQS::Queue", prod)
    row("Queue", "SQS (standard)", [q for q in queues if q.properties.get("FifoQueue") not in (True, "true")])
    row("Queue", "SQS (FIFO)", [q for q in queues if q.properties.get("FifoQueue") in (True, "true")])
    row("Secrets", "Secrets Manager", idx.of_type("AWS::SecretsManager::Secret", prod))
    lbs = idx.of_type("AWS::ElasticLoadBalancingV2::LoadBalancer", prod)
    row(
        "Load balancing",
        "Application Load Balancer",
        [x for x in lbs if x.properties.get("Type", "application") == "application"],
    )
    row("Load balancing", "Network Load Balancer", [x for x in lbs if x.properties.get("Type") == "network"])
    _compute_blocks(row, idx, prod)
    row("Alerting", "CloudWatch alarms", idx.of_type("AWS::CloudWatch::Alarm", prod))
    row("Notifications", "SNS topics", idx.of_type("AWS::SNS::Topic", prod))
    row("Backup", "AWS Backup", idx.of_type("AWS::Backup::BackupPlan", prod))
    row("Cost control", "AWS Budgets", idx.of_type("AWS::Budgets::Budget", prod))
    model.tables["matrix"] = t(["Component", "AWS Service", f"Count ({prod})"], rows)


Row = Callable[[str, str, list[Resource]], None]


def _data_blocks(row: Row, idx: Index, prod: str) -> None:
    aurora: dict[str, list[Resource]] = {}
    clusters: dict[str, int] = {}
    for cluster in idx.of_type("AWS::RDS::DBCluster", prod):
        engine = data.engine_name(cluster.properties.get("Engine"))
        clusters[engine] = clusters.get(engine, 0) + 1
        members = idx.referring(cluster, "AWS::RDS::DBInstance", "DBClusterIdentifier")
        aurora.setdefault(engine, []).extend(members or [cluster])  # counted by instance, like RDS
    for label, members in sorted(aurora.items()):
        row("Database", f"{label} ({clusters[label]} cluster{'s' if clusters[label] != 1 else ''})", members)
    tables = idx.of_type("AWS::DynamoDB::Table", prod) + idx.of_type("AWS::DynamoDB::GlobalTable", prod)
    row("Database (NoSQL)", "DynamoDB", tables)


def _compute_blocks(row: Row, idx: Index, prod: str) -> None:
    row("Compute (servers)", "EC2 instances", idx.of_type("AWS::EC2::Instance", prod))
    row("Compute (servers)", "EC2 Auto Scaling", idx.of_type("AWS::AutoScaling::AutoScalingGroup", prod))
    app_functions, _ = functions.split(idx, prod)
    row("Functions", "AWS Lambda", app_functions)
    row("API", "API Gateway REST API", idx.of_type("AWS::ApiGateway::RestApi", prod))
    row("API", "API Gateway HTTP API", idx.of_type("AWS::ApiGatewayV2::Api", prod))
    row("Web application firewall", "AWS WAF", idx.of_type("AWS::WAFv2::WebACL", prod))
    row("Workflows", "Step Functions", idx.of_type("AWS::StepFunctions::StateMachine", prod))
    row("Events", "EventBridge rules", idx.of_type("AWS::Events::Rule", prod))
    namespaces = [
        r
        for t in ("HttpNamespace", "PrivateDnsNamespace", "PublicDnsNamespace")
        for r in idx.of_type(f"AWS::ServiceDiscovery::{t}", prod)
    ]
    row("Service discovery", "Cloud Map", namespaces)
