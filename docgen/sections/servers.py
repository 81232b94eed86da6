"""Compute, servers: EC2 instances and Auto Scaling groups with their launch templates."""

from __future__ import annotations

from docgen.facts import servers
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t


def build(model: DocModel, inputs: SectionInputs) -> None:
    instance_rows, group_rows = [], []
    for env in inputs.environments:
        name = inputs.env_name(env)
        instance_rows += [
            [name, i.name, i.instance_type, i.ami, i.placement, i.metadata, i.launch_template]
            for i in servers.instances(inputs.index, env)
        ]
        group_rows += [
            [
                name,
                g.name,
                g.instance_type,
                g.ami,
                g.min,
                g.desired,
                g.max,
                g.placement,
                g.policies,
                g.load_balancers,
                g.health_check,
                g.metadata,
            ]
            for g in servers.groups(inputs.index, env)
        ]
    model.tables["instances"] = t(
        ["Environment", "Instance", "Type", "AMI", "Subnets", "Metadata service", "Launch template"],
        instance_rows,
    )
    model.tables["asgs"] = t(
        [
            "Environment",
            "Group",
            "Type",
            "AMI",
            "Min",
            "Desired",
            "Max",
            "Subnets",
            "Scaling",
            "Load balancers",
            "Health check",
            "Metadata service",
        ],
        group_rows,
    )
