"""Application secrets in Secrets Manager: created with a generated placeholder, set by operators, never in a template."""

from __future__ import annotations

from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from designspec.model import Secret
from stacks.nag import acknowledge, acknowledge_check


class AppSecret(Construct):
    def __init__(
        self, scope: Construct, id: str, *, spec: Secret, secret_name: str, key: kms.IKey | None
    ) -> None:
        super().__init__(scope, id)
        self.secret = secretsmanager.Secret(
            self,
            "Secret",
            secret_name=secret_name,
            description=spec.description or spec.name,
            encryption_key=key,
            # The real value is put by an operator (aws secretsmanager put-secret-value); until then a random one.
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=48, exclude_punctuation=True
            ),
        )
        rotation = (
            "A third-party credential: it rotates when its issuer rotates it, by the runbook's "
            "put-secret-value step."
        )
        acknowledge(self.secret, "AwsSolutions-SMG4", rotation)
        acknowledge_check(self.secret, rotation, nag="SecretsManagerRotationEnabled")
        if key is None:
            acknowledge_check(
                self.secret,
                "The spec chooses security.encryption: aws-managed; the secret uses the AWS-managed KMS key.",
                nag="SecretsManagerUsingKMSKey",
            )
