"""CI/CD and Docker Compose: the doc against generated/pipeline.json and generated/docker-compose.yml, and the
claims those sections make about AWS (deploy targets, prod counterparts) against the templates."""

from __future__ import annotations

import re
from typing import Any

from tests.doccheck.assembly import Assembly
from tests.doccheck.common import tables
from tests.doccheck.markdown import Doc
from tests.doccheck.report import Result
from tests.doccheck.values import regions, same_number, words

PIPELINE = "generated/pipeline.json"
COMPOSE = "generated/docker-compose.yml"


def _platforms(doc: Doc, pipeline: dict[str, Any], result: Result) -> None:
    """Every CI platform the design selects is named with its file, its count of required status checks and its
    branch-protection file; the details table lists each check."""
    text = doc.regions.get("cicd", "")
    for p in pipeline.get("platforms") or []:
        where = f"CI/CD > platforms / {p.get('label')}"
        line = next((x for x in text.splitlines() if x.startswith(f"- {p.get('label')}")), "")
        result.fact(
            str(p.get("file")) in line, "platform-file", where, line, p.get("file"), "generated/pipeline.json"
        )
        checks = p.get("status_checks") or []
        result.fact(
            f"{len(checks)} " in line, "platform-checks", where, line, len(checks), "generated/pipeline.json"
        )
        protection = (p.get("branch_protection") or {}).get("generated_file")
        if protection:
            result.fact(
                protection in line, "platform-protection", where, line, protection, "generated/pipeline.json"
            )
        for table in doc.tables_with("platform", "required status checks"):
            for row in table.rows:
                if row[table.column("platform") or ""] == p.get("label"):
                    cell = row[table.column("required status checks") or ""]
                    result.fact(
                        all(c in cell for c in checks),
                        "platform-check-names",
                        where,
                        cell,
                        checks,
                        "generated/pipeline.json",
                    )


def check(
    doc: Doc, assembly: Assembly, *, compose: dict[str, Any] | None, pipeline: dict[str, Any] | None
) -> Result:
    result = Result()
    if pipeline is not None:
        _platform(doc, pipeline, result)
        _platforms(doc, pipeline, result)
        _stages(doc, pipeline, result)
        _variations(doc, pipeline, result)
        _targets(pipeline, assembly, result)
    if compose is not None:
        _compose(doc, compose, assembly, result)
    return result


def _platform(doc: Doc, pipeline: dict[str, Any], result: Result) -> None:
    text = doc.regions.get("cicd", "")
    first = next((line for line in text.splitlines() if line.strip()), "")
    named = {str(pipeline.get("platform")), str(pipeline.get("platform_label"))}
    result.fact(
        any(n and n in first for n in named),
        "ci-platform",
        "CI/CD / platform",
        first or "not stated",
        " or ".join(sorted(named)),
        f"{PIPELINE} platform, platform_label",
    )
    diagram = next((d for d in doc.mermaids if d.region == "cicd"), None)
    shown = {words(label.split("\n")[0]) for label in diagram.labels()} if diagram else set()
    for stage in pipeline.get("stages", []):
        result.fact(
            words(stage["name"]) in shown,
            "ci-diagram-stage",
            f"CI/CD diagram / {stage['name']}",
            sorted(shown),
            stage["name"],
            f"{PIPELINE} stages",
        )


def _stages(doc: Doc, pipeline: dict[str, Any], result: Result) -> None:
    stages = pipeline.get("stages", [])
    tabs = tables(doc, result, "CI/CD > Stages", ("stage", "trigger"), needed=bool(stages), region="cicd")
    rows = {row[t.column("stage") or ""]: (t, row) for t in tabs for row in t.rows}
    names = {s["id"]: s["name"] for s in stages}
    for stage in stages:
        where = f"CI/CD > Stages / {stage['name']}"
        found = rows.pop(stage["name"], None)
        if not result.fact(
            found is not None, "ci-stage-missing-row", where, "no row", stage["name"], PIPELINE
        ):
            continue
        assert found is not None
        table, row = found
        want = {
            "purpose": stage.get("purpose"),
            "trigger": stage.get("trigger"),
            "needs": ", ".join(names.get(n, n) for n in stage.get("needs", [])) or "-",
            "environment": stage.get("environment") or "-",
        }
        for column, value in want.items():
            if table.column(column):
                result.equal(
                    f"ci-stage-{column}",
                    where,
                    row[table.column(column) or ""],
                    value,
                    f"{PIPELINE} stages[{stage['id']}].{column}",
                )
        if table.column("approval"):
            shown = row[table.column("approval") or ""].lower()
            result.equal(
                "ci-stage-approval",
                where,
                "required" in shown,
                bool(stage.get("approval")),
                f"{PIPELINE} approval",
            )
    for name in rows:
        result.fact(
            False, "ci-stage-extra-row", f"CI/CD > Stages / {name}", "a row", "no such stage", PIPELINE
        )


def _variations(doc: Doc, pipeline: dict[str, Any], result: Result) -> None:
    deployments = pipeline.get("deployments", [])
    tabs = tables(
        doc,
        result,
        "CI/CD > Variations",
        ("deployment type", "rollback"),
        needed=bool(deployments),
        region="cicd",
    )
    rows = [row for t in tabs for row in t.rows]
    for i, dep in enumerate(deployments):
        where = f"CI/CD > Variations / {dep.get('label')}"
        row = rows[i] if i < len(rows) else None
        if not result.fact(
            row is not None, "ci-variation-missing-row", where, "no row", dep.get("label"), PIPELINE
        ):
            continue
        assert row is not None
        table = tabs[0]
        want = {
            "environment": dep.get("label"),
            "deployment type": dep.get("deployment_type"),
            "approval": dep.get("approval"),
            "tests": ", ".join(dep.get("tests_run", [])),
            "rollback": dep.get("rollback"),
        }
        for column, value in want.items():
            if table.column(column):
                result.equal(
                    f"ci-variation-{column.split()[0]}",
                    where,
                    row[table.column(column) or ""],
                    value,
                    f"{PIPELINE} deployments[{i}]",
                )
    if len(rows) > len(deployments):
        result.fact(
            False, "ci-variation-extra-row", "CI/CD > Variations", len(rows), len(deployments), PIPELINE
        )


def _targets(pipeline: dict[str, Any], assembly: Assembly, result: Result) -> None:
    """The pipeline deploys each stage where its stacks live: the generated target names its account and region."""
    for dep in pipeline.get("deployments", []):
        stage = assembly.stages.get(dep.get("ci_environment") or "")
        if stage is None:
            continue
        target = str(dep.get("target", ""))
        where = f"{PIPELINE} deployments / {stage.name}"
        named = regions(target)
        result.fact(
            bool(named) and named[0] == stage.primary_region and all(a in target for a in stage.accounts),
            "ci-target",
            where,
            target,
            f"{stage.accounts} {stage.primary_region}",
            f"{stage.name} manifest environments",
        )


def _compose(doc: Doc, compose: dict[str, Any], assembly: Assembly, result: Result) -> None:
    services: dict[str, Any] = compose.get("services", {})
    block = doc.regions.get("compose", "")
    listed = re.findall(r"^  ([\w.-]+):\s*$", block, re.M)
    result.equal(
        "compose-services",
        "Docker Compose / services block",
        sorted(listed),
        sorted(services),
        f"{COMPOSE} services",
    )
    tabs = tables(
        doc, result, "Docker Compose table", ("dev service", "ports"), needed=bool(services), region="compose"
    )
    rows = {row[t.column("service") or ""].strip("`"): (t, row) for t in tabs for row in t.rows}
    for name, svc in services.items():
        where = f"Docker Compose / {name}"
        found = rows.pop(name, None)
        if not result.fact(found is not None, "compose-missing-row", where, "no row", name, COMPOSE):
            continue
        assert found is not None
        table, row = found
        image = row.get(table.column("image") or "", "")
        want = svc.get("image") or f"build {svc.get('build')}"
        result.fact(
            str(svc.get("image")) in image if svc.get("image") else "build" in image.lower(),
            "compose-image",
            where,
            image,
            want,
            f"{COMPOSE} services.{name}.image",
        )
        if table.column("ports"):
            shown = sorted(re.findall(r"[\d.]+:\d+(?::\d+)?", row[table.column("ports") or ""]))
            result.equal(
                "compose-ports",
                where,
                shown,
                sorted(str(p) for p in svc.get("ports", [])),
                f"{COMPOSE} services.{name}.ports",
            )
        counterpart = table.column("counterpart")
        if counterpart:
            _counterpart(result, where, name, row[counterpart], counterpart, assembly)
    for name in rows:
        result.fact(
            False, "compose-extra-row", f"Docker Compose / {name}", "a row", "no such service", COMPOSE
        )


# What a counterpart cell may claim -> the resource type that must exist in that environment.
CLAIMS = (
    ("cloudfront", "AWS::CloudFront::Distribution"),
    ("rds", "AWS::RDS::DBInstance"),
    ("elasticache", "AWS::ElastiCache::ReplicationGroup"),
    ("sqs", "AWS::SQS::Queue"),
    ("ecs fargate task on an eventbridge scheduler schedule", "AWS::Scheduler::Schedule"),
    ("ecs fargate", "AWS::ECS::Service"),
    ("lambda function", "AWS::Lambda::Function"),
)


def _counterpart(result: Result, where: str, name: str, cell: str, header: str, assembly: Assembly) -> None:
    env = header.split(" ")[0]
    stage = assembly.stages.get(env)
    if not result.fact(
        stage is not None, "compose-counterpart-env", where, header, list(assembly.stages), "manifest.json"
    ):
        return
    assert stage is not None
    lower = cell.lower()
    owned = [
        r.type
        for r in stage.resources(
            "AWS::ECS::Service",
            "AWS::CloudFront::Distribution",
            "AWS::Scheduler::Schedule",
            "AWS::Lambda::Function",
        )
        if r.owner == name
    ]
    if "AWS::Lambda::Function" in owned:  # a function's schedule triggers it: the function is the counterpart
        owned = [k for k in owned if k != "AWS::Scheduler::Schedule"]
    for kind in owned:
        word = next(w for w, k in CLAIMS if k == kind)
        result.fact(
            word in lower,
            "compose-counterpart-missing",
            where,
            cell,
            f"{kind} tagged {name} in {env}",
            f"{env} {kind}",
        )
    scheduled = CLAIMS[-3][0] in lower  # a job: "ECS Fargate task on ... schedule" claims no ECS service
    for word, kind in CLAIMS:
        if word not in lower or (scheduled and kind == "AWS::ECS::Service"):
            continue
        if kind == "AWS::ECS::Service":
            m = re.search(r"`([\w-]+)`", cell)
            target = m.group(1) if m else name
            svc = next((s for s in stage.resources(kind) if s.owner == target), None)
            if result.fact(
                svc is not None,
                "compose-counterpart",
                where,
                cell,
                f"no ECS service {target} in {env}",
                f"{env} AWS::ECS::Service",
            ):
                _sizes(result, where, cell, svc, assembly)
        elif kind == "AWS::CloudFront::Distribution":
            ok = any(d.owner == name for d in stage.resources(kind))
            result.fact(
                ok,
                "compose-counterpart",
                where,
                cell,
                f"a distribution tagged {name} in {env}",
                f"{env} {kind}",
            )
        elif kind in ("AWS::Scheduler::Schedule", "AWS::Lambda::Function"):
            ok = any(r.owner == name for r in stage.resources(kind))
            result.fact(
                ok, "compose-counterpart", where, cell, f"a {kind} tagged {name} in {env}", f"{env} {kind}"
            )
        else:
            result.fact(
                bool(stage.resources(kind)),
                "compose-counterpart",
                where,
                cell,
                f"a {kind} in {env}",
                f"{env} {kind}",
            )


def _sizes(result: Result, where: str, cell: str, svc: Any, assembly: Assembly) -> None:
    m = re.search(r"\(([\d.]+)\s*vCPU\s*/\s*([\d.]+)\s*GB\)", cell)
    task = assembly.resolve(svc.stack, svc.props.get("TaskDefinition"))
    if m and task is not None:
        want = (float(task.props["Cpu"]) / 1024, float(task.props["Memory"]) / 1024)
        ok = same_number(float(m.group(1)), want[0]) and same_number(float(m.group(2)), want[1])
        result.fact(
            ok,
            "compose-counterpart-size",
            where,
            cell,
            f"{want[0]:g} vCPU / {want[1]:g} GB",
            task.where("Cpu, Memory"),
        )
