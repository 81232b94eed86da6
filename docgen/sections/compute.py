"""Compute: the ECS/Fargate structure per environment (task sizes, counts, scaling), and capacity planning."""

from __future__ import annotations

from docgen.facts import compute
from docgen.facts.fact import join
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t


def build(model: DocModel, inputs: SectionInputs) -> None:
    capacity, ecs = [], []
    for env in inputs.environments:
        services = compute.ecs_services(inputs.index, env)
        name = inputs.env_name(env)
        ecs += [
            [name, s.name, s.family, s.cpu, s.memory, s.architecture, s.desired, s.scaling] for s in services
        ]
        for s in services:
            policies = join(list(s.policies), "; ", empty="none", none=s.resource)
            capacity.append([name, s.name, s.min, s.desired, s.max, s.capacity_at_max(), policies])
    model.tables["ecs"] = t(
        ["Environment", "Service", "Task Definition", "CPU", "Memory", "Arch", "Desired", "Scaling"], ecs
    )
    # Scalability section: what each service may grow to.
    model.tables["capacity"] = t(
        ["Environment", "Service", "Min", "Desired", "Max", "Capacity at max", "Policies"], capacity
    )
