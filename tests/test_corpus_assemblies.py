"""The committed corpus assemblies (tests/corpus) are well-formed, offline, small, and match expected.json.

Reads the JSON files directly, independently of docgen and of tests/corpus/inventory.py (which wrote
expected.json), so a stale or hand-edited expected.json, a missing nested template or a broken manifest fails.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

CORPUS = ROOT / "tests" / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))["apps"]
APPS = sorted(p.parent.name for p in CORPUS.glob("*/app.py"))
MAX_KB = 300


def read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def manifests(directory: Path, stage: str | None = None) -> list[tuple[Path, str | None, dict[str, Any]]]:
    """(directory, stage display name, manifest) of the assembly and of every nested (stage) assembly."""
    manifest = read(directory / "manifest.json")
    found = [(directory, stage, manifest)]
    for artifact in manifest["artifacts"].values():
        if artifact["type"] == "cdk:cloud-assembly":
            props = artifact["properties"]
            found += manifests(directory / props["directoryName"], props["displayName"])
    return found


def templates(app: str) -> dict[str, dict[str, Any]]:
    """Relative path -> template, for every stack template the manifests name and every nested one."""
    root = CORPUS / app / "cdk.out"
    todo = [
        directory / artifact["properties"]["templateFile"]
        for directory, _, manifest in manifests(root)
        for artifact in manifest["artifacts"].values()
        if artifact["type"] == "aws:cloudformation:stack"
    ]
    found: dict[str, dict[str, Any]] = {}
    while todo:
        path = todo.pop()
        template = found[path.relative_to(root).as_posix()] = read(path)
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::CloudFormation::Stack":
                todo.append(path.parent / resource["Metadata"]["aws:asset:path"])
    return found


def test_every_app_folder_is_in_expected_json() -> None:
    assert len(APPS) >= 10
    assert sorted(EXPECTED) == APPS


@pytest.mark.parametrize("app", APPS)
def test_manifest_files_exist_and_nothing_needs_a_lookup(app: str) -> None:
    assert (CORPUS / app / "cdk.json").is_file()
    for directory, _, manifest in manifests(CORPUS / app / "cdk.out"):
        assert "missing" not in manifest, f"{directory}: synthesized with unresolved context lookups"
        for artifact_id, artifact in manifest["artifacts"].items():
            props = artifact.get("properties", {})
            for key in ("templateFile", "file"):
                if key in props:
                    assert (directory / props[key]).is_file(), f"{artifact_id}: {props[key]} missing"
            if "additionalMetadataFile" in artifact:
                assert (directory / artifact["additionalMetadataFile"]).is_file()


@pytest.mark.parametrize("app", APPS)
def test_nested_templates_resolve_through_metadata_and_asset_manifest(app: str) -> None:
    root = CORPUS / app / "cdk.out"
    assets: dict[str, str] = {}  # asset hash -> source path, from the kept asset manifests
    for directory, _, manifest in manifests(root):
        for artifact in manifest["artifacts"].values():
            if artifact["type"] == "cdk:asset-manifest":
                files = read(directory / artifact["properties"]["file"])["files"]
                assets |= {key: entry["source"]["path"] for key, entry in files.items()}
    for template in templates(app).values():
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] != "AWS::CloudFormation::Stack":
                continue
            url = json.dumps(resource["Properties"]["TemplateURL"])
            asset_hash = re.search(r"/([0-9a-f]{64})\.json", url)
            assert asset_hash, f"{logical_id}: no asset hash in TemplateURL {url}"
            assert assets.get(asset_hash.group(1)) == resource["Metadata"]["aws:asset:path"], logical_id


@pytest.mark.parametrize("app", APPS)
def test_no_unreachable_template_and_assembly_is_small(app: str) -> None:
    root = CORPUS / app / "cdk.out"
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*.template.json")}
    assert on_disk == set(templates(app))
    size_kb = sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1024
    assert size_kb < MAX_KB, f"{app}: pruned assembly is {size_kb:.0f} KB"


@pytest.mark.parametrize("app", APPS)
def test_expected_json_matches_the_templates(app: str) -> None:
    found = templates(app)
    expected = EXPECTED[app]
    assert {s["template"] for s in expected["stacks"]} == set(found)
    total: Counter[str] = Counter()
    for stack in expected["stacks"]:
        by_type = Counter(r["Type"] for r in found[stack["template"]]["Resources"].values())
        assert stack["by_type"] == dict(by_type), stack["template"]
        assert stack["resources"] == by_type.total()
        total.update(by_type)
        if stack["parent"]:
            parent = found[stack["parent"]["template"]]["Resources"][stack["parent"]["logical_id"]]
            assert Path(stack["template"]).name == parent["Metadata"]["aws:asset:path"]
    assert expected["resources_by_type"] == dict(total)
    assert expected["resources"] == total.total()


def test_expected_stages_and_environments_match_the_manifests() -> None:
    for app in APPS:
        stages: dict[str | None, set[str]] = {}
        for _, stage, manifest in manifests(CORPUS / app / "cdk.out"):
            for artifact in manifest["artifacts"].values():
                if artifact["type"] == "aws:cloudformation:stack":
                    stages.setdefault(stage, set()).add(artifact["environment"])
        assert {s["name"]: set(s["environments"]) for s in EXPECTED[app]["stages"]} == stages, app


def test_corpus_covers_the_cases_issue_14_lists() -> None:
    """Without these, docgen's hardening would not be exercised: keep them when the apps change."""
    every = {app: json.dumps(templates(app)) for app in APPS}
    stages = [s for app in APPS for s in EXPECTED[app]["stages"]]
    nested = [s for app in APPS for s in EXPECTED[app]["stacks"] if s["parent"]]
    assert any("unknown-region" in env for s in stages for env in s["environments"])
    assert any("unknown-region" not in env for s in stages for env in s["environments"])
    assert sum(1 for s in stages if s["name"]) >= 2
    assert any("/" in (s["name"] or "") for s in stages), "a stage nested in a stage"
    assert any(re.search(r"^aws://\d{12}/unknown-region$", e) for s in stages for e in s["environments"])
    assert any(n["parent"]["template"].endswith(".nested.template.json") for n in nested), "two levels"
    assert any('"Fn::GetAZs": ""' in text for text in every.values())
    assert any(re.search(r'"CidrIp": \{"Fn::GetAtt": \["\w+", "CidrBlock"\]\}', t) for t in every.values())
    assert any('"Fn::ImportValue"' in text for text in every.values())
    assert any('"vpc-0a1b2c3d4e5f67890"' in text for text in every.values()), "an imported VPC"
    types = Counter(t for app in APPS for t in EXPECTED[app]["resources_by_type"])
    for cfn_type in (
        "AWS::Lambda::EventSourceMapping",
        "AWS::ApiGatewayV2::Authorizer",
        "AWS::WAFv2::WebACLAssociation",
        "AWS::Backup::BackupSelection",
        "AWS::StepFunctions::StateMachine",
        "AWS::AutoScaling::AutoScalingGroup",
        "AWS::ServiceDiscovery::HttpNamespace",
    ):
        assert types[cfn_type], cfn_type
