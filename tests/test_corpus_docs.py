"""docgen on CDK apps this project did not generate (tests/corpus): a complete doc for each, exit 0 even under
--strict, every resource in it, every source re-readable, every Mermaid block rendered by mermaid-cli."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from docgen.cli import main
from tests import sourcemap
from tests.doccheck import check_files
from tests.mermaid_render import mermaid_blocks, render_many

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())["apps"]


@dataclass
class CorpusDoc:
    app: str
    cdk_out: Path
    doc: Path
    rc: int
    seconds: float


@pytest.fixture(scope="module")
def corpus_docs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CorpusDoc]:
    out = {}
    for app in sorted(EXPECTED):
        work = tmp_path_factory.mktemp(f"corpus-{app}")
        cdk_out = work / "cdk.out"
        shutil.copytree(CORPUS / app / "cdk.out", cdk_out)  # a copy: docgen must not write into it anyway
        doc = work / "design-docs" / "60-infrastructure.md"
        started = time.perf_counter()
        rc = main(["--cdk-out", str(cdk_out), "--no-synth", "--doc", str(doc), "--no-picture", "--strict"])
        out[app] = CorpusDoc(app, cdk_out, doc, rc, time.perf_counter() - started)
    return out


@pytest.mark.parametrize("app", sorted(EXPECTED))
def test_every_corpus_app_gets_a_complete_doc(corpus_docs: dict[str, CorpusDoc], app: str) -> None:
    run = corpus_docs[app]
    assert run.rc == 0  # --strict: no section could fail and still pass
    text = run.doc.read_text()
    assert "could not be built" not in text
    # This project's conventions only where their inputs exist: no compose file or pipeline for another app.
    assert "_No dev compose file was generated for this app" in text
    assert "_No delivery pipeline was generated for this app" in text


@pytest.mark.parametrize("app", sorted(EXPECTED))
def test_every_resource_of_a_corpus_app_is_in_its_doc(corpus_docs: dict[str, CorpusDoc], app: str) -> None:
    """Coverage 100 %: each resource is a source of some printed fact, or listed in the inventory appendix."""
    run = corpus_docs[app]
    data = json.loads(run.doc.with_name("60-infrastructure.sources.json").read_text())
    cited = {
        (s[1], s[2].split("/")[2])
        for s in data["sources"]
        if s[0] in ("template", "resource") and s[2].startswith("/Resources/")
    }
    templates = [p for p in run.cdk_out.rglob("*.template.json")]
    missing = []
    total = 0
    for template in templates:
        name = template.relative_to(run.cdk_out).as_posix()
        for logical_id, body in json.loads(template.read_text())["Resources"].items():
            if body["Type"] == "AWS::CDK::Metadata":
                continue
            total += 1
            if (name, logical_id) not in cited:
                missing.append(f"{name} {logical_id} ({body['Type']})")
    assert total == sum(n for t, n in EXPECTED[app]["resources_by_type"].items() if t != "AWS::CDK::Metadata")
    assert missing == []
    assert f"{total:,} of {total:,}" in run.doc.read_text()


@pytest.mark.parametrize("app", sorted(EXPECTED))
def test_every_corpus_doc_passes_the_independent_check(corpus_docs: dict[str, CorpusDoc], app: str) -> None:
    """tests/doccheck (which never imports docgen) reads the doc's Markdown and the assembly as plain JSON and
    finds no fact of the doc that the templates contradict, none left out, no claim without its input."""
    run = corpus_docs[app]
    result = check_files(run.doc, run.cdk_out)  # no generated/: a foreign app has no compose file or pipeline
    described = sum(n for t, n in EXPECTED[app]["resources_by_type"].items() if t != "AWS::CDK::Metadata")
    assert result.facts >= max(100, 2 * described), "the checker compared too little: did tables go missing?"
    report = "\n".join(m.line() for m in result.mismatches)
    assert not result.mismatches, (
        f"{app}: {len(result.mismatches)} mismatches in {result.facts} facts:\n{report}"
    )


@pytest.mark.parametrize("app", sorted(EXPECTED))
def test_every_fact_of_a_corpus_doc_is_re_read_from_its_source(
    corpus_docs: dict[str, CorpusDoc], app: str
) -> None:
    run = corpus_docs[app]
    report = sourcemap.check(run.doc, run.cdk_out, ROOT, None)
    assert not report.problems, "\n".join(report.problems[:20])
    assert report.cells > 50


@pytest.mark.render
def test_every_mermaid_block_of_the_corpus_docs_renders(
    corpus_docs: dict[str, CorpusDoc], tmp_path: Path
) -> None:
    diagrams = {
        f"{app}-{i}": block
        for app, run in sorted(corpus_docs.items())
        for i, block in enumerate(mermaid_blocks(run.doc.read_text()))
    }
    assert len(diagrams) >= 2 * len(corpus_docs)
    render_many(diagrams, tmp_path)  # raises with mmdc's message naming the diagram that fails


def test_docgen_never_writes_into_a_named_assembly(corpus_docs: dict[str, CorpusDoc]) -> None:
    for app, run in corpus_docs.items():
        assert sorted(p.relative_to(run.cdk_out) for p in run.cdk_out.rglob("*")) == sorted(
            p.relative_to(CORPUS / app / "cdk.out") for p in (CORPUS / app / "cdk.out").rglob("*")
        )
