"""Pricing rules for compute and networking: Fargate services, load balancers, NAT gateways, addresses, endpoints."""

from __future__ import annotations

from decimal import Decimal

from docgen.assembly.model import Resource
from docgen.cost.context import (
    Free,
    Outcome,
    Priced,
    Pricer,
    Unpriced,
    as_decimal,
    num,
    plural,
    ref_id,
    walk_refs,
)

# Fargate's valid Linux task sizes: CPU units -> allowed memory in MiB (shared/reference/aws-prices.md).
_FARGATE_SIZES: dict[int, range] = {
    256: range(512, 2049, 512),
    512: range(1024, 4097, 1024),
    1024: range(2048, 8193, 1024),
    2048: range(4096, 16385, 1024),
    4096: range(8192, 30721, 1024),
    8192: range(16384, 61441, 4096),
    16384: range(32768, 122881, 8192),
}


_EPHEMERAL_INCLUDED_GB = Decimal(20)


def _valid_fargate_size(cpu: int, memory: int) -> bool:
    if cpu == 256:
        return memory in (512, 1024, 2048)
    return cpu in _FARGATE_SIZES and memory in _FARGATE_SIZES[cpu]


def _scaling_bounds(service: Resource, p: Pricer) -> tuple[Decimal, Decimal] | None:
    """MinCapacity/MaxCapacity of the scalable target whose ResourceId names this service, if any."""
    for target in p.ctx.of_type(service.environment, "AWS::ApplicationAutoScaling::ScalableTarget"):
        if target.stack != service.stack:
            continue
        if service.logical_id in walk_refs(target.properties.get("ResourceId")):
            low = as_decimal(target.properties.get("MinCapacity"))
            high = as_decimal(target.properties.get("MaxCapacity"))
            if low is not None and high is not None:
                return low, high
    return None


def ecs_service(r: Resource, p: Pricer) -> Outcome:
    """Fargate: tasks × hours × (vCPU × rate + GB × rate [+ extra ephemeral GB × rate]), desired/min/max."""
    label = "ECS Fargate"
    props = r.properties
    td = p.ctx.same_stack(r, ref_id(props.get("TaskDefinition")))
    if td is None or td.type != "AWS::ECS::TaskDefinition":
        return Unpriced(label, "TaskDefinition is not a Ref to a task definition in the same stack")
    if props.get("LaunchType") == "EC2" or "FARGATE" not in td.properties.get(
        "RequiresCompatibilities", ["FARGATE"]
    ):
        return Unpriced("ECS on EC2", "EC2 launch type: its container instances are not in the catalogue")
    cpu, memory = as_decimal(td.properties.get("Cpu")), as_decimal(td.properties.get("Memory"))
    if cpu is None or memory is None:
        return Unpriced(label, f"task definition {td.logical_id} has Cpu/Memory that are not plain numbers")
    arch = str((td.properties.get("RuntimePlatform") or {}).get("CpuArchitecture", "X86_64")).upper()
    if arch not in ("X86_64", "ARM64"):
        return Unpriced(label, f"CPU architecture {arch!r} is not in the catalogue")
    family = arch.lower()
    notes = [f"{arch} task {td.logical_id}"]
    if not _valid_fargate_size(int(cpu), int(memory)):
        notes.append(f"Cpu {num(cpu)} / Memory {num(memory)} is not a valid Fargate size")
    vcpu, gb = cpu / 1024, memory / 1024
    vcpu_rate, gb_rate = p.rate(f"fargate.{family}.vcpu_hour"), p.rate(f"fargate.{family}.gb_hour")
    per_task = vcpu * vcpu_rate + gb * gb_rate
    terms = f"{num(vcpu)} vCPU × {num(vcpu_rate)} + {num(gb)} GB × {num(gb_rate)}"
    ephemeral = as_decimal((td.properties.get("EphemeralStorage") or {}).get("SizeInGiB"))
    if ephemeral is None:
        ephemeral = p.usage.fargate_ephemeral_gb
    extra = max(Decimal(0), ephemeral - _EPHEMERAL_INCLUDED_GB)
    if extra:
        storage_rate = p.rate("fargate.ephemeral_storage.gb_hour")
        per_task += extra * storage_rate
        terms += f" + {num(extra)} GB ephemeral × {num(storage_rate)}"
    desired = as_decimal(props.get("DesiredCount"))
    if desired is None:
        desired = Decimal(1)
        notes.append("DesiredCount absent: CloudFormation starts 1 task")
    bounds = _scaling_bounds(r, p)
    low = high = desired
    if bounds:
        low, high = bounds
        if not low <= desired <= high:
            notes.append(f"desired {num(desired)} is outside the scaling range, clamped")
            desired = min(max(desired, low), high)
    if any(s.get("CapacityProvider") == "FARGATE_SPOT" for s in props.get("CapacityProviderStrategy") or []):
        notes.append("FARGATE_SPOT capacity priced at on-demand rates")
    per_month = p.hours * per_task
    p.hourly(f"vCPU ({arch})", f"fargate.{family}.vcpu_hour", desired * vcpu)
    p.hourly(f"Memory ({arch})", f"fargate.{family}.gb_hour", desired * gb)
    if extra:
        p.hourly("Ephemeral storage above 20 GB", "fargate.ephemeral_storage.gb_hour", desired * extra)
    arithmetic = f"{plural(desired, 'task')} × {num(p.hours)} h × ({terms})"
    if bounds:
        arithmetic += f"; auto scaling min {num(low)}, max {num(high)}"
    return Priced(label, desired * per_month, arithmetic, low * per_month, high * per_month, "; ".join(notes))


def nat_gateway(r: Resource, p: Pricer) -> Outcome:
    hour, gb_rate = p.rate("nat_gateway.hour"), p.rate("nat_gateway.gb_processed")
    gb = p.usage.nat_gb_processed_month
    p.hourly("NAT gateway", "nat_gateway.hour", Decimal(1))
    p.monthly("Data processed", "nat_gateway.gb_processed", gb, usage=True)
    arithmetic = f"{num(p.hours)} h × {num(hour)} + {num(gb)} GB × {num(gb_rate)}"
    return Priced("NAT Gateway", p.hours * hour + gb * gb_rate, arithmetic)


def elastic_ip(r: Resource, p: Pricer) -> Outcome:
    rate = p.rate("public_ipv4.hour")
    p.hourly("Public IPv4 address", "public_ipv4.hour", Decimal(1))
    return Priced("Public IPv4", p.hours * rate, f"1 public IPv4 × {num(p.hours)} h × {num(rate)}")


LB_LABEL = {"application": "Application Load Balancer", "network": "Network Load Balancer"}


def load_balancer(r: Resource, p: Pricer) -> Outcome:
    """ALB or NLB: hours × rate + capacity units × hours × rate + one public IPv4 per subnet when
    internet-facing."""
    props = r.properties
    kind = str(props.get("Type", "application"))
    if kind not in LB_LABEL:
        return Unpriced("Elastic Load Balancing", f"{kind} load balancer is not in the catalogue")
    label = LB_LABEL[kind]
    if kind == "network":
        hour, lcu_rate, lcus, unit = p.rate("nlb.hour"), p.rate("nlb.nlcu_hour"), p.usage.nlb_nlcu_avg, "NLCU"
    else:
        hour, lcu_rate, lcus, unit = p.rate("alb.hour"), p.rate("alb.lcu_hour"), p.usage.alb_lcu_avg, "LCU"
    kinds = ("nlb.hour", "nlb.nlcu_hour") if kind == "network" else ("alb.hour", "alb.lcu_hour")
    p.hourly("Load balancer", kinds[0], Decimal(1))
    p.hourly(f"Load balancer capacity units ({unit})", kinds[1], lcus, usage=True)
    monthly = p.hours * hour + lcus * p.hours * lcu_rate
    arithmetic = f"{num(p.hours)} h × {num(hour)} + {num(lcus)} {unit} × {num(p.hours)} h × {num(lcu_rate)}"
    public = props.get("Scheme", "internet-facing") == "internet-facing"
    if public and props.get("IpAddressType") != "dualstack-without-public-ipv4":
        subnets = props.get("Subnets", props.get("SubnetMappings"))
        if not isinstance(subnets, list):
            return Unpriced(label, "Subnets is not a list: cannot count its public IPv4 addresses")
        ips = Decimal(len(subnets))
        ip_rate = p.rate("public_ipv4.hour")
        p.hourly("Public IPv4 addresses", "public_ipv4.hour", ips)
        monthly += ips * p.hours * ip_rate
        arithmetic += f" + {num(ips)} public IPv4 × {num(p.hours)} h × {num(ip_rate)}"
    return Priced(label, monthly, arithmetic)


def ec2_instance(r: Resource, p: Pricer) -> Outcome:
    """An EC2 instance: hours × its type's Linux on-demand rate (from itself or its launch template)."""
    instance_type = r.properties.get("InstanceType") or _template_data(r, p).get("InstanceType")
    if not isinstance(instance_type, str):
        return Unpriced("EC2", "InstanceType is missing or not a plain value")
    rate = p.rate(f"ec2.{instance_type}.hour")
    p.hourly(f"Instance ({instance_type}, Linux on-demand)", f"ec2.{instance_type}.hour", Decimal(1))
    note = "Linux on-demand rate; EBS volumes not estimated"
    return Priced("EC2", p.hours * rate, f"{num(p.hours)} h × {num(rate)} ({instance_type})", note=note)


def auto_scaling_group(r: Resource, p: Pricer) -> Outcome:
    """An Auto Scaling group: desired (else minimum) instances × hours × rate, with its min and max."""
    props = r.properties
    instance_type = _template_data(r, p).get("InstanceType")
    if not isinstance(instance_type, str):
        return Unpriced("EC2", "no launch template with a plain InstanceType in the same stack")
    low, high = as_decimal(props.get("MinSize")), as_decimal(props.get("MaxSize"))
    if low is None or high is None:
        return Unpriced("EC2", "MinSize or MaxSize is not a plain number")
    desired = as_decimal(props.get("DesiredCapacity"))
    notes = ["Linux on-demand rate; EBS volumes not estimated"]
    if desired is None:
        desired = low
        notes.insert(0, "DesiredCapacity absent: the group starts at MinSize")
    rate = p.rate(f"ec2.{instance_type}.hour")
    p.hourly(f"Instances ({instance_type}, Linux on-demand)", f"ec2.{instance_type}.hour", desired)
    per = p.hours * rate
    arithmetic = f"{plural(desired, 'instance')} × {num(p.hours)} h × {num(rate)} ({instance_type}); min {num(low)}, max {num(high)}"
    return Priced("EC2", desired * per, arithmetic, low * per, high * per, "; ".join(notes))


def _template_data(r: Resource, p: Pricer) -> dict[str, object]:
    spec = r.properties.get("LaunchTemplate") or (r.properties.get("MixedInstancesPolicy") or {}).get(
        "LaunchTemplate"
    )
    for target in walk_refs(spec):
        template = p.ctx.same_stack(r, target)
        if template is not None and template.type == "AWS::EC2::LaunchTemplate":
            return dict(template.properties.get("LaunchTemplateData") or {})
    return {}


def vpc_endpoint(r: Resource, p: Pricer) -> Outcome:
    if r.properties.get("VpcEndpointType", "Gateway") == "Gateway":
        return Free("VPC", "gateway endpoints have no charge")
    return Unpriced("VPC Endpoints", "interface endpoints are not in the catalogue")
