"""Monthly cost estimates of synthesized templates from a regional price catalogue and usage assumptions."""

from docgen.cost.catalogue import (
    Catalogue,
    FreeTier,
    PriceEntry,
    Usage,
    UsageAssumptions,
    available_regions,
    load_catalogue,
    load_catalogue_file,
    load_usage,
)
from docgen.cost.estimator import (
    CostLine,
    Estimate,
    Rollup,
    Totals,
    estimate,
    estimate_by_region,
    format_money,
)

__all__ = [
    "Catalogue",
    "CostLine",
    "Estimate",
    "FreeTier",
    "PriceEntry",
    "Rollup",
    "Totals",
    "Usage",
    "UsageAssumptions",
    "available_regions",
    "estimate",
    "estimate_by_region",
    "format_money",
    "load_catalogue",
    "load_catalogue_file",
    "load_usage",
]
