"""Compliance facts: the rule packs the synth ran (cdk-nag packs, CDK policy-validation plugins), what each
acknowledged, the controls behind those rules, and the scanners' counts when a scan report is in cdk.out.

Packs are read from the template metadata the stacks write (`Metadata.Compliance.packs`); an app without it
still shows the packs its acknowledgements name. Controls come from CDK's `validation-report.json`: each
suppressed finding names its rule, a description with its control ids, and the constructs it concerns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from docgen.assembly.model import Acknowledgement
from docgen.facts.fact import Fact, Source, derived
from docgen.facts.index import Index

REPORT = "validation-report.json"
SCAN = "security-scan.json"
CONTROL_IDS = re.compile(r"\(Control IDs?: ([^)]*)\)")
CONTROL_TOWER = re.compile(r"\[(CT\.[A-Z0-9]+\.PR\.\d+)\]")


def plugin_of(rule: str) -> str:
    """The pack or plugin a rule id belongs to: `AwsSolutions-IAM5[...]` -> `AwsSolutions`,
    `NIST.800.53.R5-RDSLoggingEnabled` -> `NIST.800.53.R5`, `cdk-validator-cfnguard::rule` -> the plugin."""
    head = rule.split("[", 1)[0]
    if "::" in head:
        return head.split("::", 1)[0]
    return head.rsplit("-", 1)[0] if "-" in head else head


@dataclass(frozen=True)
class Pack:
    plugin: Fact  # AwsSolutions, NIST.800.53.R5, cdk-validator-cfnguard
    name: Fact  # the spec's name for it (aws-solutions), or the plugin's
    tool: Fact
    rules: Fact  # rules acknowledged
    findings: Fact  # findings acknowledged (a rule on a resource)
    open: Fact  # findings not acknowledged (the synth fails on them)


def packs(index: Index, env: str) -> list[Pack]:
    """Each pack of the environment with what it acknowledged, in the order the metadata lists them."""
    declared: list[tuple[str, str, str, Source]] = []
    for stack in index.assembly.stacks:
        meta = stack.metadata.get("Compliance") if stack.environment == env else None
        for i, p in enumerate((meta or {}).get("packs") or ()):
            if isinstance(p, dict) and p.get("plugin"):
                source = Source(
                    "template", stack.template_file, f"/Metadata/Compliance/packs/{i}/plugin", p["plugin"]
                )
                declared.append(
                    (str(p["plugin"]), str(p.get("pack", p["plugin"])), str(p.get("tool", "-")), source)
                )
    acks = [a for a in index.assembly.acknowledgements if a.environment == env]
    named = {d[0] for d in declared}
    for plugin in sorted({plugin_of(a.rule) for a in acks} - named):
        first = next(a for a in acks if plugin_of(a.rule) == plugin)
        declared.append((plugin, plugin, "-", _ack_source(index, first)))
    out = []
    for plugin, name, tool, source in declared:
        mine = [a for a in acks if plugin_of(a.rule) == plugin]
        sources = [source, *(_ack_source(index, a) for a in mine[:40])]
        rules = {a.rule for a in mine}
        unacknowledged = _open(index, plugin, env, source)
        out.append(
            Pack(
                plugin=Fact(plugin, plugin, (source,)),
                name=Fact(name, name, (source,)),
                tool=Fact(tool, tool, (source,)),
                rules=derived(len(rules), str(len(rules)), sources),
                findings=derived(len(mine), str(len(mine)), sources),
                open=unacknowledged,
            )
        )
    return out


def _ack_source(index: Index, ack: Acknowledgement) -> Source:
    resource = index.by_key.get(ack.resource)
    if resource is None:
        return Source("manifest", "manifest.json", "/artifacts", None)
    return Source("resource", resource.template, f"/Resources/{resource.logical_id}", None)


def _open(index: Index, plugin: str, env: str, declared: Source) -> Fact:
    """Findings the validation report lists as not acknowledged; "-" when the report does not cover the pack
    (cdk-nag's own packs fail the synth on any, so none reach a cdk.out)."""
    report = index.assembly.reports.get(REPORT)
    for i, p in enumerate((report or {}).get("pluginReports") or ()):
        if isinstance(p, dict) and p.get("pluginName") == plugin:
            found = [v for v in p.get("violations") or () if _in_env(v, env)]
            return Fact(
                len(found),
                str(len(found)),
                (Source("manifest", REPORT, f"/pluginReports/{i}/pluginName", plugin),),
            )
    return Fact(None, "0 (the synth fails on any)", (declared,))


def _in_env(violation: dict[str, Any], env: str) -> bool:
    return any(
        str(c.get("constructPath", "")).startswith(f"{env}/")
        for c in violation.get("violatingConstructs") or ()
    )


@dataclass(frozen=True)
class Control:
    plugin: Fact
    control: Fact  # `AC-4(21), CM-7b` or `CT.CLOUDWATCH.PR.2`
    rule: Fact
    findings: Fact  # acknowledged findings of the rule in the environment


def controls(index: Index, env: str) -> list[Control]:
    """The controls behind each acknowledged rule of a validation plugin, from CDK's validation report."""
    report = index.assembly.reports.get(REPORT)
    out = []
    for i, p in enumerate((report or {}).get("pluginReports") or ()):
        if not isinstance(p, dict):
            continue
        plugin = str(p.get("pluginName", "-"))
        for j, v in enumerate(p.get("suppressedViolations") or ()):
            constructs = [
                c
                for c in v.get("violatingConstructs") or ()
                if str(c.get("constructPath", "")).startswith(f"{env}/")
            ]
            if not constructs:
                continue
            description = str(v.get("description", ""))
            ids = CONTROL_IDS.search(description)
            tower = CONTROL_TOWER.search(description)
            control = ids.group(1) if ids else tower.group(1) if tower else "-"
            where = f"/pluginReports/{i}/suppressedViolations/{j}"
            out.append(
                Control(
                    plugin=Fact(
                        plugin,
                        plugin,
                        (Source("manifest", REPORT, f"/pluginReports/{i}/pluginName", plugin),),
                    ),
                    control=Fact(
                        control, control, (Source("manifest", REPORT, f"{where}/description", description),)
                    ),
                    rule=Fact(
                        v.get("ruleName"),
                        str(v.get("ruleName")),
                        (Source("manifest", REPORT, f"{where}/ruleName", v.get("ruleName")),),
                    ),
                    findings=Fact(
                        len(constructs),
                        str(len(constructs)),
                        (Source("manifest", REPORT, f"{where}/violatingConstructs", None),),
                    ),
                )
            )
    return out


def scanners(index: Index) -> list[Fact]:
    """cfn-lint's and checkov's counts from `security-scan.json` (written by `make scan`), when present."""
    scan = index.assembly.reports.get(SCAN)
    if not scan:
        return []
    out = []
    lint = scan.get("cfn_lint") or {}
    if lint:
        out.append(
            Fact(
                lint,
                f"cfn-lint {lint.get('version', '')}: {lint.get('errors', '?')} errors, {lint.get('warnings', '?')} "
                f"warnings over {lint.get('templates', '?')} templates",
                (Source("manifest", SCAN, "/cfn_lint/errors", lint.get("errors")),),
            )
        )
    checkov = scan.get("checkov") or {}
    if checkov:
        out.append(
            Fact(
                checkov,
                f"checkov {checkov.get('version', '')}: {checkov.get('passed', '?')} passed, {checkov.get('failed', '?')} "
                f"failed, {checkov.get('accepted', '?')} accepted with a reason (security/scan-exceptions.yaml)",
                (Source("manifest", SCAN, "/checkov/failed", checkov.get("failed")),),
            )
        )
    return out
