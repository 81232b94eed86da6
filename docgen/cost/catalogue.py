"""Load the per-region price catalogue, the usage assumptions and the SLA table, validating every value."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from docgen.errors import CostError

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
PRICES_DIR = DATA_DIR / "prices"
USAGE_DEFAULTS = DATA_DIR / "usage-defaults.yaml"
SLAS = DATA_DIR / "slas.yaml"
_REPO_ROOT = DATA_DIR.parent.parent


def display_path(path: Path) -> str:
    """A path as errors show it: relative to the repository when inside it, so messages are stable."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(_REPO_ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def _decimal(value: Any) -> Decimal:
    """A Decimal from a YAML scalar; floats are refused because they cannot carry an exact price."""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise ValueError(f'{value!r} is not a decimal string (write it quoted, e.g. "0.045")')
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    if number < 0:
        raise ValueError(f"{value!r} is negative")
    return number


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PriceEntry(_Strict):
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
        return _decimal(value)

    @property
    def verified(self) -> bool:
        return self.confidence is None


class FreeTier(_Strict):
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
        return _decimal(value)


class Catalogue(_Strict):
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
        return _decimal(value)

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
    raw = _read_yaml(path)
    try:
        return Catalogue.model_validate({**raw, "file": shown})
    except ValidationError as exc:
        raise CostError(f"{shown}: {_first_error(exc)}") from None


def _read_yaml(path: Path) -> dict[str, Any]:
    shown = display_path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CostError(f"{shown}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise CostError(f"{shown}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise CostError(f"{shown}: expected a mapping at the top level")
    return raw


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(part) for part in err["loc"])
    message = str(err["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}"


# ---------------------------------------------------------------- usage assumptions


class UsageAssumptions(_Strict):
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


USAGE_FIELDS: tuple[str, ...] = tuple(UsageAssumptions.model_fields)


class Usage:
    """Usage assumptions for every environment: defaults, then per-environment overrides."""

    def __init__(self, default: UsageAssumptions, environments: Mapping[str, UsageAssumptions]) -> None:
        self.default = default
        self.environments = dict(environments)

    def for_environment(self, environment: str) -> UsageAssumptions:
        """The assumptions of `environment`; one without a section gets the defaults."""
        return self.environments.get(environment, self.default)


def load_usage(
    overrides: Mapping[str, Any] | None = None,
    path: Path = USAGE_DEFAULTS,
) -> Usage:
    """The defaults file merged with spec overrides ({"default"|env: {field: value}}), every value validated.

    Precedence, lowest first: the file's `default`, the file's environment section, the spec's `default`,
    the spec's environment section. Errors name the field as `usage.<environment>.<field>`.
    """
    shown = display_path(path)
    layers_file = _usage_layers(_read_yaml(path), shown)
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
    return Usage(default, merged)


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


# ---------------------------------------------------------------- SLAs


class Sla(_Strict):
    """A published monthly uptime commitment."""

    service: str
    scope: str
    uptime_percent: Decimal
    source: str = Field(min_length=1)
    read_on: dt.date
    confidence: Literal["unverified"] | None = None
    note: str | None = None

    @field_validator("uptime_percent", mode="before")
    @classmethod
    def _check_uptime(cls, value: Any) -> Decimal:
        return _decimal(value)


def load_slas(path: Path = SLAS) -> dict[str, Sla]:
    """The SLA table keyed like `rds.multi_az`, validated."""
    shown = display_path(path)
    raw = _read_yaml(path).get("slas")
    if not isinstance(raw, dict):
        raise CostError(f"{shown}: expected a mapping under `slas`")
    out: dict[str, Sla] = {}
    for key, value in raw.items():
        try:
            out[str(key)] = Sla.model_validate(value)
        except ValidationError as exc:
            raise CostError(f"{shown}: slas.{key}.{_first_error(exc)}") from None
    return out
