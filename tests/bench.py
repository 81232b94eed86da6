"""`make bench`: docgen alone from an existing cdk.out, and regeneration end to end, default and 60-service designs.

Targets (issue: docgen): docgen alone < 0.5 s for the default design and < 2 s at 60 services. Timings are
printed, not asserted: speed lives here, not in tests.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.designs.sixty import sixty_service_design_yaml  # noqa: E402


def env() -> dict[str, str]:
    node_bin = ROOT / "node_modules" / ".bin"
    return {**os.environ, "PATH": f"{node_bin}:{os.environ['PATH']}", "JSII_NODE": str(node_bin / "node")}


def timed(cmd: list[str], **kw: object) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, env=env(), stdout=subprocess.DEVNULL, **kw)  # type: ignore[arg-type]
    return time.perf_counter() - start


def docgen_alone(cdk_out: Path, doc: Path, runs: int = 5) -> list[float]:
    """In-process: read the assembly, build the model, render and write (no synth, no picture)."""
    from docgen.cli import main

    times = []
    for _ in range(runs):
        if doc.exists():
            doc.unlink()
        start = time.perf_counter()
        rc = main(
            ["--cdk-out", str(cdk_out), "--no-synth", "--doc", str(doc), "--no-picture", "--no-generated"]
        )
        times.append(time.perf_counter() - start)
        assert rc == 0
    return times


def bench(name: str, design: Path, work: Path) -> None:
    cdk_out = work / f"{name}.out"
    synth = [
        timed(
            [
                str(ROOT / "node_modules/.bin/cdk"),
                "synth",
                "--quiet",
                "--no-notices",
                "-o",
                str(cdk_out),
                "-c",
                f"design={design}",
            ]
        )
        for _ in range(3)
    ]
    alone = docgen_alone(cdk_out, work / f"{name}.md")
    print(
        f"{name:>8}: synth median {statistics.median(synth):.2f} s (runs {', '.join(f'{t:.2f}' for t in synth)}); "
        f"docgen alone median {statistics.median(alone):.3f} s (min {min(alone):.3f}); "
        f"end to end ≈ {statistics.median(synth) + statistics.median(alone):.2f} s"
    )


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sixty = work / "sixty.yaml"
        sixty.write_text(sixty_service_design_yaml())
        bench("default", ROOT / "design.yaml", work)
        bench("sixty", sixty, work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
