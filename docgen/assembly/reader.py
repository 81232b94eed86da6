"""Reads a synthesized cloud assembly (cdk.out) into the docgen model, from the JSON files CDK wrote alone."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from docgen.assembly.edges import find_edges
from docgen.assembly.json_files import RESYNTH, SYNTH, load_json, mapping, shape_error
from docgen.assembly.model import (
    LEAVES,
    TAG_PROPERTIES,
    Acknowledgement,
    Assembly,
    Resource,
    StackInfo,
    resource_key,
)
from docgen.assembly.refs import References, StackTemplate, export_index, resolve_exports
from docgen.assembly.tree import TreeNode, TreeReader, tree_file
from docgen.errors import AssemblyError

__all__ = ["read_assembly"]

STACK_ARTIFACT = "aws:cloudformation:stack"
NESTED_ASSEMBLY = "cdk:cloud-assembly"
CDK_METADATA = "AWS::CDK::Metadata"
NESTED_STACK = "AWS::CloudFormation::Stack"
# ".../Discovery.NestedStack/Discovery.NestedStackResource" is the resource of the nested stack ".../Discovery"
NESTED_RESOURCE = re.compile(r"\.NestedStack/[^/]+\.NestedStackResource$")
APP_ENVIRONMENT = "app"  # the one environment of an app whose stacks are in no Stage
# aws-cdk-lib < 2.262.1 wrote 'annotation::', later versions 'Annotation::' (cdk-nag strips either).
ANNOTATION_PREFIX = re.compile(r"^annotation::", re.IGNORECASE)


def read_assembly(cdk_out: Path) -> Assembly:
    """Read every stack of the cloud assembly at `cdk_out`; raise AssemblyError (one line) when it cannot."""
    root = Path(cdk_out)
    if root.exists() and not root.is_dir():
        raise AssemblyError(f"{root} is not a directory: give the cdk.out directory that `cdk synth` wrote")
    if not root.is_dir():
        raise AssemblyError(f"{root} not found: {SYNTH}")
    manifest_path = root / "manifest.json"
    if not manifest_path.is_file():
        raise AssemblyError(f"{manifest_path} not found: {SYNTH}")
    manifest = _manifest(manifest_path)
    tree = TreeReader(root).read(tree_file(manifest, manifest_path))
    stacks = sorted(
        _stacks(root, root, manifest, manifest_path, stage=None),
        key=lambda s: (s.info.environment, s.info.artifact_id),
    )
    resources = _labelled([r for s in stacks for r in _resources(s, tree.nodes)], stacks)
    templates = [StackTemplate(s.info, s.template.get("Outputs") or {}) for s in stacks]
    exports = export_index(templates, {resource_key(r) for r in resources})
    refs = References(resources, [s.info for s in stacks], exports)
    return Assembly(
        root=str(cdk_out),
        cdk_version=tree.version or str(manifest.get("version", "")),
        stacks=tuple(s.info for s in stacks),
        resources=tuple(resources),
        edges=find_edges(resources, refs),
        acknowledgements=_acknowledgements(stacks, resources),
        outputs_and_exports=resolve_exports(exports),
        references=refs,
        reports=_reports(root),
    )


REPORTS = ("validation-report.json", "security-scan.json")


def _reports(root: Path) -> dict[str, Any]:
    """The optional reports beside the manifest; one that is not valid JSON is an error naming the file."""
    out = {}
    for name in REPORTS:
        path = root / name
        if path.is_file():
            out[name] = mapping(load_json(path, ""), path, "a report")
    return out


def _manifest(path: Path) -> dict[str, Any]:
    manifest = mapping(load_json(path, f": {SYNTH}"), path, "the manifest")
    if "artifacts" not in manifest:
        raise shape_error(path, "`artifacts` key missing")
    artifacts = mapping(manifest["artifacts"], path, "`artifacts`")
    for artifact_id, artifact in artifacts.items():
        mapping(artifact, path, f"artifact `{artifact_id}`")
    return manifest


# --- stacks ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stack:
    info: StackInfo
    template: Mapping[str, Any]
    paths: Mapping[str, str]  # logical id -> construct path (no leading slash)
    acknowledged: tuple[tuple[str, str, str], ...]  # (construct path, rule, reason) from construct metadata


def _stacks(
    root: Path, directory: Path, manifest: Mapping[str, Any], manifest_path: Path, stage: str | None
) -> Iterator[_Stack]:
    """Every stack artifact of this manifest and, recursively, of the nested assemblies (one per Stage, a
    Stage inside a Stage too), with the nested stacks of each. A stack's environment is its Stage's path
    ("prod", "platform/eu"); the stacks of an app without Stages are one environment, APP_ENVIRONMENT."""
    artifacts: Mapping[str, Any] = manifest["artifacts"]
    stack_ids = {aid for aid, a in artifacts.items() if a.get("type") == STACK_ARTIFACT}
    for artifact_id in sorted(artifacts):
        artifact = artifacts[artifact_id]
        if artifact.get("type") == STACK_ARTIFACT:
            yield from _stack(root, directory, artifact_id, artifact, stack_ids, manifest_path, stage)
        elif artifact.get("type") == NESTED_ASSEMBLY:
            name = (artifact.get("properties") or {}).get("directoryName")
            if not isinstance(name, str):
                raise shape_error(
                    manifest_path, f"artifact `{artifact_id}` has no `properties.directoryName`"
                )
            nested_path = directory / name / "manifest.json"
            nested = _manifest_at(nested_path, artifact_id, manifest_path)
            display = (artifact.get("properties") or {}).get("displayName") or artifact.get("displayName")
            inner = str(display or artifact_id.removeprefix("assembly-"))
            yield from _stacks(root, directory / name, nested, nested_path, stage=inner)


def _manifest_at(path: Path, artifact_id: str, parent: Path) -> dict[str, Any]:
    if not path.is_file():
        raise AssemblyError(f"{path} not found (nested assembly `{artifact_id}` of {parent}): {RESYNTH}")
    return _manifest(path)


def _stack(
    root: Path,
    directory: Path,
    artifact_id: str,
    artifact: Mapping[str, Any],
    stack_ids: set[str],
    manifest_path: Path,
    stage: str | None,
) -> Iterator[_Stack]:
    props = artifact.get("properties") or {}
    template_name = props.get("templateFile")
    if not isinstance(template_name, str):
        raise shape_error(manifest_path, f"stack `{artifact_id}` has no `properties.templateFile`")
    template_path = directory / template_name
    missing = f" (templateFile of stack `{artifact_id}` in {manifest_path}): {RESYNTH}"
    template = mapping(load_json(template_path, missing), template_path, "the template")
    _check_types(template, template_path)
    metadata = _metadata(directory, artifact_id, artifact, manifest_path)
    # "prod/Network", or "prod/Network (acme-prod-Network)" when the stack name differs from the path
    construct_path = re.sub(r" \(.*\)$", "", str(artifact.get("displayName") or artifact_id))
    account, region = _account_region(str(artifact.get("environment", "")))
    info = StackInfo(
        artifact_id=artifact_id,
        stack_name=str(props.get("stackName") or artifact_id),
        environment=stage or APP_ENVIRONMENT,
        construct_path=construct_path,
        template_file=PurePosixPath(*template_path.relative_to(root).parts).as_posix(),
        account=account,
        region=region,
        description=str(template.get("Description", "")),
        dependencies=tuple(sorted(d for d in artifact.get("dependencies") or () if d in stack_ids)),
        metadata=dict(template.get("Metadata") or {}),
        manifest_file=PurePosixPath(*manifest_path.relative_to(root).parts).as_posix(),
        manifest_artifact=artifact_id,
    )
    entries = _logical_entries(metadata)
    acknowledged = _acknowledged(metadata)
    top = _Stack(info, template, _own_paths(entries, "", _nested_prefixes(template, entries)), acknowledged)
    yield top
    yield from _nested_stacks(root, top, entries, acknowledged)


def _check_types(template: Mapping[str, Any], template_path: Path) -> None:
    for logical_id, body in mapping(template.get("Resources", {}), template_path, "`Resources`").items():
        mapping(body, template_path, f"resource `{logical_id}`")
        if not isinstance(body.get("Type"), str) or not body["Type"]:
            # CloudFormation rejects such a template; documenting it without the resource would hide it.
            raise shape_error(template_path, f"resource `{logical_id}` has no `Type`")


def _nested_resources(template: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(logical id, construct path of the nested stack, its template asset) of each nested stack resource."""
    out = []
    for logical_id, body in sorted((template.get("Resources") or {}).items()):
        meta = body.get("Metadata") or {}
        asset = meta.get("aws:asset:path")
        if body.get("Type") == NESTED_STACK and isinstance(asset, str):
            path = str(meta.get("aws:cdk:path") or "")
            out.append((logical_id, NESTED_RESOURCE.sub("", path), asset))
    return out


def _nested_prefixes(template: Mapping[str, Any], entries: list[tuple[str, str]]) -> list[str]:
    return [prefix for _, prefix, _ in _nested_resources(template) if prefix]


def _own_paths(entries: list[tuple[str, str]], prefix: str, nested: list[str]) -> dict[str, str]:
    """Logical id -> construct path of the constructs under `prefix` that no nested stack inside holds."""
    return {
        logical_id: path
        for path, logical_id in entries
        if (not prefix or path.startswith(prefix + "/")) and not any(path.startswith(n + "/") for n in nested)
    }


def _nested_stacks(
    root: Path, parent: _Stack, entries: list[tuple[str, str]], acknowledged: tuple[tuple[str, str, str], ...]
) -> Iterator[_Stack]:
    """The nested stacks (AWS::CloudFormation::Stack with a template asset) of `parent`, recursively: each is
    read like a stack of its own, in its parent's environment, account and region."""
    folder = (root / parent.info.template_file).parent
    for logical_id, prefix, asset in _nested_resources(parent.template):
        path = folder / asset
        missing = f" (nested stack `{logical_id}` of {parent.info.template_file}): {RESYNTH}"
        template = mapping(load_json(path, missing), path, "the nested template")
        _check_types(template, path)
        info = replace(
            parent.info,
            artifact_id=f"{parent.info.artifact_id}.{logical_id}",
            stack_name=f"{parent.info.stack_name} / {prefix.rsplit('/', 1)[-1] or logical_id}",
            construct_path=prefix or f"{parent.info.construct_path}/{logical_id}",
            template_file=PurePosixPath(*path.relative_to(root).parts).as_posix(),
            description=str(template.get("Description", "")),
            dependencies=(parent.info.artifact_id,),
            metadata=dict(template.get("Metadata") or {}),
            parent=parent.info.artifact_id,
        )
        child = _Stack(
            info, template, _own_paths(entries, prefix, _nested_prefixes(template, entries)), acknowledged
        )
        yield child
        yield from _nested_stacks(root, child, entries, acknowledged)


def _metadata(
    directory: Path, artifact_id: str, artifact: Mapping[str, Any], manifest_path: Path
) -> dict[str, list[Any]]:
    """Construct path -> metadata entries: inline in the manifest (older CDK) or in `<id>.metadata.json`."""
    merged: dict[str, list[Any]] = {}
    sources = [(manifest_path, artifact.get("metadata") or {})]
    extra = artifact.get("additionalMetadataFile")
    if isinstance(extra, str):
        path = directory / extra
        missing = f" (additionalMetadataFile of stack `{artifact_id}` in {manifest_path}): {RESYNTH}"
        sources.append((path, load_json(path, missing)))
    for path, entries in sources:
        for construct_path, items in mapping(entries, path, f"the metadata of stack `{artifact_id}`").items():
            if not isinstance(items, list):
                raise shape_error(path, f"metadata of `{construct_path}` is not a list")
            merged.setdefault(construct_path, []).extend(i for i in items if isinstance(i, dict))
    return merged


def _logical_entries(metadata: Mapping[str, list[Any]]) -> list[tuple[str, str]]:
    """(construct path, logical id) of every resource the stack's metadata names (nested stacks' too)."""
    return [
        (construct_path.lstrip("/"), str(entry["data"]))
        for construct_path, entries in metadata.items()
        for entry in entries
        if entry.get("type") == "aws:cdk:logicalId"
    ]


def _acknowledged(metadata: Mapping[str, list[Any]]) -> tuple[tuple[str, str, str], ...]:
    found = set()
    for construct_path, entries in metadata.items():
        for entry in entries:
            if entry.get("type") == "aws:cdk:acknowledged-rules" and isinstance(entry.get("data"), dict):
                for rule, reason in entry["data"].items():
                    found.add((construct_path.lstrip("/"), ANNOTATION_PREFIX.sub("", rule), str(reason)))
    return tuple(sorted(found))


def _account_region(environment: str) -> tuple[str, str]:
    """'aws://123456789012/us-east-1' -> (account, region); env-agnostic stacks say unknown-account."""
    account, _, region = environment.removeprefix("aws://").partition("/")
    return account, region


# --- resources -------------------------------------------------------------------------------------


def _resources(stack: _Stack, tree: Mapping[str, TreeNode]) -> Iterator[Resource]:
    for logical_id in sorted(stack.template.get("Resources", {})):
        body = stack.template["Resources"][logical_id]
        path = _resource_path(stack, logical_id, body)
        node = tree.get(path)
        properties = body.get("Properties") or {}
        tags = _template_tags(properties) or _tags(node.props.get("tags") if node else None)
        yield Resource(
            logical_id=logical_id,
            type=str(body.get("Type", "")),
            path=path,
            stack=stack.info.artifact_id,
            environment=stack.info.environment,
            properties=properties,
            metadata=body.get("Metadata") or {},
            l2_fqn=node.l2_fqn if node else None,
            l2_path=node.l2_path if node else None,
            tags=tags,
            template=stack.info.template_file,
        )


def _resource_path(stack: _Stack, logical_id: str, body: Mapping[str, Any]) -> str:
    """The manifest's logical-id map is authoritative; resources added by raw overrides are not in it."""
    if logical_id in stack.paths:
        return stack.paths[logical_id]
    cdk_path = (body.get("Metadata") or {}).get("aws:cdk:path")
    return cdk_path if isinstance(cdk_path, str) else f"{stack.info.construct_path}/{logical_id}"


def _labelled(resources: list[Resource], stacks: list[_Stack]) -> list[Resource]:
    """Each resource with `label`: the shortest end of its construct path inside its stack that no other resource
    of the same type and environment shares (`catalogService/Service`, not `Service` twice)."""
    prefixes = {s.info.artifact_id: s.info.construct_path for s in stacks}
    parts = {}
    for r in resources:
        inside = (
            r.path.removeprefix(prefixes.get(r.stack, "") + "/")
            if r.path.startswith(prefixes.get(r.stack, "") + "/")
            else r.path
        )
        parts[id(r)] = [p for p in inside.split("/") if p not in LEAVES] or [r.logical_id]
    groups: dict[tuple[str, str], list[Resource]] = {}
    for r in resources:
        groups.setdefault((r.environment, r.type), []).append(r)
    out = []
    for r in resources:
        mine = parts[id(r)]
        peers = [parts[id(o)] for o in groups[(r.environment, r.type)] if o is not r]
        n = 1
        while n < len(mine) and any(p[-n:] == mine[-n:] for p in peers):
            n += 1
        out.append(replace(r, label="/".join(mine[-n:])))
    return out


def _template_tags(properties: Mapping[str, Any]) -> dict[str, str]:
    """Tags from every tag-carrying property of the template (Tags, BackupVaultTags, ResourceTags, ...)."""
    merged: dict[str, str] = {}
    for name in TAG_PROPERTIES:
        if name in properties:
            merged.update(_tags(properties[name]))
    return dict(sorted(merged.items()))


def _tags(raw: Any) -> dict[str, str]:
    """Tags as a list of {Key, Value} (most types, any key case) or a plain map (e.g. AWS::SSM::Parameter)."""
    if isinstance(raw, dict):
        return {str(k): _text(v) for k, v in sorted(raw.items())}
    tags: dict[str, str] = {}
    for item in raw if isinstance(raw, list) else ():
        if isinstance(item, dict):
            key = item.get("Key", item.get("key"))
            if key is not None:
                tags[_text(key)] = _text(item.get("Value", item.get("value", "")))
    return dict(sorted(tags.items()))


def _text(value: Any) -> str:
    # A tag value can be an intrinsic function (a token); keep it readable and stable.
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


# --- acknowledgements ------------------------------------------------------------------------------


def _acknowledgements(stacks: list[_Stack], resources: list[Resource]) -> tuple[Acknowledgement, ...]:
    """cdk-nag acknowledgements, from template `Metadata.cdk_nag` and from construct metadata."""
    by_stack: dict[str, list[Resource]] = {}
    for resource in resources:
        by_stack.setdefault(resource.stack, []).append(resource)
    found: set[Acknowledgement] = set()
    for resource in resources:
        found.update(_template_acks(resource))
    for stack in stacks:
        found.update(_construct_acks(stack, by_stack.get(stack.info.artifact_id, [])))
    return tuple(sorted(found, key=lambda a: (a.environment, a.resource, a.rule, a.reason)))


def _construct_acks(stack: _Stack, resources: list[Resource]) -> Iterator[Acknowledgement]:
    """An acknowledgement on a construct covers every resource under it, as cdk-nag applies it (and as its
    `writeSuppressionsToCloudFormation` aspect copies it into each resource's Metadata)."""
    for scope, rule, reason in stack.acknowledged:
        for resource in resources:
            # CDKMetadata is added after cdk-nag has run: never checked, so never acknowledged.
            if resource.type != CDK_METADATA and (
                resource.path == scope or resource.path.startswith(scope + "/")
            ):
                yield Acknowledgement(rule, reason, resource_key(resource), resource.environment)


def _template_acks(resource: Resource) -> Iterator[Acknowledgement]:
    nag = resource.metadata.get("cdk_nag")
    rules = nag.get("rules_to_suppress") if isinstance(nag, dict) else None
    for rule in rules if isinstance(rules, list) else ():
        if not isinstance(rule, dict) or "id" not in rule:
            continue
        rule_id, reason = ANNOTATION_PREFIX.sub("", str(rule["id"])), str(rule.get("reason", ""))
        key = resource_key(resource)
        applies_to = rule.get("applies_to") or rule.get("appliesTo")
        if not applies_to:
            yield Acknowledgement(rule_id, reason, key, resource.environment)
        for finding in applies_to or ():
            text = finding.get("regex", "") if isinstance(finding, dict) else str(finding)
            yield Acknowledgement(f"{rule_id}[{text}]", reason, key, resource.environment)
