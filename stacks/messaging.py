"""SQS work queues: each with a dead-letter queue and redrive, SSE, and a TLS-only queue policy."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from designspec.model import Queue
from stacks.nag import acknowledge, acknowledge_check


class WorkQueue(Construct):
    """A queue and its DLQ; messages that fail `max_receive_count` times move to the DLQ for inspection."""

    def __init__(self, scope: Construct, id: str, *, spec: Queue, key: kms.IKey | None) -> None:
        super().__init__(scope, id)
        # SSE with the design's key when customer-managed; otherwise SQS's own managed SSE.
        encryption = sqs.QueueEncryption.KMS if key else sqs.QueueEncryption.SQS_MANAGED
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            fifo=spec.fifo or None,
            retention_period=Duration.days(spec.dead_letter_retention_days),
            encryption=encryption,
            encryption_master_key=key,
            enforce_ssl=True,
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            fifo=spec.fifo or None,
            content_based_deduplication=spec.content_based_deduplication or None,
            visibility_timeout=Duration.seconds(spec.visibility_timeout_seconds),
            retention_period=Duration.days(spec.retention_days),
            encryption=encryption,
            encryption_master_key=key,
            enforce_ssl=True,
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue, max_receive_count=spec.max_receive_count
            ),
        )
        dlq = "This queue is itself the dead-letter queue of its work queue; a DLQ of a DLQ would only hide failures."
        acknowledge(self.dead_letter_queue, "AwsSolutions-SQS3", dlq)
        acknowledge_check(self.dead_letter_queue, dlq, guard="sqs_dlq_check")
