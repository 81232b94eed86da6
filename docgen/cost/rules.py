"""One pricing rule per CloudFormation type: how a resource's properties and usage become a monthly cost."""

from __future__ import annotations

from collections.abc import Callable

from docgen.assembly.model import Resource
from docgen.cost.context import Outcome, Pricer
from docgen.cost.rules_compute import ecs_service, elastic_ip, load_balancer, nat_gateway, vpc_endpoint
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
from docgen.cost.rules_observability import alarm, composite_alarm, dashboard, flow_log, log_group

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
}
