"""Infrastructure Context: the environments with their platforms and regions, the components, the stacks."""

from __future__ import annotations

from docgen.assembly.model import Resource
from docgen.facts import compute
from docgen.facts.fact import Fact, Source, count, derived, exists, join, tag
from docgen.facts.index import manifest_source, stack_name_source
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t

# Resource types that make a component what a reader calls it.
KINDS = {
    "AWS::ECS::Service": "ECS service",
    "AWS::RDS::DBInstance": "RDS",
    "AWS::RDS::DBCluster": "Aurora",
    "AWS::ElastiCache::ReplicationGroup": "ElastiCache",
    "AWS::SQS::Queue": "SQS",
    "AWS::SNS::Topic": "SNS",
    "AWS::SecretsManager::Secret": "Secrets Manager",
    "AWS::CloudFront::Distribution": "CloudFront",
    "AWS::S3::Bucket": "S3",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "load balancer",
    "AWS::EC2::VPC": "VPC",
    "AWS::EC2::NatGateway": "NAT gateway",
    "AWS::ECS::Cluster": "ECS cluster",
    "AWS::CloudWatch::Alarm": "CloudWatch alarms",
    "AWS::CloudWatch::Dashboard": "CloudWatch dashboards",
    "AWS::Budgets::Budget": "AWS Budgets",
    "AWS::ECR::Repository": "ECR",
    "AWS::Backup::BackupPlan": "AWS Backup",
    "AWS::Backup::BackupVault": "AWS Backup vault",
    "AWS::KMS::Key": "KMS",
    "AWS::Lambda::Function": "Lambda",
    "AWS::DynamoDB::Table": "DynamoDB",
    "AWS::WAFv2::WebACL": "WAF",
}


def build(model: DocModel, inputs: SectionInputs) -> None:
    model.tables["summary"] = _summary(inputs)
    model.tables["environments"] = _environments(inputs)
    model.tables["components"] = _components(inputs)
    model.text["components"] = _component_names(inputs)
    model.tables["stacks"] = _stacks(inputs)
    model.text["platforms"] = _platforms(inputs)
    model.text["absent"] = _absent(inputs)


# Building blocks with a doc section of their own that shows only when the templates have them.
OPTIONAL = {
    "EC2 instances": ("AWS::EC2::Instance",),
    "Auto Scaling groups": ("AWS::AutoScaling::AutoScalingGroup",),
    "Aurora clusters": ("AWS::RDS::DBCluster",),
    "DynamoDB tables": ("AWS::DynamoDB::Table",),
    "API Gateway APIs": ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"),
    "EventBridge rules": ("AWS::Events::Rule",),
    "Step Functions state machines": ("AWS::StepFunctions::StateMachine",),
    "WAF web ACLs": ("AWS::WAFv2::WebACL",),
    "Cloud Map namespaces": (
        "AWS::ServiceDiscovery::HttpNamespace",
        "AWS::ServiceDiscovery::PrivateDnsNamespace",
        "AWS::ServiceDiscovery::PublicDnsNamespace",
    ),
}


def _absent(inputs: SectionInputs) -> Fact:
    """The optional building blocks no environment has (their sections are left out of the doc)."""
    resources = inputs.assembly.resources
    envs = inputs.environments
    missing = []
    for name, types in OPTIONAL.items():
        counts = [count(env, kind, resources) for env in envs for kind in types]
        if counts and not any(c.value for c in counts):
            missing.append(derived(0, name, counts))
    return join(missing, empty="")


def _summary(inputs: SectionInputs) -> object:
    stacks = inputs.assembly.stacks
    envs = [inputs.env_name(e) for e in inputs.environments]
    counts = [
        Source(
            "keys",
            s.template_file,
            "/Resources",
            sum(1 for r in inputs.assembly.resources if r.stack == s.artifact_id),
        )
        for s in stacks
    ]
    total = len(inputs.assembly.resources)
    version = inputs.assembly.cdk_version
    rows = [
        ("Environments (AWS)", join(envs)),
        (
            "CloudFormation stacks",
            Fact(
                len(stacks),
                str(len(stacks)),
                tuple(manifest_source(s, "type", "aws:cloudformation:stack") for s in stacks),
            ),
        ),
        ("Resources", Fact(total, f"{total:,}", tuple(counts))),
        (
            "AWS CDK",
            Fact(
                version,
                version or "-",
                (Source("manifest", "tree.json", "/tree/constructInfo/version", version),),
            ),
        ),
        ("Read from", _inputs(inputs)),
    ]
    return t(["Fact", "Value"], [[derived(label, label, [value]), value] for label, value in rows])


def _inputs(inputs: SectionInputs) -> Fact:
    """What the generated regions were read from: the assembly, the data files priced with, generated files."""
    stacks = inputs.assembly.stacks
    parts = [
        Fact(
            len(stacks),
            "`cdk.out` ("
            + (
                "1 template and its manifest"
                if len(stacks) == 1
                else f"{len(stacks)} templates and their manifests"
            )
            + ")",
            tuple(manifest_source(s, "type", "aws:cloudformation:stack") for s in stacks),
        )
    ]
    estimate = inputs.estimate
    regions = (
        sorted({r for r, _, _ in estimate.regional_rates} or {estimate.region} - {""}) if estimate else []
    )
    if regions:
        files = [f"docgen/data/prices/{r}.yaml" for r in regions]
        parts.append(
            Fact(
                regions,
                "price catalogues " + ", ".join(f"`{f}`" for f in files),
                tuple(Source("data", f, "/region", r) for f, r in zip(files, regions, strict=True)),
            )
        )
    parts.append(Fact("slas", "SLAs and recovery figures `docgen/data/slas.yaml`", ()))
    for name, data in (("compose.json", inputs.compose), ("pipeline.json", inputs.pipeline)):
        if data is not None:
            first = next(iter(data), None)
            parts.append(
                Fact(
                    name,
                    f"`{inputs.generated_dir}/{name}`",
                    (Source("generated", name, f"/{first}", data[first]),) if first is not None else (),
                )
            )
    return join(parts, sep="; ")


def platform_of(inputs: SectionInputs, env: str) -> Fact:
    """How an environment runs its workloads, from its ECS services' launch types."""
    services = compute.ecs_services(inputs.index, env)
    launches = sorted({s.launch.text for s in services})
    if not services:
        return derived(None, "AWS (no ECS services)", [inputs.env_name(env)])
    return derived(
        launches,
        "ECS " + " + ".join(launches) if launches != ["Fargate"] else "ECS Fargate",
        [s.launch for s in services],
    )


def _platforms(inputs: SectionInputs) -> Fact:
    """One sentence on where each environment runs: the compose file for dev, the templates for the rest."""
    parts: list[Fact] = []
    if inputs.compose:
        services = inputs.generated("compose.json", "services", fmt=lambda v: str(len(v or [])))
        parts.append(
            derived(
                None,
                f"development on Docker Compose ({services.text} services, `generated/docker-compose.yml`)",
                [services],
            )
        )
    for env in inputs.environments:
        platform = platform_of(inputs, env)
        parts.append(
            derived(
                None,
                f"{env} on {platform.text} in {inputs.env(env).region.text}",
                [platform, inputs.env(env).region],
            )
        )
    if not parts:
        return Fact(None, "", ())
    return derived(None, "Where it runs: " + "; ".join(p.text for p in parts) + ".", parts)


def _environments(inputs: SectionInputs) -> object:
    rows: list[list[Fact | str]] = []
    if inputs.compose:
        services = inputs.generated("compose.json", "services", fmt=lambda v: str(len(v or [])))
        local = inputs.generated("compose.json", "file", fmt=lambda v: f"Docker Compose ({v})")
        rows.append(
            [
                derived("dev", "dev", [local]),
                local,
                derived(None, "local", [local]),
                derived(None, "-", [local]),
                services,
            ]
        )
    for env in inputs.environments:
        facts = inputs.env(env)
        services = compute.ecs_services(inputs.index, env)
        count = derived(len(services), str(len(services)), [s.name for s in services] or [facts.name])
        rows.append(
            [
                facts.name,
                platform_of(inputs, env),
                derived(
                    None,
                    f"{facts.account.text} / {facts.regions_text.text}",
                    [facts.account, facts.regions_text],
                ),
                facts.zones,
                count,
            ]
        )
    return t(["Environment", "Platform", "Account / Region", "Availability zones", "ECS services"], rows)


def _component_names(inputs: SectionInputs) -> Fact:
    """The components by name, in one line (their AWS resources are in the inventory details)."""
    first: dict[str, Resource] = {}
    for r in inputs.assembly.resources:
        if r.service and r.type in KINDS:
            first.setdefault(r.service, r)
    return join([tag(r, "Service") for _, r in sorted(first.items())], ", ", empty="")


def _components(inputs: SectionInputs) -> object:
    comps: dict[str, list] = {}
    for r in inputs.assembly.resources:
        if r.service and r.type in KINDS:
            comps.setdefault(r.service, []).append(r)
    rows = []
    for _, members in sorted(comps.items()):
        first = members[0]
        kinds = sorted({KINDS[m.type] for m in members})
        rows.append(
            [
                tag(first, "Service"),
                tag(first, "Seq"),
                tag(first, "Requirements"),
                join([exists(m, KINDS[m.type]) for m in _one_per_kind(members)], ", ")
                if kinds
                else exists(first, "-"),
            ]
        )
    return t(["Component (Service tag)", "Seq", "Requirements", "AWS resources"], rows)


def _one_per_kind(members: list) -> list:
    seen: dict[str, object] = {}
    for m in sorted(members, key=lambda r: KINDS[r.type]):
        seen.setdefault(KINDS[m.type], m)
    return list(seen.values())


def _stacks(inputs: SectionInputs) -> object:
    rows = []
    for env in inputs.environments:
        templates = {s.artifact_id: s.template_file for s in inputs.assembly.stacks}
        for stack in sorted(inputs.index.stacks(env), key=lambda s: s.stack_name):
            n = sum(1 for r in inputs.assembly.resources if r.stack == stack.artifact_id)
            where = manifest_source(stack, "environment", f"aws://{stack.account}/{stack.region}")
            rows.append(
                [
                    inputs.env_name(env),
                    Fact(stack.stack_name, stack.stack_name, (stack_name_source(stack, templates),)),
                    Fact(stack.region, f"{stack.account}/{stack.region}", (where,)),
                    Fact(n, str(n), (Source("keys", stack.template_file, "/Resources", n),)),
                    Fact(
                        stack.description,
                        stack.description or "-",
                        (
                            Source(
                                "template",
                                stack.template_file,
                                "/Description" if stack.description else "",
                                None,
                            ),
                        ),
                    ),
                ]
            )
    return t(["Environment", "Stack", "Account/Region", "Resources", "Purpose"], rows)
