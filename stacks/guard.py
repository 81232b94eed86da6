"""AWS Control Tower's proactive controls on every synth: cdk-validator-cfnguard's Guard rules, run in parallel.

The package's own plugin (`CfnGuardValidator`) starts one cfn-guard process that evaluates every rule file
against every template: 237 rules x 23 templates for the default design, about 11 of its 16 synth seconds, and
most of it rules that cannot apply (a KMS-only template checked against the S3, RDS and EKS rules). cfn-guard's
time grows with rules x templates, so this plugin:

- picks, for each template, the rules that can apply to it: each rule names the resource types it checks, and a
  rule naming none of the template's types passes it vacuously (a rule naming no type at all always runs);
- groups templates that need the same rules, and spreads the groups over one worker per core;
- has each worker run the package's own `CfnGuardValidator.validate()` (its cfn-guard binary, its rules and its
  parsing of Guard's output) in a Node process of its own, so the findings are the package's, not a re-port.

It reports under the package's name and version, so acknowledgements (`cdk-validator-cfnguard::<rule>`) and the
validation report read exactly as with the package's plugin; tests/test_guard.py shows both give the same
findings. GUARD_WORKERS sets the number of workers (default: the machine's cores).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import (
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
)

from stacks.nag import GUARD_PLUGIN  # the package's name: acknowledgements are keyed by it

WORKER = Path(__file__).with_name("guard_worker.js")
CACHE = Path(__file__).resolve().parents[1] / ".cache"  # git-ignored; `make clean` removes it
_RULES_DIR = "rules/control-tower/cfn-guard"


def control_tower_guard() -> ParallelGuard:
    """The Control Tower rules of cdk-validator-cfnguard, every one of them, each run where it can apply."""
    return ParallelGuard()


@jsii.implements(IPolicyValidationPlugin)
class ParallelGuard:
    """A policy validation plugin: cdk-validator-cfnguard's rules and code, per template group, in parallel."""

    def __init__(self, workers: int | None = None) -> None:
        self._workers = workers or int(os.environ.get("GUARD_WORKERS") or os.cpu_count() or 1)

    @property
    def name(self) -> str:
        return GUARD_PLUGIN

    @property
    def version(self) -> str:
        return version("cdklabs.cdk-validator-cfnguard")

    @property
    def rule_ids(self) -> list[str]:
        # as the package names them (CfnGuardValidator.getRuleIds): ct-s3-pr-1 -> s3pr1
        return sorted(rule.replace("ct-", "", 1).replace("-", "") for rule in guard_rule_types())

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        jobs = rule_groups(list(context.template_paths))
        results = run_jobs(jobs, self._workers)
        violations = [_violation(v) for result in results for v in result["violations"]]
        return PolicyValidationPluginReport(
            success=all(result["success"] for result in results), violations=violations
        )


def rule_groups(template_paths: list[str] | list[Path]) -> list[dict[str, Any]]:
    """Jobs for the workers: templates that need the same rules, with those rules' files (in template order)."""
    rule_types = guard_rule_types()
    rules_dir = package_dir() / _RULES_DIR
    paths = {p.stem: str(p) for p in rules_dir.rglob("*.guard")}
    groups: dict[tuple[str, ...], list[str]] = {}
    for template in template_paths:
        types = template_types(template)
        rules = tuple(sorted(rule for rule, wanted in rule_types.items() if not wanted or wanted & types))
        if rules:  # none can apply: cfn-guard would skip every rule
            groups.setdefault(rules, []).append(str(template))
    return [
        {"templatePaths": templates, "rulePaths": [paths[rule] for rule in rules]}
        for rules, templates in groups.items()
    ]


def template_types(template: str | Path) -> set[str]:
    resources = json.loads(Path(template).read_text(encoding="utf-8")).get("Resources") or {}
    return {
        r.get("Type") for r in resources.values() if isinstance(r, dict) and isinstance(r.get("Type"), str)
    }


def run_jobs(jobs: list[dict[str, Any]], workers: int) -> list[dict[str, Any]]:
    """Each worker runs a share of the jobs (balanced by template bytes x rules); results in job order."""
    if not jobs:
        return []
    cost = [sum(Path(t).stat().st_size for t in job["templatePaths"]) * len(job["rulePaths"]) for job in jobs]
    shares: list[list[int]] = [[] for _ in range(max(1, min(workers, len(jobs))))]
    loads = [0] * len(shares)
    for index in sorted(range(len(jobs)), key=lambda i: -cost[i]):  # largest first, onto the lightest share
        lightest = loads.index(min(loads))
        shares[lightest].append(index)
        loads[lightest] += cost[index]
    results: list[dict[str, Any] | None] = [None] * len(jobs)
    with ThreadPoolExecutor(len(shares)) as pool:
        for share, outcome in zip(
            shares, pool.map(lambda s: _worker([jobs[i] for i in s]), shares), strict=True
        ):
            for index, result in zip(share, outcome, strict=True):
                results[index] = result
    return [r for r in results if r is not None]


def _worker(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not jobs:
        return []
    node = os.environ.get("JSII_NODE") or shutil.which("node") or "node"
    proc = subprocess.run(
        [node, str(WORKER), str(package_dir())],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"the Guard worker ({WORKER.name}) exited {proc.returncode}: {last}")
    results: list[dict[str, Any]] = json.loads(proc.stdout)
    return results


def _violation(v: dict[str, Any]) -> PolicyViolation:
    return PolicyViolation(
        rule_name=v["ruleName"],
        description=v["description"],
        fix=v.get("fix"),
        rule_metadata=v.get("ruleMetadata"),
        severity=v.get("severity"),
        violating_resources=[
            PolicyViolatingResource(
                # Guard reports some findings with no resource (a path that ends above one); CDK reads an empty id
                # as it reads the package plugin's missing one: a finding located at no construct
                resource_logical_id=r.get("resourceLogicalId") or "",
                template_path=r.get("templatePath") or "",
                locations=r.get("locations") or [],
            )
            for r in v["violatingResources"]
        ],
    )


def _tarball() -> Any:
    bundle = files("cdklabs.cdk_validator_cfnguard._jsii")
    (tarball,) = [f for f in bundle.iterdir() if f.name.endswith(".jsii.tgz")]
    return tarball


@cache
def package_dir() -> Path:
    """The package's JavaScript, rules and cfn-guard binary, unpacked once per version into .cache/."""
    target = CACHE / f"{GUARD_PLUGIN}-{version('cdklabs.cdk-validator-cfnguard')}"
    if (target / "package" / "package.json").is_file():
        return target / "package"
    CACHE.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=CACHE))
    try:
        with _tarball().open("rb") as raw, tarfile.open(fileobj=raw, mode="r:gz") as archive:
            archive.extractall(scratch, filter="data")
        try:
            scratch.rename(target)  # atomic: a concurrent synth either wins or finds the finished folder
        except OSError:
            if not (target / "package" / "package.json").is_file():
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target / "package"


@cache
def guard_rule_types() -> dict[str, frozenset[str]]:
    """Guard rule name (file stem, e.g. ct-s3-pr-1) -> the CloudFormation types its text checks."""
    out: dict[str, frozenset[str]] = {}
    with _tarball().open("rb") as raw, tarfile.open(fileobj=raw, mode="r:gz") as archive:
        for member in archive:
            if member.name.endswith(".guard") and "/rules/control-tower/" in member.name:
                text = archive.extractfile(member).read().decode("utf-8")  # type: ignore[union-attr]
                stem = member.name.rsplit("/", 1)[1].removesuffix(".guard")
                out[stem] = frozenset(re.findall(r"AWS::[A-Za-z0-9]+::[A-Za-z0-9]+", text))
    return out
