"""Reads the construct tree (tree.json, possibly split into forest files): each construct's nearest L2."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docgen.assembly.json_files import RESYNTH, load_json, mapping, shape_error
from docgen.errors import AssemblyError

TREE_ARTIFACT = "cdk:tree"
CFN_PROPS = "aws:cdk:cloudformation:props"
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


@dataclass(frozen=True)
class TreeNode:
    """What the tree says about one construct: its nearest L2 ancestor and, for an L1, its props."""

    l2_fqn: str | None
    l2_path: str | None
    props: Mapping[str, Any]


@dataclass
class _Tree:
    version: str
    nodes: dict[str, TreeNode] = field(default_factory=dict)  # construct path -> node


def tree_file(manifest: Mapping[str, Any], manifest_path: Path) -> str:
    for artifact in manifest["artifacts"].values():
        if artifact.get("type") == TREE_ARTIFACT:
            name = (artifact.get("properties") or {}).get("file")
            if not isinstance(name, str):
                raise shape_error(manifest_path, "the `cdk:tree` artifact has no `properties.file`")
            return name
    raise AssemblyError(
        f"{manifest_path} has no `cdk:tree` artifact: docgen needs tree.json; "
        f"re-synthesize without disabling tree metadata (App(tree_metadata=True) is the default)"
    )


class TreeReader:
    """Walks tree.json and the forest files (trees-N.json) that CDK splits very large trees into."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: dict[str, Any] = {}

    def read(self, name: str) -> _Tree:
        path = self.root / name
        top = mapping(
            self._file(name, f" (named by the `cdk:tree` artifact): {RESYNTH}"), path, "the tree file"
        )
        if "tree" not in top:
            raise shape_error(path, "`tree` key missing (expected a CDK v2 tree file, version tree-0.1)")
        root_node = self._node(top["tree"], path, "the root node")
        info = root_node.get("constructInfo") or {}
        tree = _Tree(version=str(info.get("version", "")) if isinstance(info, dict) else "")
        self._walk(root_node, path, tree)
        return tree

    def _file(self, name: str, missing: str) -> Any:
        if name not in self.files:  # forest files hold many subtrees: read each once
            self.files[name] = load_json(self.root / name, missing)
        return self.files[name]

    def _node(self, node: Any, path: Path, where: str) -> dict[str, Any]:
        node = mapping(node, path, where)
        if "fileName" in node:
            return self._subtree(node, path)
        if not isinstance(node.get("path"), str):
            raise shape_error(path, f"{where} has no `path` string")
        children = node.get("children", {})
        if not isinstance(children, dict):
            raise shape_error(path, f"node `{node.get('path', '')}` has `children` that is not a mapping")
        return node

    def _subtree(self, ref: Mapping[str, Any], path: Path) -> dict[str, Any]:
        """Replace a reference to another file ({id, path, fileName, treeId?}) by the node it points to."""
        name, tree_id = ref["fileName"], ref.get("treeId")
        if not isinstance(name, str):
            raise shape_error(path, f"node `{ref.get('path', '')}` has a `fileName` that is not a string")
        file_path = self.root / name
        content = mapping(
            self._file(name, f" (referenced by node `{ref.get('path', '')}` in {path}): {RESYNTH}"),
            file_path,
            "the file",
        )
        if tree_id is None:
            if "tree" not in content:
                raise shape_error(file_path, "`tree` key missing")
            return self._node(content["tree"], file_path, "the root node")
        forest = mapping(content.get("forest"), file_path, "`forest`")
        if tree_id not in forest:
            raise shape_error(
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
            tree.nodes[node.get("path", "")] = TreeNode(
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
