#!/usr/bin/env python3
"""Event fan-out: S3 upload → SNS topic → SQS queue (with DLQ) → Lambda, environment-agnostic.

The serverless-patterns "s3-sns-sqs-lambda" shape: uploads under `uploads/` notify a topic; the topic fans
out to a queue (raw delivery) consumed by a Lambda through an event source mapping, and directly to an
audit Lambda; deletions notify a second queue straight from S3. Lambda code is inline.
"""

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

HANDLER = """
import json

def handler(event, context):
    for record in event.get("Records", []):
        print(json.dumps(record)[:500])
    return {"ok": True}
"""


def inline_function(scope: Construct, name: str, memory: int, timeout_s: int) -> lambda_.Function:
    return lambda_.Function(
        scope,
        name,
        runtime=lambda_.Runtime.PYTHON_3_12,
        architecture=lambda_.Architecture.ARM_64,
        handler="index.handler",
        code=lambda_.Code.from_inline(HANDLER),
        memory_size=memory,
        timeout=cdk.Duration.seconds(timeout_s),
        log_retention=logs.RetentionDays.TWO_WEEKS,
    )


class IngestStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        bucket = s3.Bucket(
            self,
            "Uploads",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(90))],
        )
        topic = sns.Topic(self, "Uploaded", display_name="Object uploaded")
        dlq = sqs.Queue(self, "IngestDlq", retention_period=cdk.Duration.days(14), enforce_ssl=True)
        queue = sqs.Queue(
            self,
            "Ingest",
            visibility_timeout=cdk.Duration.seconds(180),
            dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=5),
            enforce_ssl=True,
        )
        deleted = sqs.Queue(self, "Deleted", enforce_ssl=True)

        bucket.add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3n.SnsDestination(topic),
            s3.NotificationKeyFilter(prefix="uploads/"),
        )
        bucket.add_event_notification(s3.EventType.OBJECT_REMOVED, s3n.SqsDestination(deleted))
        topic.add_subscription(subs.SqsSubscription(queue, raw_message_delivery=True))

        processor = inline_function(self, "Processor", memory=512, timeout_s=30)
        processor.add_event_source(
            sources.SqsEventSource(queue, batch_size=10, max_batching_window=cdk.Duration.seconds(5))
        )
        bucket.grant_read(processor)

        audit = inline_function(self, "Audit", memory=128, timeout_s=10)
        topic.add_subscription(subs.LambdaSubscription(audit))


app = cdk.App()
IngestStack(app, "Ingest")
app.synth()
