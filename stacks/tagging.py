"""Cost-allocation and traceability tags: Project, Environment, Service, Seq and Requirements."""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import Tags
from constructs import IConstruct


def tag_component(scope: IConstruct, *, service: str, seq: int, requirements: Iterable[str]) -> None:
    """Tags every taggable resource under `scope` with the component that owns it and why it exists."""
    reqs = " ".join(sorted(set(requirements))) or "none"
    Tags.of(scope).add("Service", service)
    Tags.of(scope).add("Seq", str(seq))
    Tags.of(scope).add("Requirements", reqs)
