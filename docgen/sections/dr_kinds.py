"""Disaster Recovery of the application's data stores beyond RDS and ElastiCache: one row per EFS file system,
DynamoDB table and application bucket in each environment, with what protects it, the RPO and RTO that follow
(figures from docgen/data/slas.yaml's `recovery` section) and its copies outside the region."""

from __future__ import annotations

from decimal import Decimal

from docgen.facts import recovery_kinds
from docgen.facts.fact import Fact, Source, derived
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t
from docgen.verify.availability import Figure, load_recovery

SLAS_FILE = "docgen/data/slas.yaml"
HEADERS = ["Environment", "Data store", "Protection", "RPO", "RTO", "Copy outside the region"]
RESTORE = {"EFS": "efs.restore_rto", "DynamoDB": "dynamodb.restore_rto"}
WHAT_RESTORES = {"EFS": "restore job from the latest recovery point", "DynamoDB": "restore to a new table"}


def build(model: DocModel, inputs: SectionInputs) -> None:
    figures = load_recovery()
    rows = []
    for env in inputs.environments:
        name = inputs.env_name(env)
        for s in recovery_kinds.stores(inputs.index, env):
            rows.append([name, s.label, _protection(s), _rpo(s, figures), _rto(s, figures), s.elsewhere])
    model.tables["store_recovery"] = t(HEADERS, rows)


def _figure(key: str, figures: dict[str, Figure]) -> tuple[Decimal, Source]:
    f = figures[key]
    return f.minutes, Source("data", SLAS_FILE, f"/recovery/{key}/minutes", str(f.minutes))


def _protection(s: recovery_kinds.Store) -> Fact:
    parts: list[tuple[str, list[Fact]]] = []
    if s.pitr_days is not None:
        parts.append((f"point-in-time recovery ({s.pitr_days.text} d)", [s.pitr_days]))
    if s.versioning is not None:
        parts.append((f"versioning (previous versions kept {s.versioning.text})", [s.versioning]))
    for rule in s.rules:
        parts.append(
            (
                f"AWS Backup {rule.plan.text} {rule.schedule.text} (kept {rule.retention.text})",
                [rule.plan, rule.schedule, rule.retention],
            )
        )
    if not parts:
        return derived(None, "none", [s.name])
    return derived(None, "; ".join(p for p, _ in parts), [f for _, facts in parts for f in facts])


def _rpo(s: recovery_kinds.Store, figures: dict[str, Figure]) -> Fact:
    """The least data lost: a version is kept at every write; PITR restores to within minutes; a backup rule
    loses what changed since its last run."""
    if s.versioning is not None:
        return derived(
            Decimal(0), "0 (every overwrite and delete keeps the previous version)", [s.versioning]
        )
    if s.pitr_days is not None:
        value, source = _figure("dynamodb.pitr_rpo", figures)
        return derived(value, f"{value.normalize():f} min (point-in-time recovery)", [s.pitr_days, source])
    hours = [(recovery_kinds.interval_hours(r), r) for r in s.rules]
    known = [(h, r) for h, r in hours if h is not None]
    if known:
        h, rule = min(known, key=lambda x: x[0])
        return derived(Decimal(h * 60), f"{h} h (time between backups)", [rule.schedule])
    if s.rules:
        return derived(None, f"one interval of {s.rules[0].schedule.text}", [s.rules[0].schedule])
    return derived(None, "unbounded (no backup, no versions)", [s.name])


def _rto(s: recovery_kinds.Store, figures: dict[str, Figure]) -> Fact:
    if s.versioning is not None:
        return derived(None, "per object: copy the previous version back", [s.versioning])
    key = RESTORE.get(s.kind)
    if key is None or (s.pitr_days is None and not s.rules):
        return derived(None, "- (nothing to restore from)", [s.name])
    value, source = _figure(key, figures)
    note = " (assumption)" if figures[key].confidence == "assumption" else ""
    return derived(value, f"{value.normalize():f} min: {WHAT_RESTORES[s.kind]}{note}", [s.name, source])
