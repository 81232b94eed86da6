"""Runbooks of the alarms on scheduled jobs, functions, tables and shared file systems, as the fields of
stacks/runbooks.py's Runbook (kind, title, on-call action, signal, steps, escalation); that module renders them."""

from __future__ import annotations

_FUNCTION_LOGS = "`/<project>/<environment>/<function>/application`"
_JOB_LOGS = "`/<project>/<environment>/<job>/application`"

KIND_RUNBOOKS: tuple[tuple[str, str, str, str, tuple[str, ...], str], ...] = (
    (
        "job-dlq",
        "Scheduled job not started",
        "Find why the task could not start, run it by hand",
        "EventBridge Scheduler could not start a job's Fargate task after its retries "
        "(`jobs[].retry`); the failed invocation is in the job's dead-letter queue.",
        (
            "Read a message in the job's DLQ in the SQS console (Poll for messages): its attributes carry "
            "the error code and message Scheduler got from ECS RunTask (e.g. no capacity, a missing image "
            "tag, an IAM error).",
            "A missing image tag means the job's image was not pushed for the deployed commit: push it or "
            "roll back (`cdk deploy -c image_tag=<previous>`).",
            "Run the missed job once by hand: `aws ecs run-task` with the job's task definition, the "
            "cluster, and the subnets and security group shown on the schedule's target.",
            f"Read the job's own logs on {_JOB_LOGS} if the task started but exited with an error.",
            "Purge the DLQ once the cause is fixed.",
        ),
        "Escalate to the job's owner if the next scheduled run fails too.",
    ),
    (
        "function-errors",
        "Function errors",
        "Read the errors, roll back or fix",
        "The share of a Lambda function's invocations that ended in an error is above "
        "`observability.thresholds.function_errors_percent` per 5 minutes.",
        (
            f"Read the errors in CloudWatch Logs Insights on {_FUNCTION_LOGS}: "
            '`filter level = "ERROR" or @message like /Task timed out/ | stats count() by @message`.',
            "A timeout means a slow dependency or too little memory: open the slowest traces in X-Ray.",
            "If the errors started with a deployment, roll back (`cdk deploy -c image_tag=<previous>`).",
            "For a queue or stream trigger, failed batches are retried: check the queue's DLQ "
            "(runbooks/dlq-depth.md) or the stream's iterator age.",
        ),
        "Escalate to the function's owner if the error rate stays above threshold for 30 minutes.",
    ),
    (
        "function-throttles",
        "Function throttled",
        "Check concurrency limits",
        "Lambda throttled invocations of a function: it reached its reserved concurrency or the account's "
        "concurrency limit.",
        (
            "Compare ConcurrentExecutions with the function's `reserved_concurrency` (the Lambda console, "
            "Monitor tab): at the limit, raise it in the design or lower the trigger's batch size.",
            "If the account limit is reached, other functions use it: request a quota increase (Service "
            "Quotas, Lambda concurrent executions).",
            "Asynchronous and queue invocations are retried; HTTP callers got 429s.",
        ),
        "Escalate to the function's owner if throttling lasts over an hour.",
    ),
    (
        "table-throttles",
        "DynamoDB throttling",
        "Check capacity and hot keys",
        "A DynamoDB table throttled read or write requests (ReadThrottleEvents + WriteThrottleEvents).",
        (
            "For a provisioned table, compare consumed with provisioned capacity: raise `read_capacity` or "
            "`write_capacity` in the design, or switch to `billing: on-demand`.",
            "For an on-demand table, throttling means a hot partition: enable CloudWatch Contributor Insights "
            "for the table and look for the most accessed keys.",
            "The SDKs retry throttled requests with backoff; check the callers' latency on the dashboards.",
        ),
        "Escalate to the table's owner if throttling continues after a capacity change.",
    ),
    (
        "efs-io-limit",
        "EFS I/O limit near",
        "Find the busy clients, spread the load",
        "A General Purpose EFS file system's PercentIOLimit is above "
        "`observability.thresholds.efs_io_limit_percent`: file operations will slow down.",
        (
            "Find which workloads mount it (the design's `mounts`) and which of them is busy "
            "(the ECS service metrics, the task logs).",
            "Many small files or metadata operations (listing large directories) use the I/O limit fastest: "
            "batch them, or cache file listings.",
            "If the load is legitimate and lasting, consider a file system per workload.",
        ),
        "Escalate to the owners of the mounting workloads if the limit is reached for an hour.",
    ),
)
