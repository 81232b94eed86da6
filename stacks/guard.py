"""AWS Control Tower's proactive controls on every synth: cdk-validator-cfnguard's Guard rules, run in parallel.

The package's own plugin (`CfnGuardValidator`) starts one cfn-guard process that evaluates every rule file
against every template: 237 rules x 23 templates for the default design, about 11 of its 16 synth seconds, and
most of it rules that cannot apply (a KMS-only template checked against the S3, RDS and EKS rules). cfn-guard's
time grows with rules x templates, so this plugin:

- picks, for each template, the rules that can apply to it: each rule names the resource types it checks, and a
  rule naming none of the template's types passes it vacuously (a rule naming no type at all always runs);
- groups templates that need the same rules, and spreads the groups over one worker per core;
- has each worker run the package's own `CfnGuardValidator.validate()` (its cfn-guard binary, its rules and its
  parsing of Guard's output) in a Node process of its own, so the findings are the package's, not a re-port;
- keeps each template's findings in .cache/, keyed by the template's content and its rules, so a synth after a
  change runs Guard only on the templates that changed (GUARD_CACHE=0: always run it).

It reports under the package's name and version, so acknowledgements (`cdk-validator-cfnguard::<rule>`) and the
validation report read exactly as with the package's plugin; tests/test_guard.py shows both give the same
findings. GUARD_WORKERS sets the number of workers (default: the machine's cores).
"""

from __future__ import annotations

import hashlib
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

from designspec.errors import env_count
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
        self._workers = workers or env_count("GUARD_WORKERS", os.cpu_count() or 1)

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
        found = check_templates([str(t) for t in context.template_paths], self._workers)
        violations = [_violation(v) for template in found for v in template]
        return PolicyValidationPluginReport(success=not violations, violations=violations)


def check_templates(template_paths: list[str], workers: int) -> list[list[dict[str, Any]]]:
    """The package plugin's violations of each template (in the order given), from the cache or from Guard.

    cfn-guard's findings for a template depend only on its content and the rules run on it, so they are kept
    in .cache/ under the SHA-256 of both (and of the package and worker versions); GUARD_CACHE=0 turns that off.
    A template no rule can apply to has none.
    """
    content = {t: Path(t).read_bytes() for t in template_paths}  # each template read once
    rules_of = {t: applicable_rules(json.loads(content[t])) for t in template_paths}
    cache = _Cache() if os.environ.get("GUARD_CACHE", "1") != "0" else None
    found: dict[str, list[dict[str, Any]]] = {}
    todo: dict[tuple[str, ...], list[str]] = {}  # the templates Guard must check, grouped by their rules
    for template, rules in rules_of.items():
        cached = cache.get(template, content[template], rules) if cache and rules else None
        if not rules:
            found[template] = []
        elif cached is not None:
            found[template] = cached
        else:
            todo.setdefault(rules, []).append(template)
    jobs = _jobs(todo, workers)
    for job, result in zip(jobs, run_jobs(jobs, workers), strict=True):
        # cfn-guard names a template by its absolute path, whatever path it was given (CDK's are relative to
        # the working directory when the CLI's output folder is)
        per_template: dict[str, list[dict[str, Any]]] = {os.path.abspath(t): [] for t in job["templatePaths"]}
        for v in result["violations"]:
            per_template[os.path.abspath(v["violatingResources"][0]["templatePath"])].append(v)
        for template in job["templatePaths"]:
            found[template] = per_template[os.path.abspath(template)]
            if cache:
                cache.put(content[template], rules_of[template], found[template])
    return [found[t] for t in template_paths]


def applicable_rules(template: dict[str, Any]) -> tuple[str, ...]:
    """The Control Tower rules that name one of the template's resource types (or no type at all)."""
    resources = template.get("Resources") or {}
    types = {
        r.get("Type") for r in resources.values() if isinstance(r, dict) and isinstance(r.get("Type"), str)
    }
    return tuple(sorted(rule for rule, wanted in guard_rule_types().items() if not wanted or wanted & types))


def _jobs(groups: dict[tuple[str, ...], list[str]], workers: int) -> list[dict[str, Any]]:
    """One job per group of templates, groups cut into pieces so that about four jobs per worker can be shared
    out evenly (sixty services put 80 templates in one group)."""
    paths = _rule_paths()
    total = sum(len(templates) for templates in groups.values())
    size = max(1, -(-total // (4 * workers))) if workers > 1 else max(1, total)
    return [
        {"templatePaths": templates[i : i + size], "rulePaths": [paths[rule] for rule in rules]}
        for rules, templates in groups.items()
        for i in range(0, len(templates), size)
    ]


@cache
def _rule_paths() -> dict[str, str]:
    return {p.stem: str(p) for p in (package_dir() / _RULES_DIR).rglob("*.guard")}


class _Cache:
    """Findings per (template content, rules), as JSON files in .cache/guard-findings/<versions digest>/."""

    def __init__(self) -> None:
        code = hashlib.sha256(WORKER.read_bytes() + Path(__file__).read_bytes()).hexdigest()[:12]
        self.folder = CACHE / "guard-findings" / f"{version('cdklabs.cdk-validator-cfnguard')}-{code}"

    def _file(self, content: bytes, rules: tuple[str, ...]) -> Path:
        digest = hashlib.sha256(content)
        digest.update("\0".join(rules).encode())
        return self.folder / f"{digest.hexdigest()}.json"

    def get(self, template: str, content: bytes, rules: tuple[str, ...]) -> list[dict[str, Any]] | None:
        try:
            stored = json.loads(self._file(content, rules).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        for v in stored:
            for r in v["violatingResources"]:
                r["templatePath"] = os.path.abspath(template)  # as cfn-guard names it
        return stored  # type: ignore[no-any-return]

    def put(self, content: bytes, rules: tuple[str, ...], violations: list[dict[str, Any]]) -> None:
        stored = [
            {**v, "violatingResources": [{**r, "templatePath": ""} for r in v["violatingResources"]]}
            for v in violations
        ]
        target = self._file(content, rules)
        scratch = target.with_name(f".{target.name}.{os.getpid()}")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            scratch.write_text(json.dumps(stored), encoding="utf-8")
            scratch.replace(target)
        except OSError:  # a read-only checkout: the findings stand, they are just not kept
            scratch.unlink(missing_ok=True)


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
