"""Reads a synthesized CDK cloud assembly and writes the infrastructure design doc. Never imports aws_cdk or stacks."""
