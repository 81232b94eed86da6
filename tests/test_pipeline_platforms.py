"""Every CI platform of the specification: each rendered file passes its validator, prod waits for an approval,
branch protection requires real jobs, and a workload added to the spec is built and deployed everywhere."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from designspec import Design, SpecError, load_design, parse_design
from generators.__main__ import main as generators_main
from generators.pipeline import pipeline_model
from generators.platforms import PLATFORMS
from generators.protection import placeholders_in
from tests import jenkinsfile

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ALL = list(PLATFORMS)
ZOO = {platform: ROOT / "zoo" / f"ci-{platform}.yaml" for platform in ALL}
SCHEMA = json.loads(
    (ROOT / "tests" / "schemas" / "branch-protection.schema.json").read_text(encoding="utf-8")
)
GROOVY = shutil.which("groovy")


def _edited(edit: Callable[[dict[str, Any]], None]) -> Design:
    data = yaml.safe_load((ROOT / "design.yaml").read_text(encoding="utf-8"))
    edit(data)
    return parse_design(yaml.safe_dump(data, sort_keys=False), "design.yaml")


def _all_platforms(data: dict[str, Any]) -> None:
    data["ci"]["platforms"] = ALL


def _add_billing(data: dict[str, Any]) -> None:
    data["services"].append({"name": "billing", "type": "http", "build": "./billing", "port": 8090})
    for env in data["environments"].values():
        if env["platform"] == "aws":
            env["services"]["billing"] = {"cpu": 256, "memory": 512, "desired": 1, "min": 1, "max": 2}


def _generate(out: Path, edit: Callable[[dict[str, Any]], None] | None = None) -> Path:
    """`python -m generators` on an edited default design placed beside `out` (as design.yaml is beside
    generated/); returns `out`."""
    data = yaml.safe_load((ROOT / "design.yaml").read_text(encoding="utf-8"))
    if edit:
        edit(data)
    design = out.parent / "design.yaml"
    design.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert generators_main(["--design", str(design), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def every(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default design with all five platforms selected."""
    return _generate(tmp_path_factory.mktemp("every") / "generated", _all_platforms)


@pytest.fixture(scope="module")
def billing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default design, all five platforms, with a `billing` service added."""
    return _generate(
        tmp_path_factory.mktemp("billing") / "generated", lambda d: (_all_platforms(d), _add_billing(d))
    )


@pytest.fixture(scope="module")
def zoo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for platform, design in ZOO.items():
        target = tmp_path_factory.mktemp(f"zoo-{platform}")
        assert generators_main(["--design", str(design), "--out", str(target)]) == 0
        out[platform] = target
    return out


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / args[0]), *args[1:]], capture_output=True, text=True, check=False)


def _file(out: Path, platform: str) -> Path:
    return out / json.loads((out / "pipeline.json").read_text())["rendered"][platform]


def _yaml(out: Path, platform: str) -> dict[str, Any]:
    return yaml.safe_load(_file(out, platform).read_text(encoding="utf-8"))


def _guard(out: Path, platform: str) -> dict[str, Any]:
    return json.loads(
        (out / PLATFORMS[platform].folder / "branch-protection.json").read_text(encoding="utf-8")
    )


# --- validators ----------------------------------------------------------------------------------

# check-jsonschema's default regex engine (regress) cannot compile some patterns of the Azure Pipelines and
# CircleCI schemas and stops with a traceback; Python's `re` compiles them all.
SCHEMAS = {"azure-devops": "vendor.azure-pipelines", "circleci": "vendor.circle-ci", "gitlab-ci": "vendor.gitlab-ci",
           "github-actions": "vendor.github-workflows"}  # fmt: skip


def _schema_check(platform: str, path: Path) -> subprocess.CompletedProcess[str]:
    return _run(
        "check-jsonschema", "--regex-variant", "python", "--builtin-schema", SCHEMAS[platform], str(path)
    )


def _groovy_parse(path: Path) -> subprocess.CompletedProcess[str]:
    assert GROOVY, "groovy is missing: scripts/bootstrap.sh installs Debian's groovy package"
    java = shutil.which("java")
    env = dict(os.environ)
    if java and "JAVA_HOME" not in env and not Path("/usr/lib/jvm/default-java").exists():
        env["JAVA_HOME"] = str(Path(java).resolve().parents[1])
    script = "new GroovyShell().parse(new File(args[0])); println 'parsed'"
    return subprocess.run(
        [GROOVY, "-e", script, str(path)], capture_output=True, text=True, env=env, check=False
    )


def _validate(platform: str, path: Path) -> None:
    if platform == "jenkins":
        parsed = _groovy_parse(path)
        assert parsed.returncode == 0 and "parsed" in parsed.stdout, parsed.stdout + parsed.stderr
        assert jenkinsfile.problems(path.read_text(encoding="utf-8")) == []
        return
    if platform == "github-actions":
        lint = _run("actionlint", str(path))
        assert lint.returncode == 0, lint.stdout + lint.stderr
    result = _schema_check(platform, path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("platform", ALL)
def test_the_zoo_design_of_each_platform_passes_its_validator(zoo: dict[str, Path], platform: str) -> None:
    pipeline = json.loads((zoo[platform] / "pipeline.json").read_text())
    assert [p["id"] for p in pipeline["platforms"]] == [platform]
    _validate(platform, _file(zoo[platform], platform))


@pytest.mark.parametrize("platform", ALL)
def test_the_default_design_passes_each_validator_with_every_platform_selected(
    every: Path, platform: str
) -> None:
    _validate(platform, _file(every, platform))


@pytest.mark.parametrize("platform", ["azure-devops", "circleci"])
def test_the_schemas_reject_a_misspelled_key(every: Path, platform: str, tmp_path: Path) -> None:
    text = _file(every, platform).read_text(encoding="utf-8")
    broken = (
        text.replace("displayName:", "displayNme:", 1)
        if platform == "azure-devops"
        else text.replace("    executor:", "    executr:", 1)
    )
    assert broken != text
    path = tmp_path / "broken.yml"
    path.write_text(broken, encoding="utf-8")
    assert _schema_check(platform, path).returncode == 1


def test_groovy_rejects_a_broken_jenkinsfile(every: Path, tmp_path: Path) -> None:
    text = _file(every, "jenkins").read_text(encoding="utf-8")
    path = tmp_path / "Jenkinsfile"
    path.write_text(text.replace("stage('Test - Unit') {", "stage('Test - Unit' {", 1), encoding="utf-8")
    parsed = _groovy_parse(path)
    assert parsed.returncode != 0 and "parsed" not in parsed.stdout
    assert "Jenkinsfile" in parsed.stderr


def test_the_structural_check_rejects_what_declarative_jenkins_would() -> None:
    bad = (
        "pipeline {\n  agent none\n  stages {\n    stage('A') {\n      steps {\n"
        "        try { sh 'make' } finally { sh 'true' }\n      }\n      post { sometimes { echo 'x' } }\n    }\n"
        "    stage('B') {\n      input { ok 'go' }\n      when { branchy 'main' }\n    }\n  }\n}\n"
    )
    found = jenkinsfile.problems(bad)
    assert "line 4: stage 'A': `try` needs a script block in declarative steps" in found
    assert any("`sometimes` is not a post condition" in p for p in found)
    assert any("stage 'B': input needs a message" in p for p in found)
    assert any("stage 'B': `branchy` is not a when condition" in p for p in found)
    assert any("stage 'B': needs exactly one of steps" in p for p in found)


# --- production waits for an approval ------------------------------------------------------------


def _prod_deployers(platform: str, out: Path, env: str) -> dict[str, Any]:
    """Every job (stage) whose commands run `cdk deploy '<env>/...`, by name."""
    marker = f"cdk deploy '{env}/"
    if platform == "jenkins":
        found = jenkinsfile.stages(_file(out, "jenkins").read_text(encoding="utf-8"))
        return {name: stage for name, stage in found.items() if marker in stage.text()}
    data = _yaml(out, platform)
    if platform == "azure-devops":
        jobs = {
            job.get("deployment") or job.get("job"): job for stage in data["stages"] for job in stage["jobs"]
        }
    elif platform == "circleci":
        jobs = data["jobs"]
    elif platform == "gitlab-ci":
        jobs = {k: v for k, v in data.items() if isinstance(v, dict) and "script" in v}
    else:
        jobs = data["jobs"]
    return {name: job for name, job in jobs.items() if marker in json.dumps(job)}


def _circleci_requirements(config: dict[str, Any]) -> dict[str, tuple[str | None, list[str]]]:
    out = {}
    for workflow in config["workflows"].values():
        for entry in workflow["jobs"]:
            name, spec = next(iter(entry.items())) if isinstance(entry, dict) else (entry, {})
            out[name] = (spec.get("type"), spec.get("requires", []))
    return out


@pytest.mark.parametrize("platform", ALL)
@pytest.mark.parametrize("source", ["zoo", "default"])
def test_every_prod_deploy_waits_for_an_approval(
    platform: str, source: str, zoo: dict[str, Path], every: Path
) -> None:
    out = zoo[platform] if source == "zoo" else every
    model = json.loads((out / "pipeline.json").read_text())
    prod = next(s["environment"] for s in model["stages"] if s["approval"])
    deployers = _prod_deployers(platform, out, prod)
    assert {"deploy-prod", "rollback-prod"} <= {re.sub(r"[^a-z0-9]+", "-", n.lower()) for n in deployers}, (
        deployers
    )
    guard = _guard(out, platform)
    approvals = model["prod_approvals"]
    for name, job in deployers.items():
        if platform == "github-actions":
            assert job["environment"]["name"] == "production", name
            env = next(r["body"] for r in guard["requests"] if r["path"].endswith("/environments/production"))
            assert env["reviewers"] and env["prevent_self_review"] is True
        elif platform == "gitlab-ci":
            assert all(rule["when"] == "manual" for rule in job["rules"]) and job["allow_failure"] is False, (
                name
            )
            assert job["environment"]["name"] == "production"
            env = next(r["body"] for r in guard["requests"] if r["path"].endswith("protected_environments"))
            assert env["name"] == "production" and env["approval_rules"][0]["required_approvals"] == approvals
        elif platform == "azure-devops":
            assert job["environment"] == "production" and "deployment" in job, name
            check = next(r["body"] for r in guard["requests"] if "checks/configurations" in r["path"])
            assert check["resource"] == {"type": "environment", "id": "{environmentId}", "name": "production"}
            assert check["settings"]["minRequiredApprovers"] == approvals
        elif platform == "jenkins":
            when, prompt = job.block("when"), job.block("input")
            assert prompt is not None and any(c.keyword == "submitter" for c in prompt.children or []), name
            assert when is not None and (when.children or [])[0].head == "beforeInput true"
        else:
            kind, requires = _circleci_requirements(_yaml(out, platform))[name]
            assert kind is None and len(requires) == 1, name
            assert _circleci_requirements(_yaml(out, platform))[requires[0]][0] == "approval"


# --- branch protection ---------------------------------------------------------------------------


def _job_names(platform: str, out: Path) -> set[str]:
    """The names each platform shows for its jobs, taken from the rendered file itself."""
    if platform == "jenkins":
        stages = jenkinsfile.stages(_file(out, "jenkins").read_text(encoding="utf-8"))
        return {
            n for n, s in stages.items() if f"publishChecks name: '{n}', conclusion: 'SUCCESS'" in s.text()
        }
    data = _yaml(out, platform)
    if platform == "github-actions":
        names = set()
        for job in data["jobs"].values():
            legs = job.get("strategy", {}).get("matrix", {}).get("include", [{}])
            names |= {re.sub(r"\$\{\{ matrix\.(\w+) \}\}", lambda m, leg=leg: str(leg[m.group(1)]), job["name"])
                      for leg in legs}  # fmt: skip
        return names
    if platform == "gitlab-ci":  # a parallel:matrix job shows as "job: [value, value]", one per leg
        names = set()
        for key, job in data.items():
            if isinstance(job, dict) and "script" in job and not job.get("allow_failure"):
                legs = job.get("parallel", {}).get("matrix")
                names |= {f"{key}: [{', '.join(map(str, leg.values()))}]" for leg in legs} if legs else {key}
        return names
    if platform == "azure-devops":
        # Only jobs of stages a pull request build runs count: the build validation policy requires that run.
        return {job["displayName"] for stage in data["stages"] if "'PullRequest'" in stage["condition"]
                or stage["condition"] == "and(succeeded(), ne('${{ parameters.action }}', 'rollback'))"
                for job in stage["jobs"]}  # fmt: skip
    delivery = _circleci_requirements(data)
    workflow = data["workflows"]["delivery"]["jobs"]
    filters = {next(iter(e)): next(iter(e.values())).get("filters", {}) for e in workflow}
    return {
        f"ci/circleci: {n}" for n in delivery if "branches" not in filters.get(n, {}) and n in data["jobs"]
    }


@pytest.mark.parametrize("platform", ALL)
def test_branch_protection_requires_the_jobs_the_pipeline_defines(platform: str, every: Path) -> None:
    guard = _guard(every, platform)
    required = guard["required_status_checks"]
    assert set(required) <= _job_names(platform, every), set(required) - _job_names(platform, every)
    model = json.loads((every / "pipeline.json").read_text())
    summary = next(p for p in model["platforms"] if p["id"] == platform)
    assert summary["status_checks"] == required
    # One check per workload build, and each test and scan stage the specification lists.
    assert len(required) >= len(model["workloads"]) + 4
    rulesets = [r["body"] for r in guard["requests"] if r["path"].endswith("/rulesets")]
    if rulesets:  # GitHub: the ruleset itself lists exactly those checks
        rule = next(r for r in rulesets[0]["rules"] if r["type"] == "required_status_checks")
        assert [c["context"] for c in rule["parameters"]["required_status_checks"]] == required


@pytest.mark.parametrize("platform", ALL)
def test_branch_protection_files_match_the_documented_api_fields(
    platform: str, every: Path, zoo: dict[str, Path]
) -> None:
    for out in (every, zoo[platform]):
        guard = _guard(out, platform)
        jsonschema.validate(guard, SCHEMA, cls=jsonschema.Draft202012Validator)
        bodies = [r["body"] for r in guard["requests"]]
        assert placeholders_in(bodies) == set(guard["placeholders"])  # each one is explained


def test_the_schema_rejects_a_wrong_payload(every: Path) -> None:
    guard = _guard(every, "github-actions")
    guard["requests"][0]["body"]["rules"][2]["parameters"]["required_approving_review_count"] = "one"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(guard, SCHEMA, cls=jsonschema.Draft202012Validator)


# --- a workload added to the spec ----------------------------------------------------------------


@pytest.mark.parametrize("platform", ALL)
def test_an_added_service_is_built_checked_and_deployed_on_every_platform(
    platform: str, billing: Path
) -> None:
    model = json.loads((billing / "pipeline.json").read_text())
    summary = next(p for p in model["platforms"] if p["id"] == platform)
    assert any("billing" in check for check in summary["status_checks"])
    text = _file(billing, platform).read_text(encoding="utf-8")
    for env in ("staging", "prod"):
        deploy = _prod_deployers(platform, billing, env)
        name = next(n for n in deploy if "deploy" in n.lower())
        assert "acme-agents/billing" in (
            deploy[name].text() if platform == "jenkins" else json.dumps(deploy[name])
        )
    if platform == "jenkins":
        assert '"billing" --platform "linux/arm64"' in jenkinsfile.stages(text)["Build (billing)"].text()
    elif platform == "github-actions":
        legs = _yaml(billing, platform)["jobs"]["build"]["strategy"]["matrix"]["include"]
        assert {"name": "billing", "kind": "image", "context": "billing", "repository": "acme-agents/billing",
                "platforms": "linux/arm64"} in legs  # fmt: skip
    elif platform == "gitlab-ci":
        legs = _yaml(billing, platform)["build-image"]["parallel"]["matrix"]
        assert {"WORKLOAD": "billing", "CONTEXT": "billing", "PLATFORMS": "linux/arm64"} in legs
    elif platform == "azure-devops":
        build = _yaml(billing, platform)["stages"][0]
        job = next(j for j in build["jobs"] if j["job"] == "build_billing")
        scripts = "\n".join(step.get("bash", "") for step in job["steps"])
        assert 'docker buildx build "billing" --platform "linux/arm64"' in scripts
    else:
        job = _yaml(billing, platform)["jobs"]["build-billing"]
        assert 'docker buildx build \\"billing\\" --platform \\"linux/arm64\\"' in json.dumps(job)


# --- platform selection and the files on disk ----------------------------------------------------


def test_only_the_selected_platforms_are_written(every: Path, zoo: dict[str, Path]) -> None:
    folders = {p.folder for p in PLATFORMS.values()}
    for platform, out in zoo.items():
        assert {d.name for d in out.iterdir() if d.is_dir()} == {PLATFORMS[platform].folder}
    assert {d.name for d in every.iterdir() if d.is_dir()} == folders


def test_generators_remove_only_the_files_of_platforms_no_longer_selected(tmp_path: Path) -> None:
    out = _generate(tmp_path / "generated", _all_platforms)
    (out / "jenkins" / "NOTES.md").write_text("team notes\n", encoding="utf-8")
    (out / "README.md").write_text("ours\n", encoding="utf-8")
    _generate(out, lambda d: d["ci"].update(platforms=["gitlab-ci", "jenkins"], platform="gitlab-ci"))
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == [
        ".design-stamp.json", ".env.local.example", "Caddyfile", "README.md", "compose.json", "docker-compose.yml", "elasticmq.conf",
        "gitlab-ci/.gitlab-ci.yml", "gitlab-ci/branch-protection.json", "jenkins/Jenkinsfile",
        "jenkins/NOTES.md", "jenkins/branch-protection.json", "pipeline.json",
    ]  # fmt: skip
    assert not (out / "azure-devops").exists() and not (out / "github-actions").exists()
    model = json.loads((out / "pipeline.json").read_text())
    assert (model["platform"], [p["id"] for p in model["platforms"]]) == (
        "gitlab-ci",
        ["gitlab-ci", "jenkins"],
    )


def test_generators_say_unchanged_and_write_0644(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "generated"
    assert generators_main(["--design", str(ROOT / "design.yaml"), "--out", str(out)]) == 0
    first = capsys.readouterr().out.splitlines()
    assert all(line.startswith(f"generators: wrote {out}/") for line in first)
    assert {oct(p.stat().st_mode & 0o777) for p in out.rglob("*") if p.is_file()} == {"0o644"}
    assert generators_main(["--design", str(ROOT / "design.yaml"), "--out", str(out)]) == 0
    again = capsys.readouterr().out.splitlines()
    assert len(again) == len(first) and all(
        line.startswith(f"generators: unchanged {out}/") for line in again
    )


def test_the_committed_generated_folder_holds_the_default_designs_platform_only() -> None:
    model = json.loads((ROOT / "generated" / "pipeline.json").read_text())
    assert model["rendered"] == {"github-actions": "github-actions/deploy.yml"}
    assert not (ROOT / "generated" / "gitlab-ci").exists()


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ci", "path", "message"),
    [
        ({"platform": "travis"}, "ci.platform",
         "'travis' is not allowed; expected 'github-actions', 'gitlab-ci', 'azure-devops', 'jenkins' or 'circleci'"),
        ({"platforms": ["jenkins", "bamboo"]}, "ci.platforms[1]",
         "'bamboo' is not allowed; expected 'github-actions', 'gitlab-ci', 'azure-devops', 'jenkins' or 'circleci'"),
        ({"platforms": ["jenkins", "circleci", "jenkins"]}, "ci.platforms[2]",
         "duplicate platform 'jenkins' (already ci.platforms[0]); list each once"),
        ({"platform": "gitlab-ci", "platforms": ["jenkins"]}, "ci.platform",
         "'gitlab-ci' is not among ci.platforms (jenkins); the primary platform must be one of them"),
        ({"platforms": ["gitlab-ci", "circleci"], "prod_approvals": 2}, "ci.prod_approvals",
         "2 approvals before prod cannot be expressed on circleci (at most 1); platforms that can: "
         "gitlab-ci (up to 5), azure-devops (up to 10)"),
        ({"prod_approvals": 3}, "ci.prod_approvals",
         "3 approvals before prod cannot be expressed on github-actions (at most 1); platforms that can: "
         "gitlab-ci (up to 5), azure-devops (up to 10)"),
    ],
)  # fmt: skip
def test_bad_ci_settings_are_one_error_naming_the_field(ci: dict[str, Any], path: str, message: str) -> None:
    with pytest.raises(SpecError) as exc:
        _edited(
            lambda d: (
                d["ci"].update(ci) if "platform" in ci else (d["ci"].pop("platform"), d["ci"].update(ci))
            )
        )
    assert (exc.value.path, exc.value.message) == (path, message)


def test_a_bad_platform_exits_2_with_one_line_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "design.yaml"
    data = yaml.safe_load((ROOT / "design.yaml").read_text(encoding="utf-8"))
    data["ci"]["platforms"] = ["circleci", "circleci"]
    bad.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    out = tmp_path / "generated"
    result = subprocess.run([sys.executable, "-m", "generators", "--design", str(bad), "--out", str(out)],
                            capture_output=True, text=True, cwd=ROOT, check=False)  # fmt: skip
    assert result.returncode == 2
    assert (
        result.stderr.startswith(f"error: {bad}:")
        and "ci.platforms[1]: duplicate platform 'circleci'" in result.stderr
    )
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert not out.exists()


def test_the_primary_platform_is_first_of_platforms_unless_named() -> None:
    design = _edited(lambda d: (d["ci"].pop("platform"), d["ci"].update(platforms=["jenkins", "circleci"])))
    model = pipeline_model(design)
    assert (model.platform, model.platforms, model.file) == (
        "jenkins",
        ("jenkins", "circleci"),
        "Jenkinsfile",
    )
    design = _edited(lambda d: d["ci"].update(platform="circleci", platforms=["jenkins", "circleci"]))
    assert pipeline_model(design).platforms == ("circleci", "jenkins")


def test_the_zoo_designs_load(tmp_path: Path) -> None:
    for platform, path in ZOO.items():
        assert load_design(path).ci.selected_platforms() == (platform,)


def test_the_readme_documents_every_pipeline_command_and_its_default() -> None:
    from designspec.delivery import CiSpec

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `ci\.(\w+_command)` \| `([^`]+)` \|", readme, re.M))
    fields = {name: field.default for name, field in CiSpec.model_fields.items() if name.endswith("_command")}
    assert rows == fields
