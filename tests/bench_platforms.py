"""`make bench-platforms`: the synth time each observability platform adds to the default design.

The default design (CloudWatch metrics, X-Ray traces, e-mail alerts) is synthesized as it is and once per
platform choice, each a copy of it with only that choice changed (`VARIANTS`); each variant is loaded by the spec
loader first, so a variant the spec refuses fails here, not in the middle of a synth. Each is timed as `cdk synth`
end to end (jsii start, constructs, cdk-nag, writing the assembly), the least of `--runs` runs (other work only
ever adds to a run), as wall time and as CPU time (user + system of the CLI and the app it runs): on a shared
machine the wall time swings with the other work, the CPU time much less, so what a platform adds is read from
the CPU time, each variant against a baseline synthesized just before it (the machine's speed drifts over
minutes). Timings are printed, not asserted.
"""

from __future__ import annotations

import argparse
import copy
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from designspec.loader import load_design  # noqa: E402
from tests.bench import env  # noqa: E402

Spec = dict[str, Any]


def _secret(spec: Spec, name: str, description: str) -> None:
    spec.setdefault("secrets", []).append({"name": name, "description": description})


def _prometheus(spec: Spec) -> None:
    spec["observability"]["metrics"] = "prometheus"


def _datadog(spec: Spec) -> None:
    _secret(spec, "datadog-api-key", "Datadog API key")
    spec["observability"].update(apm="datadog", datadog={"api_key_secret": "datadog-api-key"})


def _newrelic(spec: Spec) -> None:
    _secret(spec, "newrelic-license", "New Relic ingest licence key")
    spec["observability"].update(apm="newrelic", newrelic={"license_key_secret": "newrelic-license"})


def _tracing(backend: str, endpoint: str) -> Callable[[Spec], None]:
    def apply(spec: Spec) -> None:
        spec["observability"]["tracing"].update(backend=backend, endpoint=endpoint, retention_days=7)

    return apply


def _paging(spec: Spec) -> None:
    spec["observability"]["on_call"]["paging"] = {"url_secret": "bench/pager-url", "severities": ["P1", "P2"]}


def _incident_manager(spec: Spec) -> None:
    """The Incident Manager block of the zoo design that exercises it (contacts, a rotation, P1/P2 escalation)."""
    zoo = yaml.safe_load((ROOT / "zoo" / "obs-zipkin-oncall.yaml").read_text())
    spec["observability"]["on_call"]["incident_manager"] = zoo["observability"]["on_call"]["incident_manager"]


VARIANTS: dict[str, Callable[[Spec], None]] = {
    "baseline": lambda spec: None,
    "prometheus+grafana": _prometheus,
    "datadog": _datadog,
    "newrelic": _newrelic,
    "jaeger": _tracing("jaeger", "https://jaeger-collector.example.com:4317"),
    "zipkin": _tracing("zipkin", "https://zipkin.example.com/api/v2/spans"),
    "paging": _paging,
    "incident-manager": _incident_manager,
}


def variant(base: Spec, name: str, work: Path) -> Path:
    spec = copy.deepcopy(base)
    VARIANTS[name](spec)
    path = work / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    load_design(path)  # a variant the spec refuses is a bug of this bench: fail before timing anything
    return path


def synth_seconds(design: Path, outdir: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one `cdk synth`; the CPU of every process it ran and waited for."""
    cdk = str(ROOT / "node_modules/.bin/cdk")
    command = [cdk, "synth", "--quiet", "--no-notices", "-o", str(outdir), "-c", f"design={design}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        command, cwd=ROOT, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"{design.name}: cdk synth failed:\n{done.stderr[-3000:]}")
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=3, help="baseline/variant pairs per variant (the least shown)"
    )
    parser.add_argument("variants", nargs="*", metavar="VARIANT", help=f"some of: {', '.join(VARIANTS)}")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.variants) - set(VARIANTS))
    if unknown:
        parser.error(f"unknown variant {', '.join(unknown)}; the variants are {', '.join(VARIANTS)}")
    base = yaml.safe_load((ROOT / "design.yaml").read_text())
    names = [n for n in args.variants or VARIANTS if n != "baseline"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        baseline = variant(base, "baseline", work)
        for name in names:
            design = variant(base, name, work)
            pairs = [
                (synth_seconds(baseline, work / "baseline.out"), synth_seconds(design, work / f"{name}.out"))
                for _ in range(args.runs)
            ]
            base_cpu = min(b[1] for b, _ in pairs)
            cpu = min(v[1] for _, v in pairs)
            wall = min(v[0] for _, v in pairs)
            shown = ", ".join(f"{b[1]:.1f}/{v[1]:.1f}" for b, v in pairs)
            print(
                f"{name:>18}: wall {wall:6.2f} s, CPU {cpu:6.2f} s; baseline next to it CPU {base_cpu:6.2f} s "
                f"(pairs {shown}); adds {cpu - base_cpu:+.2f} s CPU",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
