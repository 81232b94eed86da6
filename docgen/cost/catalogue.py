"""Load the per-region price catalogue and the usage assumptions, validating every value."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from docgen.data import DATA_DIR, Strict, decimal, display_path, first_error, read_yaml
from docgen.errors import CostError

PRICES_DIR = DATA_DIR / "prices"
USAGE_DEFAULTS = DATA_DIR / "usage-defaults.yaml"


class PriceEntry(Strict):
    """One list price: its amount in USD, what it is per, where it was read and when."""

    price: Decimal
    unit: str = Field(min_length=1)
    source: str = Field(min_length=1)
    read_on: dt.date
    confidence: Literal["unverified"] | None = None
    note: str | None = None

    @field_validator("price", mode="before")
    @classmethod
    def _check_price(cls, value: Any) -> Decimal:
        return decimal(value)

    @property
    def verified(self) -> bool:
        return self.confidence is None


class FreeTier(Strict):
    """An always-free monthly allowance, per account."""

    quantity: Decimal
    unit: str = Field(min_length=1)
    source: str = Field(min_length=1)
    read_on: dt.date
    confidence: Literal["unverified"] | None = None
    note: str | None = None

    @field_validator("quantity", mode="before")
    @classmethod
    def _check_quantity(cls, value: Any) -> Decimal:
        return decimal(value)


class Catalogue(Strict):
    """The prices of one region, loaded from `docgen/data/prices/<region>.yaml`."""

    region: str
    currency: Literal["USD"]
    hours_per_month: Decimal
    prices: dict[str, PriceEntry]
    free_tiers: dict[str, FreeTier] = Field(default_factory=dict)
    file: str = ""  # the file it came from, as errors show it

    @field_validator("hours_per_month", mode="before")
    @classmethod
    def _check_hours(cls, value: Any) -> Decimal:
        return decimal(value)

    def entry(self, key: str, *, resource: str | None = None) -> PriceEntry:
        """The row for `key`; a missing row is an error naming the key, the file and who needs it."""
        try:
            return self.prices[key]
        except KeyError:
            needed = f" (needed by {resource})" if resource else ""
            raise CostError(f"no price for {key!r} in {self.file or self.region}{needed}") from None

    def price(self, key: str, *, resource: str | None = None) -> Decimal:
        """The price for `key` in USD per its unit."""
        return self.entry(key, resource=resource).price

    def free_quantity(self, key: str) -> Decimal:
        """The free monthly allowance for `key`; none listed means nothing free (never undercounts)."""
        tier = self.free_tiers.get(key)
        return tier.quantity if tier else Decimal(0)


def available_regions(directory: Path = PRICES_DIR) -> list[str]:
    """The regions that have a catalogue file, sorted."""
    return sorted(p.stem for p in directory.glob("*.yaml"))


def load_catalogue(region: str, directory: Path = PRICES_DIR) -> Catalogue:
    """The catalogue for `region`; an unknown region is an error listing the regions that exist."""
    path = directory / f"{region}.yaml"
    if not path.is_file():
        regions = ", ".join(available_regions(directory)) or "none"
        raise CostError(
            f"no price catalogue for region {region!r} in {display_path(directory)} (available: {regions})"
        )
    catalogue = load_catalogue_file(path)
    if catalogue.region != region:
        raise CostError(
            f"{display_path(path)}: region is {catalogue.region!r}, expected {region!r} from the file name"
        )
    return catalogue


def load_catalogue_file(path: Path) -> Catalogue:
    """Parse and validate one catalogue file; errors name the file and the key path of the bad value."""
    shown = display_path(path)
    raw = read_yaml(path)
    try:
        return Catalogue.model_validate({**raw, "file": shown})
    except ValidationError as exc:
        raise CostError(f"{shown}: {first_error(exc)}") from None


# ---------------------------------------------------------------- usage assumptions


class UsageAssumptions(Strict):
    """Monthly usage of the usage-priced items in one environment (see docgen/data/usage-defaults.yaml)."""

    nat_gb_processed_month: Decimal  # per NAT gateway
    alb_lcu_avg: Decimal  # per load balancer, average over all hours
    cloudfront_gb_month: Decimal  # per distribution
    cloudfront_https_requests_month: Decimal  # per distribution
    sqs_requests_month: Decimal  # per queue
    log_ingest_gb_month: Decimal  # per log group
    log_storage_gb: Decimal  # per log group
    s3_storage_gb: Decimal  # per bucket
    s3_put_requests_month: Decimal  # per bucket
    s3_get_requests_month: Decimal  # per bucket
    secret_api_calls_month: Decimal  # per secret
    backup_storage_gb: Decimal  # per backed-up data store
    flow_log_gb_month: Decimal  # per flow log
    custom_metrics: Decimal  # per environment
    fargate_ephemeral_gb: Decimal  # per task, when the task definition does not say
    lambda_requests_month: Decimal  # per application function
    lambda_duration_ms: Decimal  # per invocation, on average
    api_requests_month: Decimal  # per API Gateway API
    dynamodb_read_units_month: Decimal  # per on-demand table
    dynamodb_write_units_month: Decimal  # per on-demand table
    dynamodb_storage_gb: Decimal  # per table
    aurora_acu_avg: Decimal  # per Serverless v2 instance, clamped to its cluster's range
    aurora_storage_gb: Decimal  # per Aurora cluster
    aurora_io_millions_month: Decimal  # per Aurora cluster on Standard storage
    stepfunctions_transitions_month: Decimal  # per Standard state machine
    eventbridge_events_month: Decimal  # per custom event bus
    waf_requests_month: Decimal  # per web ACL
    nlb_nlcu_avg: Decimal  # per Network Load Balancer
    cloudmap_instances: Decimal  # per Cloud Map service
    # EFS (added with the file systems of issue 18): defaults as usage-defaults.yaml's, so an assumptions set
    # written before them stays valid
    efs_storage_gb: Decimal = Decimal(10)  # per EFS file system, average over the month
    efs_read_gb_month: Decimal = Decimal(20)  # per EFS file system in Elastic throughput mode
    efs_write_gb_month: Decimal = Decimal(5)  # per EFS file system in Elastic throughput mode
    ecr_storage_gb: Decimal = Decimal(3)  # per ECR repository (images its lifecycle keeps)


USAGE_FIELDS: tuple[str, ...] = tuple(UsageAssumptions.model_fields)
# What each usage figure is counted per (the estimator multiplies it by the number of such resources).
USAGE_PER: dict[str, str] = {
    "nat_gb_processed_month": "per NAT gateway, per month",
    "alb_lcu_avg": "per load balancer, average over the month",
    "cloudfront_gb_month": "per distribution, per month",
    "cloudfront_https_requests_month": "per distribution, per month",
    "sqs_requests_month": "per queue, per month",
    "log_ingest_gb_month": "per log group, per month",
    "log_storage_gb": "per log group",
    "s3_storage_gb": "per bucket",
    "s3_put_requests_month": "per bucket, per month",
    "s3_get_requests_month": "per bucket, per month",
    "secret_api_calls_month": "per secret, per month",
    "backup_storage_gb": "per backed-up data store",
    "flow_log_gb_month": "per flow log, per month",
    "custom_metrics": "per environment",
    "fargate_ephemeral_gb": "per task (when its task definition does not say)",
    "lambda_requests_month": "per application Lambda function, per month",
    "lambda_duration_ms": "per invocation, average",
    "api_requests_month": "per API Gateway API, per month",
    "dynamodb_read_units_month": "per on-demand DynamoDB table, per month",
    "dynamodb_write_units_month": "per on-demand DynamoDB table, per month",
    "dynamodb_storage_gb": "per DynamoDB table",
    "aurora_acu_avg": "per Aurora Serverless v2 instance, average (within its cluster's range)",
    "aurora_storage_gb": "per Aurora cluster",
    "aurora_io_millions_month": "per Aurora cluster (Standard storage), millions per month",
    "stepfunctions_transitions_month": "per Standard state machine, per month",
    "eventbridge_events_month": "per custom event bus, per month",
    "waf_requests_month": "per web ACL, per month",
    "nlb_nlcu_avg": "per Network Load Balancer, average over the month",
    "cloudmap_instances": "per Cloud Map service",
    "efs_storage_gb": "per EFS file system, average over the month",
    "efs_read_gb_month": "per EFS file system (Elastic throughput), per month",
    "efs_write_gb_month": "per EFS file system (Elastic throughput), per month",
    "ecr_storage_gb": "per ECR repository, average over the month",
}


class Usage:
    """Usage assumptions for every environment: defaults, then per-environment overrides."""

    def __init__(
        self,
        default: UsageAssumptions,
        environments: Mapping[str, UsageAssumptions],
        origins: Mapping[tuple[str, str], tuple[str, str, str]] | None = None,
    ) -> None:
        self.default = default
        self.environments = dict(environments)
        # (environment, field) -> (kind, file, JSON pointer) of the layer the value came from
        self.origins = dict(origins or {})

    def origin(self, environment: str, field: str) -> tuple[str, str, str]:
        return (
            self.origins.get((environment, field)) or self.origins.get(("default", field)) or ("data", "", "")
        )

    def for_environment(self, environment: str) -> UsageAssumptions:
        """The assumptions of `environment`; one without a section gets the defaults."""
        return self.environments.get(environment, self.default)


def load_usage(
    overrides: Mapping[str, Any] | None = None,
    path: Path = USAGE_DEFAULTS,
    override_files: Mapping[str, str] | None = None,
) -> Usage:
    """The defaults file merged with spec overrides ({"default"|env: {field: value}}), every value validated.

    Precedence, lowest first: the file's `default`, the file's environment section, the spec's `default`,
    the spec's environment section. Errors name the field as `usage.<environment>.<field>`.
    """
    shown = display_path(path)
    layers_file = _usage_layers(read_yaml(path), shown)
    layers_spec = _usage_layers(dict(overrides or {}), "the spec's cost usage overrides")
    environments = (set(layers_file) | set(layers_spec)) - {"default"}
    base = {**layers_file.get("default", {}), **layers_spec.get("default", {})}
    default = _assumptions("default", base, shown)
    merged = {
        env: _assumptions(
            env,
            {
                **layers_file.get("default", {}),
                **layers_file.get(env, {}),
                **layers_spec.get("default", {}),
                **layers_spec.get(env, {}),
            },
            shown,
        )
        for env in sorted(environments)
    }
    return Usage(default, merged, _origins(layers_file, layers_spec, shown, override_files or {}))


def _origins(
    layers_file: Mapping[str, Mapping[str, Decimal]],
    layers_spec: Mapping[str, Mapping[str, Decimal]],
    shown: str,
    override_files: Mapping[str, str],
) -> dict[tuple[str, str], tuple[str, str, str]]:
    """Where each environment's value of each field comes from: the last layer that sets it."""
    out: dict[tuple[str, str], tuple[str, str, str]] = {}
    environments = (set(layers_file) | set(layers_spec)) - {"default"}
    for env in ["default", *sorted(environments)]:
        for name in USAGE_FIELDS:
            if name in layers_spec.get(env, {}) and env in override_files:
                out[(env, name)] = ("template", override_files[env], f"/Metadata/CostUsage/{name}")
            elif name in layers_file.get(env, {}):
                out[(env, name)] = ("data", shown, f"/{env}/{name}")
            elif env != "default":
                out[(env, name)] = out.get(("default", name), ("data", shown, f"/default/{name}"))
            else:
                out[(env, name)] = ("data", shown, f"/default/{name}")
    return out


def _usage_layers(raw: dict[str, Any], origin: str) -> dict[str, dict[str, Decimal]]:
    layers: dict[str, dict[str, Decimal]] = {}
    for env, section in raw.items():
        if section is None:
            section = {}
        if not isinstance(section, dict):
            raise CostError(f"{origin}: usage.{env}: expected a mapping of usage fields, got {section!r}")
        layer: dict[str, Decimal] = {}
        for name, value in section.items():
            if name not in USAGE_FIELDS:
                valid = ", ".join(USAGE_FIELDS)
                raise CostError(f"{origin}: usage.{env}.{name}: unknown usage field (valid: {valid})")
            layer[name] = _usage_value(value, f"usage.{env}.{name}", origin)
        layers[str(env)] = layer
    return layers


def _usage_value(value: Any, field: str, origin: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise CostError(f"{origin}: {field}: {value!r} is not a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise CostError(f"{origin}: {field}: {value!r} is not a number") from None
    if not number.is_finite():
        raise CostError(f"{origin}: {field}: {value!r} is not a finite number")
    if number < 0:
        raise CostError(f"{origin}: {field}: {value!r} is negative; usage must be zero or more")
    return number


def _assumptions(env: str, values: dict[str, Decimal], origin: str) -> UsageAssumptions:
    missing = [name for name in USAGE_FIELDS if name not in values]
    if missing:
        raise CostError(f"{origin}: usage.{env}.{missing[0]}: no value (set it under `default`)")
    return UsageAssumptions(**values)
