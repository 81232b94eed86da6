"""The CloudFormation types that cost nothing of their own, with the AWS service they belong to and why."""

from __future__ import annotations

_IAM = ("IAM", "IAM has no charge")
_SG = ("VPC", "security groups and their rules have no charge")
_NET = ("VPC", "VPC networking objects have no charge")
_ECS_CLUSTER = ("ECS Fargate", "an ECS cluster has no charge; its tasks are priced on their services")
_TASK = ("ECS Fargate", "priced through the ECS service that runs it")
_ELB = ("Elastic Load Balancing", "priced on its load balancer (hours and capacity units)")
_APIGW = ("API Gateway", "priced on its API (requests)")
_RDS = ("RDS", "subnet, parameter and option groups have no charge")
_EC2 = ("EC2", "priced on the instances and Auto Scaling groups that use it")
_LAMBDA = ("Lambda", "priced on the function (requests and duration)")
_WAF = ("AWS WAF", "priced on the web ACL")
_SCALING = ("Application Auto Scaling", "auto scaling has no charge; its bounds price the ECS service")
_CUSTOM = ("CloudFormation", "custom resource: its handler runs at deploy time only")

FREE_TYPES: dict[str, tuple[str, str]] = {
    "AWS::IAM::Role": _IAM,
    "AWS::IAM::Policy": _IAM,
    "AWS::IAM::ManagedPolicy": _IAM,
    "AWS::IAM::InstanceProfile": _IAM,
    "AWS::EC2::SecurityGroup": _SG,
    "AWS::EC2::SecurityGroupIngress": _SG,
    "AWS::EC2::SecurityGroupEgress": _SG,
    "AWS::EC2::VPC": _NET,
    "AWS::EC2::Subnet": _NET,
    "AWS::EC2::RouteTable": _NET,
    "AWS::EC2::Route": _NET,
    "AWS::EC2::SubnetRouteTableAssociation": _NET,
    "AWS::EC2::InternetGateway": _NET,
    "AWS::EC2::VPCGatewayAttachment": _NET,
    "AWS::EC2::NetworkAcl": _NET,
    "AWS::EC2::NetworkAclEntry": _NET,
    "AWS::EC2::SubnetNetworkAclAssociation": _NET,
    "AWS::EC2::VPCCidrBlock": _NET,
    "AWS::ECS::Cluster": _ECS_CLUSTER,
    "AWS::ECS::ClusterCapacityProviderAssociations": _ECS_CLUSTER,
    "AWS::ECS::TaskDefinition": _TASK,
    "AWS::ElasticLoadBalancingV2::TargetGroup": _ELB,
    "AWS::ElasticLoadBalancingV2::Listener": _ELB,
    "AWS::ElasticLoadBalancingV2::ListenerRule": _ELB,
    "AWS::ElasticLoadBalancingV2::ListenerCertificate": _ELB,
    "AWS::Logs::LogStream": ("CloudWatch Logs", "priced on its log group"),
    "AWS::Logs::ResourcePolicy": ("CloudWatch Logs", "policies have no charge"),
    "AWS::SQS::QueuePolicy": ("SQS", "queue policies have no charge"),
    "AWS::S3::BucketPolicy": ("S3", "bucket policies have no charge"),
    "AWS::SNS::TopicPolicy": ("SNS", "topic policies have no charge"),
    "AWS::SNS::Subscription": ("SNS", "deliveries to SQS and Lambda have no charge"),
    "AWS::SNS::Topic": (
        "SNS",
        "first million publishes a month are free; alarm notifications stay far below",
    ),
    "AWS::CloudFront::OriginAccessControl": ("CloudFront", "configuration object, no charge"),
    "AWS::CloudFront::VpcOrigin": (
        "CloudFront",
        "VPC origins have no charge of their own; traffic is priced on the distribution",
    ),
    "AWS::WAFv2::LoggingConfiguration": _WAF,
    "AWS::Route53::RecordSet": (
        "Route 53",
        "records have no charge of their own and alias queries to AWS resources are free; the hosted zone is priced where it is created",
    ),
    "AWS::XRay::SamplingRule": (
        "X-Ray",
        "sampling rules have no charge; recorded traces are usage this estimate leaves out",
    ),
    "AWS::CloudFront::CloudFrontOriginAccessIdentity": ("CloudFront", "configuration object, no charge"),
    "AWS::CloudFront::ResponseHeadersPolicy": ("CloudFront", "configuration object, no charge"),
    "AWS::CloudFront::CachePolicy": ("CloudFront", "configuration object, no charge"),
    "AWS::CloudFront::OriginRequestPolicy": ("CloudFront", "configuration object, no charge"),
    "AWS::Lambda::Permission": ("Lambda", "permissions have no charge"),
    "AWS::EFS::MountTarget": (
        "EFS",
        "mount targets have no charge; storage and throughput are priced on the file system",
    ),
    "AWS::EFS::AccessPoint": ("EFS", "access points have no charge"),
    "AWS::Lambda::EventSourceMapping": _LAMBDA,
    "AWS::Lambda::Version": _LAMBDA,
    "AWS::Lambda::Alias": _LAMBDA,
    "AWS::Lambda::LayerVersion": ("Lambda", "layers have no charge of their own"),
    "AWS::ApiGateway::Account": ("API Gateway", "account settings have no charge"),
    "AWS::ApiGateway::Deployment": _APIGW,
    "AWS::ApiGateway::Stage": _APIGW,
    "AWS::ApiGateway::Resource": _APIGW,
    "AWS::ApiGateway::Method": _APIGW,
    "AWS::ApiGateway::Authorizer": _APIGW,
    "AWS::ApiGateway::Model": _APIGW,
    "AWS::ApiGateway::RequestValidator": _APIGW,
    "AWS::ApiGateway::UsagePlan": _APIGW,
    "AWS::ApiGateway::ApiKey": _APIGW,
    "AWS::ApiGateway::UsagePlanKey": _APIGW,
    "AWS::ApiGateway::BasePathMapping": _APIGW,
    "AWS::ApiGatewayV2::Stage": _APIGW,
    "AWS::ApiGatewayV2::Route": _APIGW,
    "AWS::ApiGatewayV2::Integration": _APIGW,
    "AWS::ApiGatewayV2::Authorizer": _APIGW,
    "AWS::ApiGatewayV2::Deployment": _APIGW,
    "AWS::ApiGatewayV2::ApiMapping": _APIGW,
    "AWS::EC2::LaunchTemplate": _EC2,
    "AWS::AutoScaling::ScalingPolicy": (
        "EC2 Auto Scaling",
        "auto scaling has no charge; its bounds price the group",
    ),
    "AWS::AutoScaling::ScheduledAction": ("EC2 Auto Scaling", "auto scaling has no charge"),
    "AWS::AutoScaling::LifecycleHook": ("EC2 Auto Scaling", "auto scaling has no charge"),
    "AWS::WAFv2::WebACLAssociation": _WAF,
    "AWS::Events::EventBusPolicy": ("EventBridge", "policies have no charge"),
    "AWS::CDK::Metadata": ("CloudFormation", "CDK metadata, not a deployed resource"),
    "AWS::CloudFormation::Stack": (
        "CloudFormation",
        "a nested stack: its resources are priced on their own lines",
    ),
    "AWS::CloudFormation::CustomResource": _CUSTOM,
    "AWS::RDS::DBSubnetGroup": _RDS,
    "AWS::RDS::DBParameterGroup": _RDS,
    "AWS::RDS::DBClusterParameterGroup": _RDS,
    "AWS::RDS::OptionGroup": _RDS,
    "AWS::RDS::DBProxyTargetGroup": ("RDS Proxy", "priced on the proxy"),
    "AWS::ElastiCache::SubnetGroup": ("ElastiCache", "subnet groups have no charge"),
    "AWS::ElastiCache::ParameterGroup": ("ElastiCache", "parameter groups have no charge"),
    "AWS::SecretsManager::SecretTargetAttachment": ("Secrets Manager", "attachments have no charge"),
    "AWS::SecretsManager::RotationSchedule": (
        "Secrets Manager",
        "rotation schedules have no charge; the rotation Lambda's few invocations a month are negligible",
    ),
    "AWS::SecretsManager::ResourcePolicy": ("Secrets Manager", "policies have no charge"),
    "AWS::KMS::Alias": ("KMS", "aliases have no charge"),
    "AWS::Backup::BackupPlan": ("AWS Backup", "backup storage is priced on the plan's backup selections"),
    "AWS::Backup::BackupVault": ("AWS Backup", "backup storage is priced on the plan's backup selections"),
    "AWS::Budgets::Budget": (
        "AWS Budgets",
        "budgets without actions have no charge; the first two action-enabled budgets are free",
    ),
    "AWS::CertificateManager::Certificate": ("ACM", "public certificates have no charge"),
}

# Whole namespaces without a charge of their own.
FREE_PREFIXES: dict[str, tuple[str, str]] = {
    "AWS::ApplicationAutoScaling::": _SCALING,
    "Custom::": _CUSTOM,
}


def free_reason(resource_type: str) -> tuple[str, str] | None:
    """(AWS service, reason) when `resource_type` has no charge of its own, else None."""
    if resource_type in FREE_TYPES:
        return FREE_TYPES[resource_type]
    for prefix, reason in FREE_PREFIXES.items():
        if resource_type.startswith(prefix):
            return reason
    return None
