"""A generated 60-service design (40 HTTP services, 20 queue workers) for the scale synth and benchmark."""

from __future__ import annotations

from typing import Any

import yaml

HTTP_SERVICES = 40
WORKERS = 20


def _http_service(n: int) -> dict[str, Any]:
    name = f"svc{n:02d}"
    service: dict[str, Any] = {
        "name": name,
        "type": "http",
        "build": f"./services/{name}",
        "port": 8000 + n,  # unique, so the dev compose file can publish every service on its own host port
        "health_check_path": "/health",
        "path_patterns": [f"/{name}/*"],
        "secrets": ["session-signing-key"],
        "environment": {"LOG_LEVEL": "info"},
        "description": f"HTTP service {n} of {HTTP_SERVICES}",
        "seq": 1,
        "requirements": ["REQ-001-DEP-001"],
    }
    # Only some services use the database and the cache: a security group allows 60 inbound rules by default,
    # and every user of the database adds one to its group.
    if n % 2 == 0:
        service["databases"] = ["appdb"]
    if n % 3 == 0:
        service["caches"] = ["cache"]
    if n % 4 == 0:
        service["sends_to"] = [_queue_name((n // 4 - 1) % WORKERS + 1)]
    return service


def _queue_name(n: int) -> str:
    return f"wrk{n:02d}-tasks"


def _worker(n: int) -> dict[str, Any]:
    name = f"wrk{n:02d}"
    worker: dict[str, Any] = {
        "name": name,
        "type": "worker",
        "build": f"./workers/{name}",
        "queue": _queue_name(n),
        "secrets": ["llm-api-key"],
        "environment": {"LOG_LEVEL": "info"},
        "description": f"Worker {n} of {WORKERS}; consumes {_queue_name(n)}",
        "seq": 2,
        "requirements": ["REQ-002-DEP-001"],
    }
    if n % 2 == 1:
        worker["databases"] = ["appdb"]
    return worker


def _queues() -> list[dict[str, Any]]:
    return [
        {
            "name": _queue_name(n),
            "visibility_timeout_seconds": 600,
            "seq": 2,
            "requirements": ["REQ-002-DEP-001"],
        }
        for n in range(1, WORKERS + 1)
    ]


def _sizes(names: list[str], workers: list[str], *, prod: bool) -> dict[str, dict[str, Any]]:
    sizes: dict[str, dict[str, Any]] = {}
    for name in names:
        if prod:
            sizes[name] = {
                "cpu": 512,
                "memory": 1024,
                "desired": 2,
                "min": 2,
                "max": 6,
                "architecture": "arm64",
            }
        else:
            low = 0 if name in workers else 1
            sizes[name] = {
                "cpu": 256,
                "memory": 512,
                "desired": 1,
                "min": low,
                "max": 2,
                "architecture": "arm64",
            }
    return sizes


def _environments(names: list[str], workers: list[str]) -> dict[str, Any]:
    """The same two AWS environments as design.yaml, with every service sized in each."""
    return {
        "dev": {"platform": "docker-compose"},
        "staging": {
            "platform": "aws",
            "account": "111111111111",
            "region": "us-east-1",
            "availability_zones": ["us-east-1a", "us-east-1b"],
            "vpc_cidr": "10.20.0.0/16",
            "nat_gateways": 1,
            "log_retention_days": 30,
            "services": _sizes(names, workers, prod=False),
            "databases": {
                "appdb": {
                    "instance_class": "db.t4g.small",
                    "allocated_storage_gb": 20,
                    "max_allocated_storage_gb": 50,
                    "multi_az": False,
                    "backup_retention_days": 7,
                    "deletion_protection": False,
                }
            },
            "caches": {
                "cache": {"node_type": "cache.t4g.micro", "replicas": 0, "snapshot_retention_days": 1}
            },
            "budget": {
                "monthly_limit_usd": 2000,
                "thresholds_percent": [80, 100],
                "emails": ["platform-team@example.com"],
            },
        },
        "prod": {
            "platform": "aws",
            "account": "222222222222",
            "region": "us-east-1",
            "availability_zones": ["us-east-1a", "us-east-1b", "us-east-1c"],
            "vpc_cidr": "10.30.0.0/16",
            "nat_gateways": 3,
            "log_retention_days": 90,
            "services": _sizes(names, workers, prod=True),
            "databases": {
                "appdb": {
                    "instance_class": "db.r6g.large",
                    "allocated_storage_gb": 200,
                    "max_allocated_storage_gb": 1000,
                    "multi_az": True,
                    "backup_retention_days": 14,
                    "deletion_protection": True,
                }
            },
            "caches": {
                "cache": {"node_type": "cache.r6g.large", "replicas": 1, "snapshot_retention_days": 7}
            },
            "budget": {
                "monthly_limit_usd": 15000,
                "thresholds_percent": [50, 80, 100],
                "emails": ["platform-team@example.com"],
            },
        },
    }


def sixty_service_design() -> dict[str, Any]:
    """The design as plain data (what the YAML says)."""
    services = [_http_service(n) for n in range(1, HTTP_SERVICES + 1)]
    services += [_worker(n) for n in range(1, WORKERS + 1)]
    names = [s["name"] for s in services]
    workers = [s["name"] for s in services if s["type"] == "worker"]
    return {
        "project": "acme-sixty",
        "description": "Scale test: 40 HTTP services behind one ALB and 20 queue workers.",
        "owner": "platform-team",
        "databases": [
            {
                "name": "appdb",
                "engine_version": "17",
                "database_name": "app",
                "seq": 1,
                "requirements": ["REQ-001-DEP-001"],
            }
        ],
        "caches": [{"name": "cache", "seq": 1, "requirements": ["REQ-001-DEP-002"]}],
        "queues": _queues(),
        "secrets": [
            {"name": "llm-api-key", "description": "API key of the language-model provider", "seq": 2},
            {"name": "session-signing-key", "description": "Key that signs user session tokens", "seq": 1},
        ],
        "services": services,
        "frontends": [
            {
                "name": "frontend-user",
                "hosting": "static",
                "build": "./frontend-user",
                "api_path": "/svc01/*",
                "description": "End-user app (SPA)",
                "seq": 1,
            }
        ],
        "environments": _environments(names, workers),
        "ci": {"platform": "github-actions", "default_branch": "main"},
    }


def sixty_service_design_yaml() -> str:
    """The 60-service design as YAML text, ready for `parse_design` or a file given to `cdk synth`."""
    return yaml.safe_dump(sixty_service_design(), sort_keys=False, width=120)


if __name__ == "__main__":
    print(sixty_service_design_yaml(), end="")
