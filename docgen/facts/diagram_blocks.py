"""The building blocks beyond containers in the architecture diagram: which box a Lambda function, API, table,
state machine, rule, instance, Auto Scaling group, web ACL or load balancer is, and the arrows between them
(triggers, role permissions, web ACL associations, target groups, public API endpoints)."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from typing import Any

from docgen.assembly.model import Assembly, Resource, resource_key
from docgen.facts import functions, triggers
from docgen.facts.index import Index

# Kinds of box by CloudFormation type (load balancers by their Type, see `kind_of`).
BLOCK_KINDS: Mapping[str, str] = {
    "AWS::Lambda::Function": "lambda",
    "AWS::ApiGateway::RestApi": "api",
    "AWS::ApiGatewayV2::Api": "api",
    "AWS::DynamoDB::Table": "table",
    "AWS::DynamoDB::GlobalTable": "table",
    "AWS::StepFunctions::StateMachine": "workflow",
    "AWS::Events::Rule": "rule",
    "AWS::EC2::Instance": "ec2",
    "AWS::AutoScaling::AutoScalingGroup": "asg",
    "AWS::WAFv2::WebACL": "waf",
    "AWS::EFS::FileSystem": "efs",
}
SCHEDULE = "AWS::Scheduler::Schedule"
TASK_DEFINITION = "AWS::ECS::TaskDefinition"
# Where boxes of a kind outside any VPC are drawn (a Lambda function in a VPC is placed by its subnets).
BLOCK_TIERS = {"api": "api", "workflow": "serverless", "table": "data", "s3": "data", "rule": "messaging"}
# IAM actions a function's role may perform on a resource, and the arrow that draws it.
ROLE_ACTIONS = (
    ("dynamodb:putitem", "writes"),
    ("dynamodb:updateitem", "writes"),
    ("dynamodb:batchwriteitem", "writes"),
    ("dynamodb:getitem", "reads"),
    ("dynamodb:query", "reads"),
    ("dynamodb:scan", "reads"),
    ("sqs:sendmessage", "sends"),
    ("sns:publish", "publishes"),
    ("s3:putobject", "writes"),
    ("s3:getobject", "reads"),
    ("states:startexecution", "starts"),
    ("events:putevents", "puts events"),
    ("lambda:invokefunction", "invokes"),
)
TARGET_GROUP = "AWS::ElasticLoadBalancingV2::TargetGroup"
Arrow = tuple[str, str, str, str]  # (source component, target component, label, kind): the builder's Link


def kind_of(resource: Resource) -> str | None:
    if resource.type == SCHEDULE:  # a schedule that runs a Fargate task is a job's box; others are triggers
        return "job" if "EcsParameters" in (resource.properties.get("Target") or {}) else None
    if resource.type == "AWS::ElasticLoadBalancingV2::LoadBalancer":
        return "nlb" if resource.properties.get("Type") == "network" else "alb"
    return BLOCK_KINDS.get(resource.type)


def application_functions(index: Index, environment: str) -> set[str]:
    """Keys of the application's functions: CDK's deploy-time handlers are plumbing, not boxes."""
    app, _ = functions.split(index, environment)
    return {resource_key(f) for f in app}


def cluster_of(index: Index, instance: Resource) -> Resource | None:
    hits = [
        c
        for c in index.targets(instance, instance.properties.get("DBClusterIdentifier"))
        if c.type == "AWS::RDS::DBCluster"
    ]
    return hits[0] if hits else None


def companions(index: Index, resource: Resource) -> list[Resource]:
    """Resources drawn inside another's box: an instance's or group's launch template, a cluster's proxy."""
    if resource.type in ("AWS::EC2::Instance", "AWS::AutoScaling::AutoScalingGroup"):
        spec = resource.properties.get("LaunchTemplate") or (
            (resource.properties.get("MixedInstancesPolicy") or {}).get("LaunchTemplate")
        )
        return [t for t in index.targets(resource, spec) if t.type == "AWS::EC2::LaunchTemplate"]
    if resource.type == "AWS::RDS::DBCluster":
        groups = index.referring(resource, "AWS::RDS::DBProxyTargetGroup", "DBClusterIdentifiers")
        return groups + [p for g in groups for p in index.targets(g, g.properties.get("DBProxyName"))]
    if resource.type == "AWS::EFS::FileSystem":  # placed by its mount targets' subnets
        return index.referring(resource, "AWS::EFS::MountTarget", "FileSystemId") + index.referring(
            resource, "AWS::EFS::AccessPoint", "FileSystemId"
        )
    if resource.type == SCHEDULE:  # a job's box holds the task definition its schedule runs
        task = ((resource.properties.get("Target") or {}).get("EcsParameters") or {}).get("TaskDefinitionArn")
        return [t for t in index.targets(resource, task) if t.type == TASK_DEFINITION]
    return []


def trigger_buckets(index: Index, environment: str) -> set[str]:
    """Buckets that notify or are fed by something: they get a box (other buckets are plumbing)."""
    keys = set()
    for t in triggers.triggers(index, environment):
        for r in (t.source, t.target):
            if r is not None and r.type == "AWS::S3::Bucket":
                keys.add(resource_key(r))
    return keys


def allows(statement: Mapping[str, Any], action: str) -> bool:
    actions = statement.get("Action")
    actions = [actions] if isinstance(actions, str) else actions if isinstance(actions, list) else []
    return any(isinstance(a, str) and fnmatch.fnmatchcase(action, a.lower()) for a in actions)


class Blocks:
    """Arrows of the building blocks; mixed into the diagram builder, which provides these attributes."""

    assembly: Assembly
    environment: str
    resources: dict[str, Resource]
    owner: dict[str, str]

    def component_of(self, key: str, depth: int = 0) -> set[str]:
        raise NotImplementedError

    def targets(self, value: Any, owner: Resource) -> list[Resource]:
        raise NotImplementedError

    def of_type(self, cfn_type: str) -> list[Resource]:
        raise NotImplementedError

    def _statements(self, role: Resource) -> Iterator[tuple[Mapping[str, Any], Resource]]:
        raise NotImplementedError

    def _link(self, source: Resource | str, target: Resource | str, label: str, kind: str) -> Iterator[Arrow]:
        for a in sorted(self.component_of(source if isinstance(source, str) else resource_key(source))):
            for b in sorted(self.component_of(target if isinstance(target, str) else resource_key(target))):
                yield (a, b, label, kind)

    def block_links(self, index: Index) -> Iterator[Arrow]:
        for t in triggers.triggers(index, self.environment):
            if t.source is not None:
                kind = "event-source" if t.kind == "event source mapping" else "trigger"
                yield from self._link(t.source, t.target, triggers.ARROW[t.kind], kind)
        for api in self.of_type("AWS::ApiGateway::RestApi") + self.of_type("AWS::ApiGatewayV2::Api"):
            types = (api.properties.get("EndpointConfiguration") or {}).get("Types") or []
            if "PRIVATE" not in types:
                yield from self._link("cidr:0.0.0.0/0", api, "HTTPS", "https")
        for association in self.of_type("AWS::WAFv2::WebACLAssociation"):
            for acl in self.targets(association.properties.get("WebACLArn"), association):
                for protected in self.targets(association.properties.get("ResourceArn"), association):
                    yield from self._link(acl, protected, "filters", "waf")
        for function in self.of_type("AWS::Lambda::Function"):
            if resource_key(function) in self.owner:
                yield from self._role_links(function, function.properties.get("Role"))
        yield from self._target_group_links()
        yield from self._public_nlbs()
        yield from self._task_definition_links()

    def _task_definition_links(self) -> Iterator[Arrow]:
        """What the tasks of services and jobs touch: the file systems they mount, the secrets they are given,
        and the buckets, tables, queues and topics their task role may use."""
        for task in self.of_type(TASK_DEFINITION):
            props = task.properties
            for volume in props.get("Volumes") or ():
                efs = (volume or {}).get("EFSVolumeConfiguration") if isinstance(volume, dict) else None
                for fs in self.targets((efs or {}).get("FilesystemId"), task):
                    yield from self._link(task, fs, "mounts", "mount")
            secrets = [
                c.get("Secrets") for c in props.get("ContainerDefinitions") or () if isinstance(c, dict)
            ]
            for secret in self.targets(secrets, task):
                yield from self._link(task, secret, "", "secret")
            yield from self._role_links(task, props.get("TaskRoleArn"))

    def granted_buckets(self) -> set[str]:
        """Buckets a task role or an application function's role may read or write: the app's own buckets."""
        holders = self.of_type(TASK_DEFINITION) + self.of_type("AWS::Lambda::Function")
        keys = set()
        for holder in holders:
            role_value = holder.properties.get("TaskRoleArn" if holder.type == TASK_DEFINITION else "Role")
            for role in self.targets(role_value, holder):
                for statement, owner in self._statements(role):
                    if allows(statement, "s3:getobject") or allows(statement, "s3:putobject"):
                        keys |= {
                            resource_key(b)
                            for b in self.targets(statement.get("Resource"), owner)
                            if b.type == "AWS::S3::Bucket"
                        }
        return keys

    def _public_nlbs(self) -> Iterator[Arrow]:
        """An internet-facing NLB has no security group to say who may connect: its listeners do."""
        for lb in self.of_type("AWS::ElasticLoadBalancingV2::LoadBalancer"):
            props = lb.properties
            if props.get("Type") != "network" or props.get("Scheme", "internet-facing") != "internet-facing":
                continue
            for listener in self.of_type("AWS::ElasticLoadBalancingV2::Listener"):
                if lb in self.targets(listener.properties.get("LoadBalancerArn"), listener):
                    label = (
                        f"{listener.properties.get('Protocol', '')} :{listener.properties.get('Port', '')}"
                    )
                    yield from self._link("cidr:0.0.0.0/0", lb, label.strip(), "ingress")

    def _role_links(self, holder: Resource, role_value: Any) -> Iterator[Arrow]:
        for role in self.targets(role_value, holder):
            for statement, owner in self._statements(role):
                verbs: dict[str, set[str]] = {}
                for action, verb in ROLE_ACTIONS:
                    if allows(statement, action):
                        for target in self.targets(statement.get("Resource"), owner):
                            verbs.setdefault(resource_key(target), set()).add(verb)
                for key, found in verbs.items():
                    label = "reads/writes" if {"reads", "writes"} <= found else ", ".join(sorted(found))
                    yield from self._link(holder, key, label, "sends")

    def _target_group_links(self) -> Iterator[Arrow]:
        """A load balancer forwards to the instances and Auto Scaling groups of its target groups."""
        groups: dict[str, list[Resource]] = {}
        for asg in self.of_type("AWS::AutoScaling::AutoScalingGroup"):
            for group in self.targets(asg.properties.get("TargetGroupARNs"), asg):
                groups.setdefault(resource_key(group), []).append(asg)
        for service in self.of_type("AWS::ECS::Service"):
            for balancer in service.properties.get("LoadBalancers") or ():
                if isinstance(balancer, dict):
                    for group in self.targets(balancer.get("TargetGroupArn"), service):
                        groups.setdefault(resource_key(group), []).append(service)
        for group in self.of_type(TARGET_GROUP):
            if group.properties.get("TargetType", "instance") == "instance":
                for target in self.targets(group.properties.get("Targets"), group):
                    groups.setdefault(resource_key(group), []).append(target)
        for listener in self.of_type("AWS::ElasticLoadBalancingV2::Listener"):
            for group in self.targets(listener.properties.get("DefaultActions"), listener):
                for member in groups.get(resource_key(group), ()):
                    label = (
                        f"{group.properties.get('Protocol', '')} :{group.properties.get('Port', '')}".strip()
                    )
                    for lb in self.targets(listener.properties.get("LoadBalancerArn"), listener):
                        yield from self._link(lb, member, label, "ingress")
