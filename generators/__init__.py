"""Generators of the design's delivery files: the dev Docker Compose stack and the CI/CD pipeline."""

from generators.compose import compose_dict, compose_yaml, dev_services, elasticmq_conf, env_example
from generators.pipeline import Pipeline, pipeline_model, pipeline_model_to_dict

__all__ = [
    "Pipeline",
    "compose_dict",
    "compose_yaml",
    "dev_services",
    "elasticmq_conf",
    "env_example",
    "pipeline_model",
    "pipeline_model_to_dict",
]
