"""Database, beyond RDS instances: Aurora clusters (read from the cluster, not its instances) and DynamoDB
tables and global tables."""

from __future__ import annotations

from docgen.facts import clusters, tables
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t


def build(model: DocModel, inputs: SectionInputs) -> None:
    cluster_rows, table_rows = [], []
    for env in inputs.environments:
        name = inputs.env_name(env)
        cluster_rows += [
            [
                name,
                c.name,
                c.engine,
                c.capacity,
                c.members,
                c.storage,
                c.encrypted,
                c.backup_days,
                c.deletion_protection,
                c.proxy,
            ]
            for c in clusters.clusters(inputs.index, env)
        ]
        table_rows += [
            [name, x.name, x.keys, x.billing, x.indexes, x.stream, x.pitr, x.replicas, x.deletion_protection]
            for x in tables.tables(inputs.index, env)
        ]
    model.tables["aurora"] = t(
        [
            "Environment",
            "Cluster",
            "Engine",
            "Capacity",
            "Instances",
            "Storage",
            "Encrypted",
            "Backups",
            "Deletion protection",
            "Proxy",
        ],
        cluster_rows,
    )
    model.tables["dynamodb"] = t(
        [
            "Environment",
            "Table",
            "Keys",
            "Billing",
            "Indexes",
            "Stream",
            "Point-in-time recovery",
            "Regions",
            "Deletion protection",
        ],
        table_rows,
    )
