"""What the doc says in words, wherever it says it: the template's own prose claims only what the inputs hold
(a compose file, a pipeline, severity topics, budgets: this project's conventions, absent from other apps), and no
CloudFormation intrinsic is printed raw (`{'Fn::GetAtt': [...]}`) in a cell, a label, a line or a checklist."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tests.doccheck.assembly import Assembly
from tests.doccheck.markdown import Doc
from tests.doccheck.observability import alarm_topics, notifying
from tests.doccheck.report import Mismatch, Result
from tests.doccheck.values import raw_intrinsic

Holds = Callable[[Assembly, Any, Any], tuple[bool, str]]


def _compose(asm: Assembly, compose: Any, pipeline: Any) -> tuple[bool, str]:
    return compose is not None, "a generated docker-compose.yml" if compose is not None else "no compose file"


def _pipeline(asm: Assembly, compose: Any, pipeline: Any) -> tuple[bool, str]:
    return pipeline is not None, "a generated pipeline.json" if pipeline is not None else "no pipeline"


def _both(asm: Assembly, compose: Any, pipeline: Any) -> tuple[bool, str]:
    ok = compose is not None and pipeline is not None
    return ok, f"compose file: {compose is not None}, pipeline: {pipeline is not None}"


def _fargate_everywhere(asm: Assembly, compose: Any, pipeline: Any) -> tuple[bool, str]:
    bare = [name for name, st in asm.stages.items() if not st.resources("AWS::ECS::Service")]
    return not bare, f"environments without an ECS service: {bare}"


def _severity_topics(asm: Assembly, compose: Any, pipeline: Any) -> tuple[bool, str]:
    alarms = [a for a in asm.resources("AWS::CloudWatch::Alarm") if notifying(a, asm)]
    wrong = [
        a.title
        for a in alarms
        if "Severity" not in a.tags
        or any(t.tags.get("Severity") != a.tags.get("Severity") for t in alarm_topics(a, asm))
    ]
    return bool(
        alarms
    ) and not wrong, f"{len(alarms)} notifying alarms; without their severity's topic: {wrong[:3]}"


def _runbooks(asm: Assembly, compose: Any, pipeline: Any) -> tuple[bool, str]:
    alarms = [a for a in asm.resources("AWS::CloudWatch::Alarm") if notifying(a, asm)]
    missing = [
        a.title
        for a in alarms
        if not (
            a.tags.get("Runbook") or re.search(r"Runbook:\s*\S+", str(a.props.get("AlarmDescription", "")))
        )
    ]
    return bool(alarms) and not missing, f"{len(alarms)} notifying alarms; without a runbook: {missing[:3]}"


# a sentence of the template's prose -> what must hold for it to be true
CLAIMS: tuple[tuple[str, str, Holds], ...] = (
    (r"the dev compose\s+stack and the delivery pipeline from", "prose-generated", _both),
    (r"Docker Compose for local development", "prose-compose", _compose),
    (r"ECS Fargate for the\s+AWS environments", "prose-fargate", _fargate_everywhere),
    (r"go(?:es)? through the delivery pipeline", "prose-pipeline", _pipeline),
    (r"notify the topic of their\s+severity", "prose-alarm-topic-severity", _severity_topics),
    (r"name (?:its|their) runbook", "prose-alarm-runbook", _runbooks),
)


def check(doc: Doc, assembly: Assembly, compose: Any = None, pipeline: Any = None) -> Result:
    result = Result()
    for region, text, line, headings in doc.paragraphs:
        where = f"{' > '.join(headings[-1:]) or region or 'doc'} (line {line})"
        for pattern, kind, holds in CLAIMS:
            if m := re.search(pattern, text, re.I):
                ok, want = holds(assembly, compose, pipeline)
                result.fact(ok, kind, where, _sentence(text, m.start()), want, "templates and generated/")
    _raw(doc, result)
    return result


def _sentence(text: str, at: int) -> str:
    start = max(text.rfind(". ", 0, at), text.rfind("; ", 0, at))
    end = min(i for i in (text.find(". ", at), text.find("; ", at), len(text)) if i >= 0)
    return text[start + 2 if start >= 0 else 0 : end + 1].strip()


def _raw(doc: Doc, result: Result) -> None:
    """Every cell of every generated table, every diagram label, paragraph and checklist line."""
    texts = [
        (f"{table.where()} / {header}", cell)
        for table in doc.tables
        if table.region
        for row in table.rows
        for header, cell in row.items()
    ]
    texts += [(f"Mermaid at line {m.line}", label) for m in doc.mermaids for label in m.labels()]
    texts += [(f"{p.region} (line {p.line})", p.text) for p in doc.paragraphs if p.region]
    texts += [(f"Success Criteria (line {c.line})", f"{c.label}: {c.evidence}") for c in doc.checklist]
    result.facts += 1  # one fact: the doc shows no intrinsic raw (each offender is a mismatch)
    for where, text in texts:
        if raw_intrinsic(text):
            result.mismatches.append(
                Mismatch("raw-intrinsic", where, text, "the value shown readably", "templates")
            )
