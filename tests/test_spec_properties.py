"""Property-based: every drawn valid design loads, every mutant ends as a Design or one SpecError line, and
sampled accepted designs synthesize into templates cfn-lint passes.

Sample sizes are small for the everyday suite; a nightly-size run raises them (README, "Fuzzing the spec"):
SPEC_PROPERTY_EXAMPLES (default 60) and SPEC_SYNTH_SAMPLES (default 2; each is one synth of one environment
plus cfn-lint, ~15 s).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from designspec import SpecError, parse_design
from tests.conftest import assert_one_line, cfn_lint_errors, synth_design
from tests.spec_strategies import designs, mutants

EXAMPLES = int(os.environ.get("SPEC_PROPERTY_EXAMPLES", "60"))
SYNTH_SAMPLES = int(os.environ.get("SPEC_SYNTH_SAMPLES", "2"))


@given(designs())
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_drawn_design_loads(text: str) -> None:
    try:
        parse_design(text, "drawn.yaml")
    except SpecError as exc:
        pytest.fail(f"a design drawn from the model's rules was rejected: {exc}\n{text}")


@given(mutants())
@settings(max_examples=EXAMPLES * 3, deadline=2000)
def test_a_mutant_is_a_design_or_one_error_line(text: str) -> None:
    try:
        parse_design(text, "mutant.yaml")
    except SpecError as exc:
        assert_one_line(str(exc), "mutant.yaml")


@pytest.mark.synth
@given(text=designs(rich=True))
@settings(
    max_examples=SYNTH_SAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: each example is a synth
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@pytest.mark.synth
def test_a_sampled_design_synthesizes_into_templates_cfn_lint_passes(
    text: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    design = parse_design(text, "sampled.yaml")
    env = next(iter(design.aws_environments()))
    folder = tmp_path_factory.mktemp("sampled")
    (folder / "design.yaml").write_text(text, encoding="utf-8")
    try:
        synth = synth_design(folder / "design.yaml", folder / "cdk.out", environments=[env])
    except Exception as exc:
        pytest.fail(f"an accepted design did not synthesize: {str(exc)[:2000]}\n{text}")
    templates = sorted((synth.outdir / f"assembly-{env}").glob("*.template.json"))
    stacks = set(synth.templates(env))
    assert {f"Service-{s.name}" for s in design.services} <= stacks
    assert cfn_lint_errors(templates) == [], text
