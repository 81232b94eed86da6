"""What the spec accepts deploys: the corpus of bad cases from issue 12 is rejected with one line each, the
accepted edge designs synthesize into templates cfn-lint passes, and the spec's checks agree with the stacks
(every physical name in a template is one designspec.naming lists; the subnet plan is CDK's)."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest

from designspec import SpecError, load_design
from designspec.naming import physical_names
from designspec.network import SUBNET_TIERS, subnet_plan
from designspec.regions import regions
from tests.conftest import ROOT, Synth, assert_one_line, cfn_lint_errors, synth_design

CORPUS = ROOT / "tests" / "spec_corpus"
BAD = sorted(CORPUS.glob("*.yaml"))
ACCEPTED = sorted((CORPUS / "accepted").glob("*.yaml"))


def expected_fragment(path: Path) -> str:
    header = path.read_text(encoding="utf-8").splitlines()[1]
    assert header.startswith("# expect: "), f"{path.name}: second line must be '# expect: <fragment>'"
    return header.removeprefix("# expect: ")


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_a_bad_case_is_rejected_with_its_one_line(path: Path) -> None:
    with pytest.raises(SpecError) as info:
        load_design(path)
    assert_one_line(str(info.value), str(path))
    assert expected_fragment(path) in str(info.value)


def test_the_corpus_covers_the_issue() -> None:
    assert len(BAD) >= 30
    assert {p.stem for p in ACCEPTED} == {"edges", "minimal"}


@pytest.mark.parametrize("path", ACCEPTED, ids=[p.stem for p in ACCEPTED])
def test_an_accepted_edge_design_loads(path: Path) -> None:
    assert load_design(path).aws_environments()


@pytest.fixture(scope="session")
def accepted_synths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Synth]:
    """One synth per accepted corpus design (every environment): edges ~20 s, minimal ~8 s."""
    return {p.stem: synth_design(p, tmp_path_factory.mktemp(f"corpus-{p.stem}")) for p in ACCEPTED}


@pytest.mark.synth
def test_accepted_edge_designs_pass_cfn_lint(accepted_synths: dict[str, Synth]) -> None:
    templates = sorted(
        t for s in accepted_synths.values() for t in s.outdir.glob("assembly-*/*.template.json")
    )
    assert len(templates) > 20
    assert cfn_lint_errors(templates) == []


@pytest.mark.synth
def test_the_edges_design_keeps_its_edges(accepted_synths: dict[str, Synth]) -> None:
    synth = accepted_synths["edges"]
    api = synth.templates("production-eu")["Service-api"]
    service = next(r for r in api["Resources"].values() if r["Type"] == "AWS::ECS::Service")
    assert service["Properties"]["DesiredCount"] == 5000
    rule = next(
        r for r in api["Resources"].values() if r["Type"] == "AWS::ElasticLoadBalancingV2::ListenerRule"
    )
    assert len(rule["Properties"]["Conditions"][0]["PathPatternConfig"]["Values"]) == 5
    vault = next(
        r["Properties"]["BackupVaultName"]
        for r in synth.templates("production-eu")["BackupCopy"]["Resources"].values()
        if r["Type"] == "AWS::Backup::BackupVault"
    )
    assert len(vault) == 50
    assert "Data" not in accepted_synths["minimal"].templates("prod")  # nothing to hold: no empty stack
    assert "Messaging" not in accepted_synths["minimal"].templates("prod")


# --- the spec's checks agree with what the stacks build ------------------------------------------

# Properties that give a resource its physical name: (resource type, path to the name).
NAME_PROPERTIES = {
    "AWS::CloudWatch::Alarm": ("AlarmName",),
    "AWS::CloudWatch::Dashboard": ("DashboardName",),
    "AWS::Logs::LogGroup": ("LogGroupName",),
    "AWS::Backup::BackupVault": ("BackupVaultName",),
    "AWS::Backup::BackupPlan": ("BackupPlan", "BackupPlanName"),
    "AWS::Budgets::Budget": ("Budget", "BudgetName"),
    "AWS::SecretsManager::Secret": ("Name",),
    "AWS::XRay::SamplingRule": ("SamplingRule", "RuleName"),
    "AWS::ECR::Repository": ("RepositoryName",),
}


def set_names(synth: Synth, env: str) -> set[str]:
    """Every literal physical name the environment's templates set, and its stack names."""
    manifest = json.loads((synth.outdir / f"assembly-{env}" / "manifest.json").read_text())
    names = {
        a["properties"]["stackName"]
        for a in manifest["artifacts"].values()
        if a["type"] == "aws:cloudformation:stack"
    }
    for template in synth.templates(env).values():
        for resource in template.get("Resources", {}).values():
            value: Any = resource.get("Properties", {})
            for key in NAME_PROPERTIES.get(resource["Type"], ("-",)):
                value = value.get(key) if isinstance(value, dict) else None
            if isinstance(value, str):
                names.add(value)
    return names


@pytest.mark.synth
def test_every_physical_name_of_the_default_design_is_one_naming_lists(default_synth: Synth) -> None:
    design = load_design(ROOT / "design.yaml")
    for env in design.aws_environments():
        listed = {name for _, name, _ in physical_names(design, env)}
        found = set_names(default_synth, env)
        assert len(found) > 50
        assert found - listed == set()


@pytest.mark.synth
def test_every_physical_name_of_the_edge_designs_is_one_naming_lists(
    accepted_synths: dict[str, Synth],
) -> None:
    for path in ACCEPTED:
        design = load_design(path)
        for env in design.aws_environments():
            listed = {name for _, name, _ in physical_names(design, env)}
            assert set_names(accepted_synths[path.stem], env) - listed == set()


@pytest.mark.synth
def test_the_subnet_plan_is_the_one_cdk_allocates(default_synth: Synth) -> None:
    design = load_design(ROOT / "design.yaml")
    for env_name, env in design.aws_environments().items():
        network = default_synth.templates(env_name)["Network"]["Resources"].values()
        carved = [r["Properties"]["CidrBlock"] for r in network if r["Type"] == "AWS::EC2::Subnet"]
        plan = subnet_plan(ipaddress.ip_network(env.vpc_cidr), len(env.availability_zones))
        assert plan is not None
        assert sorted(carved) == sorted(str(s) for s in plan)
        assert len(carved) == len(SUBNET_TIERS) * len(env.availability_zones)


def test_the_regions_file_agrees_with_cfn_lint() -> None:
    from cfnlint.helpers import AVAILABILITY_ZONES

    other_partitions = ("cn-", "us-gov-", "us-iso", "eu-isoe-", "eusc-")
    theirs = {r: tuple(z) for r, z in AVAILABILITY_ZONES.items() if not r.startswith(other_partitions)}
    assert regions() == theirs
