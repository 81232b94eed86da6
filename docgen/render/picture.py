"""Draws the architecture diagram model as a PNG with AWS icons (`diagrams` on Debian's graphviz)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from itertools import pairwise
from pathlib import Path

from diagrams import Cluster, Diagram, Edge, Node
from diagrams.aws.compute import EC2, EC2AutoScaling, Fargate, Lambda
from diagrams.aws.database import RDS, Dynamodb, ElastiCache
from diagrams.aws.general import Users
from diagrams.aws.integration import SNS, SQS, Eventbridge, StepFunctions
from diagrams.aws.network import (
    APIGateway,
    CloudFront,
    ElbApplicationLoadBalancer,
    ElbNetworkLoadBalancer,
    NATGateway,
)
from diagrams.aws.security import WAF, SecretsManager
from diagrams.aws.storage import S3, ElasticFileSystemEFS
from graphviz.backend import ExecutableNotFound

from docgen.assembly.model import Assembly
from docgen.errors import DocgenError
from docgen.facts.diagram import DiagramModel, Tier, build_model
from docgen.facts.diagram_split import seq_reader, split

__all__ = ["draw_architecture", "draw_model"]

ICONS: dict[str, type[Node]] = {
    "users": Users,
    "cdn": CloudFront,
    "bucket": S3,
    "alb": ElbApplicationLoadBalancer,
    "nat": NATGateway,
    "ecs": Fargate,
    "rds": RDS,
    "cache": ElastiCache,
    "queue": SQS,
    "topic": SNS,
    "secret": SecretsManager,
    "nlb": ElbNetworkLoadBalancer,
    "lambda": Lambda,
    "api": APIGateway,
    "table": Dynamodb,
    "workflow": StepFunctions,
    "rule": Eventbridge,
    "ec2": EC2,
    "asg": EC2AutoScaling,
    "waf": WAF,
    "s3": S3,
    "efs": ElasticFileSystemEFS,
    "job": Fargate,
}
EDGE_STYLE = {"secret": {"style": "dashed", "color": "gray50"}}
GRAPH_ATTR = {"fontsize": "22", "pad": "0.5", "nodesep": "0.7", "ranksep": "1.4", "splines": "spline"}
MISSING_DOT = "graphviz 'dot' not found: run make setup (installs Debian's graphviz)"


def draw_architecture(assembly: Assembly, environment: str, out_path: Path) -> Path:
    """Write the PNG of one environment's architecture to `out_path` (atomically) and return that path; a large
    architecture is drawn as its overview (crowds of services as one box each), as in the doc."""
    model = build_model(assembly, environment)
    large = split(model, seq_reader(assembly, environment))
    return draw_model(large.overview if large else model, out_path)


def draw_model(model: DiagramModel, out_path: Path) -> Path:
    if shutil.which("dot") is None:
        raise DocgenError(MISSING_DOT)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    # `diagrams` writes `<filename>.png` and a dot source beside it: draw in a private directory on the same
    # filesystem, then rename, so a reader never sees a half-written PNG and the cwd stays clean.
    with tempfile.TemporaryDirectory(prefix=".picture-", dir=out_path.parent) as tmp:
        stem = Path(tmp) / "architecture"
        try:
            _draw(model, stem)
        except ExecutableNotFound:
            raise DocgenError(MISSING_DOT) from None
        except subprocess.CalledProcessError as exc:
            stderr = (
                exc.stderr.decode(errors="replace")
                if isinstance(exc.stderr, bytes)
                else str(exc.stderr or "")
            )
            raise DocgenError(f"graphviz failed drawing {out_path}: {stderr.strip() or exc}") from None
        os.replace(stem.with_suffix(".png"), out_path)
    return out_path


def _draw(model: DiagramModel, stem: Path) -> None:
    title = f"Architecture: {model.environment}"
    with Diagram(
        title, filename=str(stem), outformat="png", show=False, direction="LR", graph_attr=GRAPH_ATTR
    ):
        nodes: dict[str, Node] = {}
        outside = [t for t in model.tiers if not t.in_vpc]
        inside = [t for t in model.tiers if t.in_vpc]
        # Clusters in drawing order: Internet and Edge first, the VPC with its tiers, then regional services.
        for tier in [t for t in outside if t.id in ("internet", "edge")]:
            _cluster(model, tier, nodes)
        if inside:
            with Cluster(model.vpc_label or "VPC"):
                for tier in inside:
                    _cluster(model, tier, nodes)
        for tier in [t for t in outside if t.id not in ("internet", "edge")]:
            _cluster(model, tier, nodes)
        column = {c.id: i for i, t in enumerate(_order(model)) for c in model.in_tier(t.id)}
        for link in model.links:
            style = EDGE_STYLE.get(link.kind, {})
            if column.get(link.source, 0) > column.get(link.target, 0):
                # An arrow pointing left (a queue feeding its consumer, a rotation function reaching its
                # database) is laid out as if it pointed right, with its head at the source's end: the
                # columns stay in order and the arrow does not loop around the VPC box.
                nodes[link.target] >> Edge(label=link.label, dir="back", **style) >> nodes[link.source]
            else:
                nodes[link.source] >> Edge(label=link.label, **style) >> nodes[link.target]
        _columns(model, nodes)


def _columns(model: DiagramModel, nodes: dict[str, Node]) -> None:
    """Edge, the VPC's tiers, data, messaging and secrets as columns from left to right: an invisible edge from
    each tier's first box to every box of the next tier that no drawn arrow places further right. Without
    them graphviz puts unconnected boxes (alarm topics, secrets) in the first column, under everything."""
    tiers = [t for t in _order(model) if model.in_tier(t.id)]
    reached = {x.target for x in model.links if x.kind != "secret"}
    for before, after in pairwise(tiers):
        anchor = nodes[model.in_tier(before.id)[0].id]
        for component in model.in_tier(after.id):
            if component.id not in reached:
                anchor >> Edge(style="invis", weight="5") >> nodes[component.id]


def _order(model: DiagramModel) -> list[Tier]:
    outside = [t for t in model.tiers if not t.in_vpc]
    inside = [t for t in model.tiers if t.in_vpc]
    first = [t for t in outside if t.id in ("internet", "edge")]
    return first + inside + [t for t in outside if t.id not in ("internet", "edge")]


def _cluster(model: DiagramModel, tier: Tier, nodes: dict[str, Node]) -> None:
    with Cluster(tier.label):
        for component in model.in_tier(tier.id):
            # Fixed node ids: `diagrams` would pick random ones, and the PNG must not change between runs.
            nodes[component.id] = ICONS[component.kind](component.label, nodeid=component.id)
