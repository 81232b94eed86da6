"""The summary a reviewer reads first: monthly cost per environment, what changed since the last recorded work
item, and the open risks (unmet criteria and targets, acknowledged findings, unpriced resources).

It runs after every other section and reads their facts from the model: it states nothing new, it gathers.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from docgen.facts.fact import Fact, Source, counted, derived
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, Table

Since = tuple[int, Path, Counter[str]] | None


def build(model: DocModel, inputs: SectionInputs, since: Since) -> None:
    rows = [("Monthly cost", _costs(model, inputs)), ("Changes", _changes(since, inputs))]
    summary = model.tables.get("summary")
    if summary is not None:
        extra = tuple((derived(label, label, [value]), value) for label, value in rows)
        model.tables["summary"] = Table(summary.headers, (summary.rows[0], *extra, *summary.rows[1:]))
    model.lists["risks"] = _risks(model)


def _costs(model: DocModel, inputs: SectionInputs) -> Fact:
    totals = [(env, model.says(f"cost_total:{env}")) for env in inputs.environments]
    known = [(env, f) for env, f in totals if f is not None and f.text]
    if not known:
        return Fact(None, "not estimated", ())
    text = "\n".join(f"{env}: {f.text}" for env, f in known)
    return derived([f.value for _, f in known], text, [f for _, f in known])


def _changes(since: Since, inputs: SectionInputs) -> Fact:
    if since is None:
        folder = Path(os.path.relpath(inputs.doc_dir / "inventory", inputs.root)).as_posix()
        text = f"no work item recorded yet (`{folder}/` is empty; a work item's run records one, see README)"
        return Fact(None, text, (Source("file", f"{folder}/seq-001.json", "", "missing"),))
    seq, path, tally = since
    where = Path(os.path.relpath(path)).as_posix()
    text = (
        f"since work item seq {seq} (`{where}`): {counted(tally.get('added', 0), 'resource')} added, "
        f"{tally.get('changed', 0)} changed, {tally.get('removed', 0)} removed"
    )
    return Fact(dict(tally), text, (Source("data", where, "/seq", seq),))


def _risks(model: DocModel) -> list[Fact]:
    """Open risks: unticked success criteria, targets not met, acknowledged findings, unpriced resources."""
    risks = [derived(c.ok, f"{c.label}: {c.evidence.text}", [c.evidence]) for c in model.checks if not c.ok]
    verdicts = model.table("verdicts")
    result = _column(verdicts, "Result")
    for row in verdicts.rows if result is not None else ():
        status = row[result].text
        if status == "unmet":
            text = (
                f"{row[0].text} ({row[1].text}): {row[2].text} {row[4].text} misses its target {row[3].text}"
            )
        elif status != "met":
            text = f"{row[0].text} ({row[1].text}): {status}"
        else:
            continue
        risks.append(derived(None, text, list(row)))
    acks = model.table("acks")
    if acks.rows:
        count = _column(acks, "Resources")
        total = sum(int(r[count].text) for r in acks.rows if count is not None and r[count].text.isdigit())
        risks.append(
            derived(
                len(acks.rows),
                f"{counted(len(acks.rows), 'compliance rule')} acknowledged rather than fixed "
                f"({counted(total, 'finding')} in all), each with its reason (see Security)",
                [r[0] for r in acks.rows],
            )
        )
    unpriced = model.tables.get("cost_unpriced")
    envs: dict[str, list[Fact]] = {}
    for row in unpriced.rows if unpriced is not None else ():
        envs.setdefault(row[0].text, []).append(row[1])
    for env, rows in envs.items():
        risks.append(
            derived(
                len(rows),
                f"{env}: {counted(len(rows), 'resource')} not priced, so its estimate is a lower bound (see Cost)",
                rows,
            )
        )
    return risks


def _column(table: Table, header: str) -> int | None:
    return table.headers.index(header) if header in table.headers else None
