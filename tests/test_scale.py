"""A 60-service design synthesizes into stacks that each stay under CloudFormation's 500-resource limit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from designspec import parse_design
from tests.conftest import synth_design
from tests.designs.sixty import sixty_service_design_yaml

pytestmark = pytest.mark.synth
LIMIT = 500


def test_sixty_service_design_stays_under_the_stack_resource_limit(tmp_path: Path) -> None:
    design_file = tmp_path / "sixty.yaml"
    design_file.write_text(sixty_service_design_yaml())
    design = parse_design(design_file.read_text(), str(design_file))
    assert len(design.services) == 60
    synth = synth_design(design_file, tmp_path / "cdk.out")
    counts: dict[str, int] = {}
    services = 0
    for env in sorted(design.aws_environments()):
        for stack_id, template in synth.templates(env).items():
            counts[f"{env}/{stack_id}"] = len(template["Resources"])
            services += sum(1 for r in template["Resources"].values() if r["Type"] == "AWS::ECS::Service")
    assert services == 60 * len(design.aws_environments())
    too_big = {k: v for k, v in counts.items() if v >= LIMIT}
    assert not too_big, too_big
    assert max(counts.values()) > 20  # counted real templates, not empty ones
    (tmp_path / "counts.json").write_text(json.dumps(counts))
