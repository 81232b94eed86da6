"""Compute, serverless: the application's Lambda functions with their triggers, and the functions CDK and AWS
services run for the infrastructure (deploy-time custom-resource handlers, secret rotation)."""

from __future__ import annotations

from docgen.facts import functions
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t


def build(model: DocModel, inputs: SectionInputs) -> None:
    app_rows, infra_rows = [], []
    for env in inputs.environments:
        name = inputs.env_name(env)
        app_rows += [
            [
                name,
                f.name,
                f.runtime,
                f.architecture,
                f.memory,
                f.timeout,
                f.concurrency,
                f.vpc,
                f.logs,
                f.triggers,
            ]
            for f in functions.functions(inputs.index, env)
        ]
        infra_rows += [
            [name, f.name, f.purpose, f.runtime]
            for f in functions.infrastructure_functions(inputs.index, env)
        ]
    model.tables["functions"] = t(
        [
            "Environment",
            "Function",
            "Runtime",
            "Arch",
            "Memory",
            "Timeout",
            "Concurrency",
            "In VPC",
            "Logs kept",
            "Triggered by",
        ],
        app_rows,
    )
    model.tables["infra_functions"] = t(["Environment", "Function", "Purpose", "Runtime"], infra_rows)
