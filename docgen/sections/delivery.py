"""CI/CD and Docker Compose: the pipeline and the dev compose stack, from the generated files of the same
design (generated/pipeline.json and generated/compose.json), with production counterparts from the templates."""

from __future__ import annotations

from docgen.facts import compute
from docgen.facts.fact import Fact, derived
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t


def build(model: DocModel, inputs: SectionInputs) -> None:
    if inputs.pipeline:
        _cicd(model, inputs)
    if inputs.compose:
        _compose(model, inputs)


def _cicd(model: DocModel, inputs: SectionInputs) -> None:
    g = inputs.generated
    stages = inputs.pipeline.get("stages") or [] if inputs.pipeline else []
    names = {s.get("id", ""): s.get("name", "") for s in stages}
    model.text["ci_platform"] = g("pipeline.json", "platform_label")
    model.text["ci_file"] = g("pipeline.json", "file")
    rows = []
    for i in range(len(stages)):
        needs = g(
            "pipeline.json",
            "stages",
            i,
            "needs",
            fmt=lambda v: ", ".join(names.get(n, n) for n in v or []) or "-",
        )
        rows.append(
            [
                g("pipeline.json", "stages", i, "name"),
                g("pipeline.json", "stages", i, "purpose"),
                g("pipeline.json", "stages", i, "trigger"),
                needs,
                g("pipeline.json", "stages", i, "environment"),
                g("pipeline.json", "stages", i, "approval", fmt=lambda v: "required" if v else "none"),
            ]
        )
    model.tables["pipeline"] = t(["Stage", "Purpose", "Trigger", "Needs", "Environment", "Approval"], rows)
    _platforms(model, inputs)
    deployments = inputs.pipeline.get("deployments") or [] if inputs.pipeline else []
    model.tables["variations"] = t(
        ["Environment", "Deployment Type", "Approval", "Tests Run", "Rollback"],
        [
            [
                g("pipeline.json", "deployments", i, "label"),
                g("pipeline.json", "deployments", i, "deployment_type"),
                g("pipeline.json", "deployments", i, "approval"),
                g("pipeline.json", "deployments", i, "tests_run"),
                g("pipeline.json", "deployments", i, "rollback"),
            ]
            for i in range(len(deployments))
        ],
    )


def _compose(model: DocModel, inputs: SectionInputs) -> None:
    g = inputs.generated
    prod = inputs.production
    ecs = {s.name.text: s for s in compute.ecs_services(inputs.index, prod)} if prod else {}
    services = (inputs.compose or {}).get("services") or []
    rows = []
    for i, svc in enumerate(services):
        name = g("compose.json", "services", i, "name")
        image = g("compose.json", "services", i, "image", fmt=lambda v: str(v) if v else "-")
        if svc.get("build"):
            context = g("compose.json", "services", i, "build")
            image = derived(image.value, f"{image.text} (built from {context.text})", [image, context])
        ports = g("compose.json", "services", i, "ports")
        counterpart = _counterpart(inputs, i, svc, ecs.get(str(svc.get("name"))), prod)
        rows.append([name, image, ports, counterpart])
    model.tables["compose"] = t(
        ["Dev service (Docker Compose)", "Image / build", "Ports", f"{prod or 'AWS'} counterpart"], rows
    )
    model.lists["compose_services"] = [g("compose.json", "services", i, "name") for i in range(len(services))]


def _counterpart(inputs: SectionInputs, i: int, svc: dict, ecs: compute.EcsService | None, prod: str) -> Fact:
    described = inputs.generated("compose.json", "services", i, "prod")
    if ecs is None:
        return described
    size = f"{ecs.cpu.value and int(ecs.cpu.value) / 1024:g} vCPU / {ecs.memory.value and int(ecs.memory.value) / 1024:g} GiB"
    return derived(
        None,
        f"ECS {ecs.launch.text} `{ecs.name.text}` in {prod} ({size}, {ecs.desired.text} {'task' if ecs.desired.text == '1' else 'tasks'})",
        [described, ecs.cpu, ecs.memory, ecs.desired, ecs.launch],
    )


def _platforms(model: DocModel, inputs: SectionInputs) -> None:
    """Each CI platform the design selects: one line in the doc; approvals, AWS access, secrets, caching,
    rollback, required status checks and branch protection in the delivery details."""
    g = inputs.generated
    platforms = (inputs.pipeline or {}).get("platforms") or []
    lines, rows = [], []
    for i, p in enumerate(platforms):
        label, file = g("pipeline.json", "platforms", i, "label"), g("pipeline.json", "platforms", i, "file")
        checks = g("pipeline.json", "platforms", i, "status_checks", fmt=lambda v: str(len(v or [])))
        protection = g(
            "pipeline.json", "platforms", i, "branch_protection", "generated_file", fmt=lambda v: str(v or "")
        )
        primary = " (primary)" if p.get("primary") else ""
        guard = (
            f"; {checks.text} required status checks, branch protection in `{inputs.generated_dir}/{protection.text}`"
            if protection.text
            else f"; {checks.text} status checks (no branch protection file for this host)"
        )
        lines.append(
            derived(None, f"{label.text}{primary}: `{file.text}`{guard}", [label, file, checks, protection])
        )
        rows.append(
            [
                label,
                g("pipeline.json", "platforms", i, "approval"),
                g("pipeline.json", "platforms", i, "aws_access"),
                g("pipeline.json", "platforms", i, "secrets"),
                g("pipeline.json", "platforms", i, "rollback"),
                g(
                    "pipeline.json",
                    "platforms",
                    i,
                    "status_checks",
                    fmt=lambda v: ", ".join(v or []) or "none",
                ),
                g(
                    "pipeline.json",
                    "platforms",
                    i,
                    "branch_protection",
                    "enforced_by",
                    fmt=lambda v: str(v or "none for this host"),
                ),
            ]
        )
    model.lists["platforms"] = lines
    model.tables["platforms"] = t(
        [
            "Platform",
            "Production approval",
            "AWS access",
            "Secrets",
            "Rollback",
            "Required status checks",
            "Branch protection",
        ],
        rows,
    )
