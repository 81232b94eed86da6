"""The constructs of issue 18 on the kinds zoo design (one synth per session, shared with test_zoo): scheduled
jobs, functions and their triggers, EFS, buckets, tables and topics, each asserted on its template."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Capture, Match, Template

from tests.conftest import Synth, ZooRun

pytestmark = pytest.mark.synth


def _template(run: ZooRun, env: str, stack: str) -> Template:
    assert run.synth_error is None, run.synth_error
    return Synth(None, run.outdir).template(env, stack)


def test_a_job_is_a_fargate_task_on_a_scheduler_schedule_with_its_time_zone_retry_and_dlq(
    kinds_zoo: ZooRun,
) -> None:
    t = _template(kinds_zoo, "prod", "Job-nightly-report")
    t.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "Cpu": "1024",
            "Memory": "4096",
            "RuntimePlatform": {"CpuArchitecture": "X86_64", "OperatingSystemFamily": "LINUX"},
        },
    )
    dlq = Capture()
    t.has_resource_properties(
        "AWS::Scheduler::Schedule",
        {
            "ScheduleExpression": "cron(30 2 * * ? *)",
            "ScheduleExpressionTimezone": "Europe/Berlin",
            "Target": Match.object_like(
                {
                    "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 7200},
                    "DeadLetterConfig": {"Arn": {"Fn::GetAtt": [dlq, "Arn"]}},
                    "EcsParameters": Match.object_like({"LaunchType": "FARGATE"}),
                }
            ),
        },
    )
    t.has_resource_properties("AWS::SQS::Queue", {"MessageRetentionPeriod": 7 * 86400})
    # staging sizes it differently: per-environment sizing as for services
    _template(kinds_zoo, "staging", "Job-nightly-report").has_resource_properties(
        "AWS::ECS::TaskDefinition", {"Cpu": "512", "Memory": "1024"}
    )


def test_the_job_mounts_the_shared_file_system_through_its_access_point(kinds_zoo: ZooRun) -> None:
    t = _template(kinds_zoo, "prod", "Job-nightly-report")
    t.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            # the /tmp scratch volume of the read-only root file system sits beside the shared files
            "Volumes": Match.array_with(
                [
                    Match.object_like(
                        {
                            "Name": "shared-files",
                            "EFSVolumeConfiguration": Match.object_like(
                                {
                                    "TransitEncryption": "ENABLED",
                                    "AuthorizationConfig": Match.object_like({"IAM": "ENABLED"}),
                                }
                            ),
                        }
                    )
                ]
            ),
            "ContainerDefinitions": Match.array_with(
                [
                    Match.object_like(
                        {
                            "Name": "app",
                            "MountPoints": Match.array_with(
                                [
                                    {
                                        "ContainerPath": "/mnt/reports",
                                        "SourceVolume": "shared-files",
                                        "ReadOnly": False,
                                    }
                                ]
                            ),
                        }
                    )
                ]
            ),
        },
    )


def test_efs_is_encrypted_with_a_mount_target_per_zone_and_an_access_point(kinds_zoo: ZooRun) -> None:
    for env, zones in (("staging", 2), ("prod", 3)):
        t = _template(kinds_zoo, env, "Data")
        t.has_resource_properties("AWS::EFS::FileSystem", {"Encrypted": True, "ThroughputMode": "elastic"})
        t.resource_count_is("AWS::EFS::MountTarget", zones)
        t.has_resource_properties(
            "AWS::EFS::AccessPoint",
            {
                "RootDirectory": Match.object_like({"Path": "/reports"}),
                "PosixUser": {"Uid": "1001", "Gid": "1001"},
            },
        )


def test_the_backup_plan_selects_the_file_system_and_the_backed_up_table(kinds_zoo: ZooRun) -> None:
    t = _template(kinds_zoo, "prod", "Data")
    selection = t.find_resources("AWS::Backup::BackupSelection")
    resources = next(iter(selection.values()))["Properties"]["BackupSelection"]["Resources"]
    text = str(resources)
    assert "FileSystem" in text and "ordersTable" in text
    assert "countersTable" not in text  # backup: false


def test_buckets_are_private_encrypted_logged_with_their_lifecycle(kinds_zoo: ZooRun) -> None:
    t = _template(kinds_zoo, "prod", "Data")
    t.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [Match.object_like({"BucketKeyEnabled": True})]
            },
            "VersioningConfiguration": {"Status": "Enabled"},
            "LoggingConfiguration": Match.object_like({"LogFilePrefix": "s3/uploads/"}),
            "LifecycleConfiguration": {
                "Rules": [
                    Match.object_like(
                        {
                            "ExpirationInDays": 365,
                            "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                            "Transitions": [{"StorageClass": "STANDARD_IA", "TransitionInDays": 30}],
                        }
                    )
                ]
            },
        },
    )
    outputs = t.find_outputs("*", {"Export": {"Name": "kinds-zoo-prod-uploads-bucket-arn"}})
    assert len(outputs) == 1
    # S3 sends the uploads bucket's object events to EventBridge (a function triggers on them)
    t.has_resource_properties(
        "Custom::S3BucketNotifications",
        {"NotificationConfiguration": {"EventBridgeConfiguration": {}}},
    )


def test_tables_keys_billing_pitr_and_stream(kinds_zoo: ZooRun) -> None:
    t = _template(kinds_zoo, "prod", "Data")
    t.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            "BillingMode": "PAY_PER_REQUEST",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
            "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
            "DeletionProtectionEnabled": True,
        },
    )
    t.has_resource_properties(
        "AWS::DynamoDB::Table",
        {"ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 5}},
    )
    _template(kinds_zoo, "staging", "Data").has_resource_properties(
        "AWS::DynamoDB::Table", {"ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2}}
    )


def test_a_function_in_the_vpc_with_reserved_concurrency_tracing_and_json_logs(kinds_zoo: ZooRun) -> None:
    t = _template(kinds_zoo, "prod", "Function-order-sink")
    t.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Runtime": "python3.13",
            "Handler": "app.handler",
            "MemorySize": 256,
            "Timeout": 60,
            "Architectures": ["arm64"],
            "ReservedConcurrentExecutions": 20,  # prod's override of the spec's 5
            "TracingConfig": {"Mode": "Active"},
            "LoggingConfig": Match.object_like({"LogFormat": "JSON"}),
            "VpcConfig": Match.object_like({"SecurityGroupIds": Match.any_value()}),
            "Code": Match.object_like({"S3Key": "order-sink/bootstrap.zip"}),
            "Environment": {
                "Variables": Match.object_like(
                    {"ORDERSDB_SECRET_ARN": Match.any_value(), "ORDERS_TABLE": Match.any_value()}
                )
            },
        },
    )
    t.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {"BatchSize": 10, "FunctionResponseTypes": ["ReportBatchItemFailures"]},
    )
    _template(kinds_zoo, "staging", "Function-order-sink").has_resource_properties(
        "AWS::Lambda::Function", {"ReservedConcurrentExecutions": 5}
    )


def test_a_function_out_of_the_vpc_reads_its_secret_by_arn(kinds_zoo: ZooRun) -> None:
    t = _template(kinds_zoo, "prod", "Function-notifier")
    fn: dict[str, Any] = next(iter(t.find_resources("AWS::Lambda::Function").values()))
    assert "VpcConfig" not in fn["Properties"]
    variables = fn["Properties"]["Environment"]["Variables"]
    assert "WEBHOOK_KEY_SECRET_ARN" in variables and "WEBHOOK_KEY" not in variables
    t.has_resource_properties(
        "AWS::Lambda::EventSourceMapping", {"BatchSize": 50, "StartingPosition": "LATEST"}
    )
    t.has_resource_properties(
        "AWS::Scheduler::Schedule",
        {"ScheduleExpression": "rate(15 minutes)", "ScheduleExpressionTimezone": "UTC"},
    )


def test_bucket_events_reach_an_image_function_through_eventbridge(kinds_zoo: ZooRun) -> None:
    t = _template(kinds_zoo, "prod", "Function-thumbnailer")
    t.has_resource_properties("AWS::Lambda::Function", {"PackageType": "Image", "Architectures": ["x86_64"]})
    t.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": Match.object_like(
                {
                    "source": ["aws.s3"],
                    "detail-type": ["Object Created"],
                    "detail": Match.object_like({"object": {"key": [{"prefix": "images/"}]}}),
                }
            )
        },
    )


def test_http_triggers_through_the_alb_and_an_http_api_with_access_logs(kinds_zoo: ZooRun) -> None:
    alb = _template(kinds_zoo, "prod", "Function-status")
    alb.has_resource_properties("AWS::ElasticLoadBalancingV2::TargetGroup", {"TargetType": "lambda"})
    alb.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        {
            "Conditions": [
                {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/status", "/status/*"]}}
            ]
        },
    )
    api = _template(kinds_zoo, "prod", "Function-webhooks")
    api.has_resource_properties("AWS::ApiGatewayV2::Route", {"RouteKey": "POST /hooks/{source}"})
    api.has_resource_properties(
        "AWS::ApiGatewayV2::Stage",
        {"AccessLogSettings": Match.object_like({"DestinationArn": Match.any_value()})},
    )
    api.has_resource_properties("AWS::SNS::Subscription", {"Protocol": "lambda"})


def test_fifo_queue_deduplicates_by_content_and_keeps_dead_letters_three_days(kinds_zoo: ZooRun) -> None:
    t = _template(kinds_zoo, "prod", "Messaging")
    t.has_resource_properties("AWS::SQS::Queue", {"FifoQueue": True, "ContentBasedDeduplication": True})
    t.has_resource_properties("AWS::SQS::Queue", {"FifoQueue": True, "MessageRetentionPeriod": 3 * 86400})
    t.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})


def test_the_container_front_end_has_its_health_check_secret_environment_and_scaling(
    kinds_zoo: ZooRun,
) -> None:
    t = _template(kinds_zoo, "prod", "Service-storefront")
    t.has_resource_properties("AWS::ElasticLoadBalancingV2::TargetGroup", {"HealthCheckPath": "/ready"})
    t.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": Match.array_with(
                [
                    Match.object_like(
                        {
                            "Name": "app",
                            "Environment": Match.array_with([{"Name": "PUBLIC_API_PATH", "Value": "/api"}]),
                            "Secrets": [Match.object_like({"Name": "WEBHOOK_KEY"})],
                        }
                    )
                ]
            )
        },
    )
    t.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {"TargetTrackingScalingPolicyConfiguration": Match.object_like({"TargetValue": 50})},
    )


def test_every_new_alarm_links_its_runbook(kinds_zoo: ZooRun) -> None:
    kinds = set()
    for stack in ("Job-nightly-report", "Function-notifier", "Data"):
        for alarm in _template(kinds_zoo, "prod", stack).find_resources("AWS::CloudWatch::Alarm").values():
            tags = {t["Key"]: t["Value"] for t in alarm["Properties"]["Tags"]}
            kinds.add(tags["AlarmKind"])
            assert tags["Runbook"] == f"runbooks/{tags['AlarmKind']}.md"
    assert {"job-dlq", "function-errors", "function-throttles", "table-throttles", "efs-io-limit"} <= kinds


def test_new_resources_carry_the_traceability_tags(kinds_zoo: ZooRun) -> None:
    t = _template(kinds_zoo, "prod", "Data")
    fs = next(iter(t.find_resources("AWS::EFS::FileSystem").values()))
    tags = {x["Key"]: x["Value"] for x in fs["Properties"]["FileSystemTags"]}
    assert (tags["Service"], tags["Seq"], tags["Requirements"]) == ("shared-files", "2", "REQ-018-DEP-003")


def test_dr_rows_for_file_systems_tables_and_app_buckets_and_the_check_can_fail(kinds_zoo: ZooRun) -> None:
    """Each EFS file system, table and application bucket has its RPO/RTO row (log buckets none); the
    independent check (tests/doccheck/recovery_stores.py) agrees, and disagrees once a figure is changed."""
    from tests.doccheck import assembly, recovery_stores
    from tests.doccheck.markdown import parse

    assert kinds_zoo.docgen is not None and kinds_zoo.docgen.returncode == 0, kinds_zoo.docgen
    text = kinds_zoo.doc.read_text()
    doc = parse(text)
    (table,) = doc.tables_with("data store", "protection")
    stores = sorted({row[table.column("data store") or ""] for row in table.rows})
    assert stores == [
        "DynamoDB counters",
        "DynamoDB orders",
        "EFS shared-files",
        "S3 function-code",
        "S3 thumbnails",
        "S3 uploads",
    ]
    asm = assembly.read(kinds_zoo.outdir)
    clean = recovery_stores.check(doc, asm)
    assert clean.facts >= 60 and not clean.mismatches, [m.line() for m in clean.mismatches]
    broken = recovery_stores.check(parse(text.replace("| 24 h (time between", "| 12 h (time between")), asm)
    assert {m.kind for m in broken.mismatches} == {"store-rpo"}


def test_the_diagram_draws_jobs_file_systems_and_app_buckets_and_the_check_can_fail(
    kinds_zoo: ZooRun,
) -> None:
    """The job, the file system and the granted buckets are boxes (in the app and data subnets, and among
    the regional data stores); the diagram check agrees, and disagrees once a mount target count is changed."""
    from tests.doccheck import assembly, diagrams
    from tests.doccheck.markdown import parse
    from tests.doccheck.mermaid import nodes

    assert kinds_zoo.docgen is not None and kinds_zoo.docgen.returncode == 0, kinds_zoo.docgen
    text = kinds_zoo.doc.read_text()
    doc = parse(text)
    drawn = {n.id: n.groups[-1] for m in doc.mermaids if m.region == "architecture" for n in nodes(m)}
    assert drawn["job_nightly_report"].startswith("app subnets")
    assert drawn["efs_shared_files"].startswith("data subnets")
    assert drawn["s3_uploads"].startswith("Data") and drawn["s3_thumbnails"].startswith("Data")
    asm = assembly.read(kinds_zoo.outdir)
    assert not diagrams.check(doc, asm).mismatches
    broken = diagrams.check(parse(text.replace("<br>3 mount targets", "<br>2 mount targets")), asm)
    assert {m.kind for m in broken.mismatches} == {"diagram-efs-mount-targets"}
