"""The ALB's listener rules, decided once from the spec: which workload gets which path patterns at which
priority. The stacks build the rules from it and the dev proxy (generators/proxy.py) routes by the same table."""

from __future__ import annotations

from dataclasses import dataclass

from designspec.model import Design


@dataclass(frozen=True)
class RouteSpec:
    priority: int
    path_patterns: tuple[str, ...]
    health_check_path: str  # "" for a Lambda target (the ALB does not health-check it here)


def route_table(design: Design) -> dict[str, RouteSpec]:
    """Listener rule priorities for every ALB-routed workload: most specific paths first, ties by name."""
    routed: list[tuple[str, tuple[str, ...], str]] = []
    for svc in design.http_services():
        routed.append((svc.name, svc.path_patterns or (f"/{svc.name}/*",), svc.health_check_path))
    for fe in design.container_frontends():
        routed.append((fe.name, fe.path_patterns or (f"/{fe.name}/*",), fe.health_check_path))
    for fn in design.functions:
        for t in fn.triggers:
            if t.http == "alb":
                routed.append((fn.name, t.path_patterns or (f"/{fn.name}/*",), ""))
    ordered = sorted(routed, key=lambda r: (-max(len(p.rstrip("*")) for p in r[1]), r[0]))
    return {
        name: RouteSpec(10 * (i + 1), patterns, health) for i, (name, patterns, health) in enumerate(ordered)
    }
