"""Checks of jobs, functions, topics, file systems, buckets and tables, and of what every workload uses: each
problem is (field path, one-line message naming the value and what is allowed), like designspec/references.py."""

from __future__ import annotations

from collections.abc import Iterator

from designspec.fargate import VALID_COMBINATIONS, allowed_memory, describe_allowed
from designspec.kinds import (
    HTTP_API_TIMEOUT_S,
    LAMBDA_MEMORY_MB,
    LAMBDA_TIMEOUT_S,
    TRIGGER_KINDS,
    TRIGGER_OPTIONS,
    Function,
    Job,
    Trigger,
    Uses,
)
from designspec.model import Design, Environment, Frontend
from designspec.schedules import schedule_problem, time_zone_problem
from designspec.wiring import workloads

Loc = tuple[str | int, ...]
# Lambda sets these itself; a function's configuration may not (Lambda developer guide, "Reserved environment
# variables").
LAMBDA_RESERVED = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_DEFAULT_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_LAMBDA_RUNTIME_API",
        "AWS_REGION",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "LAMBDA_RUNTIME_DIR",
        "LAMBDA_TASK_ROOT",
    }
)
# What each list of a workload refers to: (field, spec list of the components it names).
REFERENCES = (
    ("sends_to", "queues"),
    ("publishes_to", "topics"),
    ("databases", "databases"),
    ("caches", "caches"),
    ("secrets", "secrets"),
    ("buckets", "buckets"),
    ("tables", "tables"),
)
SQS_FIFO_BATCH = 10
ALB_CONDITION_VALUES = 5  # ALB quotas: condition values per rule (as designspec/limits.py)  # Lambda reads at most 10 messages at a time from a FIFO queue


def kinds_problems(design: Design) -> Iterator[tuple[Loc, str]]:
    yield from _references(design)
    yield from _static_frontends(design)
    yield from _queues(design)
    yield from _buckets(design)
    for i, job in enumerate(design.jobs):
        yield from _job(design, ("jobs", i), job)
    for i, fn in enumerate(design.functions):
        yield from _function(design, ("functions", i), fn)


def _known(design: Design, kind: str) -> list[str]:
    return [item.name for item in getattr(design, kind)]


def _unknown(ref: str, design: Design, kind: str, what: str = "") -> str:
    names = ", ".join(_known(design, kind)) or "none are defined"
    return f"unknown {what or kind[:-1].replace('_', ' ')} {ref!r}; defined {kind.replace('_', ' ')}: {names}"


def _references(design: Design) -> Iterator[tuple[Loc, str]]:
    for kind, i, w in workloads(design):
        for key, target in REFERENCES:
            for j, ref in enumerate(getattr(w, key)):
                if ref not in _known(design, target):
                    loc: Loc = (kind, i, key, ref) if isinstance(getattr(w, key), dict) else (kind, i, key, j)
                    yield loc, _unknown(ref, design, target)
        paths: dict[str, int] = {}
        for j, mount in enumerate(w.mounts):
            loc = (kind, i, "mounts", j)
            if mount.file_system not in _known(design, "file_systems"):
                yield (*loc, "file_system"), _unknown(mount.file_system, design, "file_systems")
            if mount.path in paths:
                yield (*loc, "path"), f"{mount.path!r} is already the path of mounts[{paths[mount.path]}]"
            paths.setdefault(mount.path, j)
        if kind == "functions" and w.mounts:
            yield (
                (kind, i, "mounts"),
                "file systems mount into services, jobs and container front ends; a function takes none",
            )


def _static_frontends(design: Design) -> Iterator[tuple[Loc, str]]:
    """A static front end is files on S3 behind CloudFront: nothing runs, so it uses and mounts nothing."""
    for i, fe in enumerate(design.frontends):
        if fe.hosting != "static":
            continue
        for key in (*Uses.model_fields, "health_check_path", "scaling"):
            if key in ("seq", "requirements") or key not in fe.model_fields_set:
                continue
            if key == "mounts":
                yield (
                    ("frontends", i, "mounts"),
                    "a static front end is files on S3 behind CloudFront and mounts nothing; allowed: mounts "
                    "on services, jobs and container front ends (hosting: container)",
                )
            else:
                yield (
                    ("frontends", i, key),
                    f"'{key}' does nothing for a static frontend (CloudFront serves its files; nothing runs); "
                    "remove it or use hosting: container",
                )


def _queues(design: Design) -> Iterator[tuple[Loc, str]]:
    for i, q in enumerate(design.queues):
        if q.content_based_deduplication and not q.fifo:
            yield (
                ("queues", i, "content_based_deduplication"),
                "content-based deduplication is for FIFO queues only; set fifo: true or remove it",
            )


def _buckets(design: Design) -> Iterator[tuple[Loc, str]]:
    for i, b in enumerate(design.buckets):
        life, loc = b.lifecycle, ("buckets", i, "lifecycle")
        ia = life.transition_to_ia_days
        if life.expire_days is not None and ia is not None and life.expire_days <= ia:
            yield (
                (*loc, "expire_days"),
                f"{life.expire_days} days expires objects before or when they move to Standard-IA "
                f"(transition_to_ia_days {ia}); allowed: more than {ia}",
            )
        if (
            not b.versioned
            and "noncurrent_expire_days" in life.model_fields_set
            and life.noncurrent_expire_days
        ):
            yield (
                (*loc, "noncurrent_expire_days"),
                "an unversioned bucket keeps no noncurrent versions; set versioned: true or remove it",
            )


def _image_or_build(loc: Loc, item: Job) -> Iterator[tuple[Loc, str]]:
    if (item.image is None) == (item.build is None):
        yield (*loc, "image"), f"job {item.name!r} needs exactly one of 'image' or 'build'"


def _schedule(loc: Loc, expression: str | None, zone: str | None) -> Iterator[tuple[Loc, str]]:
    if expression is not None:
        problem = schedule_problem(expression)
        if problem:
            yield (*loc, "schedule"), problem
    if zone is not None:
        problem = time_zone_problem(zone)
        if problem:
            yield (*loc, "time_zone"), problem


def _job(design: Design, loc: Loc, job: Job) -> Iterator[tuple[Loc, str]]:
    yield from _image_or_build(loc, job)
    yield from _schedule(loc, job.schedule, job.time_zone)


def _function(design: Design, loc: Loc, fn: Function) -> Iterator[tuple[Loc, str]]:
    if fn.package == "zip":
        for key in ("handler", "runtime"):
            if getattr(fn, key) is None:
                yield (*loc, key), f"a zip function needs '{key}' (or package: image with a Dockerfile)"
    else:
        for key in ("handler", "runtime"):
            if getattr(fn, key) is not None:
                yield (*loc, key), f"'{key}' does nothing for package: image (the image's CMD names it)"
    yield from _lambda_limits(loc, fn.memory_mb, fn.timeout_seconds)
    stores = [f"database {d!r}" for d in fn.databases] + [f"cache {c!r}" for c in fn.caches]
    if fn.vpc is False and stores:
        yield (
            (*loc, "vpc"),
            f"vpc: false, but the function uses {stores[0]}, which is reachable only inside the VPC; "
            "allowed: vpc: true, or leave vpc out (a function using a database or cache runs in the VPC)",
        )
    for name in fn.environment:
        if name in LAMBDA_RESERVED:
            yield (*loc, "environment", name), f"{name} is reserved by Lambda, which sets it; remove it"
    seen: dict[str, int] = {}
    for j, trigger in enumerate(fn.triggers):
        yield from _trigger(design, (*loc, "triggers", j), fn, trigger)
        key = trigger_key(trigger)
        if key in seen:
            yield (*loc, "triggers", j), f"the same trigger as triggers[{seen[key]}] ({key}); give each once"
        seen.setdefault(key, j)


def _lambda_limits(loc: Loc, memory: int | None, timeout: int | None) -> Iterator[tuple[Loc, str]]:
    low, high = LAMBDA_MEMORY_MB
    if memory is not None and not low <= memory <= high:
        yield (*loc, "memory_mb"), f"{memory} MB is outside Lambda's limits; allowed: {low}-{high} MB"
    low, high = LAMBDA_TIMEOUT_S
    if timeout is not None and not low <= timeout <= high:
        yield (*loc, "timeout_seconds"), f"{timeout} s is outside Lambda's limits; allowed: {low}-{high} s"


def _trigger(design: Design, loc: Loc, fn: Function, t: Trigger) -> Iterator[tuple[Loc, str]]:
    given = [k for k in TRIGGER_KINDS if getattr(t, k) is not None]
    if len(given) != 1:
        yield (
            loc,
            (
                f"a trigger names exactly one of {', '.join(TRIGGER_KINDS)}; this one names "
                + (", ".join(given) if given else "none")
            ),
        )
        return
    kind = given[0]
    for key in sorted(t.model_fields_set - {kind, *TRIGGER_OPTIONS[kind]}):
        yield (*loc, key), f"'{key}' does nothing for a {kind} trigger; it takes: {_options(kind)}"
    if kind in ("queue", "bucket", "topic", "table"):
        target = {"queue": "queues", "bucket": "buckets", "topic": "topics", "table": "tables"}[kind]
        if getattr(t, kind) not in _known(design, target):
            yield (*loc, kind), _unknown(getattr(t, kind), design, target)
            return
    yield from {
        "queue": _queue_trigger,
        "schedule": _schedule_trigger,
        "table": _table_trigger,
        "http": _http_trigger,
        "bucket": _no_more,
        "topic": _no_more,
    }[kind](design, loc, fn, t)


def trigger_key(t: Trigger) -> str:
    """What a trigger names: two triggers naming the same thing would be one event source twice (and one
    construct id, stacks/triggers.py)."""
    for kind in ("queue", "bucket", "topic", "table"):
        if getattr(t, kind) is not None:
            return f"{kind} {getattr(t, kind)}"
    if t.schedule is not None:
        return f"schedule {t.schedule} in {t.time_zone or 'UTC'}"
    return f"http {t.http}"


def _options(kind: str) -> str:
    return ", ".join((kind, *TRIGGER_OPTIONS[kind]))


def _no_more(design: Design, loc: Loc, fn: Function, t: Trigger) -> Iterator[tuple[Loc, str]]:
    return iter(())


def _queue_trigger(design: Design, loc: Loc, fn: Function, t: Trigger) -> Iterator[tuple[Loc, str]]:
    queue = next(q for q in design.queues if q.name == t.queue)
    if queue.fifo and t.batch_size is not None and t.batch_size > SQS_FIFO_BATCH:
        yield (*loc, "batch_size"), f"{t.batch_size} messages; a FIFO queue feeds at most {SQS_FIFO_BATCH}"
    if queue.visibility_timeout_seconds < fn.timeout_seconds:
        yield (
            (*loc, "queue"),
            f"queue {queue.name!r} hides a message for {queue.visibility_timeout_seconds} s, less than the "
            f"function's timeout_seconds {fn.timeout_seconds}; Lambda refuses the mapping: raise the queue's "
            "visibility_timeout_seconds or lower the timeout",
        )
    workers = [s.name for s in design.workers() if s.queue == queue.name]
    if workers:
        yield (*loc, "queue"), f"queue {queue.name!r} is already consumed by worker {workers[0]!r}"


def _schedule_trigger(design: Design, loc: Loc, fn: Function, t: Trigger) -> Iterator[tuple[Loc, str]]:
    yield from _schedule(loc, t.schedule, t.time_zone)


def _table_trigger(design: Design, loc: Loc, fn: Function, t: Trigger) -> Iterator[tuple[Loc, str]]:
    table = next(x for x in design.tables if x.name == t.table)
    if table.stream is None:
        yield (
            (*loc, "table"),
            f"table {table.name!r} has no stream; set its 'stream' (e.g. new-and-old-images) to trigger on it",
        )
    if t.batch_size is not None and t.batch_size > 10000:
        yield (*loc, "batch_size"), "a stream feeds at most 10000 records at a time"


def _http_trigger(design: Design, loc: Loc, fn: Function, t: Trigger) -> Iterator[tuple[Loc, str]]:
    if t.http == "alb":
        taken = {
            p: w.name
            for w in (*design.http_services(), *design.container_frontends())
            for p in w.path_patterns
        }
        patterns = t.path_patterns or (f"/{fn.name}/*",)
        for j, pattern in enumerate(t.path_patterns):
            if pattern in taken:
                yield (*loc, "path_patterns", j), f"path {pattern!r} is already routed to {taken[pattern]!r}"
        if len(patterns) > ALB_CONDITION_VALUES:
            yield (
                (*loc, "path_patterns"),
                f"{len(patterns)} path patterns; an ALB listener rule takes at most {ALB_CONDITION_VALUES} "
                "condition values (use wildcards, e.g. /api/*)",
            )
    if t.http == "alb" and t.routes:
        yield (*loc, "routes"), "'routes' is for http: http-api; the ALB routes path_patterns"
    if t.http == "http-api":
        if t.path_patterns:
            yield (*loc, "path_patterns"), "'path_patterns' is for http: alb; an HTTP API takes routes"
        if fn.timeout_seconds > HTTP_API_TIMEOUT_S:
            yield (
                (*loc, "http"),
                f"an HTTP API waits at most {HTTP_API_TIMEOUT_S} s for a function, but timeout_seconds is "
                f"{fn.timeout_seconds}; allowed: 1-{HTTP_API_TIMEOUT_S}, or http: alb",
            )


# --- per-environment sizing ----------------------------------------------------------------------


def kinds_sizing(design: Design, loc: Loc, env: Environment) -> Iterator[tuple[Loc, str]]:
    """Every job sized like a service; function and table entries only for known ones, with valid values."""
    jobs = [j.name for j in design.jobs]
    for name in jobs:
        if name not in env.jobs:
            yield (*loc, "jobs"), f"no sizing for {name!r}; every job needs a size in every aws environment"
    for name, size in env.jobs.items():
        sloc: Loc = (*loc, "jobs", name)
        if name not in jobs:
            yield sloc, f"sizing for unknown job {name!r}; known: {', '.join(jobs) or 'none'}"
        elif size.cpu not in VALID_COMBINATIONS:
            yield (
                (*sloc, "cpu"),
                f"{size.cpu} is not a Fargate CPU value; allowed: {describe_allowed(size.cpu)}",
            )
        elif size.memory not in allowed_memory(size.cpu):
            yield (
                (*sloc, "memory"),
                f"{size.memory} MiB is not valid with cpu {size.cpu} on Fargate; allowed: "
                f"{describe_allowed(size.cpu)} MiB",
            )
    functions = [f.name for f in design.functions]
    for name, fsize in env.functions.items():
        floc: Loc = (*loc, "functions", name)
        if name not in functions:
            yield floc, f"sizing for unknown function {name!r}; known: {', '.join(functions) or 'none'}"
        yield from _lambda_limits(floc, fsize.memory_mb, None)
    yield from _table_sizing(design, loc, env)


def _table_sizing(design: Design, loc: Loc, env: Environment) -> Iterator[tuple[Loc, str]]:
    tables = {t.name: t for t in design.tables}
    for name, table in tables.items():
        if table.billing == "provisioned" and name not in env.tables:
            yield (
                (*loc, "tables"),
                f"no capacity for provisioned table {name!r}; give read_capacity and write_capacity",
            )
    for name, size in env.tables.items():
        tloc: Loc = (*loc, "tables", name)
        if name not in tables:
            yield tloc, f"sizing for unknown table {name!r}; known: {', '.join(tables) or 'none'}"
            continue
        given = size.read_capacity is not None or size.write_capacity is not None
        if tables[name].billing == "on-demand" and given:
            yield tloc, f"table {name!r} is billed on-demand; capacity is for billing: provisioned"
        if tables[name].billing == "provisioned" and (
            size.read_capacity is None or size.write_capacity is None
        ):
            yield tloc, f"provisioned table {name!r} needs both read_capacity and write_capacity"


def mountable(workload: object) -> bool:
    return not (isinstance(workload, Frontend) and workload.hosting == "static")
