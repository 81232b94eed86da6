"""The arrows of the architecture diagram: security-group ingress, event sources, CloudFront origins (through VPC
origins too), the secrets a task injects and the queues and topics its role may send to."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from docgen.assembly.model import Edge, Resource, resource_key
from docgen.facts.diagram_blocks import Arrow
from docgen.facts.index import Index


@dataclass(frozen=True)
class Link:
    source: str  # component id
    target: str
    label: str
    kind: str  # "ingress", "event-source", "origin", "https", "secret", "sends"


class Links:
    """Links for the diagram builder. It comes before diagram_blocks.Blocks among the builder's bases (Blocks
    declares `_statements`, defined here); what it needs from the builder is declared as annotations only, so
    nothing here can hide the builder's or Blocks's methods."""

    edges: list[Edge]
    owner: dict[str, str]
    index: Index
    targets: Callable[[Any, Resource], list[Resource]]
    of_type: Callable[[str], list[Resource]]
    component_of: Callable[[str], set[str]]
    block_links: Callable[[Index], Iterator[Arrow]]

    def _links(self) -> list[Link]:
        links: list[Link] = []
        for edge in self.edges:
            if edge.kind == "ingress":
                links += self._pairs(edge, "ingress", edge.detail)
            elif edge.kind == "event-source":
                links += self._pairs(edge, "event-source", "event source")
        for distribution in self.of_type("AWS::CloudFront::Distribution"):
            links += self._cdn_links(distribution)
        for service in self.of_type("AWS::ECS::Service"):
            links += self._task_links(service)
        linked = {(x.source, x.target) for x in links}
        arrows = [Link(*arrow) for arrow in self.block_links(self.index)]
        links += [x for x in arrows if (x.source, x.target) not in linked or x.kind != "ingress"]
        # a mount is drawn by its NFS ingress rule when the security groups allow one
        ingress = {(x.source, x.target) for x in links if x.kind == "ingress"}
        links = [x for x in links if x.kind != "mount" or (x.source, x.target) not in ingress]
        return [link for link in links if link.source != link.target]

    def _pairs(self, edge: Edge, kind: str, label: str) -> Iterator[Link]:
        for source in sorted(self.component_of(edge.source)):
            for target in sorted(self.component_of(edge.target)):
                yield Link(source, target, label, kind)

    def _origins(self, distribution: Resource) -> dict[str, Resource]:
        config = distribution.properties.get("DistributionConfig") or {}
        found = {}
        for origin in config.get("Origins") or ():
            if not isinstance(origin, dict):
                continue
            hits = self.targets(origin.get("DomainName"), distribution)
            if isinstance(origin.get("VpcOriginConfig"), dict):
                hits = self._vpc_origin_endpoints(origin["VpcOriginConfig"], distribution)
            if hits:
                found[str(origin.get("Id"))] = hits[0]
        return found

    def _vpc_origin_endpoints(self, config: dict[str, Any], distribution: Resource) -> list[Resource]:
        """A VPC origin's domain name is only the name CloudFront checks in TLS; the load balancer it reaches
        is named by the VPC origin's endpoint ARN (often imported from another stack)."""
        out: list[Resource] = []
        for vpc_origin in self.targets(config.get("VpcOriginId"), distribution):
            if vpc_origin.type == "AWS::CloudFront::VpcOrigin":
                endpoint = vpc_origin.properties.get("VpcOriginEndpointConfig") or {}
                out += self.targets(endpoint.get("Arn"), vpc_origin)
        return out

    def _cdn_links(self, distribution: Resource) -> Iterator[Link]:
        config = distribution.properties.get("DistributionConfig") or {}
        cdn = self.owner[resource_key(distribution)]
        default = config.get("DefaultCacheBehavior") or {}
        behaviours = [("default", default)] + [
            (str(b.get("PathPattern")), b) for b in config.get("CacheBehaviors") or () if isinstance(b, dict)
        ]
        viewer = {str(b.get("ViewerProtocolPolicy", "")) for _, b in behaviours}
        yield Link("users", cdn, "HTTP/HTTPS" if "allow-all" in viewer else "HTTPS", "https")
        origins = self._origins(distribution)
        for origin_id, resource in sorted(origins.items()):
            paths = [p for p, b in behaviours if str(b.get("TargetOriginId")) == origin_id]
            for target in sorted(self.component_of(resource_key(resource))):
                yield Link(cdn, target, ", ".join(paths) or "origin", "origin")

    def _task_links(self, service: Resource) -> Iterator[Link]:
        """Secrets the task definition injects, and queues / topics its task role may send to."""
        source = self.owner[resource_key(service)]
        for task in self.targets(service.properties.get("TaskDefinition"), service):
            if task.type != "AWS::ECS::TaskDefinition":
                continue
            containers = task.properties.get("ContainerDefinitions") or []
            secrets = [c.get("Secrets") for c in containers if isinstance(c, dict)]
            for secret in self.targets(secrets, task):
                for target in self.component_of(resource_key(secret)):
                    # Unlabelled: the target says it is a secret, and eleven "secret" labels drown the ports.
                    yield Link(source, target, "", "secret")
            for role in self.targets(task.properties.get("TaskRoleArn"), task):
                for statement, holder in self._statements(role):
                    for action, verb in (("sqs:sendmessage", "sends"), ("sns:publish", "publishes")):
                        if not _allows(statement, action):
                            continue
                        for target in self.targets(statement.get("Resource"), holder):
                            for cid in self.component_of(resource_key(target)):
                                yield Link(source, cid, verb, "sends")

    def _statements(self, role: Resource) -> Iterator[tuple[Mapping[str, Any], Resource]]:
        """Allow statements of a role's inline policies and of the AWS::IAM::Policy resources attached to it.

        Each comes with the resource that holds it: its Resource references resolve in that resource's stack.
        """
        documents: list[tuple[Any, Resource]] = [
            (p.get("PolicyDocument"), role)
            for p in role.properties.get("Policies") or ()
            if isinstance(p, dict)
        ]
        for policy in self.of_type("AWS::IAM::Policy"):
            if role in self.targets(policy.properties.get("Roles"), policy):
                documents.append((policy.properties.get("PolicyDocument"), policy))
        for document, holder in documents:
            statements = document.get("Statement") if isinstance(document, dict) else None
            for statement in [statements] if isinstance(statements, dict) else statements or ():
                if isinstance(statement, dict) and statement.get("Effect") == "Allow":
                    yield statement, holder


def _allows(statement: Mapping[str, Any], action: str) -> bool:
    actions = statement.get("Action")
    actions = [actions] if isinstance(actions, str) else actions if isinstance(actions, list) else []
    return any(isinstance(a, str) and fnmatch.fnmatchcase(action, a.lower()) for a in actions)
