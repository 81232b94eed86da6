"""The independent doc checker itself: it accepts a doc that tells the truth and flags one that does not.

Each test writes a few lines of Markdown as the template would (a generated region holding one table) and
checks it against the default design's fixture assembly; no synth, no docgen.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.doccheck import (
    assembly,
    blocks,
    compute,
    context,
    criteria,
    data,
    diagrams,
    edge,
    encryption,
    network,
    observability,
    prose,
    security,
)
from tests.doccheck.__main__ import main
from tests.doccheck.markdown import parse
from tests.doccheck.report import Result

FIXTURE = Path(__file__).parent / "fixtures" / "assemblies" / "default"


@pytest.fixture(scope="module")
def asm() -> assembly.Assembly:
    return assembly.read(FIXTURE)


def region(name: str, *lines: str) -> str:
    return "\n".join(
        [f"<!-- BEGIN GENERATED: {name} sha256=0 -->", *lines, f"<!-- END GENERATED: {name} -->", ""]
    )


def kinds(result: Result) -> set[str]:
    return {m.kind for m in result.mismatches}


VPC = (
    "| Environment | VPC CIDR | AZs | NAT gateways | Flow logs |",
    "|---|---|---|---|---|",
    "| staging | 10.20.0.0/16 | 2 | 1 | yes (30 d retention) |",
    "| prod | {cidr} | 3 | 3 | yes (90 d retention) |",
)


def test_a_true_vpc_table_passes_and_a_wrong_cidr_is_named(asm: assembly.Assembly) -> None:
    good = network.check(parse(region("network", *VPC).replace("{cidr}", "10.30.0.0/16")), asm)
    bad = network.check(parse(region("network", *VPC).replace("{cidr}", "10.31.0.0/16")), asm)
    assert not {k for k in kinds(good) if k.startswith("vpc") or k.startswith("nat") or k.startswith("flow")}
    wrong = [m for m in bad.mismatches if m.kind == "vpc-cidr"]
    assert [(m.doc, m.template) for m in wrong] == [("10.31.0.0/16", "10.30.0.0/16")]
    assert "prod/Network" in wrong[0].source and "CidrBlock" in wrong[0].source


ENVIRONMENTS = (
    "| Environment | Platform | Account / Region | Availability zones | Services |",
    "|---|---|---|---|---|",
    "| staging | AWS | 111111111111 / us-east-1 | us-east-1a, us-east-1b | 3 |",
    "| prod | AWS | {place} | us-east-1a, us-east-1b, us-east-1c | 3 |",
)


@pytest.mark.parametrize(
    ("place", "expected"),
    [
        ("222222222222 / us-east-1; backup copies in us-west-2", set()),
        ("222222222222 / us-west-2", {"region", "region-set"}),  # the first stack's region, not the stage's
        ("222222222222 / us-east-1", {"region-set"}),  # the copy region left out
    ],
)
def test_an_environment_is_in_its_primary_region_with_the_others_named(
    asm: assembly.Assembly, place: str, expected: set[str]
) -> None:
    doc = parse(region("context", *ENVIRONMENTS).replace("{place}", place))
    found = kinds(context.check(doc, asm)) & {"region", "region-set", "account", "azs", "service-count"}
    assert found == expected


def alarms(condition: str, notifies: str) -> str:
    return region(
        "observability",
        "| Environment | Alarm | Severity | Metric | Condition | Runbook | Notifies |",
        "|---|---|---|---|---|---|---|",
        f"| staging | appdb/FreeStorage | P2 | FreeStorageSpace | {condition} | runbooks/db-storage.md | {notifies} |",
    )


@pytest.mark.parametrize(
    ("condition", "notifies", "expected"),
    [
        ("< 2 GiB", "P2 alarms", set()),
        ("< 2,147,483,648 bytes", "P2", set()),
        ("< 2.14748e+09", "P2", {"alarm-threshold"}),  # six significant digits are not the threshold
        ("> 2 GiB", "P2", {"alarm-operator"}),
        ("< 2 GiB", "observability", {"alarm-topic"}),  # one name for four topics names none of them
    ],
)
def test_an_alarm_row_gives_its_exact_threshold_and_its_own_topic(
    asm: assembly.Assembly, condition: str, notifies: str, expected: set[str]
) -> None:
    result = observability.check(parse(alarms(condition, notifies)), asm)
    found = {m.kind for m in result.mismatches if "appdb/FreeStorage" in m.where}
    assert found - {"alarm-missing-row"} == expected  # the other alarms have no row in this one-row doc


def test_rotation_is_claimed_only_where_a_rotation_schedule_says_so(asm: assembly.Assembly) -> None:
    doc = parse(
        region(
            "security",
            "| Environment | Owner | Secret | Rotation |",
            "|---|---|---|---|",
            "| prod | appdb | generated database credentials | every 30 days (hosted rotation) |",
            "| prod | llm-api-key | API key of the language-model provider used by the agents | every 30 days |",
        )
    )
    wrong = [m for m in security.check(doc, asm).mismatches if m.kind == "secret-rotation"]
    assert [m.where for m in wrong] == ["Security > Secrets / prod / llm-api-key"]


def test_queues_are_shown_fifo_exactly_when_they_are(asm: assembly.Assembly) -> None:
    doc = parse(
        region(
            "database",
            "| Environment | Queue | Role | Visibility (s) | Retention | Max receives | SSE |",
            "|---|---|---|---|---|---|---|",
            "| prod | report-tasks | queue (FIFO) | 600 | 4 d | 5 | yes |",
            "| prod | research-tasks | queue | 900 | 4 d | 5 | yes |",
        )
    )
    result = data.check(doc, asm)
    assert [m.where for m in result.mismatches if m.kind == "queue-fifo"] == [
        "Database > Queues / prod / report-tasks (queue)"
    ]
    assert not {"queue-visibility", "queue-retention", "queue-max-receives"} & kinds(result)


def test_an_ecs_row_is_compared_cell_by_cell(asm: assembly.Assembly) -> None:
    doc = parse(
        "### Compute\n\n#### prod\n\n"
        + region(
            "compute",
            "| Service | Task Definition | CPU | Memory | Arch | Desired | Scaling |",
            "|---|---|---|---|---|---|---|",
            "| backend | prodServicebackendTaskBF7E9FB3 | 1024 (1 vCPU) | 4096 MiB | ARM64 | 3 | 3–12 tasks (CPU 60%, memory 75%) |",
        )
    )
    result = compute.check(doc, asm)
    backend = {m.kind for m in result.mismatches if m.where.endswith("/ prod / backend")}
    assert backend == {"ecs-memory", "scaling-policy"}


def test_a_ticked_criterion_whose_evidence_fails_is_flagged(asm: assembly.Assembly) -> None:
    doc = parse(
        region(
            "success-criteria",
            "- [x] Dashboards specified: 999 dashboards",
            "- [x] Alerting rules and escalation defined: every alarm has a severity and an SNS action",
            "- [ ] Dashboards specified: an unticked line is not evidence",
        )
    )
    result = criteria.check(doc, asm, pipeline=None)
    assert kinds(result) == {"criterion-dashboards-count"}
    assert result.facts >= 4  # dashboards exist and their count; escalation and severity tags hold


def test_the_command_line_prints_mismatches_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(region("network", *VPC).replace("{cidr}", "10.31.0.0/16"))
    assert main([str(doc), str(FIXTURE)]) == 1
    out = capsys.readouterr().out
    assert "[vpc-cidr] Network > VPC / prod: doc says '10.31.0.0/16'; templates say '10.30.0.0/16'" in out
    assert out.rstrip().splitlines()[-1].endswith("facts checked")
    assert main([str(tmp_path / "missing.md"), str(FIXTURE)]) == 2


# --- any cloud assembly: the corpus of foreign CDK apps (tests/corpus, committed assemblies) ---

CORPUS = Path(__file__).parent / "corpus"


def corpus(app: str) -> assembly.Assembly:
    return assembly.read(CORPUS / app / "cdk.out")


def test_environments_are_stages_nested_ones_too_and_stacks_outside_stages_are_the_app() -> None:
    nested = corpus("nested-stages")
    assert list(nested.stages) == ["platform", "platform/eu", "platform/us"]
    assert [s.name for s in nested.stages["platform/eu"].stacks] == ["orders-eu", "orders-eu / Tables"]
    assert nested.stages["platform"].regions == [] and nested.stages["platform"].agnostic  # no region
    alb = corpus("fargate-alb")
    assert list(alb.stages) == ["app"] and alb.stages["app"].accounts == []


def test_references_cross_nested_stack_parameters_and_outputs() -> None:
    asm = corpus("service-connect-nested")
    frontend = asm.stack_by_name("ServiceConnect / Services / Frontend")
    assert frontend is not None
    service = next(r for r in frontend.resources.values() if r.type == "AWS::ECS::Service")
    cluster = asm.resolve(frontend, service.props["Cluster"])  # a parameter of a nested stack's nested stack
    assert (
        cluster is not None and cluster.stack.name == "ServiceConnect" and cluster.type == "AWS::ECS::Cluster"
    )
    assert service.full_path == "ServiceConnect/Services/Frontend/Web/Service/Service"


def test_a_resource_is_named_by_its_construct_ids_not_by_anything() -> None:
    asm = corpus("service-connect-nested")
    web = next(r for r in asm.resources("AWS::ECS::Service") if "Frontend" in r.path)
    assert web.named("Web") and web.named("Service") and web.named("WebServiceD04B5F3E")
    assert web.named("Frontend/Web") and not web.named("catalogService") and not web.named("Services web x")


LB = (
    "| Environment | Load balancer | Type | Scheme | Listeners | Deletion protection | Access logs |",
    "|---|---|---|---|---|---|---|",
    "| app | LB | {kind} | internet-facing | TCP:80 → forward | off | off |",
)


@pytest.mark.parametrize(
    ("kind", "expected"), [("Network Load Balancer", set()), ("Application Load Balancer", {"lb-type"})]
)
def test_an_nlb_is_never_called_an_alb(kind: str, expected: set[str]) -> None:
    doc = parse(region("network", *LB).replace("{kind}", kind))
    assert kinds(edge.check(doc, corpus("fargate-nlb"))) == expected


AURORA = (
    "| Environment | Database | Engine | Class | Multi-AZ | Storage | Encrypted | Backups | Deletion protection |",
    "|---|---|---|---|---|---|---|---|---|",
    "| app | Orders | Aurora PostgreSQL 16.6 | db.r6g.large | yes | - | yes | 14 d | yes |",
    "| app | Analytics | {engine} | db.serverless (0.5–8 ACU) | yes | - | {encrypted} | 7 d | no |",
)


@pytest.mark.parametrize(
    ("engine", "encrypted", "expected"),
    [
        ("Aurora MySQL 8.0.mysql_aurora.3.08.0", "yes", set()),
        ("Aurora PostgreSQL 8.0.mysql_aurora.3.08.0", "yes", {"rds-engine"}),  # MySQL is not PostgreSQL
        (
            "Aurora MySQL 8.0.mysql_aurora.3.08.0",
            "no",
            {"rds-encrypted"},
        ),  # the cluster's, not the instance's
    ],
)
def test_aurora_facts_are_the_clusters_and_engines_are_named_by_family(
    engine: str, encrypted: str, expected: set[str]
) -> None:
    text = region("database", *AURORA).replace("{engine}", engine).replace("{encrypted}", encrypted)
    assert kinds(data.check(parse(text), corpus("aurora"))) == expected  # cluster rows cover their instances


def test_identical_rows_for_different_resources_are_flagged() -> None:
    doc = parse(
        region(
            "observability",
            "| Environment | Owner | Log type | Retention |",
            "|---|---|---|---|",
            *["| app | LogGroup | application | never expires |"] * 3,
        )
    )
    assert kinds(observability.check(doc, corpus("service-connect-nested"))) == {"log-indistinguishable-rows"}


@pytest.mark.parametrize(
    ("zones", "expected"),
    [("GetAZs[0], GetAZs[1]", set()), ("{'Fn::Select': [0, {'Fn::GetAZs': ''}]}", {"azs"})],
)
def test_intrinsic_zones_are_shown_readably(zones: str, expected: set[str]) -> None:
    doc = parse(
        region(
            "context",
            "| Environment | Platform | Account / Region | Availability zones |",
            "|---|---|---|---|",
            f"| app | ECS Fargate | any (environment-agnostic) | {zones} |",
        )
    )
    assert kinds(context.check(doc, corpus("fargate-alb"))) & {"azs", "region", "account"} == expected
    assert ("raw-intrinsic" in kinds(prose.check(doc, corpus("fargate-alb")))) == bool(expected)


@pytest.mark.parametrize(("at_rest", "expected"), [("SSE-SQS", set()), ("SSE-KMS", {"encryption-kms-claim"})])
def test_a_queue_without_encryption_properties_has_sse_sqs_by_default(
    at_rest: str, expected: set[str]
) -> None:
    doc = parse(
        region(
            "security",
            "| Environment | Data store | At rest | In transit |",
            "|---|---|---|---|",
            f"| app | SQS Orders (queue) | {at_rest} | TLS only (resource policy denies plain HTTP) |",
        )
    )
    assert kinds(encryption.check(doc, corpus("apigw-sqs-lambda"))) == expected


LAMBDA = (
    "| Environment | Function | Runtime | Memory | Timeout | Triggers |",
    "|---|---|---|---|---|---|",
    "| app | ApiFn | Python 3.12 | {memory} | 3 s | API Gateway CatalogApi |",
    "| app | StreamFn | python3.12 | 128 MB | 3 s | DynamoDB {source} stream |",
)


@pytest.mark.parametrize(
    ("memory", "source", "expected"),
    [
        ("256 MB", "Products", set()),
        ("128 MB", "Products", {"lambda-memory"}),
        ("256 MB", "Orders", {"lambda-triggers"}),
    ],
)
def test_a_lambda_table_the_checker_never_saw_is_checked_by_its_columns(
    memory: str, source: str, expected: set[str]
) -> None:
    doc = parse(region("compute", *LAMBDA).replace("{memory}", memory).replace("{source}", source))
    found = kinds(blocks.check(doc, corpus("waf-backup-dynamodb")))
    assert found - {"lambda-missing-row"} == expected


def test_the_project_prose_needs_its_inputs() -> None:
    text = "## Deployment Progression\n\nThe specification's progression: Docker Compose for local development.\n"
    assert kinds(prose.check(parse(text), corpus("fargate-alb"))) == {"prose-compose"}
    assert kinds(prose.check(parse(text), corpus("fargate-alb"), compose={"services": {}})) == set()


@pytest.mark.parametrize(
    ("source", "expected"), [("env_eu", set()), ("env_platform", {"progression-promote"})]
)
def test_a_promotion_carries_stacks_forward(source: str, expected: set[str]) -> None:
    text = region(
        "progression",
        "```mermaid",
        "flowchart LR",
        '  env_platform["platform (platform)<br/>AWS, unknown-region"]',
        '  env_eu["platform/eu (platform/eu)<br/>AWS, eu-west-1"]',
        '  env_us["platform/us (platform/us)<br/>AWS, us-east-1"]',
        f'  {source} -->|"promote"| env_us',
        "```",
    )
    found = {m.kind for m in diagrams.check(parse(text), corpus("nested-stages")).mismatches}
    assert found & {"progression-promote", "progression-region", "progression-node"} == expected
