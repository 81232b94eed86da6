"""What each environment is: its account, its primary region (and any other region it uses), its zones."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from docgen.assembly.model import StackInfo
from docgen.facts.fact import Fact, Source, derived, join, prop
from docgen.facts.index import Index, manifest_source

UNKNOWN = ("unknown-account", "unknown-region", "")


@dataclass(frozen=True)
class EnvironmentFacts:
    name: Fact
    account: Fact
    region: Fact  # the primary region: where most of its stacks (and resources) are
    other_regions: tuple[Fact, ...]  # "us-west-2 (stack prod-BackupCopy)"
    zones: Fact
    stacks: tuple[StackInfo, ...]

    @property
    def regions_text(self) -> Fact:
        """ "us-east-1; also us-west-2 (BackupCopy)" as one fact."""
        if not self.other_regions:
            return self.region
        also = "; also " + ", ".join(f.text for f in self.other_regions)
        return derived(self.region.value, self.region.text + also, [self.region, *self.other_regions])


def environment(index: Index, env: str) -> EnvironmentFacts:
    stacks = tuple(index.stacks(env))
    name = Fact(env, env, tuple(_name_source(s) for s in stacks[:1]))
    resources = Counter(r.stack for r in index.assembly.resources if r.environment == env)
    by_region: dict[str, list[StackInfo]] = {}
    for s in stacks:
        by_region.setdefault(s.region, []).append(s)
    ranked = sorted(
        by_region,
        key=lambda reg: (-len(by_region[reg]), -sum(resources[s.artifact_id] for s in by_region[reg]), reg),
    )
    primary = ranked[0] if ranked else ""
    region = _region_fact(primary, by_region.get(primary, []))
    others = tuple(_region_fact(reg, by_region[reg], named=True) for reg in ranked[1:])
    accounts = sorted({s.account for s in stacks})
    account_stack = stacks[0] if stacks else None
    account = Fact(
        ", ".join(accounts),
        ", ".join(a if a not in UNKNOWN else "any (environment-agnostic)" for a in accounts) or "-",
        (
            manifest_source(
                account_stack, "environment", f"aws://{account_stack.account}/{account_stack.region}"
            ),
        )
        if account_stack
        else (),
    )
    return EnvironmentFacts(name, account, region, others, _zones(index, env), stacks)


def _name_source(stack: StackInfo) -> Source:
    return manifest_source(stack, "displayName", stack.construct_path)


def _region_fact(region: str, stacks: list[StackInfo], *, named: bool = False) -> Fact:
    shown = region if region not in UNKNOWN else "any (environment-agnostic)"
    if named:
        shown += " (" + ", ".join(s.stack_name for s in stacks) + ")"
    sources = tuple(manifest_source(s, "environment", f"aws://{s.account}/{s.region}") for s in stacks)
    return Fact(region, shown, sources)


def _zones(index: Index, env: str) -> Fact:
    zones = [prop(s, "AvailabilityZone") for s in index.of_type("AWS::EC2::Subnet", env)]
    unique: dict[str, Fact] = {}
    for z in zones:
        unique.setdefault(z.text, z)
    # No subnet in the templates (no VPC, or an imported one): the stages' stacks are what says so.
    stacks = index.stacks(env)
    none = Fact(None, "", tuple(_name_source(s) for s in stacks[:1]))
    return join([unique[k] for k in sorted(unique)], none=none)
