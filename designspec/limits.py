"""AWS limits a design must fit before it can deploy: regions and zones, the VPC range, physical name lengths,
listener rules, security-group rules and storage growth. Each problem is (field path, message)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from designspec.model import Design, Environment
from designspec.naming import name_problem, physical_names
from designspec.network import cidr_problem
from designspec.regions import as_of, regions

Loc = tuple[str | int, ...]

ALB_CONDITION_VALUES = 5  # ALB quotas: condition values per rule (not adjustable)
ALB_WILDCARDS = 5  # ALB quotas: condition wildcards per rule (not adjustable)
# Security groups take 60 inbound and 60 outbound rules (default quota). Each routed workload adds an outbound
# rule to the ALB's group, each user of a database or cache an inbound rule to that store's group.
SG_RULES = 60
STORAGE_HEADROOM_PERCENT = (
    110  # RDS: the maximum storage threshold must be at least 10% above the allocated storage
)


def aws_limits(design: Design) -> Iterator[tuple[Loc, str]]:
    for name, env in design.aws_environments().items():
        loc: Loc = ("environments", name)
        yield from _region(loc, env)
        yield from _vpc(loc, env)
        yield from _names(design, name)
        yield from _storage(loc, env)
        yield from _budget(loc, env)
    yield from _routes(design)
    yield from _store_users(design)
    yield from _copy_regions(design)


def _region(loc: Loc, env: Environment) -> Iterator[tuple[Loc, str]]:
    known = regions()
    if env.region is None:
        return
    if env.region not in known:
        close = difflib.get_close_matches(env.region, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        yield (
            (*loc, "region"),
            f"{env.region!r} is not an AWS region of the aws partition as of {as_of()}{hint}; "
            "allowed: the regions in designspec/data/aws-regions.yaml",
        )
        return
    seen: dict[str, int] = {}
    for j, zone in enumerate(env.availability_zones):
        if zone in seen:
            yield (*loc, "availability_zones", j), f"{zone!r} is listed twice (first at [{seen[zone]}])"
        elif zone not in known[env.region]:
            allowed = ", ".join(known[env.region])
            yield (
                (*loc, "availability_zones", j),
                f"{zone!r} is not a zone of {env.region}; allowed: {allowed}",
            )
        seen.setdefault(zone, j)


def _vpc(loc: Loc, env: Environment) -> Iterator[tuple[Loc, str]]:
    problem = cidr_problem(env.vpc_cidr, len(env.availability_zones))
    if problem:
        yield (*loc, "vpc_cidr"), problem
    if env.nat_gateways == 0 and env.availability_zones:
        yield (
            (*loc, "nat_gateways"),
            "0 NAT gateways leaves the app subnets without egress: tasks could not pull images or reach "
            f"Secrets Manager, CloudWatch and external APIs; allowed: 1-{len(env.availability_zones)} "
            "(one per zone survives a zone outage)",
        )


def _names(design: Design, env_name: str) -> Iterator[tuple[Loc, str]]:
    for rule, name, source in physical_names(design, env_name):
        problem = name_problem(rule, name)
        if problem is None:
            continue
        if source[0] == "environments":
            yield (
                source,
                f"project {design.project!r} with environment {env_name!r} {problem}; shorten either",
            )
        else:
            yield source, f"this name in environment {env_name!r} {problem}; shorten it"
        return  # one name problem per environment: the fix is the same for the rest


def _storage(loc: Loc, env: Environment) -> Iterator[tuple[Loc, str]]:
    for name, size in env.databases.items():
        most = size.max_allocated_storage_gb
        least = -(-size.allocated_storage_gb * STORAGE_HEADROOM_PERCENT // 100)  # integer ceiling
        if most is not None and most < least:
            yield (
                (*loc, "databases", name, "max_allocated_storage_gb"),
                f"{most} GB is not above allocated_storage_gb {size.allocated_storage_gb} GB by the 10% RDS "
                f"storage autoscaling requires; allowed: {least}-65536, or null for no autoscaling",
            )


def _budget(loc: Loc, env: Environment) -> Iterator[tuple[Loc, str]]:
    if env.budget is None:
        return
    seen: set[float] = set()
    for j, threshold in enumerate(env.budget.thresholds_percent):
        if threshold in seen:
            yield (
                (*loc, "budget", "thresholds_percent", j),
                f"{threshold:g}% is listed twice; AWS Budgets rejects two notifications with one threshold",
            )
        seen.add(threshold)


def _routes(design: Design) -> Iterator[tuple[Loc, str]]:
    routed = 0
    for kind in ("services", "frontends"):
        for i, w in enumerate(getattr(design, kind)):
            if w.port is None:
                continue
            routed += 1
            loc: Loc = (kind, i, "path_patterns")
            patterns = w.path_patterns or (f"/{w.name}/*",)
            if len(patterns) > ALB_CONDITION_VALUES:
                yield (
                    loc,
                    f"{len(patterns)} path patterns; an ALB listener rule takes at most "
                    f"{ALB_CONDITION_VALUES} condition values (use wildcards, e.g. /api/*)",
                )
            wildcards = sum(p.count("*") + p.count("?") for p in patterns)
            if wildcards > ALB_WILDCARDS:
                yield (
                    loc,
                    f"{wildcards} wildcards ('*', '?'); an ALB listener rule takes at most {ALB_WILDCARDS}",
                )
            if routed > SG_RULES:
                yield (
                    (kind, i, "port"),
                    f"the {routed}th workload behind the ALB; its security group takes {SG_RULES} outbound "
                    "rules, one per routed workload",
                )


def _store_users(design: Design) -> Iterator[tuple[Loc, str]]:
    for kind in ("databases", "caches"):
        for i, store in enumerate(getattr(design, kind)):
            users = [w.name for w in design.users_of(kind, store.name)]
            if len(users) > SG_RULES:
                yield (
                    (kind, i, "name"),
                    f"{len(users)} workloads use {store.name!r}; its security group takes {SG_RULES} inbound "
                    "rules, one per workload",
                )


def _copy_regions(design: Design) -> Iterator[tuple[Loc, str]]:
    for env_name, region in design.observability.backup.cross_region_copy.items():
        if region not in regions():
            yield (
                ("observability", "backup", "cross_region_copy", env_name),
                f"{region!r} is not an AWS region of the aws partition (as of {as_of()}); "
                "allowed: the regions in designspec/data/aws-regions.yaml",
            )
