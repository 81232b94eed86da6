"""EC2 facts: instances and Auto Scaling groups with their launch templates (instance type, AMI, capacity,
placement, scaling policies, load-balancer target groups)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from docgen.assembly import intrinsics
from docgen.assembly.model import Resource
from docgen.facts.fact import Fact, derived, exists, join, prop
from docgen.facts.index import Index
from docgen.facts.names import component, labelled
from docgen.facts.network import subnet_kind

LAUNCH_TEMPLATE = "AWS::EC2::LaunchTemplate"
# CDK names the template parameter of an SSM-resolved AMI "SsmParameterValue<path without separators><hash>Parameter".
SSM_AMI = re.compile(r"^SsmParameterValue(?P<path>.+?)(?:[0-9A-F]{32})?Parameter$")
# Public SSM parameter families of AMIs, as CDK squashes their paths into parameter names.
SSM_FAMILIES = {
    "awsserviceamiamazonlinuxlatest": "latest Amazon Linux",
    "awsserviceamiwindowslatest": "latest Windows",
    "awsserviceecsoptimizedami": "ECS-optimized",
    "awsservicecanonicalubuntu": "Ubuntu",
    "awsservicebottlerocket": "Bottlerocket",
}
ASG_METRICS = {
    "ASGAverageCPUUtilization": "CPU",
    "ASGAverageNetworkIn": "network in",
    "ASGAverageNetworkOut": "network out",
    "ALBRequestCountPerTarget": "requests/target",
}


def ami_text(value: Any) -> str:
    """An AMI id as people read it: a literal id, the SSM parameter CDK resolves at deploy time, or the intrinsic."""
    if isinstance(value, dict) and isinstance(value.get("Ref"), str) and (m := SSM_AMI.match(value["Ref"])):
        path = m.group("path")
        for prefix, family in SSM_FAMILIES.items():
            if path.startswith(prefix) and len(path) > len(prefix):
                return f"{family} AMI ({path[len(prefix) :]}), SSM parameter resolved at deploy"
        return f"AMI from SSM parameter {path}, resolved at deploy"
    return intrinsics.text(value) or "-"


def _template_of(index: Index, owner: Resource, spec: Any) -> Resource | None:
    hits = [t for t in index.targets(owner, spec) if t.type == LAUNCH_TEMPLATE]
    return hits[0] if hits else None


def _from_either(own: Resource, template: Resource | None, name: str, **kwargs: Any) -> Fact:
    """A property of the instance/group itself, else of its launch template's LaunchTemplateData."""
    if name in own.properties or template is None:
        return prop(own, name, **kwargs)
    return prop(template, "LaunchTemplateData", name, **kwargs)


def _imds(template: Resource | None, own: Resource) -> Fact:
    if template is None:
        return exists(own, "IMDSv1 allowed (no launch template)", False)
    tokens = prop(template, "LaunchTemplateData", "MetadataOptions", "HttpTokens", default="optional")
    return derived(
        tokens.value == "required",
        "IMDSv2 required" if tokens.value == "required" else "IMDSv1 allowed",
        [tokens],
    )


def _placement(index: Index, owner: Resource, subnets: Any) -> Fact:
    found = [s for s in index.targets(owner, subnets) if s.type == "AWS::EC2::Subnet"]
    if not found:
        value = subnets if subnets is not None else None
        text = intrinsics.text(value) if value else "default VPC"
        return derived(value, f"subnets {text}" if value else text, [exists(owner, "placement")])
    kinds = sorted({(subnet_kind(index.assembly, s)[0] or "unknown").lower() for s in found})
    zones = sorted({intrinsics.text(s.properties.get("AvailabilityZone")) for s in found})
    n = len(found)
    text = f"{n} {'/'.join(kinds)} subnet{'s' if n != 1 else ''} ({', '.join(zones)})"
    return derived(n, text, [prop(s, "AvailabilityZone", default="") for s in found])


@dataclass(frozen=True)
class Instance:
    resource: Resource
    name: Fact
    instance_type: Fact
    ami: Fact
    placement: Fact
    metadata: Fact  # IMDSv2 required or not
    launch_template: Fact


def instances(index: Index, env: str) -> list[Instance]:
    out = []
    for instance in index.of_type("AWS::EC2::Instance", env):
        template = _template_of(index, instance, instance.properties.get("LaunchTemplate"))
        out.append(
            Instance(
                resource=instance,
                name=component(instance),
                instance_type=_from_either(instance, template, "InstanceType", default="m1.small"),
                ami=_from_either(instance, template, "ImageId", default=None, fmt=ami_text),
                placement=_placement(index, instance, instance.properties.get("SubnetId")),
                metadata=_imds(template, instance),
                launch_template=component(template) if template is not None else exists(instance, "none"),
            )
        )
    return sorted(out, key=lambda i: i.name.text)


@dataclass(frozen=True)
class AutoScalingGroup:
    resource: Resource
    template: Resource | None
    name: Fact
    instance_type: Fact
    ami: Fact
    min: Fact
    desired: Fact
    max: Fact
    placement: Fact
    health_check: Fact
    policies: Fact
    load_balancers: Fact
    metadata: Fact
    launch_template: Fact


def groups(index: Index, env: str) -> list[AutoScalingGroup]:
    out = []
    for group in index.of_type("AWS::AutoScaling::AutoScalingGroup", env):
        spec = group.properties.get("LaunchTemplate") or (
            (group.properties.get("MixedInstancesPolicy") or {}).get("LaunchTemplate")
        )
        template = _template_of(index, group, spec)
        low = prop(group, "MinSize")
        # Without DesiredCapacity, CloudFormation starts the group at its minimum size.
        desired = (
            prop(group, "DesiredCapacity")
            if "DesiredCapacity" in group.properties
            else derived(low.value, f"{low.text} (the minimum)", [low])
        )
        if template is not None:
            instance_type = prop(template, "LaunchTemplateData", "InstanceType", default="-")
            ami = prop(template, "LaunchTemplateData", "ImageId", default=None, fmt=ami_text)
        else:
            configs = index.targets(group, group.properties.get("LaunchConfigurationName"))
            instance_type = prop(configs[0], "InstanceType") if configs else exists(group, "-")
            ami = prop(configs[0], "ImageId", fmt=ami_text) if configs else exists(group, "-")
        out.append(
            AutoScalingGroup(
                resource=group,
                template=template,
                name=component(group),
                instance_type=instance_type,
                ami=ami,
                min=low,
                desired=desired,
                max=prop(group, "MaxSize"),
                placement=_placement(index, group, group.properties.get("VPCZoneIdentifier")),
                health_check=prop(group, "HealthCheckType", default="EC2"),
                policies=_policies(index, group),
                load_balancers=_load_balancers(index, group),
                metadata=_imds(template, group),
                launch_template=component(template)
                if template is not None
                else exists(group, "launch configuration"),
            )
        )
    return sorted(out, key=lambda g: g.name.text)


def _policies(index: Index, group: Resource) -> Fact:
    found = []
    for policy in index.referring(group, "AWS::AutoScaling::ScalingPolicy", "AutoScalingGroupName"):
        kind = prop(policy, "PolicyType", default="SimpleScaling")
        if kind.value == "TargetTrackingScaling":
            config = policy.properties.get("TargetTrackingConfiguration") or {}
            metric = (config.get("PredefinedMetricSpecification") or {}).get(
                "PredefinedMetricType", "custom metric"
            )
            target = prop(policy, "TargetTrackingConfiguration", "TargetValue")
            unit = "%" if "CPU" in metric else ""
            found.append(
                derived(None, f"{ASG_METRICS.get(metric, metric)} {target.text}{unit}", [kind, target])
            )
        else:
            found.append(derived(kind.value, f"{kind.text} policy", [kind]))
    for action in index.referring(group, "AWS::AutoScaling::ScheduledAction", "AutoScalingGroupName"):
        found.append(prop(action, "Recurrence", default="once", fmt=lambda v: f"scheduled {v}"))
    return join(sorted(found, key=lambda f: f.text), ", ", empty="none", none=group)


def _load_balancers(index: Index, group: Resource) -> Fact:
    """The target groups the group registers with, shown as the load balancers that forward to them."""
    found = []
    for target_group in index.targets(group, group.properties.get("TargetGroupARNs")):
        protocol, port = prop(target_group, "Protocol", default=""), prop(target_group, "Port", default="")
        balancers = [
            lb
            for listener in index.of_type("AWS::ElasticLoadBalancingV2::Listener", group.environment)
            if target_group in index.targets(listener, listener.properties.get("DefaultActions"))
            for lb in index.targets(listener, listener.properties.get("LoadBalancerArn"))
        ]
        who = ", ".join(labelled(lb).text for lb in balancers) or component(target_group).text
        found.append(derived(None, f"{who} → {protocol.text} :{port.text}", [protocol, port]))
    return join(found, "<br>", empty="none", none=group)
