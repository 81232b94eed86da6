"""Fargate's valid Linux task CPU/memory combinations (74 pairs), as AWS documents them."""

from __future__ import annotations


def _steps(start: int, stop: int, step: int) -> tuple[int, ...]:
    return tuple(range(start, stop + 1, step))


# CPU units -> allowed memory in MiB. Source: Amazon ECS developer guide, "Task CPU and memory"
# (the table is mirrored in ../shared/reference/aws-prices.md). 8192 and 16384 need platform 1.4.0.
VALID_COMBINATIONS: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: _steps(1024, 4096, 1024),
    1024: _steps(2048, 8192, 1024),
    2048: _steps(4096, 16384, 1024),
    4096: _steps(8192, 30720, 1024),
    8192: _steps(16384, 61440, 4096),
    16384: _steps(32768, 122880, 8192),
}


def allowed_memory(cpu: int) -> tuple[int, ...]:
    return VALID_COMBINATIONS.get(cpu, ())


def describe_allowed(cpu: int) -> str:
    """A short human description of the memory values allowed with `cpu`, for error messages."""
    mem = allowed_memory(cpu)
    if not mem:
        return "CPU must be one of " + ", ".join(str(c) for c in VALID_COMBINATIONS)
    if len(mem) <= 3:
        return ", ".join(str(m) for m in mem)
    return f"{mem[0]}-{mem[-1]} in steps of {mem[1] - mem[0]}"
