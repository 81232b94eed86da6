"""The design zoo end to end: every zoo design the loader accepts synthesizes with cdk-nag clean, runs through
generators and docgen, and the independent checker (tests/doccheck) finds its doc saying what its templates say."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from designspec import SpecError, load_design
from designspec.model import Design
from tests import sourcemap
from tests.conftest import ROOT, Synth, ZooRun, run_zoo_documents, zoo_designs
from tests.doccheck import check_files

pytestmark = pytest.mark.synth


def test_every_zoo_design_loads() -> None:
    """A spec rule added later must not quietly drop a zoo design from every zoo test."""
    refused = {}
    for path in zoo_designs():
        try:
            load_design(path)
        except SpecError as exc:
            refused[path.name] = str(exc)
    assert len(zoo_designs()) >= 14 and not refused, refused


def test_zoo_designs_together_use_every_spec_feature() -> None:
    designs = [load_design(p) for p in zoo_designs()]
    assert len(designs) >= 6
    features = {name: any(test(d) for d in designs) for name, test in FEATURES.items()}
    assert [name for name, used in features.items() if not used] == []


def test_zoo_design_synthesizes_with_cdk_nag_clean(zoo_run: ZooRun) -> None:
    """cdk-nag runs as a validation plugin: an unacknowledged finding raises during synth (see test_stacks)."""
    assert zoo_run.synth_error is None, f"{zoo_run.name}: synth failed: {zoo_run.synth_error}"
    manifest = json.loads((zoo_run.outdir / "manifest.json").read_text())
    stages = {
        a["properties"]["displayName"]
        for a in manifest["artifacts"].values()
        if a["type"] == "cdk:cloud-assembly"
    }
    assert stages == set(load_design(zoo_run.design).aws_environments())


def test_zoo_design_templates_pass_cloudformation_validation(zoo_run: ZooRun) -> None:
    """The synth's CloudFormation validation report lists no finding, warnings included (e.g. F0001: a stack
    without resources, which CloudFormation refuses to deploy)."""
    assert zoo_run.synth_error is None, f"{zoo_run.name}: synth failed: {zoo_run.synth_error}"
    report = json.loads((zoo_run.outdir / "validation-report.json").read_text())
    findings = [
        f"{plugin['pluginName']} {v['ruleName']} ({v['severity']}): {v['description']} at "
        + ", ".join(c["constructPath"] for c in v["violatingConstructs"])
        for plugin in report["pluginReports"]
        for v in plugin["violations"]
    ]
    assert findings == []
    assert all(plugin["conclusion"] == "success" for plugin in report["pluginReports"])


def test_zoo_design_doc_says_what_its_templates_say(zoo_run: ZooRun) -> None:
    assert zoo_run.synth_error is None, f"{zoo_run.name}: synth failed: {zoo_run.synth_error}"
    assert zoo_run.generators.returncode == 0, zoo_run.generators.stderr
    assert zoo_run.docgen is not None and zoo_run.docgen.returncode == 0, (
        zoo_run.docgen and zoo_run.docgen.stderr
    )
    result = check_files(zoo_run.doc, zoo_run.outdir, zoo_run.generated)
    assert result.facts > 300, "the checker compared too little: did the doc's tables go missing?"
    report = "\n".join(m.line() for m in result.mismatches)
    assert not result.mismatches, (
        f"{zoo_run.name}: {len(result.mismatches)} mismatches in {result.facts} facts:\n{report}"
    )


def _aws(d: Design) -> list:  # type: ignore[type-arg]
    return list(d.aws_environments().values())


FEATURES = {
    "static front end": lambda d: bool(d.static_frontends()),
    "static front end without api_path": lambda d: any(f.api_path is None for f in d.static_frontends()),
    "container front end": lambda d: bool(d.container_frontends()),
    "FIFO queue": lambda d: any(q.fifo for q in d.queues),
    "standard queue": lambda d: any(not q.fifo for q in d.queues),
    "x86_64 task": lambda d: any(s.architecture == "x86_64" for e in _aws(d) for s in e.services.values()),
    "arm64 task": lambda d: any(s.architecture == "arm64" for e in _aws(d) for s in e.services.values()),
    "no cache": lambda d: not d.caches,
    "no database": lambda d: not d.databases,
    "two databases": lambda d: len(d.databases) >= 2,
    "read replicas": lambda d: any(db.read_replicas for e in _aws(d) for db in e.databases.values()),
    "one AWS environment": lambda d: len(_aws(d)) == 1,
    "three AWS environments": lambda d: len(_aws(d)) >= 3,
    "cross-region backup copy": lambda d: bool(d.observability.backup.cross_region_copy),
    "environment in eu-west-1": lambda d: any(e.region == "eu-west-1" for e in _aws(d)),
    "budget": lambda d: any(e.budget for e in _aws(d)),
    "environment without budget": lambda d: any(e.budget is None for e in _aws(d)),
    "github-actions": lambda d: d.ci.platform == "github-actions",
    "gitlab-ci": lambda d: d.ci.platform == "gitlab-ci",
    "worker with sends_to": lambda d: any(w.sends_to for w in d.workers()),
    "worker without sends_to": lambda d: any(not w.sends_to for w in d.workers()),
    "requests_per_target scaling": lambda d: any(s.scaling.requests_per_target for s in d.http_services()),
    "business metrics": lambda d: bool(d.observability.business_metrics),
    "on_call notify": lambda d: any(d.observability.on_call.notify.model_dump().values()),
    "no on_call notify": lambda d: not any(d.observability.on_call.notify.model_dump().values()),
    "tracing disabled": lambda d: not d.observability.tracing.enabled,
    "dashboards disabled": lambda d: not d.observability.dashboards_enabled,
    "cost_usage overrides": lambda d: any(e.cost_usage for e in _aws(d)),
    "secret with env_var": lambda d: any(s.env_var for s in d.secrets),
    "registry image (no build)": lambda d: any(s.image and not s.build for s in d.services),
    "metrics on Prometheus + Grafana": lambda d: d.observability.metrics == "prometheus",
    "apm datadog": lambda d: d.observability.apm == "datadog",
    "apm newrelic with X-Ray": lambda d: (
        d.observability.apm == "newrelic" and d.observability.tracing.backend == "xray"
    ),
    "traces to jaeger": lambda d: d.observability.tracing.backend == "jaeger",
    "traces to zipkin": lambda d: d.observability.tracing.backend == "zipkin",
    "incident manager": lambda d: d.observability.on_call.incident_manager is not None,
    "paging subscription": lambda d: d.observability.on_call.paging is not None,
    "unattended topic": lambda d: bool(d.observability.on_call.unattended),
    "anomaly detection off": lambda d: not d.observability.anomaly_detection.enabled,
    "anomaly band width set": lambda d: d.observability.anomaly_detection.band_width != 2,
    "scheduled job": lambda d: bool(d.jobs),
    "zip function": lambda d: any(f.package == "zip" for f in d.functions),
    "image function": lambda d: any(f.package == "image" for f in d.functions),
    "function in the VPC": lambda d: any(f.databases or f.caches for f in d.functions),
    "function triggers of every kind": lambda d: (
        {
            k
            for f in d.functions
            for t in f.triggers
            for k in ("queue", "schedule", "bucket", "topic", "table", "http")
            if getattr(t, k) is not None
        }
        == {"queue", "schedule", "bucket", "topic", "table", "http"}
    ),
    "function behind the ALB and an HTTP API": lambda d: (
        {t.http for f in d.functions for t in f.triggers} >= {"alb", "http-api"}
    ),
    "shared file system": lambda d: bool(d.file_systems),
    "bucket with KMS": lambda d: any(b.encryption == "kms" for b in d.buckets),
    "provisioned and on-demand tables": lambda d: (
        {t.billing for t in d.tables} == {"provisioned", "on-demand"}
    ),
    "container front end at parity": lambda d: any(
        f.secrets and f.environment for f in d.container_frontends()
    ),
    "FIFO content-based deduplication": lambda d: any(q.content_based_deduplication for q in d.queues),
    "fewer NAT gateways than zones": lambda d: any(
        e.nat_gateways < len(e.availability_zones) for e in _aws(d)
    ),
}


def test_default_design_doc_says_what_its_templates_say(default_synth: Synth, tmp_path: Path) -> None:
    """The bundled design through the same checker, on the session's shared synth (no extra synth)."""
    run = run_zoo_documents(ROOT / "design.yaml", default_synth.outdir, tmp_path)
    assert run.generators.returncode == 0, run.generators.stderr
    assert run.docgen is not None and run.docgen.returncode == 0, run.docgen and run.docgen.stderr
    result = check_files(run.doc, run.outdir, run.generated)
    assert result.facts > 300
    report = "\n".join(m.line() for m in result.mismatches)
    assert not result.mismatches, (
        f"design.yaml: {len(result.mismatches)} mismatches in {result.facts} facts:\n{report}"
    )


# --- the source map: every printed fact re-read from where docgen says it came from ----------------------


def _source_map_holds(doc: Path, outdir: Path, generated: Path, name: str) -> None:
    report = sourcemap.check(doc, outdir, ROOT, generated)
    assert report.cells > 200 and report.facts >= report.cells, f"{name}: too little was mapped"
    shown = "\n".join(report.problems[:30])
    assert not report.problems, f"{name}: {len(report.problems)} problems in {report.facts} facts:\n{shown}"


def test_zoo_design_source_map_covers_every_cell_and_every_source_holds(zoo_run: ZooRun) -> None:
    assert zoo_run.docgen is not None and zoo_run.docgen.returncode == 0, (
        zoo_run.docgen and zoo_run.docgen.stderr
    )
    _source_map_holds(zoo_run.doc, zoo_run.outdir, zoo_run.generated, zoo_run.name)


def test_default_design_source_map_covers_every_cell_and_every_source_holds(
    default_synth: Synth, tmp_path: Path
) -> None:
    run = run_zoo_documents(ROOT / "design.yaml", default_synth.outdir, tmp_path)
    assert run.docgen is not None and run.docgen.returncode == 0, run.docgen and run.docgen.stderr
    _source_map_holds(run.doc, run.outdir, run.generated, "design.yaml")


def test_the_source_map_check_fails_when_a_source_changes(default_synth: Synth, tmp_path: Path) -> None:
    """The check can fail: edit one template value the doc printed and the recorded source no longer holds."""
    import shutil

    run = run_zoo_documents(ROOT / "design.yaml", default_synth.outdir, tmp_path / "run")
    copy = tmp_path / "cdk.out"
    shutil.copytree(run.outdir, copy, ignore=shutil.ignore_patterns("asset.*"))
    template = next(copy.glob("assembly-prod/*Network*.template.json"))
    data = json.loads(template.read_text())
    vpc = next(r for r in data["Resources"].values() if r["Type"] == "AWS::EC2::VPC")
    vpc["Properties"]["CidrBlock"] = "10.99.0.0/16"
    template.write_text(json.dumps(data))
    report = sourcemap.check(run.doc, copy, ROOT, run.generated)
    assert any("CidrBlock" in p and "10.99.0.0/16" in p for p in report.problems), report.problems[:5]


# --- dev parity: every workload's variables in compose and in its synthesized task definition or function ----


EXTENSION_SETTINGS = ("PARAMETERS_SECRETS_EXTENSION_", "SECRETS_MANAGER_", "SSM_PARAMETER_STORE_")


def _shape(value: object, resolved: object = None, attribute: str = "") -> str:
    """What kind of value a variable holds: a number, a boolean, a URL, an ARN or a name/host."""
    if isinstance(value, dict):
        kind = getattr(resolved, "type", "")
        if kind == "AWS::SQS::Queue" and not attribute:
            return "url"
        if kind in ("AWS::SNS::Topic",) or attribute.endswith("Arn") or kind == "AWS::SecretsManager::Secret":
            return "arn"
        return "text"
    text = str(value)
    if text.isdigit():
        return "number"
    if text in ("true", "false"):
        return "bool"
    return "url" if text.startswith(("http://", "https://")) else "arn" if text.startswith("arn:") else "text"


def test_zoo_compose_gives_each_workload_its_task_definitions_variables(zoo_run: ZooRun) -> None:
    """Names and value shapes: each ECS task's app container and each function against its compose service
    (the SDK endpoint settings are dev-only; a function's `<X>_SECRET_ARN` is its value `<X>` in dev)."""
    from designspec.wiring import bindings, workloads
    from generators.compose import SDK_ENV_NAMES, compose_dict
    from tests.doccheck.assembly import read

    assert zoo_run.synth_error is None, zoo_run.synth_error
    design = load_design(zoo_run.design)
    services = compose_dict(design)["services"]
    by_name = {w.name: w for _, _, w in workloads(design)}
    asm = read(zoo_run.outdir)
    env = list(design.aws_environments())[-1]
    checked = 0
    for res in asm.stages[env].resources("AWS::ECS::TaskDefinition", "AWS::Lambda::Function"):
        name = res.tags.get("Service", "")
        if name not in by_name:
            continue  # CDK's own handlers (log retention, bucket notifications)
        if res.type == "AWS::ECS::TaskDefinition":
            app = next(c for c in res.props["ContainerDefinitions"] if c["Name"] == "app")
            prod = {e["Name"]: e["Value"] for e in app.get("Environment", [])}
            prod_names = set(prod) | {s["Name"] for s in app.get("Secrets", [])}
        else:
            prod = {
                k: v
                for k, v in (res.props.get("Environment") or {}).get("Variables", {}).items()
                if not k.startswith(EXTENSION_SETTINGS)  # the Parameters and Secrets extension's own settings
            }
            arns = {
                b.name: b.dev_names for b in bindings(design, by_name[name]) if b.attribute == "secret_arn"
            }
            prod_names = (set(prod) - set(arns)) | {n for names in arns.values() for n in names}
        dev = services[name].get("environment", {})
        dev_names = set(dev) - set(SDK_ENV_NAMES)
        assert dev_names == prod_names, (name, sorted(dev_names ^ prod_names))
        for var, value in prod.items():
            if var in dev and not str(dev[var]).startswith("${"):
                target = asm.resolve(res.stack, value) if isinstance(value, dict) else None
                attribute = (
                    value.get("Fn::GetAtt", ["", ""])[1]
                    if isinstance(value, dict) and "Fn::GetAtt" in value
                    else ""
                )
                assert _shape(dev[var]) == _shape(value, target, attribute), (name, var, dev[var], value)
        checked += 1
    assert checked == len(by_name)
