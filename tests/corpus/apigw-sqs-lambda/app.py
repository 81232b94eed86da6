#!/usr/bin/env python3
"""API Gateway REST API → SQS (direct service integration) → Lambda, plus an HTTP API with a Lambda authorizer.

The serverless-patterns "apigw-sqs-lambda" shape: `POST /orders` on a REST API sends the body to an SQS queue
through an AWS integration (no Lambda in the request path) and a consumer Lambda drains the queue. A second,
HTTP API (API Gateway v2) routes `GET /items` and `GET /items/{id}` to a Lambda, every route behind a Lambda
request authorizer. Pinned to us-east-1.
"""

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

ENV = cdk.Environment(account="333333333333", region="us-east-1")
CONSUMER = "def handler(event, context):\n    return {'batchItemFailures': []}\n"
ITEMS = "def handler(event, context):\n    return {'statusCode': 200, 'body': '[]'}\n"
AUTHORIZER = (
    "def handler(event, context):\n    return {'isAuthorized': event['headers'].get('x-api-key') == 'k'}\n"
)


def inline_function(scope: Construct, name: str, code: str, **kwargs) -> lambda_.Function:
    return lambda_.Function(
        scope,
        name,
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline(code),
        **kwargs,
    )


class OrdersApiStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        queue = sqs.Queue(self, "Orders", visibility_timeout=cdk.Duration.seconds(60), enforce_ssl=True)
        self._rest_api(queue)
        consumer = inline_function(
            self, "Consumer", CONSUMER, memory_size=256, timeout=cdk.Duration.seconds(20)
        )
        consumer.add_event_source(
            sources.SqsEventSource(queue, batch_size=5, report_batch_item_failures=True)
        )
        self._http_api()

    def _rest_api(self, queue: sqs.Queue) -> None:
        role = iam.Role(self, "ApiToSqs", assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"))
        queue.grant_send_messages(role)
        api = apigw.RestApi(
            self,
            "OrdersApi",
            deploy_options=apigw.StageOptions(
                stage_name="v1", throttling_rate_limit=100, throttling_burst_limit=50
            ),
        )
        integration = apigw.AwsIntegration(
            service="sqs",
            path=f"{self.account}/{queue.queue_name}",
            integration_http_method="POST",
            options=apigw.IntegrationOptions(
                credentials_role=role,
                request_parameters={
                    "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"
                },
                request_templates={"application/json": "Action=SendMessage&MessageBody=$input.body"},
                integration_responses=[apigw.IntegrationResponse(status_code="200")],
            ),
        )
        api.root.add_resource("orders").add_method(
            "POST", integration, method_responses=[apigw.MethodResponse(status_code="200")]
        )

    def _http_api(self) -> None:
        authorizer_fn = inline_function(self, "Authorizer", AUTHORIZER)
        authorizer = authorizers.HttpLambdaAuthorizer(
            "KeyAuthorizer",
            authorizer_fn,
            response_types=[authorizers.HttpLambdaResponseType.SIMPLE],
            identity_source=["$request.header.x-api-key"],
        )
        api = apigwv2.HttpApi(self, "ItemsApi", default_authorizer=authorizer)
        items = integrations.HttpLambdaIntegration("Items", inline_function(self, "ItemsFn", ITEMS))
        api.add_routes(path="/items", methods=[apigwv2.HttpMethod.GET], integration=items)
        api.add_routes(path="/items/{id}", methods=[apigwv2.HttpMethod.GET], integration=items)
        cdk.CfnOutput(self, "ItemsUrl", value=api.url or "")


app = cdk.App()
OrdersApiStack(app, "OrdersApi", env=ENV)
app.synth()
