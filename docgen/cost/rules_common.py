"""What the pricing rules share: the free-allowance arithmetic and common quantities."""

from __future__ import annotations

from decimal import Decimal

from docgen.cost.context import num

MILLION = Decimal(1_000_000)


def less_free(quantity: Decimal, free: Decimal, unit: str, label: str = "free") -> tuple[Decimal, str]:
    """What is billed beyond a free allowance, and how the arithmetic string shows it."""
    billable = max(Decimal(0), quantity - free)
    if billable == 0 and free > 0:
        return billable, f"0 {unit} (all {num(quantity)} within {num(free)} {label})"
    return billable, f"({num(quantity)} {unit} − {num(free)} {label})"
