"""The parallel Guard plugin (stacks/guard.py) finds what cdk-validator-cfnguard's own plugin finds.

The package's plugin is run here through jsii on the same templates: every Control Tower rule against every
template, in one cfn-guard process. Ours picks rules per template and runs groups in worker processes; the two
reports must hold the same violations (rule, description, fix, resource, template, property paths).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.synth  # starts jsii and Node


@pytest.fixture(autouse=True)
def _no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every comparison runs Guard itself (a cached finding would prove nothing about this code)."""
    monkeypatch.setenv("GUARD_CACHE", "0")


class _Context:
    """What a policy validation plugin is given; both plugins read only the template paths."""

    def __init__(self, paths: list[Path]) -> None:
        self.template_paths = [str(p) for p in paths]


class _Report:
    def __init__(self, violations: list[Any]) -> None:
        self.violations = violations


def _jsii_context(paths: list[Path]) -> Any:
    import jsii
    from aws_cdk import IPolicyValidationContext

    @jsii.implements(IPolicyValidationContext)
    class JsiiContext:
        def __init__(self) -> None:
            self._paths = [str(p) for p in paths]

        @property
        def template_paths(self) -> list[str]:  # jsii reads declared properties only
            return self._paths

    return JsiiContext()


def _findings(report: Any) -> list[tuple[Any, ...]]:
    rows = []
    for v in report.violations:
        for r in v.violating_resources:
            rows.append(
                (
                    v.rule_name,
                    v.description,
                    v.fix,
                    r.resource_logical_id,
                    r.template_path,
                    tuple(r.locations),
                )
            )
    return sorted(rows)


def _template(tmp: Path, name: str, resources: dict[str, Any]) -> Path:
    path = tmp / f"{name}.template.json"
    path.write_text(json.dumps({"Resources": resources}))
    return path


def test_same_findings_as_the_package_plugin(default_synth: Any) -> None:
    from cdklabs.cdk_validator_cfnguard import CfnGuardValidator

    from stacks.guard import ParallelGuard

    stage = default_synth.outdir / "assembly-prod"
    wanted = ("Data", "Edge", "Platform", "Servicebackend", "Keys", "Messaging")
    paths = sorted(p for p in stage.glob("*.template.json") if any(f"prod{w}" in p.name for w in wanted))
    assert len(paths) == len(wanted)
    theirs = CfnGuardValidator(control_tower_rules_enabled=True).validate(_jsii_context(paths))
    ours = ParallelGuard(workers=2).validate(_Context(paths))
    assert _findings(theirs), "the package's plugin found nothing: the comparison would prove nothing"
    assert _findings(ours) == _findings(theirs)
    assert ours.success == theirs.success


def test_same_findings_with_a_certificate_from_another_region(zoo_named: Any) -> None:
    """edge-domain's CloudFront certificate comes from a us-east-1 stack: Guard reports some findings at no
    resource, which CDK can only place at the app root (where the design acknowledges them)."""
    from stacks.guard import ParallelGuard, _violation, _worker, package_dir

    rules = package_dir() / "rules" / "control-tower" / "cfn-guard"
    run = zoo_named("edge-domain")
    assert run.synth_error is None, run.synth_error
    paths = sorted(
        p for p in run.outdir.rglob("*.template.json") if "AWS::CloudFront::Distribution" in p.read_text()
    )
    assert paths
    # jsii cannot hand such a finding to Python (its logical id is undefined), so the package's plugin runs in
    # Node as the synth runs it: every Control Tower rule (the rules folder) against every template at once
    (report,) = _worker([{"templatePaths": [str(p) for p in paths], "rulePaths": [str(rules)]}])
    theirs = _Report([_violation(v) for v in report["violations"]])
    ours = ParallelGuard(workers=2).validate(_Context(paths))
    assert any(not r.resource_logical_id for v in theirs.violations for r in v.violating_resources), (
        "no finding without a resource: this test would not cover them"
    )
    assert _findings(ours) == _findings(theirs)


def test_a_violation_fails_and_names_its_resource(tmp_path: Path) -> None:
    from stacks.guard import ParallelGuard

    bucket = _template(tmp_path, "bucket", {"Open": {"Type": "AWS::S3::Bucket", "Properties": {}}})
    report = ParallelGuard(workers=1).validate(_Context([bucket]))
    assert not report.success
    rules = {(row[0], row[3]) for row in _findings(report)}
    assert ("s3_bucket_versioning_enabled_check", "Open") in rules, rules


def test_rules_are_picked_per_template_and_templates_grouped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import stacks.guard as guard
    from stacks.guard import guard_rule_types

    key = {"Key": {"Type": "AWS::KMS::Key", "Properties": {}}}
    a, b = _template(tmp_path, "a", key), _template(tmp_path, "b", key)
    empty = _template(tmp_path, "empty", {})
    bucket = _template(tmp_path, "bucket", {"B": {"Type": "AWS::S3::Bucket"}})
    given: list[dict[str, Any]] = []

    def record(jobs: list[dict[str, Any]], workers: int) -> list[dict[str, Any]]:  # what Guard is asked
        given.extend(jobs)
        return [{"success": True, "violations": []} for _ in jobs]

    monkeypatch.setattr(guard, "run_jobs", record)
    assert guard.check_templates([str(t) for t in (a, empty, b, bucket)], workers=1) == [[], [], [], []]
    jobs = given
    by_templates = {tuple(job["templatePaths"]): {Path(r).stem for r in job["rulePaths"]} for job in jobs}
    types = guard_rule_types()
    typeless = {rule for rule, names in types.items() if not names}
    kms = {rule for rule, names in types.items() if "AWS::KMS::Key" in names}
    s3 = {rule for rule, names in types.items() if "AWS::S3::Bucket" in names}
    assert kms and s3
    # the two KMS templates share one job; every rule that names no type runs everywhere
    assert by_templates[(str(a), str(b))] == typeless | kms
    # a template no rule can apply to is not given to cfn-guard at all (unless some rule names no type)
    assert by_templates.get((str(empty),), set()) == typeless
    assert by_templates[(str(bucket),)] == typeless | s3


def test_a_failing_worker_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import stacks.guard as guard

    broken = tmp_path / "broken.js"
    broken.write_text("process.stderr.write('at line 1\\nGuard blew up\\n'); process.exit(3);\n")
    monkeypatch.setattr(guard, "WORKER", broken)
    key = _template(tmp_path, "key", {"Key": {"Type": "AWS::KMS::Key"}})
    with pytest.raises(RuntimeError, match=r"^the Guard worker \(broken.js\) exited 3: Guard blew up$"):
        guard.ParallelGuard(workers=1).validate(_Context([key]))


def test_findings_are_cached_by_template_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import stacks.guard as guard

    monkeypatch.setenv("GUARD_CACHE", "1")
    monkeypatch.setattr(guard, "CACHE", tmp_path / "cache")
    bucket = _template(tmp_path, "bucket", {"Open": {"Type": "AWS::S3::Bucket", "Properties": {}}})
    first = guard.check_templates([str(bucket)], workers=1)
    assert first[0], "an open bucket has findings"
    copy = tmp_path / "copy.template.json"
    copy.write_bytes(bucket.read_bytes())

    def no_guard(jobs: list[Any], workers: int) -> list[Any]:
        assert not jobs, f"Guard ran although the findings were cached: {jobs}"
        return []

    monkeypatch.setattr(guard, "run_jobs", no_guard)
    again = guard.check_templates([str(copy)], workers=1)  # same content, another path
    assert again == [[_at(v, str(copy)) for v in first[0]]]
    bucket.write_text(
        json.dumps({"Resources": {"Open": {"Type": "AWS::S3::Bucket", "Properties": {"X": 1}}}})
    )
    with pytest.raises(AssertionError, match="Guard ran"):
        guard.check_templates([str(bucket)], workers=1)  # changed content: not cached


def _at(violation: dict[str, Any], template: str) -> dict[str, Any]:
    resources = [{**r, "templatePath": template} for r in violation["violatingResources"]]
    return {**violation, "violatingResources": resources}


@pytest.mark.parametrize("cached", ["0", "1"])
def test_a_relative_template_path_is_found_as_cfn_guard_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cached: str
) -> None:
    """The CDK CLI hands plugins paths relative to the working directory (cdk.out/...); cfn-guard names them by
    their absolute path. A fresh clone's `make run` failed the plugin on that until it was matched."""
    import stacks.guard as guard

    monkeypatch.setenv("GUARD_CACHE", cached)
    monkeypatch.setattr(guard, "CACHE", tmp_path / "cache")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cdk.out").mkdir()
    _template(tmp_path / "cdk.out", "bucket", {"Open": {"Type": "AWS::S3::Bucket", "Properties": {}}})
    relative = "cdk.out/bucket.template.json"
    for _ in range(2):  # the second time from the cache when it is on
        (found,) = guard.check_templates([relative], workers=1)
        assert found
        assert {r["templatePath"] for v in found for r in v["violatingResources"]} == {
            str(tmp_path / relative)
        }
