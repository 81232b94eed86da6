"""The assembly reader on committed cdk.out fixtures: stacks, resources, L2s, edges, acknowledgements."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from designspec import load_design
from docgen.assembly.model import Assembly, Edge, Resource, resource_key
from docgen.assembly.reader import read_assembly
from docgen.errors import AssemblyError
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "assemblies"
DEFAULT = FIXTURES / "default"
FOREST = FIXTURES / "forest"
DESIGN = load_design(ROOT / "design.yaml")
ENVS = sorted(DESIGN.aws_environments())
SHARED_STACKS = ("Network", "Data", "Messaging", "Platform", "Edge", "Observability", "Dashboards")
SYNTH = "run `make synth` (or `npx cdk synth`) first"
RESYNTH = "re-run `make synth` (or `npx cdk synth`)"


@pytest.fixture(scope="module")
def assembly() -> Assembly:
    return read_assembly(DEFAULT)


@pytest.fixture(scope="module")
def forest() -> Assembly:
    return read_assembly(FOREST)


# --- helpers that read the fixture's JSON directly, independently of the reader ----------------------


def raw_templates(env: str) -> dict[str, dict[str, Any]]:
    """Stack artifact id -> template of one environment's nested assembly, read straight from the files."""
    stage = DEFAULT / f"assembly-{env}"
    manifest = json.loads((stage / "manifest.json").read_text())
    return {
        artifact_id: json.loads((stage / artifact["properties"]["templateFile"]).read_text())
        for artifact_id, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    }


def tag(resource: dict[str, Any], key: str) -> str | None:
    return {t["Key"]: t["Value"] for t in resource["Properties"].get("Tags", [])}.get(key)


def one(assembly: Assembly, env: str, cfn_type: str, service: str | None = None) -> Resource:
    found = [r for r in assembly.of_type(cfn_type, env) if service is None or r.service == service]
    assert len(found) == 1, f"{cfn_type} of {service} in {env}: {[r.path for r in found]}"
    return found[0]


def targets(assembly: Assembly, source: Resource, kind: str, cfn_type: str) -> list[str]:
    """Keys of the resources of `cfn_type` that `source` points to with an edge of `kind`."""
    types = {resource_key(r): r.type for r in assembly.resources}
    return [
        e.target
        for e in assembly.edges
        if e.source == resource_key(source) and e.kind == kind and types.get(e.target) == cfn_type
    ]


def security_group_of(assembly: Assembly, resource: Resource) -> str:
    groups = targets(assembly, resource, "getatt", "AWS::EC2::SecurityGroup")
    assert len(groups) == 1, f"security groups of {resource.path}: {groups}"
    return groups[0]


def copy_of(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "cdk.out"
    shutil.copytree(src, dst)
    return dst


def read_error(cdk_out: Path) -> str:
    with pytest.raises(AssemblyError) as caught:
        read_assembly(cdk_out)
    message = str(caught.value)
    assert "\n" not in message
    return message


# --- stacks and resources ---------------------------------------------------------------------------


def test_each_environment_has_its_stacks(assembly: Assembly) -> None:
    assert assembly.environments == tuple(ENVS)
    for env in ENVS:
        expected = {f"{env}/{name}" for name in SHARED_STACKS} | {
            f"{env}/Service-{s.name}" for s in DESIGN.services
        }
        if env in DESIGN.observability.backup.cross_region_copy:
            expected.add(f"{env}/BackupCopy")  # the vault that receives cross-region backup copies
        if DESIGN.security.encryption == "customer-managed":
            expected.add(f"{env}/Keys")  # the customer-managed KMS keys every other stack uses
        assert {s.construct_path for s in assembly.stacks if s.environment == env} == expected


def test_stacks_carry_the_manifest_facts(assembly: Assembly) -> None:
    for env in ENVS:
        stacks = {s.artifact_id: s for s in assembly.stacks if s.environment == env}
        assert set(stacks) == set(raw_templates(env))
        for stack in stacks.values():
            if not stack.construct_path.endswith("/BackupCopy"):  # that one lives in the copy region
                assert (stack.account, stack.region) == (
                    DESIGN.environments[env].account,
                    DESIGN.environments[env].region,
                )
            assert stack.template_file == f"assembly-{env}/{stack.artifact_id}.template.json"
            assert stack.description == raw_templates(env)[stack.artifact_id].get("Description", "")
            assert set(stack.dependencies) <= set(stacks)
        network = next(s for s in stacks.values() if s.construct_path == f"{env}/Network")
        data = next(s for s in stacks.values() if s.construct_path == f"{env}/Data")
        assert network.artifact_id in data.dependencies


def test_resources_are_every_template_resource(assembly: Assembly) -> None:
    for env in ENVS:
        expected = {
            (stack, lid, res["Type"])
            for stack, t in raw_templates(env).items()
            for lid, res in t["Resources"].items()
        }
        assert {(r.stack, r.logical_id, r.type) for r in assembly.in_environment(env)} == expected


def test_ecs_services_have_the_task_sizes_of_the_templates(assembly: Assembly) -> None:
    for env in ENVS:
        expected = {}
        for template in raw_templates(env).values():
            resources = template["Resources"]
            for res in resources.values():
                if res["Type"] == "AWS::ECS::Service":
                    task = resources[res["Properties"]["TaskDefinition"]["Ref"]]["Properties"]
                    expected[tag(res, "Service")] = (task["Cpu"], task["Memory"])
        found = {}
        for service in assembly.of_type("AWS::ECS::Service", env):
            (task_key,) = targets(assembly, service, "ref", "AWS::ECS::TaskDefinition")
            task = next(r for r in assembly.resources if resource_key(r) == task_key)
            found[service.service] = (task.properties["Cpu"], task.properties["Memory"])
        assert found == expected
        assert set(found) == {s.name for s in DESIGN.services}


def test_every_resource_path_starts_with_its_environment(assembly: Assembly) -> None:
    assert assembly.resources
    for resource in assembly.resources:
        assert resource.path.startswith(f"{resource.environment}/"), resource


def test_paths_agree_with_the_templates_cdk_path(assembly: Assembly) -> None:
    # The reader maps logical ids with manifest metadata; CDK also writes aws:cdk:path into templates.
    for resource in assembly.resources:
        assert resource.path == resource.metadata["aws:cdk:path"]


def test_resources_are_sorted(assembly: Assembly) -> None:
    keys = [(r.environment, r.stack, r.logical_id) for r in assembly.resources]
    assert keys == sorted(keys)
    assert list(assembly.edges) == sorted(
        assembly.edges, key=lambda e: (e.source, e.target, e.kind, e.detail)
    )


def test_the_database_instance_belongs_to_the_database_instance_l2(assembly: Assembly) -> None:
    for env in ENVS:
        instance = one(assembly, env, "AWS::RDS::DBInstance")
        assert instance.l2_fqn == "aws-cdk-lib.aws_rds.DatabaseInstance"
        assert instance.l2_path is not None and instance.path.startswith(instance.l2_path + "/")


def test_ecs_services_belong_to_the_fargate_service_l2(assembly: Assembly) -> None:
    for service in assembly.of_type("AWS::ECS::Service"):
        assert service.l2_fqn == "aws-cdk-lib.aws_ecs.FargateService"


def test_tags_come_from_the_templates(assembly: Assembly) -> None:
    for env in ENVS:
        for stack, template in raw_templates(env).items():
            for lid, res in template["Resources"].items():
                resource = next(r for r in assembly.resources if (r.stack, r.logical_id) == (stack, lid))
                expected: dict[str, str] = {}
                for prop in ("Tags", "BackupVaultTags", "BackupPlanTags", "ResourceTags"):
                    raw = res.get("Properties", {}).get(prop)
                    if isinstance(raw, dict):  # Backup vaults and plans carry a map
                        expected |= raw
                    elif isinstance(raw, list):
                        expected |= {t["Key"]: t["Value"] for t in raw}
                assert dict(resource.tags) == expected


def test_cdk_version_is_the_tree_roots(assembly: Assembly) -> None:
    tree = json.loads((DEFAULT / "tree.json").read_text())
    assert assembly.cdk_version == tree["tree"]["constructInfo"]["version"]


# --- edges ------------------------------------------------------------------------------------------


def test_all_edge_kinds_are_found(assembly: Assembly) -> None:
    assert {e.kind for e in assembly.edges} == {"ref", "getatt", "import", "ingress", "event-source"}


def test_edges_join_resources_of_the_assembly(assembly: Assembly) -> None:
    keys = {resource_key(r) for r in assembly.resources}
    for edge in assembly.edges:
        assert edge.target in keys
        assert edge.source in keys or edge.source.startswith(("cidr:", "prefix-list:"))


def test_workloads_reach_the_database_and_cache_on_their_ports(assembly: Assembly) -> None:
    for env in ENVS:
        database_sg = security_group_of(assembly, one(assembly, env, "AWS::RDS::DBInstance"))
        cache_sg = security_group_of(assembly, one(assembly, env, "AWS::ElastiCache::ReplicationGroup"))
        for svc in DESIGN.services:
            task_sg = security_group_of(assembly, one(assembly, env, "AWS::ECS::Service", svc.name))
            assert (Edge(task_sg, database_sg, "ingress", "tcp 5432") in assembly.edges) == bool(
                svc.databases
            )
            assert (Edge(task_sg, cache_sg, "ingress", "tcp 6379") in assembly.edges) == bool(svc.caches)


def test_the_load_balancer_reaches_each_http_service_on_its_port(assembly: Assembly) -> None:
    for env in ENVS:
        alb_sg = security_group_of(assembly, one(assembly, env, "AWS::ElasticLoadBalancingV2::LoadBalancer"))
        for svc in DESIGN.http_services():
            service = one(assembly, env, "AWS::ECS::Service", svc.name)
            port = service.properties["LoadBalancers"][0]["ContainerPort"]
            assert port == svc.port
            assert (
                Edge(alb_sg, security_group_of(assembly, service), "ingress", f"tcp {port}") in assembly.edges
            )


def test_the_internal_load_balancer_accepts_https_from_cloudfront_only(assembly: Assembly) -> None:
    """Behind a CloudFront VPC origin the ALB's group admits CloudFront's origin-facing prefix list on 443 and
    no address range from the internet."""
    for env in ENVS:
        alb_sg = security_group_of(assembly, one(assembly, env, "AWS::ElasticLoadBalancingV2::LoadBalancer"))
        into = [e for e in assembly.edges if e.target == alb_sg and e.kind == "ingress"]
        assert any(e.source.startswith("prefix-list:") and e.detail == "tcp 443" for e in into), into
        assert not [e for e in into if e.source.startswith("cidr:")], into


def test_each_worker_queue_is_an_event_source_of_its_service(assembly: Assembly) -> None:
    for env in ENVS:
        found = {
            (e.source, e.target)
            for e in assembly.edges
            if e.kind == "event-source" and e.target.startswith(env)
        }
        expected = set()
        for worker in DESIGN.workers():
            queue = next(
                q
                for q in assembly.of_type("AWS::SQS::Queue", env)
                if q.service == worker.queue and "RedrivePolicy" in q.properties
            )
            expected.add(
                (resource_key(queue), resource_key(one(assembly, env, "AWS::ECS::Service", worker.name)))
            )
        assert found == expected
        details = {e.detail for e in assembly.edges if e.kind == "event-source" and e.target.startswith(env)}
        assert details == {"scaling, sqs:ReceiveMessage"}


def test_imports_resolve_to_the_exporting_resource(assembly: Assembly) -> None:
    expected = {}
    for env in ENVS:
        for stack, template in raw_templates(env).items():
            for output in template.get("Outputs", {}).values():
                value = output["Value"]
                logical_id = value["Ref"] if "Ref" in value else value["Fn::GetAtt"][0]
                expected[output["Export"]["Name"]] = f"{stack}/{logical_id}"
    assert dict(assembly.outputs_and_exports) == expected
    service = one(assembly, "prod", "AWS::ECS::Service", "backend")
    cluster = one(assembly, "prod", "AWS::ECS::Cluster")
    assert Edge(resource_key(service), resource_key(cluster), "import", "") in assembly.edges


def test_pseudo_parameters_and_template_parameters_make_no_edges(assembly: Assembly) -> None:
    assert not [e for e in assembly.edges if "AWS::" in e.target or "BootstrapVersion" in e.target]


# --- acknowledgements -------------------------------------------------------------------------------


def test_rds3_is_acknowledged_in_staging_only(assembly: Assembly) -> None:
    multi_az = {env: one(assembly, env, "AWS::RDS::DBInstance").properties["MultiAZ"] for env in ENVS}
    assert multi_az == {"prod": True, "staging": False}
    rds3 = [a for a in assembly.acknowledgements if a.rule == "AwsSolutions-RDS3"]
    assert {a.environment for a in rds3} == {"staging"}
    assert resource_key(one(assembly, "staging", "AWS::RDS::DBInstance")) in {a.resource for a in rds3}
    assert all(a.reason for a in assembly.acknowledgements)


def test_acknowledgements_match_the_templates_cdk_nag_metadata(assembly: Assembly) -> None:
    expected = set()
    for env in ENVS:
        for stack, template in raw_templates(env).items():
            for lid, res in template["Resources"].items():
                for rule in res.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
                    expected.add((rule["id"], rule["reason"], f"{stack}/{lid}", env))
    found = {(a.rule, a.reason, a.resource, a.environment) for a in assembly.acknowledgements}
    assert found == expected


# --- the forest layout ------------------------------------------------------------------------------


def test_a_forest_tree_reads_like_a_single_tree(forest: Assembly) -> None:
    by_id = {r.logical_id: r for r in forest.resources}
    # Stacks in no Stage are one environment (an app's environments are its Stages).
    assert {s.artifact_id: s.environment for s in forest.stacks} == {"Queues": "app", "Workers": "app"}
    assert by_id["JobsQueue5B1B4C2A"].l2_fqn == "aws-cdk-lib.aws_sqs.Queue"  # subtree in trees-1.json
    assert by_id["JobsUrlParameterA1C9D0E2"].l2_path == "Queues/JobsUrl"  # a forest file referring to another
    assert (
        by_id["ServiceTaskRole9E8D7C6B"].l2_fqn == "aws-cdk-lib.aws_iam.Role"
    )  # a plain tree file, no treeId
    assert by_id["ServiceService4B5C6D7E"].l2_fqn == "aws-cdk-lib.aws_ecs.FargateService"
    assert by_id["ServiceService4B5C6D7E"].path == "Workers/Service/Service/Service"
    assert forest.cdk_version == "2.275.0"


def test_tags_fall_back_to_the_tree_and_accept_maps(forest: Assembly) -> None:
    by_id = {r.logical_id: r for r in forest.resources}
    assert dict(by_id["JobsUrlParameterA1C9D0E2"].tags) == {"Service": "jobs"}  # SSM: a map in the template
    assert dict(by_id["JobsQueue5B1B4C2A"].tags) == {"Seq": "3", "Service": "jobs"}  # the template wins
    assert dict(by_id["ServiceTaskRole9E8D7C6B"].tags) == {"Owner": "platform-team", "Service": "worker"}
    assert dict(by_id["ServiceTask0D1E2F3A"].tags) == {}


def test_forest_edges_and_acknowledgements(forest: Assembly) -> None:
    assert set(forest.edges) >= {
        Edge(
            "Queues/JobsQueue5B1B4C2A", "Workers/ServiceService4B5C6D7E", "event-source", "sqs:ReceiveMessage"
        ),
        Edge("Workers/ServiceTaskRoleDefaultPolicy1A2B3C4D", "Queues/JobsQueue5B1B4C2A", "import", "Arn"),
        Edge("cidr:10.0.0.0/16", "Workers/ServiceSecurityGroup3F2A8B1C", "ingress", "tcp 8000-8100"),
        Edge("Workers/ServiceTask0D1E2F3A", "Workers/ServiceTaskRole9E8D7C6B", "getatt", "Arn"),
    }
    rules = {(a.rule, a.resource) for a in forest.acknowledgements}
    assert ("AwsSolutions-ECS4[Cluster::*]", "Workers/ServiceService4B5C6D7E") in rules
    assert {r for r, key in rules if key == "Workers/ServiceTask0D1E2F3A"} == {"AwsSolutions-ECS2"}
    assert not [key for _, key in rules if key.startswith("Queues/")]
    assert forest.stacks[1].dependencies == ("Queues",)  # the asset manifest is no stack


# --- determinism ------------------------------------------------------------------------------------


def test_reading_is_deterministic_and_location_free(assembly: Assembly, tmp_path: Path) -> None:
    moved = read_assembly(copy_of(DEFAULT, tmp_path))
    assert moved.root == str(tmp_path / "cdk.out")
    assert (moved.stacks, moved.resources, moved.edges, moved.acknowledgements) == (
        assembly.stacks,
        assembly.resources,
        assembly.edges,
        assembly.acknowledgements,
    )
    text = repr(
        (moved.stacks, moved.resources, moved.edges, moved.acknowledgements, moved.outputs_and_exports)
    )
    assert str(tmp_path) not in text and str(ROOT) not in text


def test_the_reader_imports_no_cdk() -> None:
    code = (
        "import docgen.assembly.reader, sys; "
        "assert not any(m.startswith(('aws_cdk','jsii','constructs','stacks','designspec')) "
        "for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


# --- errors -----------------------------------------------------------------------------------------


def test_missing_directory(tmp_path: Path) -> None:
    assert read_error(tmp_path / "cdk.out") == f"{tmp_path}/cdk.out not found: {SYNTH}"


def test_a_file_instead_of_a_directory(tmp_path: Path) -> None:
    (tmp_path / "cdk.out").write_text("{}")
    assert read_error(tmp_path / "cdk.out") == (
        f"{tmp_path}/cdk.out is not a directory: give the cdk.out directory that `cdk synth` wrote"
    )


def test_missing_manifest(tmp_path: Path) -> None:
    assert read_error(tmp_path) == f"{tmp_path}/manifest.json not found: {SYNTH}"


def test_truncated_manifest(tmp_path: Path) -> None:
    cdk_out = copy_of(FOREST, tmp_path)
    (cdk_out / "manifest.json").write_text('{"version": "55.0.0", "artifacts": {')
    assert read_error(cdk_out) == (
        f"{cdk_out}/manifest.json is not valid JSON (line 1 column 37: Expecting property name enclosed in "
        f"double quotes): the file is truncated or corrupt; {RESYNTH}"
    )


def test_empty_manifest(tmp_path: Path) -> None:
    cdk_out = copy_of(FOREST, tmp_path)
    (cdk_out / "manifest.json").write_text("")
    assert read_error(cdk_out) == f"{cdk_out}/manifest.json is empty: the synth was interrupted; {RESYNTH}"


def test_manifest_that_is_not_json(tmp_path: Path) -> None:
    cdk_out = copy_of(FOREST, tmp_path)
    (cdk_out / "manifest.json").write_text("{'version': 1}")
    assert read_error(cdk_out) == (
        f"{cdk_out}/manifest.json is not valid JSON (line 1 column 2: Expecting property name enclosed in "
        f"double quotes): the file is truncated or corrupt; {RESYNTH}"
    )


def test_manifest_without_artifacts(tmp_path: Path) -> None:
    cdk_out = copy_of(FOREST, tmp_path)
    (cdk_out / "manifest.json").write_text('{"version": "55.0.0"}')
    assert (
        read_error(cdk_out)
        == f"{cdk_out}/manifest.json: unexpected shape: `artifacts` key missing; {RESYNTH}"
    )


def test_manifest_without_a_tree_artifact(tmp_path: Path) -> None:
    cdk_out = copy_of(FOREST, tmp_path)
    manifest = json.loads((cdk_out / "manifest.json").read_text())
    del manifest["artifacts"]["Tree"]
    (cdk_out / "manifest.json").write_text(json.dumps(manifest))
    assert read_error(cdk_out) == (
        f"{cdk_out}/manifest.json has no `cdk:tree` artifact: docgen needs tree.json; "
        "re-synthesize without disabling tree metadata (App(tree_metadata=True) is the default)"
    )


def test_missing_tree(tmp_path: Path) -> None:
    cdk_out = copy_of(FOREST, tmp_path)
    (cdk_out / "tree.json").unlink()
    assert (
        read_error(cdk_out) == f"{cdk_out}/tree.json not found (named by the `cdk:tree` artifact): {RESYNTH}"
    )


def test_truncated_tree(tmp_path: Path) -> None:
    cdk_out = copy_of(FOREST, tmp_path)
    (cdk_out / "tree.json").write_text('{"version": "tree-0.1", "tree": {"id": "App"')
    assert read_error(cdk_out) == (
        f"{cdk_out}/tree.json is not valid JSON (line 1 column 45: Expecting ',' delimiter): "
        f"the file is truncated or corrupt; {RESYNTH}"
    )


def test_tree_without_its_tree_key(tmp_path: Path) -> None:
    cdk_out = copy_of(FOREST, tmp_path)
    (cdk_out / "tree.json").write_text('{"version": "tree-0.1"}')
    assert read_error(cdk_out) == (
        f"{cdk_out}/tree.json: unexpected shape: `tree` key missing (expected a CDK v2 tree file, "
        f"version tree-0.1); {RESYNTH}"
    )


def test_tree_whose_children_are_not_a_mapping(tmp_path: Path) -> None:
    cdk_out = copy_of(FOREST, tmp_path)
    tree = json.loads((cdk_out / "tree.json").read_text())
    tree["tree"]["children"]["Workers"]["children"] = [{"id": "Service"}]
    (cdk_out / "tree.json").write_text(json.dumps(tree))
    assert read_error(cdk_out) == (
        f"{cdk_out}/tree.json: unexpected shape: node `Workers` has `children` that is not a mapping; "
        f"{RESYNTH}"
    )


def test_tree_node_without_a_path(tmp_path: Path) -> None:
    cdk_out = copy_of(FOREST, tmp_path)
    tree = json.loads((cdk_out / "tree.json").read_text())
    del tree["tree"]["children"]["Tree"]["path"]
    (cdk_out / "tree.json").write_text(json.dumps(tree))
    assert read_error(cdk_out) == (
        f"{cdk_out}/tree.json: unexpected shape: child `Tree` of the root node has no `path` string; "
        f"{RESYNTH}"
    )


def test_missing_forest_file(tmp_path: Path) -> None:
    cdk_out = copy_of(FOREST, tmp_path)
    (cdk_out / "trees-2.json").unlink()
    assert read_error(cdk_out) == (
        f"{cdk_out}/trees-2.json not found (referenced by node `Queues/JobsUrl` in {cdk_out}/trees-1.json): "
        f"{RESYNTH}"
    )


def test_forest_file_without_the_referenced_tree(tmp_path: Path) -> None:
    cdk_out = copy_of(FOREST, tmp_path)
    (cdk_out / "trees-2.json").write_text('{"version": "forest-0.1", "forest": {}}')
    assert read_error(cdk_out) == (
        f"{cdk_out}/trees-2.json: unexpected shape: tree `t0` (for node `Queues/JobsUrl`) is not in "
        f"`forest`; {RESYNTH}"
    )


def test_missing_template_of_a_staged_stack(tmp_path: Path) -> None:
    cdk_out = copy_of(DEFAULT, tmp_path)
    stack = next(s for s in read_assembly(DEFAULT).stacks if s.construct_path == "prod/Data")
    (cdk_out / stack.template_file).unlink()
    assert read_error(cdk_out) == (
        f"{cdk_out}/{stack.template_file} not found (templateFile of stack `{stack.artifact_id}` in "
        f"{cdk_out}/assembly-prod/manifest.json): {RESYNTH}"
    )


def test_truncated_template(tmp_path: Path) -> None:
    cdk_out = copy_of(FOREST, tmp_path)
    (cdk_out / "Workers.template.json").write_text('{\n "Resources": {\n  "Service')
    assert read_error(cdk_out) == (
        f"{cdk_out}/Workers.template.json is not valid JSON (line 3 column 3: Unterminated string starting "
        f"at): the file is truncated or corrupt; {RESYNTH}"
    )


def test_missing_nested_assembly_manifest(tmp_path: Path) -> None:
    cdk_out = copy_of(DEFAULT, tmp_path)
    (cdk_out / "assembly-staging" / "manifest.json").unlink()
    assert read_error(cdk_out) == (
        f"{cdk_out}/assembly-staging/manifest.json not found (nested assembly `assembly-staging` of "
        f"{cdk_out}/manifest.json): {RESYNTH}"
    )


def test_a_resource_without_a_type_is_an_error_naming_the_template(tmp_path: Path) -> None:
    """A template whose resource lost its Type is refused: documenting it without the resource would hide it."""
    import shutil

    copy = tmp_path / "cdk.out"
    shutil.copytree(DEFAULT, copy)
    template = next(copy.glob("assembly-prod/*Data*.template.json"))
    data = json.loads(template.read_text())
    logical_id = next(k for k, v in data["Resources"].items() if v["Type"] == "AWS::RDS::DBInstance")
    del data["Resources"][logical_id]["Type"]
    template.write_text(json.dumps(data))
    with pytest.raises(AssemblyError) as err:
        read_assembly(copy)
    assert f"resource `{logical_id}` has no `Type`" in str(err.value) and template.name in str(err.value)


# --- stages and nested stacks of other CDK apps (tests/corpus) ---------------------------------------------

CORPUS = Path(__file__).resolve().parent / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())


@pytest.mark.parametrize("app", sorted(EXPECTED["apps"]) if "apps" in EXPECTED else sorted(EXPECTED))
def test_every_resource_of_every_template_is_read_nested_stacks_included(app: str) -> None:
    expected = EXPECTED["apps"][app] if "apps" in EXPECTED else EXPECTED[app]
    assembly = read_assembly(CORPUS / app / "cdk.out")
    counts: dict[str, int] = {}
    for r in assembly.resources:
        counts[r.type] = counts.get(r.type, 0) + 1
    assert counts == expected["resources_by_type"]
    assert {s.template_file.rsplit("/", 1)[-1] for s in assembly.stacks} == {
        s["template"].rsplit("/", 1)[-1] for s in expected["stacks"]
    }


def test_environments_are_stages_and_an_app_without_stages_is_one() -> None:
    nested = read_assembly(CORPUS / "nested-stages" / "cdk.out")
    assert nested.environments == ("platform", "platform/eu", "platform/us")
    tables = {s.construct_path: s for s in nested.stacks}["platform/eu/Orders/Tables"]
    assert tables.environment == "platform/eu" and tables.parent.startswith("platformeuOrders")
    assert read_assembly(CORPUS / "cross-stack-vpc" / "cdk.out").environments == ("app",)
