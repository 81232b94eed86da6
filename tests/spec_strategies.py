"""Hypothesis strategies: valid design specs built from the model's own rules, and mutants of design.yaml.

`designs()` draws the components, their references and every AWS environment's sizing from the values the
model allows (Fargate's CPU/memory pairs, the regions data file, the VPC prefixes the subnet plan fits), so every
draw should load; a draw the loader rejects is a bug in the loader or in this strategy.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import yaml
from hypothesis import strategies as st

from designspec.fargate import VALID_COMBINATIONS
from designspec.model import LOG_RETENTION_DAYS
from designspec.network import smallest_prefix
from designspec.regions import regions
from designspec.security import cloudfront_prefix_lists
from tests.conftest import ROOT
from tests.spec_mutations import mutate

NAME = st.from_regex(r"[a-z][a-z0-9]{1,7}", fullmatch=True)
TEXT = st.text(st.characters(codec="utf-8", categories=("L", "N", "Zs", "P")), max_size=40)
DESIGN_TEXT = (ROOT / "design.yaml").read_text(encoding="utf-8")


def mutants() -> st.SearchStrategy[str]:
    """design.yaml after 1-3 random mutations (tests/spec_mutations.py), replayable and shrinkable."""
    return st.randoms(use_true_random=False).map(lambda rng: mutate(rng, DESIGN_TEXT))


@st.composite
def designs(draw: st.DrawFn, rich: bool = False) -> str:
    """The YAML text of a valid design; `rich`: at least one component of every kind (for sampled synths,
    whose first draw is hypothesis's simplest one)."""
    least = 1 if rich else 0
    names = iter(draw(st.lists(NAME, min_size=14, max_size=14, unique=True)))
    data: dict[str, Any] = {"project": draw(st.from_regex(r"[a-z](-?[a-z0-9]){1,10}", fullmatch=True))}
    if draw(st.booleans()):
        data["description"] = draw(TEXT)
    data["databases"] = [
        {"name": next(names), "engine_version": draw(st.sampled_from(["16", "17"]))}
        for _ in range(draw(st.integers(least, 2)))
    ]
    data["caches"] = [{"name": next(names)} for _ in range(draw(st.integers(least, 1)))]
    data["queues"] = [_queue(draw, next(names)) for _ in range(draw(st.integers(least, 2)))]
    data["secrets"] = [
        {"name": next(names), "description": draw(TEXT)} for _ in range(draw(st.integers(least, 2)))
    ]
    data["services"] = [_service(draw, data, next(names), i) for i in range(draw(st.integers(1 + least, 3)))]
    data["frontends"] = [_frontend(draw, data, next(names), i) for i in range(draw(st.integers(least, 2)))]
    data["environments"] = {"dev": {"platform": "docker-compose"}}
    for env in draw(
        st.lists(st.sampled_from(["staging", "prod", "qa"]), min_size=1, max_size=2, unique=True)
    ):
        data["environments"][env] = _environment(draw, data)
    data["observability"] = {
        "tracing": {"enabled": draw(st.booleans()), "sampling_rate": draw(st.floats(0, 1))},
        "backup": {
            "retention_days": draw(st.integers(1, 36500)),
            "daily_at_utc_hour": draw(st.integers(0, 23)),
        },
        "on_call": _on_call(draw),
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _on_call(draw: st.DrawFn) -> dict[str, Any]:
    """Every severity reaches someone (the spec refuses a topic nobody hears): e-mails, or a paging service."""
    severities = ["P1", "P2", "P3", "P4"]
    if draw(st.booleans()):
        return {"notify": {s: ["oncall@example.com"] for s in severities}}
    return {"paging": {"url_secret": "pager/events-url", "severities": severities}}


def _queue(draw: st.DrawFn, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "fifo": draw(st.booleans()),
        "visibility_timeout_seconds": draw(st.integers(0, 43200)),
        "retention_days": draw(st.integers(1, 14)),
        "max_receive_count": draw(st.integers(1, 1000)),
        "backlog_per_task": draw(st.integers(1, 1000)),
    }


def _subset(draw: st.DrawFn, data: dict[str, Any], kind: str) -> list[str]:
    return draw(st.lists(st.sampled_from([c["name"] for c in data[kind]]), unique=True)) if data[kind] else []


def _service(draw: st.DrawFn, data: dict[str, Any], name: str, i: int) -> dict[str, Any]:
    worker = bool(data["queues"]) and draw(st.booleans())
    svc: dict[str, Any] = {"name": name, "type": "worker" if worker else "http"}
    if draw(st.booleans()):
        svc["build"] = f"./{name}"
    else:
        svc["image"] = draw(
            st.sampled_from(["nginx:1.27", "ghcr.io/example/app:v1", "public.ecr.aws/a/b:latest"])
        )
    if worker:
        svc["queue"] = draw(st.sampled_from([q["name"] for q in data["queues"]]))
    else:
        svc["port"] = 8000 + i  # unique, so docker-compose can publish each
        svc["health_check_path"] = draw(st.sampled_from(["/health", "/", "/ready?full=1", "/" + "h" * 127]))
        svc["path_patterns"] = [f"/{name}/p{k}/*" for k in range(draw(st.integers(0, 5)))]
        if draw(st.booleans()):
            svc["scaling"] = {
                "cpu_target": draw(st.floats(1, 100)),
                "memory_target": draw(st.integers(1, 100)),
            }
    for key in ("databases", "caches", "secrets"):
        svc[key] = _subset(draw, data, key)
    svc["sends_to"] = _subset(draw, data, "queues")
    svc["environment"] = {f"SETTING_{k}": draw(TEXT) for k in range(draw(st.integers(0, 3)))}
    return svc


def _frontend(draw: st.DrawFn, data: dict[str, Any], name: str, i: int) -> dict[str, Any]:
    has_api = any(s["type"] == "http" for s in data["services"])
    if draw(st.booleans()):
        fe: dict[str, Any] = {"name": name, "hosting": "static", "build": f"./{name}"}
        fe["api_path"] = (
            draw(st.sampled_from(["/api/*", "api/v1/*"])) if has_api and draw(st.booleans()) else None
        )
        return fe
    fe = {"name": name, "hosting": "container", "port": 3000 + i}
    fe["path_patterns"] = [f"/{name}/*"]
    if draw(st.booleans()):
        fe["build"] = f"./{name}"
    else:
        fe["image"] = "nginx:1.27"
    return fe


def _environment(draw: st.DrawFn, data: dict[str, Any]) -> dict[str, Any]:
    # a region whose CloudFront origin-facing prefix list is known: the ALB admits only that list
    region = draw(st.sampled_from(sorted(set(regions()) & set(cloudfront_prefix_lists()))))
    zones = draw(st.lists(st.sampled_from(regions()[region]), min_size=2, max_size=3, unique=True))
    prefix = draw(st.integers(16, smallest_prefix(len(zones))))
    block = draw(st.integers(0, 2 ** (prefix - 8) - 1))
    cidr = ipaddress.ip_network((int(ipaddress.ip_address("10.0.0.0")) + (block << (32 - prefix)), prefix))
    env: dict[str, Any] = {
        "platform": "aws",
        "account": draw(st.from_regex(r"[0-9]{12}", fullmatch=True)),
        "region": region,
        "availability_zones": zones,
        "vpc_cidr": str(cidr),
        "nat_gateways": draw(st.integers(1, len(zones))),
        "log_retention_days": draw(st.sampled_from(LOG_RETENTION_DAYS)),
        "services": {},
        "databases": {},
        "caches": {},
    }
    for name in [s["name"] for s in data["services"]] + [
        f["name"] for f in data["frontends"] if f["hosting"] == "container"
    ]:
        env["services"][name] = _sizing(draw)
    for db in data["databases"]:
        allocated = draw(st.integers(20, 500))
        env["databases"][db["name"]] = {
            "instance_class": draw(st.sampled_from(["db.t4g.micro", "db.t4g.medium", "db.m7g.large"])),
            "allocated_storage_gb": allocated,
            "max_allocated_storage_gb": draw(st.none() | st.integers(-(-allocated * 11 // 10), 65536)),
            "multi_az": draw(st.booleans()),
            "backup_retention_days": draw(st.integers(1, 35)),
        }
    for cache in data["caches"]:
        env["caches"][cache["name"]] = {"node_type": "cache.t4g.micro", "replicas": draw(st.integers(0, 2))}
    if draw(st.booleans()):
        env["budget"] = {
            "monthly_limit_usd": draw(st.floats(1, 1e6)),
            "thresholds_percent": draw(st.lists(st.integers(1, 100), min_size=1, max_size=10, unique=True)),
            "emails": ["ops@example.com"],
        }
    return env


def _sizing(draw: st.DrawFn) -> dict[str, Any]:
    cpu = draw(st.sampled_from(sorted(VALID_COMBINATIONS)))
    low, high = sorted(draw(st.lists(st.integers(0, 20), min_size=2, max_size=2)))
    return {
        "cpu": cpu,
        "memory": draw(st.sampled_from(VALID_COMBINATIONS[cpu])),
        "min": low,
        "desired": draw(st.integers(low, high)),
        "max": max(high, 1),
        "architecture": draw(st.sampled_from(["arm64", "x86_64"])),
    }
