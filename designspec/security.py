"""Security settings of a design: domain and protection per environment, WAF, encryption, compliance packs."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, get_args

import yaml
from pydantic import Field, StringConstraints

from designspec.base import Strict
from designspec.observability import RetentionDays

if TYPE_CHECKING:
    from designspec.model import Design

Loc = tuple[str | int, ...]

# A DNS label for a host in the zone; "@" is the zone apex itself.
HostLabel = Annotated[str, StringConstraints(pattern=r"^(@|[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)$")]
ZoneName = Annotated[
    str, StringConstraints(pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")
]
HostedZoneId = Annotated[str, StringConstraints(pattern=r"^Z[A-Z0-9]{1,32}$")]

# "production" turns on what only pays off where data and uptime matter: ALB deletion protection, RDS enhanced
# monitoring and Performance Insights. Decided per environment in the spec, never guessed from its name.
Protection = Literal["standard", "production"]

# Compliance packs cdk-nag 3 ships; aws-solutions always runs (see SecuritySpec.packs).
Pack = Literal["aws-solutions", "nist-800-53-r5", "hipaa", "pci-dss"]
PACKS: tuple[Pack, ...] = get_args(Pack)

Encryption = Literal["aws-managed", "customer-managed"]

APP_DISTRIBUTION = "app"  # the distribution in front of the ALB when no static site routes to it


class Domain(Strict):
    """A public Route 53 hosted zone the environment's names live in. Given in full: never looked up."""

    zone_id: HostedZoneId
    zone_name: ZoneName
    # Host label of each CloudFront distribution: a static frontend's name, or `app` for the distribution that
    # fronts the ALB (container frontends, or HTTP services no static site routes to). Default: the key itself.
    hosts: dict[str, HostLabel] = Field(default_factory=dict)
    # The internal ALB's name: CloudFront's VPC origin connects to it over HTTPS and checks its certificate.
    origin_host: HostLabel = "origin"

    def fqdn(self, label: str) -> str:
        return self.zone_name if label == "@" else f"{label}.{self.zone_name}"

    def host(self, distribution: str) -> str:
        """The viewer-facing name of a distribution (a static frontend's name or APP_DISTRIBUTION)."""
        return self.fqdn(self.hosts.get(distribution, distribution))

    @property
    def origin(self) -> str:
        return self.fqdn(self.origin_host)


class Waf(Strict):
    """The AWS WAF web ACL on every CloudFront distribution."""

    # Requests one client IP may send in any 5-minute window before WAF blocks it (WAF allows 10..2e9).
    rate_limit_per_5_minutes: int = Field(default=2000, ge=10, le=2_000_000_000)
    log_retention_days: RetentionDays | None = None  # null: observability.logging.retention_days.access


class SecuritySpec(Strict):
    """Design-wide security choices; per-environment ones (domain, protection) are on each environment."""

    waf: Waf = Waf()
    # `customer-managed`: every data store, log group, queue and secret is encrypted with KMS keys this design
    # creates (rotation on); `aws-managed`: each service's own AWS-managed encryption.
    encryption: Encryption = "aws-managed"
    compliance_packs: tuple[Pack, ...] = ("aws-solutions",)
    # AWS Control Tower's proactive controls as CloudFormation Guard rules, run on every synth.
    control_tower_guard: bool = True

    def packs(self) -> tuple[Pack, ...]:
        """The packs that run: aws-solutions first (always), then the others in the spec's order."""
        return ("aws-solutions", *(p for p in dict.fromkeys(self.compliance_packs) if p != "aws-solutions"))


_PREFIX_LIST_FILE = Path(__file__).parent / "data" / "cloudfront-origin-facing-prefix-lists.yaml"


@cache
def _prefix_lists() -> dict[str, str]:
    data = yaml.safe_load(_PREFIX_LIST_FILE.read_text(encoding="utf-8"))
    return dict(data["prefix_lists"])


def cloudfront_prefix_lists() -> dict[str, str]:
    """Region -> ID of CloudFront's origin-facing managed prefix list, for every region the data file knows."""
    return dict(_prefix_lists())


def cloudfront_prefix_list(region: str) -> str:
    """The ID of CloudFront's origin-facing managed prefix list in `region` (from the sourced data file)."""
    return _prefix_lists()[region]


def security_problems(design: Design) -> Iterator[tuple[Loc, str]]:
    """What the types cannot check: known regions, host names that are unique and name real distributions."""
    if needs_app_distribution(design) and APP_DISTRIBUTION in [f.name for f in design.static_frontends()]:
        index = [f.name for f in design.frontends].index(APP_DISTRIBUTION)
        yield (
            ("frontends", index, "name"),
            f"{APP_DISTRIBUTION!r} names the distribution in front of the ALB; give this frontend another name",
        )
    for name, env in design.aws_environments().items():
        loc: Loc = ("environments", name)
        if env.region and env.region not in _prefix_lists():  # every environment has an ALB
            yield (
                (*loc, "region"),
                f"{env.region!r} has no known CloudFront origin-facing prefix list; known regions: "
                + ", ".join(sorted(_prefix_lists())),
            )
        if env.domain is not None:
            yield from _domain_problems(design, (*loc, "domain"), env.domain)


def needs_app_distribution(design: Design) -> bool:
    """A distribution in front of the ALB: for container frontends, or HTTP services no static site routes to."""
    if design.container_frontends():
        return True
    return bool(design.http_services()) and not any(f.api_path for f in design.static_frontends())


def distribution_names(design: Design) -> tuple[str, ...]:
    """Every CloudFront distribution of an environment: one per static frontend, and `app` when needed."""
    names = tuple(f.name for f in design.static_frontends())
    return (*names, APP_DISTRIBUTION) if needs_app_distribution(design) else names


def _domain_problems(design: Design, loc: Loc, domain: Domain) -> Iterator[tuple[Loc, str]]:
    allowed = list(distribution_names(design))
    for key in domain.hosts:
        if key not in allowed:
            yield (*loc, "hosts", key), f"unknown distribution {key!r}; allowed: {', '.join(allowed)}"
    labels: dict[str, str] = {domain.origin_host: "origin_host"}
    for key in allowed:
        label = domain.hosts.get(key, key)
        if label in labels:
            yield (
                (*loc, "hosts", key),
                f"host {label!r} is already used by {labels[label]}; hosts must differ",
            )
        labels.setdefault(label, key)
