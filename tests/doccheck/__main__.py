"""`python -m tests.doccheck DOC CDK_OUT [--generated DIR]`: print every mismatch and the facts checked."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from tests.doccheck import check_files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.doccheck", description=__doc__)
    parser.add_argument("doc", type=Path, help="the design doc (Markdown)")
    parser.add_argument("cdk_out", type=Path, help="the cloud assembly directory it documents")
    parser.add_argument(
        "--generated", type=Path, help="generators' folder (docker-compose.yml, pipeline.json)"
    )
    parser.add_argument("--summary", action="store_true", help="also print mismatch counts per class")
    args = parser.parse_args(argv)
    for path in (args.doc, args.cdk_out / "manifest.json"):
        if not path.is_file():
            print(f"error: {path} not found", file=sys.stderr)
            return 2
    result = check_files(args.doc, args.cdk_out, args.generated)
    for mismatch in result.mismatches:
        print(mismatch.line())
    if args.summary:
        for kind, count in sorted(Counter(m.kind for m in result.mismatches).items()):
            print(f"  {count:4d}  {kind}")
    print(f"{len(result.mismatches)} mismatches in {result.facts} facts checked")
    return 1 if result.mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
