"""One CDK Stage per AWS environment: wires the logical units into stacks, one stack per Fargate workload."""

from __future__ import annotations

from aws_cdk import Environment as CdkEnvironment
from aws_cdk import RemovalPolicy, Stack, Stage, Tags
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from constructs import Construct

from designspec import naming, routes
from designspec.kinds import Job
from designspec.model import Design, Frontend, Service
from designspec.oncall import BUDGET_SEVERITY
from designspec.platforms import trace_destinations
from designspec.security import cloudfront_prefix_list
from designspec.wiring import bindings
from stacks.alerting import AlarmRouting, AlarmTopics
from stacks.anomaly import anomaly_alarms
from stacks.budget import CostBudget
from stacks.compliance import (
    acknowledge_design_decisions,
    compliance_metadata,
)
from stacks.compute import FargateWorkload, Platform, QueueLinks, Route
from stacks.dns import alias_to_load_balancer, certificate
from stacks.keys import Keys, create_keys
from stacks.messaging import WorkQueue
from stacks.monitoring import (
    KpiMetrics,
    alb_alarms,
    http_kpi_alarms,
    kpi_metrics,
    queue_alarms,
    service_alarms,
)
from stacks.network import Network
from stacks.stage_data import DataUnits
from stacks.stage_edge import EdgeUnits
from stacks.stage_kinds import (
    add_function,
    add_job,
    build_topics,
    function_code_bucket,
)
from stacks.stage_observability import ObservabilityUnits
from stacks.tagging import tag_component
from stacks.telemetry import ObservabilityPlatform
from stacks.tracing import SamplingRules
from stacks.uses import Principal, Stores, environment, grant_uses

Workload = Service | Frontend


class DesignStack(Stack):
    """A stack whose availability zones come from the spec: reading them never registers a context lookup."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        zones: tuple[str, ...],
        stack_name: str,
        description: str,
        service_tag: str,
        seq: int,
        cross_region_references: bool = False,
    ) -> None:
        super().__init__(
            scope,
            id,
            stack_name=stack_name,
            description=description,
            cross_region_references=cross_region_references or None,
        )
        self._zones = list(zones)
        tag_component(self, service=service_tag, seq=seq, requirements=())

    @property
    def availability_zones(self) -> list[str]:
        return self._zones


def route_table(design: Design) -> dict[str, Route]:
    """The spec's listener rules (designspec/routes.py) as the constructs take them."""
    return {
        n: Route(r.priority, r.path_patterns, r.health_check_path)
        for n, r in routes.route_table(design).items()
    }


class EnvironmentStage(DataUnits, ObservabilityUnits, EdgeUnits, Stage):
    """Everything one AWS environment deploys: network, data, messaging, platform, edge, observability, workloads."""

    def __init__(self, scope: Construct, env_name: str, *, design: Design, image_tag: str) -> None:
        env = design.environments[env_name]
        super().__init__(scope, env_name, env=CdkEnvironment(account=env.account, region=env.region))
        self.design, self.env_name, self.env_spec, self.image_tag = design, env_name, env, image_tag
        Tags.of(self).add("Project", design.project)
        Tags.of(self).add("Environment", env_name)
        first_seq = min((c.seq for c in self._components()), default=1)

        self.obs = design.observability
        self.name_prefix = naming.name_prefix(design.project, env_name)
        traces = trace_destinations(design)
        self.keys, self.keys_stack = Keys(), None
        if design.security.encryption == "customer-managed":
            self.keys_stack = self._stack("Keys", "security", first_seq, "Customer-managed KMS keys")
            self.keys = create_keys(self.keys_stack, prefix=self.name_prefix)
        self.observability = self._stack(
            "Observability",
            "observability",
            first_seq,
            "Alarm topics per severity"
            + (", X-Ray sampling rules" if "xray" in traces else "")
            + (", Prometheus and Grafana workspaces" if self.obs.metrics == "prometheus" else "")
            + (" and budget" if env.budget else ""),
        )
        # docgen prices usage-based items from these, shows the validation packs that ran (each resource's
        # acknowledgements are in its own metadata) and states the trace store (it reads the template only)
        self.observability.template_options.metadata = {
            "CostUsage": dict(sorted(env.cost_usage.items())),
            "Compliance": compliance_metadata(design.security),
            **self._tracing_metadata(traces),
        }
        self.alarm_topics = AlarmTopics(
            self.observability,
            "Alarms",
            emails=self._notify(),
            paging=self._paging(),
            unattended=self._unattended(),
        )
        self.obs_platform = ObservabilityPlatform(
            self.observability,
            "Telemetry",
            design=design,
            env_name=env_name,
            health_check_paths=[
                r.health_check_path for r in route_table(design).values() if r.health_check_path
            ],
        )
        self.routing = AlarmRouting(
            self.obs.severities,
            self.alarm_topics.topics,
            self.name_prefix,
            response_plans=self.obs_platform.response_plans,
        )
        if env.budget:
            CostBudget(
                self.observability,
                "Budget",
                project=design.project,
                environment=env_name,
                budget=env.budget,
                topic=self.alarm_topics.topics[BUDGET_SEVERITY],
            )
        if "xray" in traces:  # X-Ray samples by these rules; other trace stores get the SDKs' ratio
            SamplingRules(
                self.observability,
                "Sampling",
                name_prefix=self.name_prefix,
                sampling_rate=self.obs.tracing.sampling_rate,
                reservoir_per_second=self.obs.tracing.reservoir_per_second,
                health_check_paths=[
                    r.health_check_path for r in route_table(design).values() if r.health_check_path
                ],
            )

        net_stack = self._stack("Network", "network", first_seq, "VPC, subnets, NAT and flow logs")
        self.network = Network(
            net_stack,
            "Network",
            cidr=env.vpc_cidr,
            availability_zones=list(env.availability_zones),
            nat_gateways=env.nat_gateways,
            flow_log_retention=self._retention("flow"),
            log_key=self.keys.logs,
        )
        Tags.of(self.network.flow_log_group).add("LogType", "flow")
        self.vpc = self.network.vpc
        self.stores = Stores()
        self.routes = route_table(design)
        self.workloads: dict[str, FargateWorkload] = {}
        self.kpi: dict[str, KpiMetrics] = {}
        self.distributions: dict[str, cloudfront.IDistribution] = {}
        self._data()
        self._messaging()
        self._platform(first_seq)
        self._edge(first_seq)
        for workload in (*design.services, *design.container_frontends()):
            self._workload(workload)
        self.jobs = {job.name: add_job(self, job) for job in design.jobs}
        self.functions = {fn.name: add_function(self, fn) for fn in design.functions}
        if self.obs.dashboards_enabled:
            self._dashboards(first_seq)
        # on the finished tree
        acknowledge_design_decisions(self, customer_keys=self.keys.customer_managed)

    # --- units -----------------------------------------------------------------------------------

    def _components(self) -> list:  # type: ignore[type-arg]
        d = self.design
        return [
            *d.databases,
            *d.caches,
            *d.queues,
            *d.secrets,
            *d.services,
            *d.frontends,
            *d.topics,
            *d.file_systems,
            *d.buckets,
            *d.tables,
            *d.jobs,
            *d.functions,
        ]

    def _stack(self, id: str, service_tag: str, seq: int, what: str, **options: bool) -> DesignStack:
        stack = DesignStack(
            self,
            id,
            **options,
            zones=self.env_spec.availability_zones,
            stack_name=naming.stack_name(self.design.project, self.env_name, id),
            description=f"{self.design.project} {self.env_name}: {what}",
            service_tag=service_tag,
            seq=seq,
        )
        # Declared up front, so a KMS grant to a role of this stack goes into the role's policy: a grant into
        # the key's policy would make the Keys stack depend on this one (a cycle).
        if self.keys_stack is not None:
            stack.add_stack_dependency(self.keys_stack)
        return stack

    def _messaging(self) -> None:
        d = self.design
        self.queues: dict[str, WorkQueue] = self.stores.queues
        if not (d.queues or d.topics):
            return  # CloudFormation refuses a stack without resources
        stack = self._stack(
            "Messaging",
            "messaging",
            min(c.seq for c in (*d.queues, *d.topics)),
            "SQS queues and DLQs" + (", SNS topics" if d.topics else ""),
        )
        build_topics(self, stack)
        for q in d.queues:
            self.queues[q.name] = WorkQueue(stack, q.name, spec=q, key=self.keys.messaging)
            tag_component(self.queues[q.name], service=q.name, seq=q.seq, requirements=q.requirements)
            multiple = self.obs.thresholds.queue_age_visibility_multiple
            max_age = max(60, round(q.visibility_timeout_seconds * multiple))
            queue_alarms(
                self.queues[q.name],
                name=q.name,
                queue=self.queues[q.name].queue,
                dead_letter_queue=self.queues[q.name].dead_letter_queue,
                max_age_seconds=max_age,
                routing=self.routing,
            )

    def _platform(self, seq: int) -> None:
        self.platform_stack = self._stack(
            "Platform", "platform", seq, "ECS cluster, ALB and image repositories"
        )
        env, domain = self.env_spec, self.env_spec.domain
        origin_certificate = (
            certificate(self.platform_stack, "OriginCertificate", domain=domain, names=[domain.origin])
            if domain
            else None
        )
        self.platform = Platform(
            self.platform_stack,
            "Platform",
            vpc=self.vpc,
            access_log_days=self._retention_days("access"),
            cloudfront_prefix_list=cloudfront_prefix_list(env.region or ""),
            certificate=origin_certificate,
            deletion_protection=env.protection == "production",
        )
        if domain:
            alias_to_load_balancer(self.platform_stack, "OriginName", domain=domain, alb=self.platform.alb)
        Tags.of(self.platform.access_logs).add("LogType", "access")
        alb_alarms(self.platform, alb=self.platform.alb, thresholds=self.obs.thresholds, routing=self.routing)
        self.function_code = function_code_bucket(self, self.platform_stack)
        images = [f for f in self.design.functions if f.package == "image"]
        for workload in (
            *self.design.services,
            *self.design.container_frontends(),
            *self.design.jobs,
            *images,
        ):
            if workload.build:
                ecr.Repository(
                    self.platform_stack,
                    f"Repository-{workload.name}",
                    repository_name=naming.ecr_repository_name(self.design.project, workload.name),
                    image_scan_on_push=True,
                    image_tag_mutability=ecr.TagMutability.IMMUTABLE,
                    encryption=ecr.RepositoryEncryption.KMS if self.keys.data else None,
                    encryption_key=self.keys.data,
                    lifecycle_rules=[ecr.LifecycleRule(max_image_count=30)],
                    removal_policy=RemovalPolicy.RETAIN,
                )

    def _workload(self, w: Workload) -> None:
        env = self.env_spec
        stack = self._stack(naming.workload_stack_id(w.name), w.name, w.seq, f"Fargate workload {w.name}")
        image = self.image(stack, w)
        plain, secret = environment(self.stores, self.design, bindings(self.design, w))
        workload = FargateWorkload(
            stack,
            w.name,
            cluster=self.platform.cluster,
            sizing=env.services[w.name],
            image=image,
            port=w.port,
            environment=plain,
            secrets=secret,
            telemetry=self._telemetry(w.name, w.port),
        )
        tag_component(workload, service=w.name, seq=w.seq, requirements=w.requirements)
        self.workloads[w.name] = workload
        self.allow_trace_egress(workload.security_group)
        service_alarms(
            workload,
            name=w.name,
            service=workload.service,
            thresholds=self.obs.thresholds,
            routing=self.routing,
        )
        if w.port is not None:
            alb_sg = self.platform.security_group
            listener = elbv2.ApplicationListener.from_application_listener_attributes(
                stack,
                "Listener",
                listener_arn=self.platform.listener.listener_arn,
                security_group=_imported_sg(stack, alb_sg.security_group_id),
            )
            workload.route_from(listener, self.routes[w.name])
            assert workload.target_group is not None
            self.kpi[w.name] = kpi_metrics(workload.target_group, w.name)
            http_kpi_alarms(
                workload, name=w.name, kpi=self.kpi[w.name], kpis=self.design.kpis, routing=self.routing
            )
            if self.obs.anomaly_detection.enabled:
                anomaly_alarms(
                    workload,
                    name=w.name,
                    kpi=self.kpi[w.name],
                    settings=self.obs.anomaly_detection,
                    routing=self.routing,
                )
        if w.port is not None:  # http services and container front ends: target tracking
            workload.scale_http(w.scaling)
        self._connect(w, workload)

    def image(self, stack: Stack, w: Workload | Job) -> ecs.ContainerImage:
        """The workload's image: its ECR repository at this commit's tag when built, else the registry's."""
        if w.build:
            repo_name = naming.ecr_repository_name(self.design.project, w.name)
            repo = ecr.Repository.from_repository_name(stack, "Repository", repo_name)
            stack.add_stack_dependency(self.platform_stack)
            return ecs.ContainerImage.from_ecr_repository(repo, tag=self.image_tag)
        assert w.image is not None  # the spec gives every workload without `build` an `image`
        return ecs.ContainerImage.from_registry(w.image)

    def _connect(self, w: Workload, workload: FargateWorkload) -> None:
        grant_uses(
            self.stores,
            w,
            Principal(workload.task_definition.task_role, workload.service, workload.task_definition),
        )
        queue = w.queue if isinstance(w, Service) else None
        backlog = next((q.backlog_per_task for q in self.design.queues if q.name == queue), 1)
        workload.link_queues(
            QueueLinks(
                consumes=self.queues[queue].queue if queue else None, backlog_per_task=backlog, sends_to=()
            )
        )

    # what stacks/stage_kinds.py builds with (telemetry and retention: stage_observability.py)
    stack = _stack


def _imported_sg(scope: Construct, security_group_id: str) -> ec2.ISecurityGroup:
    """The ALB's security group seen from a workload stack, so ALB<->task rules are created in that stack."""
    return ec2.SecurityGroup.from_security_group_id(
        scope, "AlbSecurityGroup", security_group_id, allow_all_outbound=False, mutable=True
    )
