"""Checks what types alone cannot: names, references between components, and per-environment sizing."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from designspec.delivery import ci_problems
from designspec.errors import SpecError, format_loc
from designspec.fargate import VALID_COMBINATIONS, allowed_memory, describe_allowed
from designspec.kinds_checks import kinds_problems, kinds_sizing
from designspec.limits import aws_limits
from designspec.model import LOG_RETENTION_DAYS, Design, Environment, Frontend, Service
from designspec.security import security_problems
from designspec.wiring import variable_problems

Loc = tuple[str | int, ...]
# Every list of named components: names are unique across all of them (they name stacks, variables, alarms).
COMPONENT_LISTS = (
    "databases",
    "caches",
    "queues",
    "secrets",
    "services",
    "frontends",
    "topics",
    "file_systems",
    "buckets",
    "tables",
    "jobs",
    "functions",
)
LineOf = Callable[[Loc], int | None]


def check_references(design: Design, file: str, line_of: LineOf) -> None:
    """Raise the first SpecError found, in document order of the checks."""
    for loc, message in _problems(design):
        raise SpecError(file, format_loc(loc), message, line_of(loc))


def _problems(design: Design) -> Iterator[tuple[Loc, str]]:
    yield from _unique_names(design)
    yield from _service_links(design)
    yield from _frontends(design)
    yield from kinds_problems(design)
    yield from _builds(design)
    yield from variable_problems(design)
    yield from _environments(design)
    yield from _observability(design)
    yield from ci_problems(design.ci)
    yield from aws_limits(design)
    yield from security_problems(design)


def _unique_names(design: Design) -> Iterator[tuple[Loc, str]]:
    seen: dict[str, str] = {}
    for kind in COMPONENT_LISTS:
        for i, item in enumerate(getattr(design, kind)):
            where = f"{kind}[{i}]"
            if item.name in seen:
                yield (
                    (kind, i, "name"),
                    f"duplicate name {item.name!r} (already used by {seen[item.name]}); names must be unique",
                )
            seen.setdefault(item.name, where)


def _known(design: Design, kind: str) -> list[str]:
    return [item.name for item in getattr(design, kind)]


def _unknown(ref: str, design: Design, kind: str) -> str:
    names = ", ".join(_known(design, kind)) or "none are defined"
    return f"unknown {kind[:-1]} {ref!r}; defined {kind}: {names}"


def _service_links(design: Design) -> Iterator[tuple[Loc, str]]:
    patterns: dict[str, str] = {}
    for i, svc in enumerate(design.services):
        loc: Loc = ("services", i)
        if svc.image is None and svc.build is None:
            yield (*loc, "image"), f"service {svc.name!r} has neither 'image' nor 'build'; give one of them"
        if svc.image is not None and svc.build is not None:
            yield (*loc, "image"), f"service {svc.name!r} has both 'image' and 'build'; give one of them"
        if svc.type == "http" and svc.port is None:
            yield (*loc, "port"), "an http service needs a 'port' (the container port the ALB forwards to)"
        if svc.type == "worker":
            if svc.queue is None:
                yield (
                    (*loc, "queue"),
                    "a worker needs a 'queue' to consume; defined queues: "
                    + (", ".join(_known(design, "queues")) or "none"),
                )
            if svc.port is not None or svc.path_patterns:
                yield (*loc, "port"), "a worker takes no 'port' or 'path_patterns'; it is not behind the ALB"
            yield from _unused(
                svc,
                loc,
                ("health_check_path", "scaling"),
                "a worker (it is not behind the ALB and scales on its queue's backlog)",
            )
        if svc.queue and svc.queue not in _known(design, "queues"):  # the other lists: kinds_checks
            yield (*loc, "queue"), _unknown(svc.queue, design, "queues")
        for j, pattern in enumerate(svc.path_patterns):
            if pattern in patterns:
                yield (
                    (*loc, "path_patterns", j),
                    f"path {pattern!r} is already routed to {patterns[pattern]!r}",
                )
            patterns[pattern] = svc.name


def _frontends(design: Design) -> Iterator[tuple[Loc, str]]:
    for i, fe in enumerate(design.frontends):
        loc: Loc = ("frontends", i)
        if fe.hosting == "container" and fe.port is None:
            yield (
                (*loc, "port"),
                "a container frontend needs a 'port' (the container port the ALB forwards to)",
            )
        if fe.hosting == "static" and (fe.port is not None or fe.path_patterns):
            yield (
                (*loc, "port"),
                "a static frontend takes no 'port' or 'path_patterns'; use hosting: container",
            )
        if fe.hosting == "static":
            yield from _unused(
                fe, loc, ("image",), "a static frontend (CloudFront serves the files 'build' makes)"
            )
            if fe.build is None:
                yield (
                    (*loc, "build"),
                    "a static frontend needs 'build': the CI and docker-compose build its files",
                )
        else:
            yield from _unused(
                fe, loc, ("api_path",), "a container frontend (the ALB routes its path_patterns)"
            )
            if (fe.build is None) == (fe.image is None):
                yield (*loc, "image"), f"container frontend {fe.name!r} needs one of 'image' or 'build'"
        if fe.hosting == "static" and fe.api_path and not design.http_services():
            yield (
                (*loc, "api_path"),
                "api_path forwards to the ALB, but the design has no http service; set it to null",
            )


def _environments(design: Design) -> Iterator[tuple[Loc, str]]:
    if not design.aws_environments():
        yield (
            ("environments",),
            "no environment has platform 'aws'; at least one (e.g. staging or prod) is needed",
        )
    for name, env in design.environments.items():
        loc: Loc = ("environments", name)
        if env.is_aws:
            yield from _aws_target(loc, env)
            yield from _sizing(design, loc, env)
            yield from kinds_sizing(design, loc, env)
        else:
            aws_only = sorted(set(env.model_fields_set) - {"platform"})
            if aws_only:
                yield (
                    (*loc, aws_only[0]),
                    f"'{aws_only[0]}' does nothing for a docker-compose environment; only platform: aws "
                    "environments take it",
                )


def _aws_target(loc: Loc, env: Environment) -> Iterator[tuple[Loc, str]]:
    for key in ("account", "region"):
        if getattr(env, key) is None:
            yield (*loc, key), f"an aws environment needs '{key}' (it is never looked up)"
    if len(env.availability_zones) < 2:
        yield (
            (*loc, "availability_zones"),
            (
                f"{list(env.availability_zones)} lists {len(env.availability_zones)} zone(s); "
                "an aws environment needs at least 2 (RDS and the ALB span two zones)"
            ),
        )
    if env.availability_zones and env.nat_gateways > len(env.availability_zones):
        yield (
            (*loc, "nat_gateways"),
            (
                f"{env.nat_gateways} NAT gateways but {len(env.availability_zones)} zones; allowed: 0-{len(env.availability_zones)}"
            ),
        )
    if env.log_retention_days not in LOG_RETENTION_DAYS:
        yield (
            (*loc, "log_retention_days"),
            (
                f"{env.log_retention_days} is not a CloudWatch Logs retention; allowed: "
                + ", ".join(str(d) for d in LOG_RETENTION_DAYS)
            ),
        )


def _sizing(design: Design, loc: Loc, env: Environment) -> Iterator[tuple[Loc, str]]:
    for key, wanted in (
        ("services", design.sized_names()),
        ("databases", tuple(d.name for d in design.databases)),
        ("caches", tuple(c.name for c in design.caches)),
    ):
        given = getattr(env, key)
        for name in wanted:
            if name not in given:
                yield (
                    (*loc, key),
                    f"no sizing for {name!r}; every {key[:-1]} needs a size in every aws environment",
                )
        for name in given:
            if name not in wanted:
                yield (
                    (*loc, key, name),
                    f"sizing for unknown {key[:-1]} {name!r}; known: {', '.join(wanted) or 'none'}",
                )
    for name, size in env.services.items():
        sloc: Loc = (*loc, "services", name)
        if size.cpu not in VALID_COMBINATIONS:
            yield (
                (*sloc, "cpu"),
                f"{size.cpu} is not a Fargate CPU value; allowed: {describe_allowed(size.cpu)}",
            )
        elif size.memory not in allowed_memory(size.cpu):
            yield (
                (*sloc, "memory"),
                (
                    f"{size.memory} MiB is not valid with cpu {size.cpu} on Fargate; allowed: {describe_allowed(size.cpu)} MiB"
                ),
            )
        if not size.min <= size.desired <= size.max:
            yield sloc, f"min {size.min} <= desired {size.desired} <= max {size.max} does not hold"


def _observability(design: Design) -> Iterator[tuple[Loc, str]]:
    obs = design.observability
    for env_name, region in obs.backup.cross_region_copy.items():
        loc: Loc = ("observability", "backup", "cross_region_copy", env_name)
        env = design.environments.get(env_name)
        if env is None or not env.is_aws:
            known = ", ".join(sorted(design.aws_environments())) or "none"
            yield loc, f"unknown aws environment {env_name!r}; aws environments: {known}"
        elif region == env.region:
            yield loc, f"{region!r} is the environment's own region; a cross-region copy needs another region"
    seen: set[tuple[str | None, str]] = set()
    for i, metric in enumerate(obs.business_metrics):
        key = (metric.namespace, metric.name)
        if key in seen:
            yield (
                ("observability", "business_metrics", i, "name"),
                (f"duplicate business metric {metric.name!r}"),
            )
        seen.add(key)


def _unused(
    item: Service | Frontend, loc: Loc, keys: tuple[str, ...], what: str
) -> Iterator[tuple[Loc, str]]:
    """Keys the spec sets that the stacks ignore for this kind of workload: an error, never silently dropped."""
    for key in keys:
        if key in item.model_fields_set:
            yield (*loc, key), f"'{key}' does nothing for {what}; remove it"


def _builds(design: Design) -> Iterator[tuple[Loc, str]]:
    for kind in ("services", "frontends", "jobs", "functions"):
        for i, item in enumerate(getattr(design, kind)):
            build = item.build
            if build is not None and (build.startswith("/") or ".." in build.split("/")):
                yield (
                    (kind, i, "build"),
                    f"{build!r} leaves the repository; allowed: a path inside it, such as ./{item.name}",
                )
