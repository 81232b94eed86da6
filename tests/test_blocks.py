"""The building blocks on the corpus of foreign CDK apps (tests/corpus): what the doc says of Lambda functions and
their triggers, APIs, DynamoDB, Aurora, EC2 and Auto Scaling, load balancers, events, WAF and Cloud Map, and the
diagram's boxes and arrows. Expectations are read off each app's app.py, never off docgen's output."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from docgen.assembly.reader import read_assembly
from docgen.cli import main
from docgen.facts import functions
from docgen.facts.diagram import build_model
from docgen.facts.index import Index
from tests import sourcemap
from tests.conftest import ROOT
from tests.doccheck import assembly as doccheck_assembly
from tests.doccheck import blocks_facts as blocks
from tests.doccheck.markdown import expand, parse
from tests.test_docgen import docgen_argv

CORPUS = ROOT / "tests" / "corpus"
APPS = sorted(p.parent.name for p in CORPUS.glob("*/app.py"))


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every corpus app's doc, written once for this module."""
    out = {}
    for app in APPS:
        doc = tmp_path_factory.mktemp(app) / "60-infrastructure.md"
        assert main(docgen_argv(doc, cdk_out=CORPUS / app / "cdk.out")) == 0, app
        out[app] = doc
    return out


def region(doc: Path, name: str) -> str:
    """The region's body in the doc and in its companion files (a section's detail tables live there)."""
    found = []
    for path in [doc, *sorted(doc.parent.glob(f"{doc.stem}-*.md"))]:
        text = path.read_text(encoding="utf-8")
        found += re.findall(
            rf"BEGIN GENERATED: {name} .*?-->\n(.*?)<!-- END GENERATED: {name} -->", text, re.S
        )
    assert found, f"no region {name}"
    return "\n".join(found)


def rows(doc: Path, name: str, first_header: str, *also: str) -> list[dict[str, str]]:
    """The rows of the region's table whose header row starts with `first_header` and has `also`, as dicts."""
    lines = region(doc, name).splitlines()
    for i, line in enumerate(lines):
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if line.startswith("|") and cells[:2] == ["Environment", first_header] and set(also) <= set(cells):
            out = []
            for body in lines[i + 2 :]:
                if not body.startswith("|"):
                    break
                out += expand(
                    dict(zip(cells, [c.strip() for c in body.strip().strip("|").split(" | ")], strict=True))
                )
            return out
    raise AssertionError(f"no table starting Environment | {first_header} in region {name}")


def model(app: str, env: str = "app"):  # type: ignore[no-untyped-def]
    return build_model(read_assembly(CORPUS / app / "cdk.out"), env)


def links(app: str, env: str = "app") -> set[tuple[str, str, str]]:
    return {(x.source, x.target, x.label) for x in model(app, env).links}


@pytest.mark.parametrize("app", APPS)
def test_every_corpus_doc_keeps_its_source_map(docs: dict[str, Path], app: str) -> None:
    """Every cell of the new tables has a source, and every source re-reads to what was recorded."""
    report = sourcemap.check(docs[app], CORPUS / app / "cdk.out", ROOT, None)
    assert report.problems == []
    assert report.cells > 20


def test_aurora_is_described_from_its_clusters(docs: dict[str, Path]) -> None:
    clusters = {r["Cluster"]: r for r in rows(docs["aurora"], "database", "Cluster")}
    orders, analytics = clusters["Orders"], clusters["Analytics"]
    assert orders["Engine"] == "Aurora PostgreSQL 16.6"
    assert (orders["Encrypted"], orders["Backups"], orders["Deletion protection"]) == ("yes", "14 d", "yes")
    assert orders["Instances"] == "writer: db.r6g.large<br>reader: db.r6g.large (failover tier 1)"
    assert orders["Proxy"] == "RDS Proxy Proxy (TLS required)"
    assert analytics["Capacity"] == "Serverless v2, 0.5–8 ACU"
    assert (analytics["Encrypted"], analytics["Backups"], analytics["Deletion protection"]) == (
        "yes",
        "7 d",
        "no",
    )
    assert analytics["Engine"].startswith("Aurora MySQL")
    # Cluster instances are not RDS instances of their own, anywhere.
    assert "_No RDS instance in the templates._" in region(docs["aurora"], "database")
    encryption = region(docs["aurora"], "security")
    assert (
        "| Aurora Orders | yes (AWS managed key) | TLS available, not enforced (no rds.force_ssl); RDS Proxy"
        in encryption
    )
    assert "no require_secure_transport" in encryption  # the MySQL cluster names MySQL's parameter
    boxes = {c.name: c.label for c in model("aurora").components if c.kind == "rds"}
    assert set(boxes) == {"Orders", "Analytics"}
    assert "Serverless v2 0.5–8 ACU, writer + 1 reader" in boxes["Analytics"]


def test_an_nlb_is_never_called_an_alb(docs: dict[str, Path]) -> None:
    # The SLA data file names the service "Elastic Load Balancing (ALB, NLB, GWLB)": that is no claim.
    text = docs["fargate-nlb"].read_text(encoding="utf-8").replace("(ALB, NLB, GWLB)", "")
    assert "ALB" not in text and "Application Load Balancer" not in text
    assert "| Load balancing | Network Load Balancer | 1 |" in region(docs["fargate-nlb"], "matrix")
    (box,) = model("fargate-nlb").of_kind("nlb")
    assert "NLB internet-facing, TCP :80" in box.label
    assert {(x.source, x.target) for x in model("fargate-nlb").links} >= {
        ("users", box.id),
        (box.id, "ecs_Service"),
    }


def test_mysql_is_named_mysql_everywhere(docs: dict[str, Path]) -> None:
    text = docs["alb-asg-mysql"].read_text(encoding="utf-8")
    assert "PostgreSQL" not in text and "postgres" not in text.lower().replace("postgresql", "")
    (db,) = rows(docs["alb-asg-mysql"], "database", "Database")
    assert db["Engine"] == "MySQL 8.0.39"
    assert "TLS available, not enforced (no require_secure_transport)" in region(
        docs["alb-asg-mysql"], "security"
    )


def test_api_routes_show_their_integrations_and_authorizers(docs: dict[str, Path]) -> None:
    routes = {(r["API"], r["Route"]): r for r in rows(docs["apigw-sqs-lambda"], "apis", "API", "Route")}
    assert routes["OrdersApi", "POST /orders"]["Integration"] == "SQS Orders (AWS service integration)"
    assert routes["OrdersApi", "POST /orders"]["Authorization"] == "none"
    for path in ("GET /items", "GET /items/{id}"):
        assert routes["ItemsApi", path]["Integration"] == "Lambda ItemsFn (proxy)"
        assert routes["ItemsApi", path]["Authorization"] == "Lambda authorizer KeyAuthorizer (request)"
    apis = {r["API"]: r for r in rows(docs["apigw-sqs-lambda"], "apis", "API", "Type")}
    assert (apis["OrdersApi"]["Type"], apis["OrdersApi"]["Stages"]) == (
        "REST API",
        "v1 (throttle 100 req/s, burst 50)",
    )
    assert (apis["ItemsApi"]["Type"], apis["ItemsApi"]["Stages"]) == ("HTTP API", "$default (auto-deploy)")
    assert links("apigw-sqs-lambda") >= {
        ("api_OrdersApi", "queue_Orders", "integrates"),
        ("api_ItemsApi", "lambda_ItemsFn", "integrates"),
        ("api_ItemsApi", "lambda_Authorizer", "authorizes"),
        ("queue_Orders", "lambda_Consumer", "polls"),
        ("users", "api_OrdersApi", "HTTPS"),
    }


def test_lambda_triggers_are_rows_and_arrows_and_cdk_handlers_stay_apart(docs: dict[str, Path]) -> None:
    functions_ = {r["Function"]: r for r in rows(docs["s3-sns-sqs-lambda"], "compute", "Function", "Arch")}
    assert set(functions_) == {"Audit", "Processor"}
    processor = functions_["Processor"]
    assert (processor["Arch"], processor["Memory"], processor["Timeout"]) == ("arm64", "512 MiB", "30 s")
    assert processor["Logs kept"] == "14 d"
    assert processor["Triggered by"] == "SQS Ingest (batch 10, window 5 s)"
    assert functions_["Audit"]["Triggered by"] == "SNS Uploaded (lambda subscription)"
    infra = {
        r["Function"]: r["Purpose"]
        for r in rows(docs["s3-sns-sqs-lambda"], "inventory", "Function", "Purpose")
    }
    assert set(infra) == {"BucketNotificationsHandler", "LogRetention"}
    assert infra["LogRetention"].startswith("custom-resource handler (Custom::LogRetention)")
    assert links("s3-sns-sqs-lambda") >= {
        ("s3_Uploads", "topic_Uploaded", "notifies"),
        ("s3_Uploads", "queue_Deleted", "notifies"),
        ("topic_Uploaded", "queue_Ingest", "delivers"),
        ("topic_Uploaded", "lambda_Audit", "delivers"),
        ("queue_Ingest", "lambda_Processor", "polls"),
    }
    boxes = {c.name for c in model("s3-sns-sqs-lambda").of_kind("lambda")}
    assert boxes == {"Audit", "Processor"}  # CDK's handlers are no boxes


def test_cdk_provider_functions_are_told_apart_on_every_corpus_app() -> None:
    for app in APPS:
        assembly = read_assembly(CORPUS / app / "cdk.out")
        index = Index(assembly)
        for env in index.environments:
            app_functions, infra = functions.split(index, env)
            for function in app_functions:
                assert "Custom::" not in function.path and "LogRetention" not in function.path, function.path
            for function, purpose in infra:
                assert "deploy time" in purpose.text, (app, function.path)


def test_dynamodb_waf_and_stream_consumer(docs: dict[str, Path]) -> None:
    (table,) = rows(docs["waf-backup-dynamodb"], "database", "Table")
    assert table["Keys"] == "pk (partition, string), sk (sort, string)"
    assert (table["Billing"], table["Stream"], table["Point-in-time recovery"]) == (
        "on-demand",
        "new and old images",
        "yes",
    )
    assert table["Indexes"] == "GSI by-category on category (partition, string)"
    (acl,) = rows(docs["waf-backup-dynamodb"], "security", "Web ACL")
    assert (acl["Scope"], acl["Default action"], acl["Protects"]) == (
        "regional",
        "allow",
        "REST API CatalogApi",
    )
    assert acl["Rules"].startswith("0 RateLimitPerIp: block above 1,000 requests per 5 min per IP<br>")
    fns = {r["Function"]: r for r in rows(docs["waf-backup-dynamodb"], "compute", "Function", "Arch")}
    assert fns["StreamFn"]["Triggered by"] == "DynamoDB Products stream (batch 100, from trim horizon)"
    assert links("waf-backup-dynamodb") >= {
        ("waf_WebAcl", "api_CatalogApi", "filters"),
        ("table_Products", "lambda_StreamFn", "polls"),
        ("lambda_ApiFn", "table_Products", "reads"),
    }


def test_global_tables_show_provisioned_capacity_and_regions(docs: dict[str, Path]) -> None:
    tables = rows(docs["nested-stages"], "database", "Table")
    assert {(t["Environment"], t["Regions"]) for t in tables} == {
        ("platform/eu", "global table: eu-west-1"),
        ("platform/us", "global table: us-east-1"),
    }
    assert {t["Billing"] for t in tables} == {"provisioned 5 RCU / 1–20 WCU"}


def test_instances_groups_rules_and_state_machines(docs: dict[str, Path]) -> None:
    instances = {r["Environment"]: r for r in rows(docs["stages-stepfunctions"], "compute", "Instance")}
    assert (instances["dev"]["Type"], instances["prod"]["Type"]) == ("t3.micro", "m5.large")
    assert instances["prod"]["AMI"].startswith("latest Amazon Linux AMI")
    assert instances["prod"]["Metadata service"] == "IMDSv2 required"
    (group,) = rows(docs["alb-asg-mysql"], "compute", "Group")
    assert (group["Group"], group["Type"], group["Min"], group["Desired"], group["Max"]) == (
        "Asg",
        "t3.small",
        "2",
        "2 (the minimum)",
        "6",
    )
    assert (group["Scaling"], group["Load balancers"]) == ("CPU 50%", "ALB Alb → HTTP :80")
    assert ("alb_Alb", "asg_Asg") in {(x.source, x.target) for x in model("alb-asg-mysql").links}
    rules = {(r["Environment"], r["Rule"]): r for r in rows(docs["stages-stepfunctions"], "apis", "Rule")}
    assert rules["prod", "Hourly"]["Fired by"] == "schedule rate(1 hour)"
    assert rules["prod", "OrderPlaced"]["Event bus"] == "orders-prod"
    assert rules["prod", "OrderPlaced"]["Targets"] == "Step Functions OrderFlow"
    machines = {r["Environment"]: r for r in rows(docs["stages-stepfunctions"], "apis", "State machine")}
    assert (machines["prod"]["Type"], machines["prod"]["Logging"], machines["prod"]["Tracing"]) == (
        "standard",
        "error to FlowLogs",
        "yes",
    )
    assert machines["prod"]["Calls"] == "Lambda Validate"
    assert links("stages-stepfunctions", "prod") >= {
        ("rule_Hourly", "workflow_OrderFlow", "targets"),
        ("workflow_OrderFlow", "lambda_Validate", "invokes"),
    }


def test_a_lambda_behind_a_load_balancer_and_a_cloud_map_namespace(docs: dict[str, Path]) -> None:
    (report,) = rows(docs["cross-stack-vpc"], "compute", "Function", "Arch")
    assert (report["Function"], report["In VPC"]) == ("Report", "yes (2 subnets)")
    assert report["Triggered by"] == "ALB InternalAlb (HTTP :80)"
    (namespace,) = rows(docs["service-connect-nested"], "network", "Namespace")
    assert (namespace["Namespace"], namespace["Type"]) == ("shop.internal", "HTTP (API discovery only)")


def test_prices_of_the_blocks_reach_the_doc(docs: dict[str, Path]) -> None:
    cost = region(docs["waf-backup-dynamodb"], "cost")
    for service in ("API Gateway", "AWS WAF", "DynamoDB", "Lambda"):
        assert f"| {service} |" in cost
    assert "| Network Load Balancer |" in region(docs["fargate-nlb"], "cost")
    aurora = region(docs["aurora"], "cost")
    assert "| Aurora |" in aurora and "1 resource unpriced" in aurora  # the RDS Proxy, with its reason


@pytest.mark.parametrize(
    "app", ["stages-stepfunctions", "aurora", "waf-backup-dynamodb", "s3-sns-sqs-lambda"]
)
def test_the_independent_checker_agrees_with_the_new_tables(docs: dict[str, Path], app: str) -> None:
    result = blocks.check(
        parse(docs[app].read_text(encoding="utf-8")), doccheck_assembly.read(CORPUS / app / "cdk.out")
    )
    assert [m.line() for m in result.mismatches] == []
    assert result.facts >= 4


def test_the_independent_checker_catches_a_wrong_cluster_or_function_cell(docs: dict[str, Path]) -> None:
    aurora = (
        docs["aurora"].read_text(encoding="utf-8").replace("| yes | 14 d | yes |", "| yes | 15 d | yes |")
    )
    result = blocks.check(parse(aurora), doccheck_assembly.read(CORPUS / "aurora" / "cdk.out"))
    assert {m.kind for m in result.mismatches} == {"aurora-backups"}
    stages = docs["stages-stepfunctions"].read_text(encoding="utf-8")
    wrong = stages.replace(
        "| python3.12 | x86_64 | dev: 128 MiB<br>prod: 512 MiB |",
        "| python3.12 | x86_64 | dev: 128 MiB<br>prod: 256 MiB |",
    )
    assert wrong != stages
    result = blocks.check(parse(wrong), doccheck_assembly.read(CORPUS / "stages-stepfunctions" / "cdk.out"))
    assert {m.kind for m in result.mismatches} == {"lambda-memory"}
