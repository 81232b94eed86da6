"""One pricing rule per CloudFormation type: how a resource's properties and usage become a monthly cost."""

from __future__ import annotations

from collections.abc import Callable

from docgen.assembly.model import Resource
from docgen.cost.context import Outcome, Pricer
from docgen.cost.rules_compute import (
    auto_scaling_group,
    ec2_instance,
    ecs_service,
    elastic_ip,
    load_balancer,
    nat_gateway,
    vpc_endpoint,
)
from docgen.cost.rules_data import (
    backup_selection,
    bucket,
    distribution,
    elasticache,
    kms_key,
    rds_instance,
    secret,
    sqs_queue,
    ssm_parameter,
)
from docgen.cost.rules_databases import aurora_cluster, db_proxy, dynamodb_table
from docgen.cost.rules_kinds import ecr_repository, efs_file_system, schedule
from docgen.cost.rules_observability import alarm, composite_alarm, dashboard, flow_log, log_group
from docgen.cost.rules_serverless import (
    discovery_service,
    dns_namespace,
    event_bus,
    event_rule,
    http_api,
    http_namespace,
    lambda_function,
    rest_api,
    state_machine,
    web_acl,
)

Rule = Callable[[Resource, Pricer], Outcome]

RULES: dict[str, Rule] = {
    "AWS::ECS::Service": ecs_service,
    "AWS::RDS::DBInstance": rds_instance,
    "AWS::ElastiCache::ReplicationGroup": elasticache,
    "AWS::ElastiCache::CacheCluster": elasticache,
    "AWS::EC2::NatGateway": nat_gateway,
    "AWS::EC2::EIP": elastic_ip,
    "AWS::ElasticLoadBalancingV2::LoadBalancer": load_balancer,
    "AWS::SQS::Queue": sqs_queue,
    "AWS::SecretsManager::Secret": secret,
    "AWS::CloudFront::Distribution": distribution,
    "AWS::S3::Bucket": bucket,
    "AWS::Logs::LogGroup": log_group,
    "AWS::EC2::FlowLog": flow_log,
    "AWS::CloudWatch::Alarm": alarm,
    "AWS::CloudWatch::CompositeAlarm": composite_alarm,
    "AWS::CloudWatch::Dashboard": dashboard,
    "AWS::Backup::BackupSelection": backup_selection,
    "AWS::KMS::Key": kms_key,
    "AWS::EC2::VPCEndpoint": vpc_endpoint,
    "AWS::SSM::Parameter": ssm_parameter,
    "AWS::EC2::Instance": ec2_instance,
    "AWS::AutoScaling::AutoScalingGroup": auto_scaling_group,
    "AWS::RDS::DBCluster": aurora_cluster,
    "AWS::RDS::DBProxy": db_proxy,
    "AWS::DynamoDB::Table": dynamodb_table,
    "AWS::DynamoDB::GlobalTable": dynamodb_table,
    "AWS::Lambda::Function": lambda_function,
    "AWS::ApiGateway::RestApi": rest_api,
    "AWS::ApiGatewayV2::Api": http_api,
    "AWS::StepFunctions::StateMachine": state_machine,
    "AWS::Events::EventBus": event_bus,
    "AWS::Events::Rule": event_rule,
    "AWS::WAFv2::WebACL": web_acl,
    "AWS::ServiceDiscovery::HttpNamespace": http_namespace,
    "AWS::ServiceDiscovery::PrivateDnsNamespace": dns_namespace,
    "AWS::ServiceDiscovery::PublicDnsNamespace": dns_namespace,
    "AWS::ServiceDiscovery::Service": discovery_service,
    "AWS::EFS::FileSystem": efs_file_system,
    "AWS::Scheduler::Schedule": schedule,
    "AWS::ECR::Repository": ecr_repository,
}
