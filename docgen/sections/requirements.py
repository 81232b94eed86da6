"""Requirements Traceability and Requirement Verification: which resources carry each requirement id, and
the availability, RPO and RTO each target gets, with the SLAs and figures the arithmetic used."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from docgen.facts.fact import Fact, Source, derived, exists, tag
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t
from docgen.verify import traceability
from docgen.verify.availability import minutes, percent
from docgen.verify.verification import Verification

SLAS_FILE = "docgen/data/slas.yaml"
MEASURE_KEYS = {"availability": "availability", "RPO": "rpo_minutes", "RTO": "rto_minutes"}


def build(
    model: DocModel, inputs: SectionInputs, checked: Verification, traces: list[Any], targets_file: str
) -> None:
    summaries = {x.requirement: checked.summary(x.requirement) for x in traces}
    rows = []
    for x in traces:
        carriers = list(x.resources)[:25]
        src = [tag(r, "Requirements") for r in carriers] or [Fact(None, "", ())]
        rows.append(
            [
                derived(x.requirement, x.requirement, src),
                derived(x.component, x.component, src),
                derived(x.seqs, ", ".join(x.seqs) or "-", [tag(r, "Seq") for r in carriers] or src),
                derived(x.environments, ", ".join(x.environments), src),
                derived(x.constructs, "<br>".join(x.constructs), src),
                derived(x.logical_ids, ", ".join(x.logical_ids), src),
                derived(
                    summaries.get(x.requirement),
                    summaries.get(x.requirement, "-"),
                    src + _verdict_sources(checked, x.requirement, targets_file),
                ),
            ]
        )
    model.tables["traceability"] = t(traceability.HEADERS, rows)
    # The doc's own table: the constructs and logical ids are in the verification details
    model.tables["trace_summary"] = t(
        ["Requirement", "Component", "Seq", "Environments", "Constructs", "Verification"],
        [
            [r[0], r[1], r[2], r[3], derived(len(x.constructs), str(len(x.constructs)), [r[4]]), r[6]]
            for r, x in zip(rows, traces, strict=True)
        ],
    )
    _verification(model, inputs, checked, targets_file)


def _resources(inputs: SectionInputs, keys: Iterable[str]) -> list[Fact]:
    return [exists(inputs.index.by_key[k], k) for k in keys if k in inputs.index.by_key]


def _sla(key: str, field: str, value: Any) -> Source:
    return Source("data", SLAS_FILE, f"/slas/{key}/{field}", value)


def _figure(key: str, field: str, value: Any) -> Source:
    return Source("data", SLAS_FILE, f"/recovery/{key}/{field}", value)


def _verdict_sources(checked: Verification, rid: str, targets_file: str) -> list[Source]:
    return [
        Source("data", targets_file, f"/{rid}/{MEASURE_KEYS[v.measure]}", None)
        for v in checked.verdicts
        if v.requirement == rid and v.measure in MEASURE_KEYS
    ]


def _verification(model: DocModel, inputs: SectionInputs, v: Verification, targets_file: str) -> None:
    _paths(model, inputs, v)
    _recovery(model, inputs, v)
    _verdicts(model, inputs, v, targets_file)
    model.tables["sla_sources"] = _sla_sources(v)


def _paths(model: DocModel, inputs: SectionInputs, v: Verification) -> None:
    path_rows, factor_rows, seen = [], [], set()
    for p in v.paths:
        src: list[Fact | Source] = [
            s
            for f in p.factors
            for s in (*_resources(inputs, f.resources), _sla(f.sla_key, "uptime_percent", str(f.uptime)))
        ]
        values = (p.environment, p.name, p.route, percent(p.availability), p.arithmetic)
        path_rows.append([derived(None, x, src) for x in values])
        for f in p.factors:
            if (p.environment, f.label) in seen:
                continue
            seen.add((p.environment, f.label))
            fsrc: list[Fact | Source] = [
                *_resources(inputs, f.resources),
                _sla(f.sla_key, "uptime_percent", str(f.uptime)),
            ]
            values = (p.environment, f.label, f.sla_key, f"{f.uptime}%", f.because)
            factor_rows.append([derived(None, x, fsrc) for x in values])
    model.tables["avail_paths"] = t(
        ["Environment", "Request path", "Route", "Composite availability", "Arithmetic"], path_rows
    )
    model.tables["avail_factors"] = t(
        ["Environment", "Component", "SLA", "Uptime", "Chosen because"], factor_rows
    )


RECOVERY_HEADERS = [
    "Environment",
    "Database",
    "Multi-AZ",
    "Automated backups",
    "Read replicas",
    "RPO",
    "RPO basis",
    "RTO",
    "RTO basis",
]


def _recovery(model: DocModel, inputs: SectionInputs, v: Verification) -> None:
    rows = []
    for r in v.recoveries:
        primary = inputs.index.by_key.get(r.resource)
        src = ([exists(primary, r.database)] if primary else []) + [
            _figure(k, "minutes", str(v.figures[k].minutes))
            for k in ("rds.pitr_rpo", "rds.multi_az_failover_rto", "rds.restore_rto")
            if k in v.figures
        ]
        values = (
            r.environment,
            r.database,
            "yes" if r.multi_az else "no",
            f"{r.backup_days} d",
            str(r.read_replicas),
            minutes(r.rpo),
            r.rpo_basis,
            minutes(r.rto),
            r.rto_basis,
        )
        rows.append([derived(None, x, src) for x in values])
    model.tables["recovery"] = t(RECOVERY_HEADERS, rows)


def _verdicts(model: DocModel, inputs: SectionInputs, v: Verification, targets_file: str) -> None:
    rows = []
    for x in v.verdicts:
        on_paths = [
            s
            for p in v.paths
            if p.environment == x.environment
            for f in p.factors
            for s in _resources(inputs, f.resources)
        ]
        carriers = [
            tag(r, "Requirements") for r in inputs.assembly.resources if x.requirement in r.requirements
        ][:10]
        src = [*_verdict_sources(v, x.requirement, targets_file), *carriers, *on_paths[:20]]
        values = (x.requirement, x.environment, x.measure, x.target, x.design, x.status, x.arithmetic)
        rows.append([derived(None, c, src) for c in values])
    model.tables["verdicts"] = t(
        ["Requirement", "Environment", "Measure", "Target", "Design", "Result", "Arithmetic"], rows
    )


def _sla_sources(v: Verification) -> Any:
    rows = []
    for key, s in v.slas.items():
        rows.append(
            [
                Fact(key, key, (_sla(key, "uptime_percent", str(s.uptime_percent)),)),
                Fact(s.service, s.service, (_sla(key, "service", s.service),)),
                Fact(s.scope, s.scope, (_sla(key, "scope", s.scope),)),
                Fact(
                    s.uptime_percent,
                    f"{s.uptime_percent}%",
                    (_sla(key, "uptime_percent", str(s.uptime_percent)),),
                ),
                Fact(
                    s.source,
                    s.source + (" (unverified)" if s.confidence else ""),
                    (_sla(key, "source", s.source),),
                ),
                Fact(s.read_on, str(s.read_on), (_sla(key, "read_on", str(s.read_on)),)),
            ]
        )
    for key, f in sorted(v.figures.items()):
        rows.append(
            [
                Fact(key, key, (_figure(key, "minutes", str(f.minutes)),)),
                Fact("recovery", "recovery", (_figure(key, "what", f.what),)),
                Fact(f.what, f.what, (_figure(key, "what", f.what),)),
                Fact(f.minutes, minutes(f.minutes), (_figure(key, "minutes", str(f.minutes)),)),
                Fact(
                    f.source,
                    f.source + (f" ({f.confidence})" if f.confidence else ""),
                    (_figure(key, "source", f.source),),
                ),
                Fact(f.read_on, str(f.read_on), (_figure(key, "read_on", str(f.read_on)),)),
            ]
        )
    return t(["Key", "Service", "Scope", "Figure", "Source", "Read on"], rows)
