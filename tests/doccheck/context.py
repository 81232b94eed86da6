"""Summary, Infrastructure Context (environments, components, stacks), Compliance and the context prose."""

from __future__ import annotations

import json
import re
from collections import defaultdict

from tests.doccheck.assembly import Assembly, Resource, Stage
from tests.doccheck.common import each_row, tables
from tests.doccheck.markdown import Doc
from tests.doccheck.report import Result
from tests.doccheck.values import first_number, readable, readable_text, regions, words

ALL_TAGS = ("Project", "Environment", "Service", "Seq", "Requirements")
AGNOSTIC = re.compile(r"\b(any|unknown|agnostic)\b", re.I)


def check(doc: Doc, assembly: Assembly, compose_services: list[str] | None = None) -> Result:
    result = Result()
    _summary(doc, assembly, result)
    _environments(doc, assembly, result, compose_services)
    _stacks(doc, assembly, result)
    _components(doc, assembly, result)
    _traceability(doc, assembly, result)
    _platform_sentence(doc, assembly, result)
    return result


def check_regions(result: Result, where: str, cell: str, stage: Stage) -> None:
    """The first region named is the stage's primary region; every region it deploys to is named, no other.
    An environment-agnostic stage names no region and says it can go anywhere."""
    named = regions(cell)
    source = f"{stage.name}: regions of its stacks' environments (manifest), primary = most stacks"
    if not stage.regions:
        result.fact(
            not named and bool(AGNOSTIC.search(cell)),
            "region",
            where,
            cell,
            "no region (environment-agnostic)",
            source,
        )
        return
    result.fact(
        bool(named) and named[0] == stage.primary_region, "region", where, cell, stage.primary_region, source
    )
    result.fact(set(named) == set(stage.regions), "region-set", where, cell, ", ".join(stage.regions), source)


def place_holds(cell: str, account: str, region: str) -> bool:
    """An `account/region` cell names the stack's own; an unknown one (environment-agnostic) is said so."""
    region_ok = region in regions(cell) if region else not regions(cell) and bool(AGNOSTIC.search(cell))
    account_ok = account in cell if account else not re.search(r"\b\d{12}\b", cell)
    return region_ok and account_ok


def zones_shown(cell: str, subnets: list[Resource]) -> tuple[bool, str]:
    """The zones a cell lists are exactly the subnets' zones: literal names, or `GetAZs[i]` for
    `Fn::Select [i, Fn::GetAZs ""]` (an environment-agnostic VPC)."""
    zones = {json.dumps(s.props.get("AvailabilityZone"), sort_keys=True): s for s in subnets}
    shown = [
        z.strip() for z in re.split(r",|<br\s*/?>", cell) if z.strip() and z.strip() not in ("-", "none")
    ]
    wanted = [readable(json.loads(z)) for z in zones]
    ok = len(shown) == len(wanted) and all(any(p.fullmatch(z) for z in shown) for p in wanted)
    return ok, ", ".join(sorted(readable_text(json.loads(z)) for z in zones)) or "-"


def _summary(doc: Doc, assembly: Assembly, result: Result) -> None:
    for table in tables(doc, result, "Summary", ("fact", "value"), needed=True):
        facts = {words(r[table.headers[0]]): r[table.headers[1]] for r in table.rows}
        stacks = assembly.stacks  # nested stacks too: each is a CloudFormation stack of its own
        expected = {
            "environments (aws)": ", ".join(sorted(assembly.stages)),
            "cloudformation stacks": len(stacks),
            "resources": sum(len(s.resources) for s in stacks),
            "aws cdk": assembly.cdk_version,
        }
        for name, want in expected.items():
            if name not in facts:
                continue
            got = facts[name]
            if isinstance(want, int):
                result.equal(
                    "summary", f"Summary / {name}", first_number(got), want, "manifests and templates"
                )
            elif name.startswith("environments"):
                listed = ", ".join(sorted(p.strip() for p in got.split(",")))
                result.equal("summary", f"Summary / {name}", listed, want, "root manifest.json stages")
            else:
                result.equal("summary", f"Summary / {name}", got, want, "tree.json constructInfo.version")


def _environments(doc: Doc, assembly: Assembly, result: Result, compose: list[str] | None) -> None:
    tabs = tables(doc, result, "Environments", ("environment", "availability zones"), needed=True)
    seen = set()
    for table, row, env in each_row(tabs, assembly.stages):
        where = f"Infrastructure Context > Environments / {env}"
        stage = assembly.stages.get(env)
        if stage is None:
            platform = row.get(table.column("platform") or "", "")
            if "compose" in platform.lower() and compose is not None:
                count = table.column("services")
                if count:
                    result.equal(
                        "compose-count",
                        where,
                        first_number(row[count]),
                        len(compose),
                        "docker-compose.yml services",
                    )
                continue
            result.fact(
                "compose" in platform.lower(),
                "environment-extra-row",
                where,
                row,
                "no such stage",
                "manifest.json",
            )
            continue
        seen.add(env)
        region_col = table.column("region")
        if region_col:
            check_regions(result, where, row[region_col], stage)
            result.fact(
                all(a in row[region_col] for a in stage.accounts),
                "account",
                where,
                row[region_col],
                stage.accounts,
                "manifest environment",
            )
        cell = row[table.column("availability zones") or ""]
        ok, zones = zones_shown(cell, stage.resources("AWS::EC2::Subnet"))
        result.fact(ok, "azs", where, cell, zones, "AWS::EC2::Subnet AvailabilityZone")
        if table.column("services"):
            result.equal(
                "service-count",
                where,
                first_number(row[table.column("services") or ""]),
                len(stage.resources("AWS::ECS::Service")),
                "AWS::ECS::Service count",
            )
        platform = row.get(table.column("platform") or "", "")
        if platform:
            fargate = [s for s in stage.resources("AWS::ECS::Service") if _on_fargate(s, assembly)]
            result.equal(
                "environment-platform",
                where,
                "fargate" in platform.lower() and "no ecs" not in platform.lower(),
                bool(fargate),
                "AWS::ECS::Service LaunchType / capacity provider FARGATE",
            )
    for name in assembly.stages:
        result.fact(
            name in seen,
            "environment-missing-row",
            f"Environments / {name}",
            "no row",
            "a stage",
            "manifest.json",
        )


def _on_fargate(svc: Resource, assembly: Assembly) -> bool:
    """An ECS service runs on Fargate: its launch type, its capacity providers, or its cluster's default ones."""
    if svc.props.get("LaunchType"):
        return str(svc.props["LaunchType"]) == "FARGATE"
    providers = [p.get("CapacityProvider") for p in svc.props.get("CapacityProviderStrategy", [])]
    if not providers:
        cluster = assembly.resolve(svc.stack, svc.props.get("Cluster"))
        for assoc in assembly.resources("AWS::ECS::ClusterCapacityProviderAssociations"):
            if cluster is not None and assembly.resolve(assoc.stack, assoc.props.get("Cluster")) is cluster:
                strategy = assoc.props.get("DefaultCapacityProviderStrategy", [])
                providers = [p.get("CapacityProvider") for p in strategy]
    return any(str(p).startswith("FARGATE") for p in providers)  # neither: the EC2 launch type


def _stacks(doc: Doc, assembly: Assembly, result: Result) -> None:
    tabs = tables(doc, result, "Stacks", ("stack", "resources", "purpose"), needed=True)
    rows = {row[t.column("stack") or ""]: (t, row) for t in tabs for row in t.rows}
    for stage in assembly.stages.values():
        for stack in stage.stacks:
            where = f"Infrastructure Context > Stacks / {stack.name}"
            found = rows.pop(stack.name, None)
            if not result.fact(
                found is not None, "stack-missing-row", where, "no row", stack.name, "manifest.json"
            ):
                continue
            table, row = found
            place = row.get(table.column("region") or "", "")
            result.fact(
                place_holds(place, stack.account, stack.region),
                "stack-region",
                where,
                place,
                f"{stack.account or 'unknown'}/{stack.region or 'unknown (environment-agnostic)'}",
                f"{stage.name} manifest environment",
            )
            result.equal(
                "stack-resources",
                where,
                first_number(row[table.column("resources") or ""]),
                len(stack.resources),
                f"{stack.name} template Resources",
            )
            result.equal(
                "stack-purpose",
                where,
                row[table.column("purpose") or ""],
                stack.template.get("Description") or "-",
                f"{stack.name} template Description",
            )
            if table.column("environment"):
                result.equal(
                    "stack-env", where, row[table.column("environment") or ""], stage.name, "manifest.json"
                )
    for name in rows:
        result.fact(False, "stack-extra-row", f"Stacks / {name}", "a row", "no such stack", "manifest.json")


def _components(doc: Doc, assembly: Assembly, result: Result) -> None:
    seqs: dict[str, set[str]] = defaultdict(set)
    reqs: dict[str, set[str]] = defaultdict(set)
    for res in assembly.resources():
        tags = res.tags
        if "Service" in tags:
            seqs[tags["Service"]].add(tags.get("Seq", ""))
            reqs[tags["Service"]].update((tags.get("Requirements") or "").split())
    tabs = tables(doc, result, "Components", ("component", "seq", "requirements"), needed=bool(seqs))
    shown = set()
    for table in tabs:
        for row in table.rows:
            name = row[table.column("component") or ""].strip()
            shown.add(name)
            where = f"Infrastructure Context > Components / {name}"
            if not result.fact(
                name in seqs,
                "component-extra-row",
                where,
                name,
                "no resource with this Service tag",
                "Service tags",
            ):
                continue
            result.equal(
                "component-seq",
                where,
                ", ".join(sorted(re.findall(r"\d+", row[table.column("seq") or ""]))),
                ", ".join(sorted(seqs[name])),
                "Seq tags",
            )
            doc_reqs = {
                r for r in row[table.column("requirements") or ""].replace(",", " ").split() if r != "none"
            }
            result.equal(
                "component-requirements",
                where,
                " ".join(sorted(doc_reqs)),
                " ".join(sorted(reqs[name] - {"none"})),
                "Requirements tags",
            )
    for name in seqs:
        if tabs:
            result.fact(
                name in shown, "component-missing-row", f"Components / {name}", "no row", name, "Service tags"
            )


def _platform_sentence(doc: Doc, assembly: Assembly, result: Result) -> None:
    """Prose naming which environments run where must name exactly the stages that do."""
    for region, text, line, _ in doc.paragraphs:
        if region != "context" or "fargate" not in text.lower():
            continue
        fargate = {s for s, st in assembly.stages.items() if st.resources("AWS::ECS::Service")}
        candidates = {*assembly.stages, "staging", "production", "prod", "qa", "test", "uat"}
        named = {w for w in candidates if re.search(rf"\b{re.escape(w)}\b", text.lower())}
        named = {"prod" if w == "production" else w for w in named}
        where = f"Infrastructure Context (line {line})"
        result.equal(
            "platform-sentence",
            where,
            ", ".join(sorted(named)),
            ", ".join(sorted(fargate)),
            "stages with an AWS::ECS::Service",
        )


def _traceability(doc: Doc, assembly: Assembly, result: Result) -> None:
    """Each requirement id of a `Requirements` tag, per component: the environments and logical ids carrying it."""
    ids: dict[tuple[str, str], set[str]] = defaultdict(set)
    envs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for res in assembly.resources():
        for req in (res.tags.get("Requirements") or "").split():
            if req != "none":
                ids[(req, res.owner)].add(res.logical_id)
                envs[(req, res.owner)].add(res.stack.stage)
    tabs = tables(doc, result, "Requirements Traceability", ("requirement", "logical ids"), needed=bool(ids))
    shown = set()
    for table in tabs:
        for row in table.rows:
            k = (row[table.column("requirement") or ""].strip(), row[table.column("component") or ""].strip())
            where = f"Requirements Traceability / {k[0]} / {k[1]}"
            shown.add(k)
            if not result.fact(
                k in ids, "trace-extra-row", where, k, "no resource tagged so", "Requirements tags"
            ):
                continue
            listed = sorted(
                x.strip()
                for x in re.split(r"[,\s]+|<br\s*/?>", row[table.column("logical ids") or ""])
                if x.strip()
            )
            result.equal(
                "trace-logical-ids", where, listed, sorted(ids[k]), "resources whose Requirements tag has it"
            )
            if table.column("environments"):
                named = sorted(e.strip() for e in row[table.column("environments") or ""].split(","))
                result.equal("trace-envs", where, named, sorted(envs[k]), "stages of those resources")
    for k in ids:
        if tabs:
            result.fact(
                k in shown,
                "trace-missing-row",
                f"Requirements Traceability / {k[0]} / {k[1]}",
                "no row",
                sorted(ids[k])[:3],
                "Requirements tags",
            )
