"""How the building-block sections name a resource: its Service tag or construct id, after what it is."""

from __future__ import annotations

from docgen.assembly.model import Resource
from docgen.facts.fact import Fact, exists, tag
from docgen.facts.index import construct_id

# What people call each type in one word or two, before its name ("SQS Orders", "Lambda ItemsFn").
SERVICE = {
    "AWS::SQS::Queue": "SQS",
    "AWS::SNS::Topic": "SNS",
    "AWS::S3::Bucket": "S3",
    "AWS::DynamoDB::Table": "DynamoDB",
    "AWS::DynamoDB::GlobalTable": "DynamoDB",
    "AWS::Kinesis::Stream": "Kinesis",
    "AWS::Lambda::Function": "Lambda",
    "AWS::StepFunctions::StateMachine": "Step Functions",
    "AWS::Events::Rule": "EventBridge rule",
    "AWS::Events::EventBus": "event bus",
    "AWS::ApiGateway::RestApi": "REST API",
    "AWS::ApiGatewayV2::Api": "HTTP API",
    "AWS::ECS::Service": "ECS",
    "AWS::EC2::Instance": "EC2",
    "AWS::AutoScaling::AutoScalingGroup": "Auto Scaling group",
    "AWS::RDS::DBCluster": "Aurora",
    "AWS::RDS::DBInstance": "RDS",
    "AWS::Logs::LogGroup": "log group",
    "AWS::CloudFront::Distribution": "CloudFront",
    "AWS::WAFv2::WebACL": "web ACL",
}
LB_SHORT = {"application": "ALB", "network": "NLB", "gateway": "GWLB"}


# Types whose resources share their component's Service tag (a service's alarm topics): named by construct.
OWN_NAMES = frozenset({"AWS::SNS::Topic"})


def component(resource: Resource) -> Fact:
    """The resource's own name: its Service tag, else the id of the construct that made it."""
    service = tag(resource, "Service", default="")
    if service.value and resource.type not in OWN_NAMES:
        return service
    return exists(resource, construct_id(resource))


def service_of(resource: Resource) -> str:
    if resource.type == "AWS::ElasticLoadBalancingV2::LoadBalancer":
        return LB_SHORT.get(str(resource.properties.get("Type", "application")), "load balancer")
    return SERVICE.get(
        resource.type, resource.type.split("::")[1] if "::" in resource.type else resource.type
    )


def labelled(resource: Resource) -> Fact:
    """ "SQS Orders": what it is and its name, with the resource as the source."""
    name = component(resource)
    return Fact(resource.logical_id, f"{service_of(resource)} {name.text}", name.sources)
