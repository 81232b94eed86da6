"""The VPC address plan: the subnets the stacks carve per zone, and whether a spec's VPC range holds them."""

from __future__ import annotations

import ipaddress

# (name, prefix length) of each subnet tier, one subnet per zone, carved in this order from the start of the
# VPC range (stacks/network.py builds the VPC from these; CDK aligns each subnet to its own size).
SUBNET_TIERS: tuple[tuple[str, int], ...] = (("public", 24), ("app", 20), ("data", 24))
# VPCs take /16 to /28 (Amazon VPC quotas); the tiers above need far more than /28.
VPC_PREFIXES = range(16, 29)
# RFC 1918 and the shared address space AWS also allows for VPCs. A publicly routable range is refused: the
# design's hosts would shadow real internet addresses from inside the VPC.
PRIVATE_RANGES = tuple(
    ipaddress.ip_network(r) for r in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)


def subnet_plan(vpc: ipaddress.IPv4Network, zones: int) -> list[ipaddress.IPv4Network] | None:
    """The subnets CDK allocates for `zones` zones, in order; None when they do not fit in `vpc`."""
    plan: list[ipaddress.IPv4Network] = []
    cursor = int(vpc.network_address)
    for _, prefix in SUBNET_TIERS:
        size = 2 ** (32 - prefix)
        for _ in range(zones):
            start = -(-cursor // size) * size  # aligned up to the subnet's own size, as CDK's NetworkBuilder
            if start + size - 1 > int(vpc.broadcast_address):
                return None
            plan.append(ipaddress.ip_network((start, prefix)))
            cursor = start + size
    return plan


def smallest_prefix(zones: int) -> int:
    """The longest VPC prefix whose range holds every tier's subnets for `zones` zones (from 10.0.0.0)."""
    fits = [p for p in VPC_PREFIXES if subnet_plan(ipaddress.ip_network(f"10.0.0.0/{p}"), zones)]
    return max(fits) if fits else 0


def tiers_text(zones: int) -> str:
    return ", ".join(f"{zones} {name} /{prefix}" for name, prefix in SUBNET_TIERS)


def cidr_problem(cidr: str, zones: int) -> str | None:
    """Why `cidr` cannot be the VPC range of a `zones`-zone environment, or None."""
    try:
        vpc = ipaddress.ip_network(cidr)
    except ValueError as exc:
        if "host bits" in str(exc):
            fixed = ipaddress.ip_network(cidr, strict=False)
            return f"{cidr!r} has host bits set; the range it names is written {str(fixed)!r}"
        return f"{cidr!r} is not an IPv4 range: {exc}; allowed: a private range such as 10.0.0.0/16"
    if not isinstance(vpc, ipaddress.IPv4Network) or not any(vpc.subnet_of(r) for r in PRIVATE_RANGES):
        ranges = ", ".join(str(r) for r in PRIVATE_RANGES)
        return f"{cidr!r} is not a private range; allowed: a range inside {ranges}"
    if vpc.prefixlen not in VPC_PREFIXES:
        return f"/{vpc.prefixlen} is not a VPC size; allowed: /16 to /{smallest_prefix(max(zones, 1))}"
    if zones and subnet_plan(vpc, zones) is None:
        return (
            f"{cidr!r} is too small for the subnets of {zones} zones ({tiers_text(zones)}); "
            f"allowed: /16 to /{smallest_prefix(zones)}"
        )
    return None
