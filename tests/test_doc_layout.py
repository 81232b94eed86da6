"""The doc a reviewer reads: summary first, each fact once (environments merged), one diagram per topology, long
tables in companion files that are generated, checked and source-mapped like the doc, and no fact lost on the way.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import pytest

from docgen import document
from docgen.assembly.reader import read_assembly
from docgen.facts.diagram import DiagramModel, Link, Tier, build_model
from docgen.facts.diagram_merge import merge, topologies
from docgen.facts.fact import Fact, Source
from docgen.facts.index import env_sorted
from docgen.sections.compact import merge_environments
from docgen.sections.model import Table
from tests import sourcemap
from tests.conftest import ROOT
from tests.doccheck import check_files
from tests.doccheck.markdown import expand
from tests.test_docgen import FIXTURE, TEMPLATE, run_docgen

CORPUS = ROOT / "tests" / "corpus"


def _fact(text: str, source: str = "x") -> Fact:
    return Fact(text, text, (Source("resource", "t.json", f"/Resources/{source}", None),))


def test_rows_of_one_thing_merge_and_differing_cells_name_each_environment() -> None:
    table = Table(
        ("Environment", "Queue", "Role", "Visibility"),
        (
            (_fact("staging"), _fact("orders"), _fact("queue"), _fact("30 s", "a")),
            (_fact("staging"), _fact("orders"), _fact("dead-letter queue"), _fact("30 s", "b")),
            (_fact("prod"), _fact("orders"), _fact("queue"), _fact("60 s", "c")),
            (_fact("prod"), _fact("orders"), _fact("dead-letter queue"), _fact("30 s", "d")),
            (_fact("prod"), _fact("audit"), _fact("queue"), _fact("10 s", "e")),
        ),
    )
    merged = merge_environments(table, {"staging": 0, "prod": 1})
    rows = [[c.text for c in r] for r in merged.rows]
    # Queue alone is not unique per environment: Queue + Role is the key
    assert rows == [
        ["staging, prod", "orders", "queue", "staging: 30 s\nprod: 60 s"],
        ["staging, prod", "orders", "dead-letter queue", "30 s"],
        ["prod", "audit", "queue", "10 s"],
    ]
    # a merged cell keeps the sources of every cell it stands for
    assert {s.pointer for s in merged.rows[0][3].sources} == {"/Resources/a", "/Resources/c"}
    # the checker reads a merged row back as one row per environment
    cells = {h: c.replace("\n", "<br>") for h, c in zip(table.headers, rows[0], strict=True)}
    assert expand(cells) == [
        {"Environment": "staging", "Queue": "orders", "Role": "queue", "Visibility": "30 s"},
        {"Environment": "prod", "Queue": "orders", "Role": "queue", "Visibility": "60 s"},
    ]


def test_environments_that_differ_in_shape_get_a_diagram_each() -> None:
    def model(env: str, links: tuple[Link, ...]) -> DiagramModel:
        return DiagramModel(env, "", (Tier("t", "Tier (x, 2× /24)", True),), (), links)

    a = model("staging", ())
    b = model("prod", ())
    c = model("dev", (Link("users", "x", "", "https"),))
    assert [[m.environment for m in g] for g in topologies([a, b, c])] == [["staging", "prod"], ["dev"]]
    merged, diffs = merge([a, b])
    assert merged.environment == "staging, prod" and diffs == []


def test_default_design_is_drawn_once_with_its_differences() -> None:
    assembly = read_assembly(FIXTURE)
    models = [build_model(assembly, env) for env in env_sorted(assembly.environments)]
    (group,) = topologies(models)
    merged, diffs = merge(group)
    boxes = {d.box: d.labels for d in diffs}
    nat = next(v for k, v in boxes.items() if k.startswith("NAT gateway"))
    assert nat[0].startswith("NAT gateway ×1") and nat[1].startswith("NAT gateway ×3")
    backend = next(c for c in merged.components if c.id == "ecs_backend")
    # sizes differ, so the box keeps only what both share: its name and what it is, up to the first figure
    assert backend.label == "backend\nECS Fargate"


@pytest.fixture(scope="module")
def default_doc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    doc = tmp_path_factory.mktemp("layout") / "60-infrastructure.md"
    assert run_docgen(doc) == 0
    return doc


def test_the_doc_fits_a_ten_minute_read(default_doc: Path) -> None:
    text = default_doc.read_text()
    lines = text.splitlines()
    assert len(lines) <= 600, f"{len(lines)} lines"
    headings = [line for line in lines if line.startswith("## ")]
    assert headings[0] == "## Summary", "the summary comes first"
    summary = re.search(r"## Summary\n(.*?)\n## ", text, re.S)
    assert summary and "Monthly cost" in summary.group(1) and "### Open risks" in summary.group(1)
    anchors = set(re.findall(r"\]\(#([\w-]+)\)", text))
    slugs = {re.sub(r"[^\w\- ]", "", h[3:].lower()).replace(" ", "-") for h in headings}
    assert anchors and anchors <= slugs, f"contents links without a heading: {anchors - slugs}"


def test_companions_are_linked_checked_and_source_mapped(default_doc: Path) -> None:
    text = default_doc.read_text()
    linked = sorted(set(re.findall(r"\]\((60-infrastructure-[\w-]+\.md)\)", text)))
    assert len(linked) >= 5
    for name in linked:
        companion = default_doc.with_name(name)
        assert companion.is_file() and companion.with_suffix(".sources.json").is_file(), name
    report = sourcemap.check(default_doc, FIXTURE, ROOT, None)
    assert not report.problems, report.problems[:10]
    assert report.facts > 500
    result = check_files(default_doc, FIXTURE)
    assert not result.mismatches, result.mismatches[:5]
    # --check covers the companions: one edited by hand is stale until regenerated
    cost = default_doc.with_name("60-infrastructure-cost.md")
    original = cost.read_text()
    cost.write_text(original.replace("Rates used", "Rates"))
    assert run_docgen(default_doc, "--check") == 1
    assert run_docgen(default_doc) == 0
    assert cost.read_text() == original
    assert run_docgen(default_doc, "--check") == 0


@pytest.mark.parametrize(
    "app", ["fargate-alb", "nested-stages", "stages-stepfunctions", "waf-backup-dynamodb"]
)
def test_no_fact_is_lost_between_the_model_and_the_files(app: str) -> None:
    """Every table, list and diagram the sections build is printed in the doc or a companion file."""
    model = _rendered_model(CORPUS / app / "cdk.out")
    assert model.unprinted() == []


def test_no_fact_is_lost_in_the_default_design() -> None:
    model = _rendered_model(FIXTURE)
    assert model.tables["alarms"].rows and model.tables["roles"].rows
    assert model.unprinted() == []


def _rendered_model(cdk_out: Path) -> Any:
    """The doc model of an assembly after the doc and its companions were rendered from it."""
    args = argparse.Namespace(
        design=None,
        cdk_out=cdk_out,
        no_synth=True,
        doc=Path("/nonexistent/60-infrastructure.md"),
        targets=None,
        no_generated=True,
        inventory=None,
    )
    model, _, _ = document.design_model(args, read_assembly(cdk_out), None, {})
    document.render_model(model, TEMPLATE, args.doc)
    return model
