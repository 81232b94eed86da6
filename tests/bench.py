"""`make bench`: synth, docgen alone and the no-op `make run`, default and 60-service designs, with spread.

Each figure is a median with its min and max over several runs; the result goes to stdout (one line per figure
and a Markdown table for the README) and to `bench/results.json`, with the machine's CPU count and its load
average before and after (figures taken on a loaded machine are not comparable with quiet ones). Targets
(issue 17) are printed beside the figures, never asserted: speed lives here, not in tests.

    python -m tests.bench [--synth-runs N] [--runs N] [--only synth,docgen,noop] [--out FILE] [--work DIR] [--no-readme]

The README's table between `<!-- bench:start -->` and `<!-- bench:end -->` is rewritten from the result
(`--readme-only` rewrites it from an existing result file).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.designs.sixty import sixty_service_design_yaml  # noqa: E402

RESULTS = ROOT / "bench" / "results.json"
# Issue 17's targets, in seconds (the sixty-service synth also passes at 1.5x the default design's synth).
TARGETS = {"synth.sixty": 15.0, "docgen.default": 0.4, "noop_run.default": 1.0}
KINDS = ("synth", "docgen", "noop")


def env() -> dict[str, str]:
    node_bin = ROOT / "node_modules" / ".bin"
    return {**os.environ, "PATH": f"{node_bin}:{os.environ['PATH']}", "JSII_NODE": str(node_bin / "node")}


def timed(cmd: list[str], **extra: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        cmd,
        check=True,
        cwd=ROOT,
        env={**env(), **extra},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def figure(times: list[float], what: str) -> dict[str, object]:
    return {
        "what": what,
        "median_s": round(statistics.median(times), 3),
        "min_s": round(min(times), 3),
        "max_s": round(max(times), 3),
        "runs_s": [round(t, 3) for t in times],
    }


def synth_times(design: Path, cdk_out: Path, runs: int, guard_cache: str = "0") -> list[float]:
    """The CDK CLI's synth (app.py with cdk-nag and every validation) into a fresh folder each run.

    Cold (the default): Guard runs on every template. Warm (`guard_cache="1"`, after one untimed synth): Guard's
    findings come from .cache/ for the templates that did not change, here all of them (a synth with nothing
    changed, or the unchanged stacks of a synth after a change)."""
    cdk = str(ROOT / "node_modules" / ".bin" / "cdk")
    command = [cdk, "synth", "--quiet", "--no-notices", "-o", f"{cdk_out}", "-c", f"design={design}"]
    if guard_cache == "1":
        timed(command, GUARD_CACHE="1")
    return [timed(command, GUARD_CACHE=guard_cache) for _ in range(runs)]


def docgen_times(cdk_out: Path, doc: Path, runs: int) -> list[float]:
    """In-process, imports warm: read the assembly, build the model, render and write (no synth, no picture)."""
    from docgen.cli import main

    argv = [
        "--cdk-out",
        str(cdk_out),
        "--no-synth",
        "--doc",
        str(doc),
        "--no-picture",
        "--no-generated",
        "-q",
    ]
    times = []
    for _ in range(runs):
        doc.unlink(missing_ok=True)
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # its "wrote ..." line, once per run
            assert main(argv) == 0
        times.append(time.perf_counter() - start)
    return times


def noop_run_times(runs: int) -> list[float]:
    """`make run` of the default design with nothing changed (one untimed run first brings everything up to date)."""
    timed(["make", "--no-print-directory", "run"])
    return [timed(["make", "--no-print-directory", "run"]) for _ in range(runs)]


def measure(args: argparse.Namespace, work: Path) -> dict[str, dict[str, object]]:
    sixty = work / "sixty.yaml"
    sixty.write_text(sixty_service_design_yaml())
    designs = {"default": ROOT / "design.yaml", "sixty": sixty}
    figures: dict[str, dict[str, object]] = {}

    def record(name: str, what: str, run: Callable[..., list[float]], *run_args: object) -> None:
        f = figures[name] = figure(run(*run_args), what)
        target = f"  (target <= {TARGETS[name]} s)" if name in TARGETS else ""
        print(f"{name:>18}: median {f['median_s']:.3f} s, min {f['min_s']:.3f}, max {f['max_s']:.3f}{target}")

    for name, design in designs.items():
        out = work / f"{name}.out"
        if "synth" in args.only:
            record(
                f"synth.{name}", "cdk synth, every validation run", synth_times, design, out, args.synth_runs
            )
            record(
                f"synth.{name}.warm",
                "cdk synth, Guard findings of unchanged templates from .cache/",
                synth_times,
                design,
                out,
                args.synth_runs,
                "1",
            )
        if "docgen" in args.only:
            if not (out / "manifest.json").exists():
                synth_times(design, out, 1)
            record(
                f"docgen.{name}",
                "docgen alone, in process",
                docgen_times,
                out,
                work / f"{name}.md",
                args.runs,
            )
    if "noop" in args.only:
        record("noop_run.default", "make run, nothing changed", noop_run_times, args.runs)
    return figures


def markdown(result: dict[str, object]) -> str:
    rows = [
        f"| `{name}` | {f['what']} | {f['median_s']:.2f} | {f['min_s']:.2f} to {f['max_s']:.2f} | "
        f"{len(f['runs_s'])} | {TARGETS.get(name, '')} |"
        for name, f in result["figures"].items()  # type: ignore[union-attr]
    ]
    head = "| Figure | What | Median (s) | Min to max (s) | Runs | Target (s) |\n|---|---|---|---|---|---|"
    return head + "\n" + "\n".join(rows)


def update_readme(result: dict[str, object], readme: Path = ROOT / "README.md") -> bool:
    """Replace the README's bench region (between its two markers) with the table; False when it has none."""
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    text = readme.read_text(encoding="utf-8")
    if start not in text or end not in text:
        return False
    before, rest = text.split(start, 1)
    after = rest.split(end, 1)[1]
    block = (
        f"{markdown(result)}\n\nMeasured {result['measured_at']} at commit {result['commit']} on "
        f"{result['cpus']} CPUs, load average (1, 5, 15 min) {result['load_average_before']} before and "
        f"{result['load_average_after']} after."
    )
    for note in result.get("notes") or ():  # type: ignore[attr-defined]
        block += f" {note}"
    tmp = readme.with_name(f".{readme.name}.tmp")
    tmp.write_text(f"{before}{start}\n{block}\n{end}{after}", encoding="utf-8")
    tmp.replace(readme)
    return True


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--synth-runs", type=int, default=3, help="runs per synth figure (default 3)")
    p.add_argument("--runs", type=int, default=5, help="runs per docgen and no-op figure (default 5)")
    p.add_argument("--only", default=",".join(KINDS), help=f"comma-separated subset of {', '.join(KINDS)}")
    p.add_argument("--out", type=Path, default=RESULTS, help=f"the JSON result file (default {RESULTS})")
    p.add_argument(
        "--work",
        type=Path,
        help="keep the assemblies here (default: a temporary folder); docgen reuses DIR/NAME.out when present",
    )
    p.add_argument("--no-readme", action="store_true", help="leave the README's figures as they are")
    p.add_argument("--readme-only", action="store_true", help="measure nothing: README figures from --out")
    args = p.parse_args(argv)
    if args.readme_only:
        return 0 if update_readme(json.loads(args.out.read_text(encoding="utf-8"))) else 1
    args.only = {k.strip() for k in args.only.split(",") if k.strip()}
    if not args.only <= set(KINDS) or not args.only:
        p.error(f"--only: expected a comma-separated subset of {', '.join(KINDS)}")
    load_before = os.getloadavg()
    # the code measured: the commit when the bench starts (modules are imported then), "+" when the tree differs
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty=+"], cwd=ROOT, capture_output=True, text=True
    )
    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
        figures = measure(args, args.work)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            figures = measure(args, Path(tmp))
    result = {
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": commit.stdout.strip(),
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "figures": figures,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"\n{markdown(result)}\n\nload average {result['load_average_before']} before, "
        f"{result['load_average_after']} after, {result['cpus']} CPUs; written to {args.out}"
    )
    if not args.no_readme and update_readme(result):
        print("README.md: Speed figures updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
