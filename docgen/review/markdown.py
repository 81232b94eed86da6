"""The review as one Markdown comment for a pull or merge request, starting with a hidden marker by which the
pipeline finds and updates its previous comment instead of adding another.

A summary table first (per environment: resources added, changed, removed, replacements, monthly cost), then
replacements, the cost delta, security, resources per stack (collapsed) and the doc sections. GitHub refuses
comments over 65,536 characters: the resource details shrink until the comment fits.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from docgen.cost import format_money
from docgen.review.model import Review
from docgen.review.resources import ResourceChange

MARKER = "<!-- docgen-review -->"
LIMIT = 60_000
SIGN = {"added": "+", "changed": "~", "removed": "−"}
PROPERTIES_SHOWN = (12, 3, 0)  # properties listed per changed resource, from the most detailed comment down


def cell(text: str) -> str:
    """Text for a table cell: pipes escaped (GitHub needs it inside code spans too), one line."""
    return " ".join(text.replace("|", "\\|").split())


def code(text: str) -> str:
    return f"`{text.replace('`', 'ʼ')}`" if text else "_(none)_"


def signed(amount: Decimal) -> str:
    if abs(amount) < Decimal("0.005"):
        return "±0.00"
    return ("+" if amount > 0 else "−") + format_money(abs(amount))


def render(review: Review) -> str:
    for shown in PROPERTIES_SHOWN:
        text = _compose(review, shown)
        if len(text) <= LIMIT:
            return text
    return _compose(review, None)  # resources as counts per stack only


def _compose(review: Review, shown: int | None) -> str:
    parts = [
        MARKER,
        "### Infrastructure review",
        "",
        f"Base {code(review.base)} → change {code(review.head)}.",
    ]
    if review.empty:
        parts += ["", "No change to resources, cost, security or the design doc."]
        return "\n".join([*parts, *_notes(review)]) + "\n"
    parts += ["", *_summary(review), *_replacements(review), *_cost(review), *_security(review)]
    parts += [*_resources(review, shown), *_sections(review), *_notes(review)]
    return "\n".join(parts) + "\n"


def _summary(review: Review) -> list[str]:
    out = [
        "| Environment | Added | Changed | Removed | Replacements | Monthly cost (USD) |",
        "|---|--:|--:|--:|--:|---|",
    ]
    for env in review.environments:
        cost = next((c for c in review.costs if c.environment == env), None)
        money = "-"
        if cost is not None:
            money = f"{format_money(cost.before)} → {format_money(cost.after)} (**{signed(cost.delta)}**)"
        out.append(
            f"| {env} | {review.count(env, 'added')} | {review.count(env, 'changed')} | "
            f"{review.count(env, 'removed')} | {len(review.replacements(env))} | {money} |"
        )
    return [*out, ""]


def _replacements(review: Review) -> list[str]:
    replaced = review.replacements()
    if not replaced:
        return []
    out = [
        f"**{len(replaced)} replacement(s)**: CloudFormation creates a new resource and deletes the old one "
        "(new identifiers and endpoints; data in a replaced store is lost without a snapshot):",
    ]
    for c in replaced:
        why = ", ".join(
            f"{code(p.path)} {code(p.before)} → {code(p.after)}" for p in c.properties if p.replaces
        )
        out.append(f"- {c.environment} {code(f'{c.stack}/{c.path}')} ({c.type}): {why}")
    return [*out, ""]


def _cost(review: Review) -> list[str]:
    changed = [c for c in review.costs if c.changed]
    if not changed:
        return [
            "#### Cost",
            "",
            "No change to the monthly estimate (changes under one cent are ignored).",
            "",
        ]
    out = [
        "#### Cost (USD per month)",
        "",
        "| Environment | Service | AWS service | Before | After | Change |",
        "|---|---|---|--:|--:|--:|",
    ]
    for env in changed:
        for r in env.rows:
            out.append(
                f"| {env.environment} | {cell(r.service)} | {cell(r.aws_service)} | {format_money(r.before)} | "
                f"{format_money(r.after)} | {signed(r.delta)} |"
            )
        out.append(
            f"| **{env.environment}** | **total** | | **{format_money(env.before)}** | "
            f"**{format_money(env.after)}** | **{signed(env.delta)}** |"
        )
    notes = [
        f"{c.environment}: {c.unpriced_before} → {c.unpriced_after} unpriced resources"
        for c in changed
        if c.unpriced_before != c.unpriced_after
    ]
    return [*out, "", *(["Not priced: " + "; ".join(notes) + ".", ""] if notes else [])]


def _envs(names: list[str]) -> str:
    return ", ".join(names)


def _security(review: Review) -> list[str]:
    """IAM actions per role, ingress rules and acknowledgements; an item the same in several environments is
    listed once with all of them."""
    sec = review.security
    if not sec:
        return [
            "#### Security",
            "",
            "No change to IAM actions, ingress rules or cdk-nag acknowledgements.",
            "",
        ]
    out = ["#### Security", ""]
    if sec.iam:
        roles: dict[tuple[str, tuple[str, ...], tuple[str, ...]], list[str]] = defaultdict(list)
        for env, by_role in sec.iam.items():
            for role, delta in by_role.items():
                roles[(role, delta.added, delta.removed)].append(env)
        out.append("**IAM actions** (per role):")
        for (role, added, removed), envs in roles.items():
            items = [f"+ {code(a)}" for a in added] + [f"− {code(a)}" for a in removed]
            out.append(f"- {code(role)} ({_envs(envs)}): {', '.join(items)}")
        out.append("")
    if sec.ingress:
        rules: dict[tuple[str, str], list[str]] = defaultdict(list)
        for env, delta in sec.ingress.items():
            for sign, items in (("+", delta.added), ("−", delta.removed)):
                for rule in items:
                    rules[(sign, rule)].append(env)
        out += ["**Ingress rules:**", *(f"- {s} {r} ({_envs(e)})" for (s, r), e in rules.items()), ""]
    if sec.acknowledgements:
        out += ["**cdk-nag acknowledgements:**", *_acknowledgements(sec.acknowledgements), ""]
    return out


def _acknowledgements(by_env: dict[str, Any]) -> list[str]:
    """One line per rule and reason: the resources it covers and the environments."""
    grouped: dict[tuple[str, str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for env, delta in by_env.items():
        for sign, items in (("+", delta.added), ("−", delta.removed)):
            for rule, where, reason in items:
                grouped[(sign, rule, reason)][where].append(env)
    out = []
    for (sign, rule, reason), resources in grouped.items():
        envs = sorted({e for found in resources.values() for e in found})
        names = ", ".join(code(w) for w in sorted(resources))
        out.append(f"- {sign} {code(rule)} ({_envs(envs)}) on {names}: {reason}")
    return out


def _resources(review: Review, shown: int | None) -> list[str]:
    if not review.resources:
        return []
    out = ["#### Resources", ""]
    for env in review.environments:
        changes = review.changes(env)
        if not changes:
            continue
        counts = ", ".join(f"{review.count(env, k)} {k}" for k in ("added", "changed", "removed"))
        out += [f"<details><summary><b>{env}</b>: {counts}</summary>", ""]
        by_stack: dict[str, list[ResourceChange]] = defaultdict(list)
        for c in changes:
            by_stack[c.stack].append(c)
        for stack, items in by_stack.items():
            out += _stack(review, env, stack, items, shown)
        out += ["</details>", ""]
    return out


def _stack(review: Review, env: str, stack: str, items: list[ResourceChange], shown: int | None) -> list[str]:
    state = (
        " (new stack)"
        if stack in review.stacks_added.get(env, ())
        else " (stack removed)"
        if stack in review.stacks_removed.get(env, ())
        else ""
    )
    if shown is None:
        counts = ", ".join(
            f"{sum(1 for c in items if c.change == k)} {k}" for k in ("added", "changed", "removed")
        )
        return [f"- **{stack}**{state}: {counts}"]
    out = [f"**{stack}**{state}", "", "| | Resource | Type | Details |", "|---|---|---|---|"]
    for c in items:
        out.append(f"| {SIGN[c.change]} | {cell(code(c.path))} | {c.type} | {cell(_details(c, shown))} |")
    return [*out, ""]


def _details(c: ResourceChange, shown: int) -> str:
    if c.change != "changed":
        return ""
    flag = (
        "**replacement** · " if c.replacement else "replacement unknown · " if c.replacement is None else ""
    )
    props = [
        f"{code(p.path)}: {code(p.before)} → {code(p.after)}" + (" (replaces)" if p.replaces else "")
        for p in c.properties[:shown]
    ]
    more = len(c.properties) - len(props)
    if more:
        props.append(f"{more} more propert{'y' if more == 1 else 'ies'}")
    return flag + " · ".join(props)


def _sections(review: Review) -> list[str]:
    if review.sections is None:
        return []
    if not review.sections:
        return ["#### Design doc", "", "No generated section of the design doc changes.", ""]
    items = [
        f"{s.heading or s.region} ({code(s.region)}, {s.change}: +{s.lines_added} −{s.lines_removed} lines)"
        for s in review.sections
    ]
    return [
        "#### Design doc",
        "",
        f"{len(items)} generated section(s) change when the doc is regenerated (`make doc`):",
        "",
        *[f"- {item}" for item in items],
        "",
    ]


def _notes(review: Review) -> list[str]:
    footer = "<sub>docgen review: every value is read from the synthesized templates; prices from docgen/data/prices"
    return [*(f"_Note: {n}._" for n in review.notes), "", footer + "</sub>"]
