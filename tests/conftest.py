"""Shared fixtures: one CDK synth per design per test session (the default design, each zoo design), and
helpers to read their templates."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from filelock import FileLock

ROOT = Path(__file__).resolve().parents[1]
_NODE22 = ROOT / "node_modules" / ".bin" / "node"
if _NODE22.exists():  # the same Node the Makefile gives jsii (see Makefile: JSII_NODE)
    os.environ.setdefault("JSII_NODE", str(_NODE22))


T = TypeVar("T")
_SHARED: dict[str, Any] = {}


def shared(tmp_path_factory: pytest.TempPathFactory, key: str, build: Callable[[Path], T]) -> T:
    """`build(folder)` once per test run, in whichever process asks first.

    Under pytest-xdist (`make test` runs two workers) each worker has its own session, so a session fixture alone
    would synthesize a design once per worker. The result is pickled into a folder every worker of the run shares
    (the parent of the workers' base temp); a worker that asks while another builds waits on the lock.
    """
    if key in _SHARED:
        return _SHARED[key]  # type: ignore[no-any-return]
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shared"
    root.mkdir(exist_ok=True)
    result_file = root / f"{key}.pickle"
    with FileLock(str(root / f"{key}.lock")):
        if result_file.exists():
            result = pickle.loads(result_file.read_bytes())
        else:
            folder = root / key
            folder.mkdir()
            result = build(folder)
            result_file.write_bytes(pickle.dumps(result))
    _SHARED[key] = result
    return result


@dataclass
class Synth:
    """A synthesized app: the cloud assembly directory it wrote."""

    app: Any  # the App object in the process that synthesized it, else None
    outdir: Path

    def __getstate__(self) -> dict[str, Any]:  # the App lives in this process's jsii kernel only
        return {"app": None, "outdir": self.outdir}

    def templates(self, environment: str) -> dict[str, dict[str, Any]]:
        """Stack id (e.g. "Data", "Service-backend") -> template, for one environment's stage."""
        stage_dir = self.outdir / f"assembly-{environment}"
        manifest = json.loads((stage_dir / "manifest.json").read_text())
        out: dict[str, dict[str, Any]] = {}
        for artifact in manifest["artifacts"].values():
            if artifact["type"] != "aws:cloudformation:stack":
                continue
            stack_id = artifact["displayName"].split("/")[-1].split(" ")[0]
            out[stack_id] = json.loads((stage_dir / artifact["properties"]["templateFile"]).read_text())
        return out

    def template(self, environment: str, stack_id: str) -> Any:
        from aws_cdk.assertions import Template

        return Template.from_json(self.templates(environment)[stack_id])


def synth_design(design_path: Path, outdir: Path, environments: list[str] | None = None) -> Synth:
    """Synthesize `design_path` (only `environments`' stages if given: a sampled design needs one), stamped."""
    from app import build_app, synthesize

    app = build_app(str(design_path), outdir=str(outdir), environments=environments)
    synthesize(app, str(design_path))
    return Synth(app, outdir)


@pytest.fixture(scope="session")
def default_synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return shared(
        tmp_path_factory, "default", lambda work: synth_design(ROOT / "design.yaml", work / "cdk.out")
    )


# --- the default design changed: backend CPU, prod NAT count and usage, a new worker with its queue ----------
# Shared by the doc-follows-spec tests and the review tests: one synth per session.

WORKER = """  - name: agent-summary
    type: worker
    build: ./agents/summary
    queue: summary-tasks
    databases: [appdb]
    secrets: [llm-api-key]
    seq: 3
    requirements: [REQ-003-DEP-001]
"""
QUEUE = """  - name: summary-tasks
    seq: 3
    requirements: [REQ-003-DEP-001]
"""


def changed_design() -> str:
    text = (ROOT / "design.yaml").read_text()
    text = text.replace(
        "backend: {cpu: 1024, memory: 2048, desired: 3", "backend: {cpu: 2048, memory: 4096, desired: 3"
    )
    text = text.replace("nat_gateways: 3", "nat_gateways: 2\n    cost_usage: {nat_gb_processed_month: 999}")
    text = text.replace("\nfrontends:\n", "\n" + WORKER + "\nfrontends:\n", 1)
    text = text.replace("\nsecrets:\n", "\n" + QUEUE + "\nsecrets:\n", 1)
    for env, size in (
        ("staging", "{cpu: 256, memory: 512, desired: 0, min: 0, max: 1}"),
        ("prod", "{cpu: 512, memory: 1024, desired: 1, min: 0, max: 3}"),
    ):
        anchor = (
            f"      agent-report: {{cpu: {'256, memory: 512' if env == 'staging' else '512, memory: 1024'}"
        )
        text = text.replace(anchor, f"      agent-summary: {size}\n{anchor}", 1)
    return text


def _changed(work: Path) -> Synth:
    design = work / "design.yaml"
    design.write_text(changed_design())
    return synth_design(design, work / "cdk.out")


@pytest.fixture(scope="session")
def changed_synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return shared(tmp_path_factory, "changed", _changed)


# --- the design zoo: every zoo/*.yaml the loader accepts, synthesized once per session ---------------------

ZOO = ROOT / "zoo"


def zoo_designs() -> list[Path]:
    """Every zoo design. None is skipped for failing to load: a zoo design the loader refuses is a broken test
    input (tests/test_zoo.py says so, naming the error), never a design silently left out of the zoo."""
    return sorted(ZOO.glob("*.yaml"))


@dataclass
class ZooRun:
    """One zoo design taken end to end: synth (with cdk-nag), generators, docgen into temporary folders."""

    design: Path
    outdir: Path
    synth_seconds: float  # the synth alone (cdk-nag included), without generators and docgen
    synth_error: str | None  # the exception a failed synth raised (cdk-nag findings, construct errors)
    generated: Path
    generators: subprocess.CompletedProcess[str]
    doc: Path
    docgen: subprocess.CompletedProcess[str] | None

    @property
    def name(self) -> str:
        return self.design.stem


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True, text=True, timeout=600)


def run_zoo_design(design: Path, work: Path) -> ZooRun:
    outdir = work / "cdk.out"
    started = time.perf_counter()
    error = None
    try:
        synth_design(design, outdir)
    except Exception as exc:  # a failed synth is a test failure reported by test_zoo, not a fixture error
        error = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - started
    run = run_zoo_documents(design, outdir, work, synth_error=error)
    run.synth_seconds = seconds
    return run


def run_zoo_documents(design: Path, outdir: Path, work: Path, synth_error: str | None = None) -> ZooRun:
    """`python -m generators` and `python -m docgen --no-synth` for a synthesized design, into `work`."""
    generated, doc = work / "generated", work / "doc" / "60-infrastructure.md"
    gen = _run("-m", "generators", "--design", str(design), "--out", str(generated))
    docgen = None
    if synth_error is None:
        docgen = _run(
            "-m", "docgen", "--design", str(design), "--cdk-out", str(outdir), "--no-synth",
            "--generated", str(generated), "--doc", str(doc), "--no-picture",
        )  # fmt: skip
    return ZooRun(design, outdir, 0.0, synth_error, generated, gen, doc, docgen)


def zoo_run_of(design: Path, tmp_path_factory: pytest.TempPathFactory) -> ZooRun:
    """The test run's one run of a zoo design, whichever test asks first (zoo_run or a test of one design)."""
    return shared(tmp_path_factory, f"zoo-{design.stem}", lambda work: run_zoo_design(design, work))


@pytest.fixture(scope="session", params=zoo_designs(), ids=lambda p: p.stem)
def zoo_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> ZooRun:
    return zoo_run_of(request.param, tmp_path_factory)


@pytest.fixture(scope="session")
def zoo_named(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """`zoo_named("obs-datadog")`: that zoo design's run, shared with test_zoo's (no second synth)."""
    return lambda stem: zoo_run_of(ZOO / f"{stem}.yaml", tmp_path_factory)


@pytest.fixture(scope="session")
def kinds_zoo(tmp_path_factory: pytest.TempPathFactory) -> ZooRun:
    """The zoo design of jobs, functions, file systems, buckets and tables (the same run test_zoo checks)."""
    return zoo_run_of(ZOO / "jobs-functions-files.yaml", tmp_path_factory)


def assert_one_line(message: str, file: str) -> None:
    """A SpecError as the user sees it: names the file, one printable line (no newline, no ESC), bounded."""
    from designspec.errors import LINE_LIMIT

    assert message.startswith(f"{file}:"), message
    assert message.isprintable(), repr(message)
    assert len(message) <= LINE_LIMIT


def cfn_lint_errors(templates: list[Path]) -> list[str]:
    """cfn-lint's error-level findings (warnings are the default design's too: W3010 fixed zones, W3045)."""
    proc = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "cfn-lint"), "--format", "json", "--ignore-checks", "W3005", "--"]
        + [str(t) for t in templates],
        capture_output=True,
        text=True,
        timeout=600,
    )
    findings = json.loads(proc.stdout or "[]")
    return [f"{f['Rule']['Id']} {f['Message']} ({f['Filename']})" for f in findings if f["Level"] == "Error"]


# --- marks: `make test-fast` leaves out what synthesizes (jsii + CDK) or renders (mermaid-cli + chromium) -------

# The fixtures that synthesize. `item.fixturenames` is the whole closure, so a fixture built on one of these
# (test_selection's `project` on `default_synth`) needs no entry: a name listed here marks every test that uses
# a fixture of that name, whatever it does.
SYNTH_FIXTURES = frozenset(
    {"default_synth", "zoo_run", "zoo_named", "kinds_zoo", "changed_synth", "accepted_synths", "variants"}
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses a session synth is a `synth` test, whatever its module says.

    For pytest-xdist's `--dist loadgroup` (`make test`): a zoo design's tests form one group, so one worker runs
    them after its synth; every other test is grouped with its module, so a module-scoped fixture (the sixty-service
    synth, a generated compose file) is built once, not once per worker. Session synths used across modules are
    shared between the workers by `shared()`.
    """
    for item in items:
        if SYNTH_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.synth)
        params = getattr(getattr(item, "callspec", None), "params", {})
        group = f"zoo-{params['zoo_run'].stem}" if "zoo_run" in params else item.nodeid.split("::", 1)[0]
        item.add_marker(pytest.mark.xdist_group(group))
