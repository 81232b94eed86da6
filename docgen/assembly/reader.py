"""Reads a synthesized cloud assembly (cdk.out) into the docgen model, from the JSON files CDK wrote alone."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from docgen.assembly.edges import StackTemplate, export_index, find_edges, resolve_exports
from docgen.assembly.model import Acknowledgement, Assembly, Resource, StackInfo, resource_key
from docgen.errors import AssemblyError

__all__ = ["read_assembly"]

SYNTH = "run `make synth` (or `npx cdk synth`) first"
RESYNTH = "re-run `make synth` (or `npx cdk synth`)"
STACK_ARTIFACT = "aws:cloudformation:stack"
NESTED_ASSEMBLY = "cdk:cloud-assembly"
TREE_ARTIFACT = "cdk:tree"
CFN_PROPS = "aws:cdk:cloudformation:props"
CDK_METADATA = "AWS::CDK::Metadata"
# Constructs that group resources without being the L2 that made them.
NOT_L2 = frozenset(
    {
        "aws-cdk-lib.App",
        "aws-cdk-lib.Stage",
        "aws-cdk-lib.Stack",
        "aws-cdk-lib.NestedStack",
        "constructs.Construct",
    }
)
# Ancestors above these belong to another stack or to no stack, so never count as a resource's L2.
BOUNDARIES = frozenset(
    {"aws-cdk-lib.App", "aws-cdk-lib.Stage", "aws-cdk-lib.Stack", "aws-cdk-lib.NestedStack"}
)
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
    tree = _TreeReader(root).read(_tree_file(manifest, manifest_path))
    stacks = sorted(
        _stacks(root, root, manifest, manifest_path), key=lambda s: (s.info.environment, s.info.artifact_id)
    )
    resources = [r for s in stacks for r in _resources(s, tree.nodes)]
    templates = [StackTemplate(s.info, s.template.get("Outputs") or {}) for s in stacks]
    exports = export_index(templates, {resource_key(r) for r in resources})
    return Assembly(
        root=str(cdk_out),
        cdk_version=tree.version or str(manifest.get("version", "")),
        stacks=tuple(s.info for s in stacks),
        resources=tuple(resources),
        edges=find_edges(resources, [s.info for s in stacks], exports),
        acknowledgements=_acknowledgements(stacks, resources),
        outputs_and_exports=resolve_exports(exports),
    )


# --- JSON files ----------------------------------------------------------------------------------


def _load_json(path: Path, missing: str) -> Any:
    """Parse one file of the assembly; `missing` is the message tail when it does not exist."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise AssemblyError(f"{path} not found{missing}") from None
    except OSError as exc:
        raise AssemblyError(f"{path} cannot be read ({exc.strerror}): check its permissions") from None
    if not data.strip():
        raise AssemblyError(f"{path} is empty: the synth was interrupted; {RESYNTH}")
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise AssemblyError(
            f"{path} is not valid JSON (line {exc.lineno} column {exc.colno}: {exc.msg}): "
            f"the file is truncated or corrupt; {RESYNTH}"
        ) from None
    except UnicodeDecodeError:
        raise AssemblyError(f"{path} is not UTF-8 JSON: the file is corrupt; {RESYNTH}") from None


def _shape_error(path: Path, problem: str) -> AssemblyError:
    return AssemblyError(f"{path}: unexpected shape: {problem}; {RESYNTH}")


def _mapping(value: Any, path: Path, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _shape_error(path, f"{what} is a {type(value).__name__}, expected a mapping")
    return value


def _manifest(path: Path) -> dict[str, Any]:
    manifest = _mapping(_load_json(path, f": {SYNTH}"), path, "the manifest")
    if "artifacts" not in manifest:
        raise _shape_error(path, "`artifacts` key missing")
    artifacts = _mapping(manifest["artifacts"], path, "`artifacts`")
    for artifact_id, artifact in artifacts.items():
        _mapping(artifact, path, f"artifact `{artifact_id}`")
    return manifest


# --- the construct tree (tree.json, possibly split into forest files) -------------------------------


@dataclass(frozen=True)
class _TreeNode:
    """What the tree says about one construct: its nearest L2 ancestor and, for an L1, its props."""

    l2_fqn: str | None
    l2_path: str | None
    props: Mapping[str, Any]


@dataclass
class _Tree:
    version: str
    nodes: dict[str, _TreeNode] = field(default_factory=dict)  # construct path -> node


def _tree_file(manifest: Mapping[str, Any], manifest_path: Path) -> str:
    for artifact in manifest["artifacts"].values():
        if artifact.get("type") == TREE_ARTIFACT:
            name = (artifact.get("properties") or {}).get("file")
            if not isinstance(name, str):
                raise _shape_error(manifest_path, "the `cdk:tree` artifact has no `properties.file`")
            return name
    raise AssemblyError(
        f"{manifest_path} has no `cdk:tree` artifact: docgen needs tree.json; "
        f"re-synthesize without disabling tree metadata (App(tree_metadata=True) is the default)"
    )


class _TreeReader:
    """Walks tree.json and the forest files (trees-N.json) that CDK splits very large trees into."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: dict[str, Any] = {}

    def read(self, name: str) -> _Tree:
        path = self.root / name
        top = _mapping(
            self._file(name, f" (named by the `cdk:tree` artifact): {RESYNTH}"), path, "the tree file"
        )
        if "tree" not in top:
            raise _shape_error(path, "`tree` key missing (expected a CDK v2 tree file, version tree-0.1)")
        root_node = self._node(top["tree"], path, "the root node")
        info = root_node.get("constructInfo") or {}
        tree = _Tree(version=str(info.get("version", "")) if isinstance(info, dict) else "")
        self._walk(root_node, path, tree)
        return tree

    def _file(self, name: str, missing: str) -> Any:
        if name not in self.files:  # forest files hold many subtrees: read each once
            self.files[name] = _load_json(self.root / name, missing)
        return self.files[name]

    def _node(self, node: Any, path: Path, where: str) -> dict[str, Any]:
        node = _mapping(node, path, where)
        if "fileName" in node:
            return self._subtree(node, path)
        if not isinstance(node.get("path"), str):
            raise _shape_error(path, f"{where} has no `path` string")
        children = node.get("children", {})
        if not isinstance(children, dict):
            raise _shape_error(path, f"node `{node.get('path', '')}` has `children` that is not a mapping")
        return node

    def _subtree(self, ref: Mapping[str, Any], path: Path) -> dict[str, Any]:
        """Replace a reference to another file ({id, path, fileName, treeId?}) by the node it points to."""
        name, tree_id = ref["fileName"], ref.get("treeId")
        if not isinstance(name, str):
            raise _shape_error(path, f"node `{ref.get('path', '')}` has a `fileName` that is not a string")
        file_path = self.root / name
        content = _mapping(
            self._file(name, f" (referenced by node `{ref.get('path', '')}` in {path}): {RESYNTH}"),
            file_path,
            "the file",
        )
        if tree_id is None:
            if "tree" not in content:
                raise _shape_error(file_path, "`tree` key missing")
            return self._node(content["tree"], file_path, "the root node")
        forest = _mapping(content.get("forest"), file_path, "`forest`")
        if tree_id not in forest:
            raise _shape_error(
                file_path, f"tree `{tree_id}` (for node `{ref.get('path', '')}`) is not in `forest`"
            )
        return self._node(forest[tree_id], file_path, f"tree `{tree_id}`")

    def _walk(self, root_node: dict[str, Any], path: Path, tree: _Tree) -> None:
        # Iterative, carrying each node's nearest L2 ancestor down: (node, its file, l2 fqn, l2 path).
        todo: list[tuple[dict[str, Any], Path, str | None, str | None]] = [(root_node, path, None, None)]
        while todo:
            node, file, l2_fqn, l2_path = todo.pop()
            # Every node, not only those with `aws:cdk:cloudformation:type`: a plain CfnResource (Custom::*)
            # has no attributes in the tree but is still a resource of the template.
            attributes = node.get("attributes")
            props = attributes.get(CFN_PROPS) if isinstance(attributes, dict) else None
            tree.nodes[node.get("path", "")] = _TreeNode(
                l2_fqn, l2_path, props if isinstance(props, dict) else {}
            )
            fqn = _fqn(node)
            if fqn in BOUNDARIES:
                l2_fqn, l2_path = None, None
            elif fqn is not None and _is_l2(fqn):
                l2_fqn, l2_path = fqn, node.get("path")
            for child_id, child in node.get("children", {}).items():
                child_file = (
                    self.root / child["fileName"] if isinstance(child, dict) and "fileName" in child else file
                )
                parent = f"`{node['path']}`" if node["path"] else "the root node"
                child_node = self._node(child, file, f"child `{child_id}` of {parent}")
                todo.append((child_node, child_file, l2_fqn, l2_path))


def _fqn(node: Mapping[str, Any]) -> str | None:
    info = node.get("constructInfo")
    fqn = info.get("fqn") if isinstance(info, dict) else None
    return fqn if isinstance(fqn, str) else None


def _is_l2(fqn: str) -> bool:
    return fqn not in NOT_L2 and not fqn.rsplit(".", 1)[-1].startswith("Cfn")


# --- stacks ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stack:
    info: StackInfo
    template: Mapping[str, Any]
    paths: Mapping[str, str]  # logical id -> construct path (no leading slash)
    acknowledged: tuple[tuple[str, str, str], ...]  # (construct path, rule, reason) from construct metadata


def _stacks(
    root: Path, directory: Path, manifest: Mapping[str, Any], manifest_path: Path
) -> Iterator[_Stack]:
    """Every stack artifact of this manifest and, recursively, of the nested assemblies (one per Stage)."""
    artifacts: Mapping[str, Any] = manifest["artifacts"]
    stack_ids = {aid for aid, a in artifacts.items() if a.get("type") == STACK_ARTIFACT}
    for artifact_id in sorted(artifacts):
        artifact = artifacts[artifact_id]
        if artifact.get("type") == STACK_ARTIFACT:
            yield _stack(root, directory, artifact_id, artifact, stack_ids, manifest_path)
        elif artifact.get("type") == NESTED_ASSEMBLY:
            name = (artifact.get("properties") or {}).get("directoryName")
            if not isinstance(name, str):
                raise _shape_error(
                    manifest_path, f"artifact `{artifact_id}` has no `properties.directoryName`"
                )
            nested_path = directory / name / "manifest.json"
            nested = _manifest_at(nested_path, artifact_id, manifest_path)
            yield from _stacks(root, directory / name, nested, nested_path)


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
) -> _Stack:
    props = artifact.get("properties") or {}
    template_name = props.get("templateFile")
    if not isinstance(template_name, str):
        raise _shape_error(manifest_path, f"stack `{artifact_id}` has no `properties.templateFile`")
    template_path = directory / template_name
    missing = f" (templateFile of stack `{artifact_id}` in {manifest_path}): {RESYNTH}"
    template = _mapping(_load_json(template_path, missing), template_path, "the template")
    for logical_id, body in _mapping(template.get("Resources", {}), template_path, "`Resources`").items():
        _mapping(body, template_path, f"resource `{logical_id}`")
    metadata = _metadata(directory, artifact_id, artifact, manifest_path)
    construct_path = str(artifact.get("displayName") or artifact_id)
    account, region = _account_region(str(artifact.get("environment", "")))
    info = StackInfo(
        artifact_id=artifact_id,
        stack_name=str(props.get("stackName") or artifact_id),
        environment=construct_path.split("/")[0],
        construct_path=construct_path,
        template_file=PurePosixPath(*template_path.relative_to(root).parts).as_posix(),
        account=account,
        region=region,
        description=str(template.get("Description", "")),
        dependencies=tuple(sorted(d for d in artifact.get("dependencies") or () if d in stack_ids)),
        metadata=dict(template.get("Metadata") or {}),
    )
    return _Stack(info, template, _logical_paths(metadata), _acknowledged(metadata))


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
        sources.append((path, _load_json(path, missing)))
    for path, entries in sources:
        for construct_path, items in _mapping(
            entries, path, f"the metadata of stack `{artifact_id}`"
        ).items():
            if not isinstance(items, list):
                raise _shape_error(path, f"metadata of `{construct_path}` is not a list")
            merged.setdefault(construct_path, []).extend(i for i in items if isinstance(i, dict))
    return merged


def _logical_paths(metadata: Mapping[str, list[Any]]) -> dict[str, str]:
    return {
        str(entry["data"]): construct_path.lstrip("/")
        for construct_path, entries in metadata.items()
        for entry in entries
        if entry.get("type") == "aws:cdk:logicalId"
    }


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


def _resources(stack: _Stack, tree: Mapping[str, _TreeNode]) -> Iterator[Resource]:
    for logical_id in sorted(stack.template.get("Resources", {})):
        body = stack.template["Resources"][logical_id]
        path = _resource_path(stack, logical_id, body)
        node = tree.get(path)
        properties = body.get("Properties") or {}
        tags = (
            _tags(properties.get("Tags"))
            if "Tags" in properties
            else _tags(node.props.get("tags") if node else None)
        )
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
        )


def _resource_path(stack: _Stack, logical_id: str, body: Mapping[str, Any]) -> str:
    """The manifest's logical-id map is authoritative; resources added by raw overrides are not in it."""
    if logical_id in stack.paths:
        return stack.paths[logical_id]
    cdk_path = (body.get("Metadata") or {}).get("aws:cdk:path")
    return cdk_path if isinstance(cdk_path, str) else f"{stack.info.construct_path}/{logical_id}"


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
