"""Database: RDS instances, ElastiCache replication groups and SQS queues, as the templates configure them."""

from __future__ import annotations

from docgen.facts import data
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t


def build(model: DocModel, inputs: SectionInputs) -> None:
    db_rows, cache_rows, queue_rows = [], [], []
    for env in inputs.environments:
        name = inputs.env_name(env)
        db_rows += [
            [
                name,
                d.name,
                d.engine,
                d.instance_class,
                d.multi_az,
                d.storage,
                d.encrypted,
                d.backup_days,
                d.deletion_protection,
            ]
            for d in data.databases(inputs.index, env)
        ]
        cache_rows += [
            [
                name,
                c.name,
                c.engine,
                c.node_type,
                c.nodes,
                c.failover,
                c.multi_az,
                c.tls,
                c.at_rest,
                c.auth,
                c.snapshot_days,
            ]
            for c in data.caches(inputs.index, env)
        ]
        queue_rows += [
            [name, q.name, q.role, q.fifo, q.visibility, q.retention, q.max_receives, q.encryption]
            for q in data.queues(inputs.index, env)
        ]
    model.tables["databases"] = t(
        [
            "Environment",
            "Database",
            "Engine",
            "Class",
            "Multi-AZ",
            "Storage",
            "Encrypted",
            "Backups",
            "Deletion protection",
        ],
        db_rows,
    )
    model.tables["caches"] = t(
        [
            "Environment",
            "Cache",
            "Engine",
            "Node type",
            "Nodes",
            "Failover",
            "Multi-AZ",
            "TLS",
            "At rest",
            "AUTH token",
            "Snapshots",
        ],
        cache_rows,
    )
    model.tables["queues"] = t(
        ["Environment", "Queue", "Role", "Type", "Visibility", "Retention", "Max receives", "Encryption"],
        queue_rows,
    )
