"""`python -m designspec [FILE]`: check a design spec without synthesizing; exit 0 valid, 2 bad (one line)."""

from __future__ import annotations

import sys

from designspec.errors import SpecError, clean, report_unexpected
from designspec.loader import load_design


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and args[0].startswith("-")):
        print("usage: python -m designspec [DESIGN_FILE]  (default: design.yaml)", file=sys.stderr)
        return 2
    path = args[0] if args else "design.yaml"
    try:
        design = load_design(path)
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # a bug in the checks: one line and a log, never a traceback
        return report_unexpected(exc, f"checking {clean(path)}", "designspec-")
    workloads = len(design.services) + len(design.container_frontends())
    extra = "".join(
        f", {len(items)} {kind}"
        for kind, items in (("jobs", design.jobs), ("functions", design.functions))
        if items
    )
    print(
        f"{clean(path)}: valid ({workloads} workloads{extra}, {len(design.aws_environments())} aws environments)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
