"""A 60-service design synthesizes into stacks that each stay under CloudFormation's 500-resource limit, and its
doc stays readable: under 1,500 lines, an overview diagram plus detail diagrams of at most about 30 boxes each,
every one rendered by the real Mermaid renderer, and the whole doc still says what the templates say."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from designspec import Design, parse_design
from tests.conftest import Synth, run_zoo_documents, synth_design
from tests.designs.sixty import sixty_service_design_yaml
from tests.doccheck import check_files
from tests.doccheck.markdown import parse
from tests.mermaid_render import render_many

pytestmark = pytest.mark.synth
LIMIT = 500
DOC_LINES = 1500
BOXES = 32  # the split's limit (30) plus the VPC's own box and a margin for the Users box


@dataclass(frozen=True)
class Sixty:
    design_file: Path
    design: Design
    synth: Synth
    work: Path


@pytest.fixture(scope="module")
def sixty(tmp_path_factory: pytest.TempPathFactory) -> Sixty:
    work = tmp_path_factory.mktemp("sixty")
    design_file = work / "sixty.yaml"
    design_file.write_text(sixty_service_design_yaml())
    design = parse_design(design_file.read_text(), str(design_file))
    return Sixty(design_file, design, synth_design(design_file, work / "cdk.out"), work)


def test_sixty_service_design_stays_under_the_stack_resource_limit(sixty: Sixty) -> None:
    assert len(sixty.design.services) == 60
    counts: dict[str, int] = {}
    services = 0
    for env in sorted(sixty.design.aws_environments()):
        for stack_id, template in sixty.synth.templates(env).items():
            counts[f"{env}/{stack_id}"] = len(template["Resources"])
            services += sum(1 for r in template["Resources"].values() if r["Type"] == "AWS::ECS::Service")
    assert services == 60 * len(sixty.design.aws_environments())
    too_big = {k: v for k, v in counts.items() if v >= LIMIT}
    assert not too_big, too_big
    assert max(counts.values()) > 20  # counted real templates, not empty ones
    (sixty.work / "counts.json").write_text(json.dumps(counts))


def _boxes(text: str) -> int:
    """Nodes of a flowchart: lines that define a labelled box, subgraphs not counted."""
    return sum(
        1 for line in text.splitlines() if re.match(r'^\s*\w+\s*[\[(]+"', line) and "subgraph" not in line
    )


def test_sixty_service_doc_is_short_with_small_diagrams_that_render_and_hold(sixty: Sixty) -> None:
    run = run_zoo_documents(sixty.design_file, sixty.synth.outdir, sixty.work / "docs")
    assert run.docgen is not None and run.docgen.returncode == 0, run.docgen and run.docgen.stderr
    text = run.doc.read_text()
    assert len(text.splitlines()) < DOC_LINES
    doc = parse(text)
    architecture = [m for m in doc.mermaids if m.region == "architecture"]
    sizes = [_boxes(m.text) for m in architecture]
    # an overview and detail diagrams, none of them a strip of a hundred boxes
    assert len(architecture) >= 3 and max(sizes) <= BOXES, sizes
    overview = architecture[0].text
    assert re.search(r'"40 ECS services, seq 1<br/>svc01 … svc40"', overview), overview[:2000]
    drawn = {name for m in architecture for name in re.findall(r"\b(ecs_(?:svc|wrk)\d\d)\[", m.text)}
    assert len(drawn) == 60  # every service in some detail diagram
    svgs = render_many({f"arch{i}": m.text for i, m in enumerate(architecture)}, sixty.work / "svg")
    assert len(svgs) == len(architecture) and all(p.stat().st_size > 1000 for p in svgs.values())
    result = check_files(run.doc, run.outdir, run.generated)
    report = "\n".join(m.line() for m in result.mismatches[:30])
    assert result.facts > 5000 and not result.mismatches, report
