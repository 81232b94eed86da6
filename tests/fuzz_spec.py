"""`python -m tests.fuzz_spec --count 10000`: mutants of design.yaml through the spec loader, counting outcomes.

Every mutant must end as accepted or as one SpecError line (printable, at most LINE_LIMIT characters); a
traceback (any other exception), a hang (over --timeout seconds) or a multi-line message is a failure, written to
--keep DIR for replay and counted. `--cli N` also runs N rejected mutants through `python -m designspec` (exit 2,
exactly one line on stderr, no traceback); `--synth N` synthesizes N accepted mutants (one environment each,
~10 s apiece with cfn-lint, which must find no error). Exit status 1 when anything failed.
"""

from __future__ import annotations

import argparse
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path
from types import FrameType

from designspec import SpecError, parse_design
from designspec.errors import LINE_LIMIT
from tests.spec_mutations import mutate

ROOT = Path(__file__).resolve().parents[1]
SEEDS = (ROOT / "design.yaml", ROOT / "tests" / "spec_corpus" / "accepted" / "edges.yaml")
FAILURES = ("traceback", "hang", "bad-message")


class Hang(Exception):
    pass


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise Hang


def one_line(message: str) -> bool:
    return message.isprintable() and len(message) <= LINE_LIMIT


def run_one(text: str, timeout: float) -> tuple[str, str]:
    """(outcome, detail): accepted, rejected, bad-message, traceback or hang."""
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        parse_design(text, "mutant.yaml")
        return "accepted", ""
    except SpecError as exc:
        return ("rejected" if one_line(str(exc)) else "bad-message"), str(exc)
    except Hang:
        return "hang", f"over {timeout} s"
    except Exception:
        return "traceback", traceback.format_exc()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def check_cli(text: str, workdir: Path) -> str | None:
    """None when `python -m designspec` exits 2 with one line and no traceback; else what went wrong."""
    path = workdir / "mutant.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    proc = subprocess.run(
        [sys.executable, "-m", "designspec", str(path)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    if proc.returncode != 2 or len(lines) != 1 or "Traceback" in proc.stderr:
        return f"exit {proc.returncode}, {len(lines)} stderr line(s): {proc.stderr[:300]!r}"
    return None


def synth_one(text: str, workdir: Path) -> str | None:
    """None when the accepted mutant synthesizes (its first aws environment); else the error's first line."""
    from tests.conftest import cfn_lint_errors, synth_design

    design = parse_design(text, "mutant.yaml")
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "accepted.yaml"
    path.write_text(text, encoding="utf-8")
    env = next(iter(design.aws_environments()))
    try:
        synth = synth_design(path, workdir / "cdk.out", environments=[env])
    except Exception as exc:
        return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
    errors = cfn_lint_errors(sorted((synth.outdir / f"assembly-{env}").glob("*.template.json")))
    return f"cfn-lint: {errors[0]}" if errors else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz_spec", description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds one mutant may take")
    parser.add_argument("--keep", type=Path, help="write failing mutants here")
    parser.add_argument("--cli", type=int, default=0, help="rejected mutants to run through the command line")
    parser.add_argument("--synth", type=int, default=0, help="accepted mutants to synthesize (slow)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGALRM, _alarm)
    rng = random.Random(args.seed)
    seeds = [p.read_text(encoding="utf-8") for p in SEEDS]
    outcomes: Counter[str] = Counter()
    slowest = 0.0
    rejected: list[str] = []
    accepted: list[str] = []
    started = time.perf_counter()
    for n in range(args.count):
        text = mutate(rng, rng.choice(seeds))
        t0 = time.perf_counter()
        outcome, detail = run_one(text, args.timeout)
        slowest = max(slowest, time.perf_counter() - t0)
        outcomes[outcome] += 1
        if outcome == "rejected" and len(rejected) < args.cli:
            rejected.append(text)
        if outcome == "accepted" and len(accepted) < args.synth:
            accepted.append(text)
        if outcome in FAILURES and args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            (args.keep / f"{outcome}-{n}.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
            (args.keep / f"{outcome}-{n}.txt").write_text(detail, encoding="utf-8", errors="surrogatepass")
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"fuzz_spec: {args.count} mutants (seed {args.seed}) in {elapsed:.1f} s; slowest {slowest * 1000:.0f} ms; "
        f"peak RSS {peak_mb:.0f} MB"
    )
    for outcome in ("accepted", "rejected", *FAILURES):
        print(f"  {outcome:12} {outcomes[outcome]}")
    failed = sum(outcomes[o] for o in FAILURES)
    with tempfile.TemporaryDirectory() as tmp:
        failed += _report("command line (exit 2, one line)", [check_cli(t, Path(tmp)) for t in rejected])
        failed += _report("synthesized", [synth_one(t, Path(tmp) / str(i)) for i, t in enumerate(accepted)])
    return 1 if failed else 0


def _report(what: str, problems: list[str | None]) -> int:
    if not problems:
        return 0
    bad = [p for p in problems if p is not None]
    print(f"  {what}: {len(problems) - len(bad)} of {len(problems)} ok")
    for problem in bad[:5]:
        print(f"    {problem}")
    return len(bad)


if __name__ == "__main__":
    sys.exit(main())
